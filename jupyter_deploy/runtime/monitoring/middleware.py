"""ASGI middleware around the ScoringApp: ``GET /metrics``, request metrics, and the capture of /score.

Kept apart from app.py on purpose: the scoring app stays a bare ASGI app; this wraps its ``receive`` and
``send`` to see the body, the status and the answer, times the request, and hands a tuple to the capture
writer. With collection off the wrapping is skipped entirely, so off costs two counter updates per request.
"""

from __future__ import annotations

import time
from typing import Optional

from .. import aml_shims  # noqa: F401  (puts the shims, and so _jupyter_deploy_capture, on sys.path)
from ..lifecycle import ScriptLifecycle
from ..log import info
from ..request_ids import new_request_id
from ..settings import RuntimeSettings
from .capture import CaptureWriter
from .contract import MonitoringSettings, load_monitoring_settings

import _jupyter_deploy_capture as capture_sink  # noqa: E402

_perf_counter = time.perf_counter
_time = time.time
_ID_HEADERS = (b"x-request-id", b"x-ms-request-id", b"x-ms-client-request-id")


class MonitoredLifecycle(ScriptLifecycle):
    """ScriptLifecycle that records how long import + init() took (the init-duration gauge)."""

    metrics = None
    _load_started: Optional[float] = None

    async def load_initial(self, on_failure) -> None:
        self._load_started = _perf_counter()
        await super().load_initial(on_failure)

    def _install(self, script):
        if self._load_started is not None and self.metrics is not None:
            self.metrics.init_duration.set(_perf_counter() - self._load_started)
            self._load_started = None
        return super()._install(script)


class MonitoringMiddleware:
    def __init__(self, app, monitoring: MonitoringSettings, writer: CaptureWriter, metrics=None):
        self.app = app
        self.monitoring = monitoring
        self.writer = writer
        self.metrics = metrics
        # the server drives these on the inner app (SIGHUP reloads, the scoring timer's housekeeping)
        self.lifecycle = app.lifecycle
        self.timer = app.timer

    async def __call__(self, scope: dict, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        if path == "/metrics":
            return await self._metrics_route(scope, send)
        metrics = self.metrics
        writer = self.writer
        if path != "/score" or not writer.active:
            if metrics is None:
                return await self.app(scope, receive, send)
            started = _perf_counter()
            status = [500]

            async def send_status(message: dict) -> None:
                if message["type"] == "http.response.start":
                    status[0] = message["status"]
                await send(message)

            metrics.in_flight.inc()
            try:
                await self.app(scope, receive, send_status)
            finally:
                metrics.in_flight.dec()
                self._observe(path, status[0], _perf_counter() - started)
            return
        await self._captured(scope, receive, send)

    def score_inline(self, scope: dict, body: bytes):
        """The inline path (inline_scoring.py) through the same metrics; None while capture is on (its rows
        and request ids come from the ASGI path) or when the app says the request must wait its turn.

        An inline request starts and ends inside one call on the loop's thread, which is also where /metrics
        is rendered, so with one worker no scrape can see it in flight and the gauge is left alone; with
        several, the other workers read this one's values from the shared files at any time, so it counts."""
        writer = self.writer
        if writer.collect_model_data or writer.app_insights:
            return None
        metrics = self.metrics
        if metrics is None:
            return self.app.score_inline(scope, body)
        started = _perf_counter()
        if not metrics.multiprocess:
            answer = self.app.score_inline(scope, body)
        else:
            metrics.in_flight.inc()
            try:
                answer = self.app.score_inline(scope, body)
            finally:
                metrics.in_flight.dec()
        if answer is not None:
            metrics.observe_score(answer[0], _perf_counter() - started)
        return answer

    async def _captured(self, scope: dict, receive, send) -> None:
        """/score with capture on: keep the body and the answer, and give run() a request id to correlate with."""
        started = _perf_counter()
        started_wall = _time()
        headers = scope["headers"]
        request_id = None
        for key, value in headers:
            if key == b"x-request-id":
                request_id = value
                break
        if request_id is None and not any(key in _ID_HEADERS for key, _ in headers):
            request_id = new_request_id()  # minted here so collectors inside run() see the id the client gets
            scope = dict(scope, headers=list(headers) + [(b"x-request-id", request_id)])
        body_parts = []
        answer = []
        state = {"status": 500, "id": request_id}

        async def keep_receive() -> dict:
            message = await receive()
            if message["type"] == "http.request":
                body_parts.append(message.get("body", b""))
            return message

        async def keep_send(message: dict) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                if state["id"] is None:
                    for key, value in message.get("headers", ()):
                        if key == b"x-request-id" or key == b"x-ms-request-id":
                            state["id"] = value
                            break
            elif message["type"] == "http.response.body":
                answer.append(message.get("body", b""))
            await send(message)

        metrics = self.metrics
        if metrics is not None:
            metrics.in_flight.inc()
        token = capture_sink.current_request_id.set(request_id.decode("latin-1") if request_id else None)
        try:
            await self.app(scope, keep_receive, keep_send)
        finally:
            capture_sink.current_request_id.reset(token)
            elapsed = _perf_counter() - started
            if metrics is not None:
                metrics.in_flight.dec()
                self._observe("/score", state["status"], elapsed)
            rid = state["id"]
            self.writer.request_row(started_wall, rid.decode("latin-1") if rid else None, state["status"],
                                    elapsed * 1000, b"".join(body_parts), b"".join(answer))

    def _observe(self, path: str, status: int, seconds: float) -> None:
        if path == "/score":
            self.metrics.observe_score(status, seconds)
        else:
            self.metrics.observe(path, status, seconds)

    async def _metrics_route(self, scope: dict, send) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            body, kind, status = b"Method not allowed\n", "text/plain", 405
        elif self.metrics is None:
            body, kind, status = b"Metrics are off (JUPYTER_DEPLOY_METRICS=0)\n", "text/plain", 404
        else:
            body, kind = self.metrics.render()
            status = 200
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", kind.encode()), (b"content-length", b"%d" % len(body))]})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})

    def tick(self) -> None:
        """A few times a second, from the server's housekeeping: poll the capture switches (until the writer
        has its thread) and fold the /score tallies into the metrics other workers read."""
        self.writer.tick()
        if self.metrics is not None:
            self.metrics.fold()

    def close(self) -> None:
        """Clean shutdown: write every queued row and the last tallies."""
        if self.metrics is not None:
            self.metrics.fold()
        self.writer.close()


def monitored_app(settings: RuntimeSettings, environ=None):
    """The ScoringApp wrapped in monitoring: what the server runs."""
    import os

    from ..app import ScoringApp

    monitoring = load_monitoring_settings(os.environ if environ is None else environ, settings.service_name)
    metrics = None
    if monitoring.metrics:
        from .metrics import ServiceMetrics

        metrics = ServiceMetrics()
    lifecycle = MonitoredLifecycle(settings)
    lifecycle.metrics = metrics
    writer = CaptureWriter(monitoring, metrics)
    capture_sink.sink = writer.collector_row
    writer.start()
    if writer.collect_model_data:
        info(f"Model data collection is on; rows go to {monitoring.data_dir}")
    return MonitoringMiddleware(ScoringApp(settings, lifecycle), monitoring, writer, metrics)
