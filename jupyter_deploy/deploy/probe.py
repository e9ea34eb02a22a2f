"""Sending one request, or a bounded burst of them, to a scoring URI and summarising what came back.

Used by `%%test_endpoint`, but free of IPython so any front end can call it. A burst is bounded twice (at most
`MAX_REPEAT` requests and `max_seconds` of sending) so a typo such as `--repeat 1000000` cannot hang a kernel.
Each worker thread keeps one `requests.Session`, so connections are reused as a real client would.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests

from ..display.html import body_text
from ..display.latency import endpoint_test_html
from ..errors import EndpointTestError, InvalidRequestBody
from ..shapes import EndpointTestShape

MAX_REPEAT = 10_000
MAX_CONCURRENCY = 64


def parse_json_body(text: str, shown: str = "The request body") -> str:
    """Return `text` unchanged when it is JSON; raise `InvalidRequestBody` naming the line and column otherwise."""
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidRequestBody(
            f"{shown} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}; fix it and run again."
        ) from None
    return text


@dataclass
class EndpointTestResult:
    """The first response in full, and the latency and status of every request sent."""

    url: str
    status: int | None
    body: Any
    headers: dict[str, str]
    latency_ms: float | None
    latencies_ms: list[float]
    status_counts: dict[int, int]
    errors: dict[str, int]
    elapsed_s: float
    repeat: int
    concurrency: int
    stopped_by_time_limit: bool = False
    sent: int = field(default=0)

    @property
    def requests_per_second(self) -> float:
        return self.sent / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def percentile(self, p: float) -> float | None:
        """Latency percentile in ms over answered requests (linear interpolation, as numpy's default)."""
        if not 0 <= p <= 100:
            raise ValueError("percentile p must be between 0 and 100")
        values = sorted(self.latencies_ms)
        if not values:
            return None
        rank = (len(values) - 1) * p / 100
        low, high = math.floor(rank), math.ceil(rank)
        return values[low] + (values[high] - values[low]) * (rank - low)

    # -- presentation --------------------------------------------------------------------------------------
    def body_text(self) -> str:
        return body_text(self.body)

    def status_text(self) -> str:
        if self.status is None:
            first_error = next(iter(self.errors), "no answer")
            return f"no response ({first_error})"
        return f"HTTP {self.status} in {self.latency_ms:.1f} ms"

    def summary_lines(self) -> list[str]:
        counts = ", ".join(f"{status}×{count}" for status, count in sorted(self.status_counts.items()))
        lines = [
            f"{self.sent} requests ({self.concurrency} concurrent) in {self.elapsed_s:.2f} s, "
            f"{self.requests_per_second:.1f} req/s; status {counts or 'none'}"
        ]
        if self.latencies_ms:
            lines.append(
                f"latency p50 {self.percentile(50):.1f} ms, p90 {self.percentile(90):.1f} ms, "
                f"p99 {self.percentile(99):.1f} ms, max {max(self.latencies_ms):.1f} ms"
            )
        for message, count in self.errors.items():
            lines.append(f"error ×{count}: {message}")
        if self.stopped_by_time_limit:
            lines.append(f"stopped after the time limit: {self.sent} of {self.repeat} requests sent")
        return lines

    def __repr__(self) -> str:
        lines = [f"{self.url}: {self.status_text()}"]
        if self.status is not None:
            lines.append(self.body_text())
        if self.repeat > 1:
            lines.extend(self.summary_lines())
        elif self.errors and self.status is None:
            lines.extend(f"error: {message}" for message in self.errors)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return endpoint_test_html(self)

    def shape(self) -> EndpointTestShape:
        """The REST answer of a test request (`shapes.EndpointTestShape`)."""
        return EndpointTestShape(
            status=self.status, body=self.body, latency_ms=_round(self.latency_ms), headers=self.headers,
            repeat=self.repeat, p50_ms=_round(self.percentile(50)), p90_ms=_round(self.percentile(90)),
            p99_ms=_round(self.percentile(99)), errors=sum(self.errors.values()))


def call_endpoint(target: Any, body: str | bytes, *, repeat: int = 1, concurrency: int = 1,
                  timeout_s: float = 60, max_seconds: float = 120, headers: dict | None = None) -> EndpointTestResult:
    """POST `body` to the service `repeat` times from `concurrency` threads; stop early after `max_seconds`."""
    url = _scoring_url(target)
    if not isinstance(repeat, int) or not 1 <= repeat <= MAX_REPEAT:
        raise EndpointTestError(f"repeat must be a whole number from 1 to {MAX_REPEAT}, not {repeat!r}.")
    if not isinstance(concurrency, int) or not 1 <= concurrency <= MAX_CONCURRENCY:
        raise EndpointTestError(f"concurrency must be a whole number from 1 to {MAX_CONCURRENCY}, not {concurrency!r}.")
    if max_seconds <= 0 or timeout_s <= 0:
        raise EndpointTestError("timeout_s and max_seconds must be positive numbers of seconds.")
    payload = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    own_key = getattr(target, "auth_headers", None)  # a service with key auth: send its primary key
    sent_headers = {"Content-Type": "application/json", **(own_key() if callable(own_key) else {}), **(headers or {})}

    lock = threading.Lock()
    next_index = 0
    latencies: list[float] = []
    status_counts: Counter = Counter()
    errors: Counter = Counter()
    first: dict[str, Any] = {}
    started = time.perf_counter()
    deadline = started + max_seconds
    stopped = False

    def claim() -> int | None:
        nonlocal next_index, stopped
        with lock:
            if next_index >= repeat:
                return None
            if time.perf_counter() >= deadline:
                stopped = True
                return None
            next_index += 1
            return next_index - 1

    def worker() -> None:
        with requests.Session() as session:
            while (index := claim()) is not None:
                began = time.perf_counter()
                try:
                    response = session.post(url, data=payload, headers=sent_headers, timeout=timeout_s)
                    content = response.content
                except requests.RequestException as error:
                    with lock:
                        errors[_describe(error)] += 1
                    continue
                latency = (time.perf_counter() - began) * 1000
                with lock:
                    latencies.append(latency)
                    status_counts[response.status_code] += 1
                    if index == 0 or not first:
                        first.update(status=response.status_code, body=_decode(response, content),
                                     headers=dict(response.headers), latency=latency)

    threads = [threading.Thread(target=worker, name=f"endpoint-test-{n}", daemon=True)
               for n in range(min(concurrency, repeat))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return EndpointTestResult(
        url=url, status=first.get("status"), body=first.get("body"), headers=first.get("headers", {}),
        latency_ms=first.get("latency"), latencies_ms=latencies, status_counts=dict(status_counts),
        errors=dict(errors), elapsed_s=elapsed, repeat=repeat, concurrency=concurrency,
        stopped_by_time_limit=stopped, sent=len(latencies) + sum(errors.values()),
    )


def _scoring_url(target: Any) -> str:
    uri = getattr(target, "scoring_uri", None)
    if isinstance(uri, str):
        return uri
    if isinstance(target, str) and target.startswith(("http://", "https://")):
        return target
    raise EndpointTestError(f"{target!r} is neither a web service nor an http:// URL; pass the service or its scoring URI.")


def _decode(response: requests.Response, content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return content.decode(response.encoding or "utf-8", "replace")


def _describe(error: requests.RequestException) -> str:
    if isinstance(error, requests.Timeout):
        return "timed out waiting for the answer"
    if isinstance(error, requests.ConnectionError):
        return "connection refused or dropped (is the service running?)"
    return f"{type(error).__name__}: {error}"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
