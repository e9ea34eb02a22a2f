"""The scoring service as a bare ASGI app: ``/``, ``/ready``, ``/score``, ``/swagger.json``.

No framework: each request is a dict lookup on the path and a couple of ``send`` calls, and run() executes
inline on the event-loop thread (one request at a time per worker, like Azure's sync gunicorn worker, in
arrival order: scoring_queue.py), so
the only per-request overhead over a hello-world ASGI app is reading the body, the request-id headers, the
scoring timer, JSON encoding and one buffered access-log line.
"""

from __future__ import annotations

import time
import traceback
from urllib.parse import parse_qsl
from typing import Awaitable, Callable, Dict, Optional, Tuple

from . import log
from .aml_shims import AMLResponse, is_http_response
from .incoming_request import IncomingRequest
from .input_modes import InputError, UnsupportedMethod
from .lifecycle import ScriptLifecycle
from .request_ids import RequestIdTooLong, request_id_headers
from .responses import (
    HTML_TYPE,
    INTERNAL_ERROR_MESSAGE,
    JSON_TYPE,
    METHOD_NOT_ALLOWED_MESSAGE,
    NOT_FAILED,
    NOT_FOUND_MESSAGE,
    RUN_FAILED_MESSAGE,
    HeaderList,
    error_parts,
    json_dumps,
    response_object_parts,
)
from .scoring_queue import ScoringQueue
from .scoring_timeout import ScoringTimedOut, ScoringTimer
from .settings import RuntimeSettings
from .swagger import SwaggerUnavailable

Send = Callable[[dict], Awaitable[None]]
Answer = Tuple[int, HeaderList, bytes]  # status, headers (content-length included), body
Receive = Callable[[], Awaitable[dict]]

_SCORE_METHODS = frozenset({"POST", "GET", "OPTIONS", "HEAD"})
INITIALIZING_MESSAGE = "The service is initializing: the entry script's init() has not finished yet."
_perf_counter = time.perf_counter


class BodyTooLarge(Exception):
    pass


class ClientGone(Exception):
    pass


# The access-log status of a request whose client closed the connection before it was scored (nginx's 499).
CLIENT_CLOSED_STATUS = 499


def _disconnected(receive: Receive) -> bool:
    """Whether the client of this request has closed its connection, asked without waiting.

    ASGI only tells by `receive()` returning `http.disconnect`, which blocks while the client is still there;
    uvicorn's per-request cycle (the owner of `receive`) knows: its transport starts closing as soon as the
    loop reads the client's end of stream (uvicorn does not keep half-closed connections), and `disconnected`
    is set a moment later. Another server, or a wrapped `receive` (data collection on): never known, so the
    request is scored as before.
    tests/runtime/test_fair_queueing.py checks it on uvicorn."""
    cycle = getattr(receive, "__self__", None)
    if cycle is None:
        return False
    if getattr(cycle, "disconnected", False) is True:
        return True
    transport = getattr(cycle, "transport", None)
    return transport is not None and transport.is_closing()


class ScoringApp:
    def __init__(self, settings: RuntimeSettings, lifecycle: Optional[ScriptLifecycle] = None):
        self.settings = settings
        self.lifecycle = lifecycle if lifecycle is not None else ScriptLifecycle(settings)
        self.timer = ScoringTimer(settings.scoring_timeout_ms)
        self.queue = ScoringQueue()
        self.max_request_bytes = settings.max_request_bytes
        self._server_version = settings.server_version_header.encode("latin-1") or None
        # /score requests this worker holds (one runs, the others wait in the queue). With several workers a
        # client whose answer leaves others waiting, here or in the kernel's accept queue, is sent
        # `connection: close`: it lines up again in the shared accept queue, which idle workers take from
        # (fair_accept.py; Azure's sync gunicorn worker closes every connection).
        self.scoring_in_flight = 0
        self._rebalance = settings.worker_count > 1
        self.connections_waiting: Callable[[], int] = _none_waiting  # set by server.py (fair_accept.py)
        # Set by server.py to the supervisor's shared board; None in-process (tests, dry runs): one worker.
        self.workers_status: Optional[Callable[[], Optional[dict]]] = None
        self._routes: Dict[str, Callable[..., Awaitable[None]]] = {
            "/score": self._score,
            "/": self._liveness,
            "/ready": self._ready,
            "/swagger.json": self._swagger,
        }

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            route = self._routes.get(scope["path"])
            if route is None:
                await _send(send, *error_parts(404, NOT_FOUND_MESSAGE))
            elif route == self._score:
                self.scoring_in_flight += 1
                try:
                    await route(scope, receive, send)
                finally:
                    self.scoring_in_flight -= 1
            else:
                await route(scope, receive, send)
        elif kind == "lifespan":
            await _lifespan(receive, send)

    # -- /score ---------------------------------------------------------------------------------------------------
    # One rule for both ways in: the ASGI path below awaits the body and its turn in the queue; the inline path
    # (`score_inline`, inline_scoring.py) has the body already and finds the queue free. Everything else is the
    # same synchronous steps: `_admit`, `_arguments`, `_run_and_answer`, each returning an answer when it ends
    # the request early.
    async def _score(self, scope: dict, receive: Receive, send: Send) -> None:
        started = _perf_counter()
        method = scope["method"]
        if method not in _SCORE_METHODS:
            await _send(send, *error_parts(405, METHOD_NOT_ALLOWED_MESSAGE), [(b"allow", b"GET, HEAD, OPTIONS, POST")])
            return
        header_map = dict(scope["headers"])
        id_headers, script, early = self._admit(scope, header_map, started)
        if early is not None:
            return await _send_answer(send, early)
        body = b""
        if method == "POST" or script.input_mode.reads_body_for_every_method:
            try:
                body = await self._read_body(header_map, receive)
            except BodyTooLarge:
                return await _send_answer(send, self._too_large(scope, started, id_headers))
            except ClientGone:
                return
        arguments, early = self._arguments(scope, header_map, body, script, id_headers, started)
        if early is not None:
            return await _send_answer(send, early)
        # run() entered first come, first served (scoring_queue.py); a request that waited and whose client
        # left meanwhile is not scored
        if not await self.queue.turn(lambda: _disconnected(receive)):
            self._access(scope, CLIENT_CLOSED_STATUS, started, 0)
            return
        await _send_answer(send, self._run_and_answer(scope, header_map, script.run, arguments, id_headers, started))

    def score_inline(self, scope: dict, body: bytes) -> Optional[Answer]:
        """The answer to a ``POST /score`` whose whole body has arrived, computed now without awaiting anything,
        or None when the queue is held (the request must wait its turn on the ASGI path)."""
        if not self.queue.can_enter_now():
            return None
        started = _perf_counter()
        header_map = dict(scope["headers"])
        self.scoring_in_flight += 1
        try:
            id_headers, script, early = self._admit(scope, header_map, started)
            if early is not None:
                return early
            declared = header_map.get(b"content-length")
            if len(body) > self.max_request_bytes or (declared is not None and int(declared) > self.max_request_bytes):
                return self._too_large(scope, started, id_headers)
            arguments, early = self._arguments(scope, header_map, body, script, id_headers, started)
            if early is not None:
                return early
            self.queue.enter_now()  # checked above, and nothing else ran since
            return self._run_and_answer(scope, header_map, script.run, arguments, id_headers, started)
        finally:
            self.scoring_in_flight -= 1

    def _admit(self, scope: dict, header_map: Dict[bytes, bytes], started: float):
        """``(id_headers, script, None)``, or an early answer as the third item (request id too long, init()
        not finished)."""
        try:
            id_headers = request_id_headers(header_map, self._server_version)
        except RequestIdTooLong as too_long:
            return None, None, self._answered(scope, started, *error_parts(431, too_long.message), too_long.echo)
        script = self.lifecycle.current
        if script is None:
            return id_headers, None, self._answered(scope, started, *error_parts(503, INITIALIZING_MESSAGE), id_headers)
        return id_headers, script, None

    def _too_large(self, scope: dict, started: float, id_headers: HeaderList) -> Answer:
        status, headers, payload = error_parts(413, f"Request body exceeds {self.max_request_bytes} bytes")
        headers.append((b"connection", b"close"))
        return self._answered(scope, started, status, headers, payload, id_headers)

    def _arguments(self, scope: dict, header_map, body: bytes, script, id_headers: HeaderList, started: float):
        """``(run()'s keyword arguments, None)``, or ``(None, early answer)`` when the input mode refuses it."""
        request = IncomingRequest(scope, header_map, body)
        try:
            arguments = script.input_mode.arguments(request)
        except UnsupportedMethod:
            if scope["method"] == "OPTIONS":
                return None, self._answered(scope, started, 200, [HTML_TYPE, NOT_FAILED], b"", id_headers)
            return None, self._answered(scope, started, *error_parts(405, "Method not allowed"), id_headers)
        except InputError as bad:
            return None, self._answered(scope, started, *error_parts(bad.status, bad.message), id_headers)
        if script.passes_request_headers:
            arguments["request_headers"] = request.request_headers()
        return arguments, None

    def _run_and_answer(self, scope: dict, header_map, run, arguments: dict, id_headers: HeaderList,
                        started: float) -> Answer:
        """run() under the scoring timer (the caller holds the queue's turn, given back here), and its answer."""
        try:
            output, elapsed_ms = self.timer.call(run, arguments)
        except ScoringTimedOut as timed_out:
            log.error(
                f"Scoring timeout after {self.timer.timeout_ms} ms (ran {timed_out.elapsed_ms:.1f} ms):\n"
                + traceback.format_exc()
            )
            message = f"Scoring timeout after {self.timer.timeout_ms} ms"
            return self._answered(scope, started, *error_parts(500, message, True), id_headers)
        except BaseException:  # SystemExit, KeyboardInterrupt, GeneratorExit... from user code: same answer
            log.error("Encountered Exception: " + traceback.format_exc())
            return self._answered(scope, started, *error_parts(500, RUN_FAILED_MESSAGE, True), id_headers)
        finally:
            self.queue.done()

        try:
            if type(output) is not AMLResponse and not is_http_response(output):
                payload = json_dumps(output).encode()
                status = 200
                headers = [JSON_TYPE, NOT_FAILED, (b"content-length", b"%d" % len(payload))]
            else:
                status, headers, payload = response_object_parts(output, b"x-ms-client-request-id" in header_map)
                headers.append((b"content-length", b"%d" % len(payload)))
        except BaseException:  # unserializable output, or a response object whose methods raise anything
            log.error("Encountered Exception: " + traceback.format_exc())
            return self._answered(scope, started, *error_parts(500, INTERNAL_ERROR_MESSAGE), id_headers)
        headers.append((b"x-ms-run-fn-exec-ms", b"%.3f" % elapsed_ms))
        headers += id_headers
        if self._rebalance and (self.scoring_in_flight > 1 or self.connections_waiting()):
            headers.append((b"connection", b"close"))
        log.access(scope["method"], "/score", scope["query_string"], status, (_perf_counter() - started) * 1000,
                   len(payload))
        return status, headers, payload

    def _answered(self, scope: dict, started: float, status: int, headers: HeaderList, body: bytes,
                  more: HeaderList) -> Answer:
        """A non-success /score answer, its access line logged."""
        self._access(scope, status, started, len(body))
        return status, headers + more + [(b"content-length", b"%d" % len(body))], body

    async def _read_body(self, header_map: Dict[bytes, bytes], receive: Receive) -> bytes:
        """The whole body, refusing more than the limit: by Content-Length up front, else while reading."""
        limit = self.max_request_bytes
        declared = header_map.get(b"content-length")
        if declared is not None and int(declared) > limit:
            raise BodyTooLarge()
        message = await receive()
        if message["type"] != "http.request":
            raise ClientGone()
        body = message.get("body", b"")
        if not message.get("more_body"):
            if len(body) > limit:
                raise BodyTooLarge()
            return body
        chunks = [body]
        size = len(body)
        while True:
            message = await receive()
            if message["type"] != "http.request":
                raise ClientGone()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge()
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)

    def _access(self, scope: dict, status: int, started: float, length: int) -> None:
        log.access(
            scope["method"], scope["path"], scope["query_string"], status, (_perf_counter() - started) * 1000, length
        )

    # -- probes and swagger ---------------------------------------------------------------------------------------
    async def _liveness(self, scope: dict, receive: Receive, send: Send) -> None:
        """Azure's health probe: 200 ``Healthy`` as soon as the process listens, also during init()."""
        if not await self._probe_method_ok(scope, send, "GET, HEAD, OPTIONS"):
            return
        try:
            id_headers = request_id_headers(dict(scope["headers"]), self._server_version)
        except RequestIdTooLong as too_long:
            status, headers, body = error_parts(431, too_long.message)
            return await _send(send, status, headers + too_long.echo, body)
        await _send(send, 200, [HTML_TYPE] + id_headers, b"Healthy")

    async def _ready(self, scope: dict, receive: Receive, send: Send) -> None:
        """Readiness for the deploy tooling: 503 until init() finished, then load counters."""
        if not await self._probe_method_ok(scope, send, "GET, HEAD, OPTIONS"):
            return
        status, document = self.lifecycle.readiness()
        document["workers"] = self._workers()
        await _send(send, status, [JSON_TYPE], json_dumps(document).encode())

    def _workers(self) -> dict:
        """``{"count", "ready", "restarts", "last_death"}`` for every worker of the service (see supervisor.py)."""
        board = self.workers_status() if self.workers_status is not None else None
        if board is None:
            loaded = self.lifecycle.current is not None
            return {"count": 1, "ready": int(loaded), "restarts": 0, "last_death": None}
        return board

    async def _swagger(self, scope: dict, receive: Receive, send: Send) -> None:
        if not await self._probe_method_ok(scope, send, "GET, HEAD, OPTIONS"):
            return
        started = _perf_counter()
        try:
            id_headers = request_id_headers(dict(scope["headers"]), self._server_version)
        except RequestIdTooLong as too_long:
            status, headers, body = error_parts(431, too_long.message)
            return await _send(send, status, headers + too_long.echo, body)
        script = self.lifecycle.current
        if script is None:
            status, headers, body = error_parts(503, INITIALIZING_MESSAGE)
        else:
            version = _query_value(scope["query_string"], "version") or "2"
            try:
                status, headers, body = 200, [JSON_TYPE, NOT_FAILED], json_dumps(script.swagger.get(version)).encode()
            except SwaggerUnavailable as unavailable:
                status, headers, body = error_parts(404, unavailable.message)
        await _send(send, status, headers + id_headers, body)
        self._access(scope, status, started, len(body))

    async def _probe_method_ok(self, scope: dict, send: Send, allowed: str) -> bool:
        method = scope["method"]
        if method in ("GET", "HEAD"):
            return True
        if method == "OPTIONS":
            await _send(send, 200, [HTML_TYPE, (b"allow", allowed.encode())], b"")
        else:
            await _send(send, *error_parts(405, METHOD_NOT_ALLOWED_MESSAGE), [(b"allow", allowed.encode())])
        return False


def _none_waiting() -> int:
    return 0


def _query_value(query_string: bytes, name: str) -> Optional[str]:
    for key, value in parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True):
        if key == name:
            return value
    return None


async def _send_answer(send: Send, answer: Answer) -> None:
    status, headers, body = answer
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _send(send: Send, status: int, headers: HeaderList, body: bytes, extra: Optional[HeaderList] = None) -> None:
    headers = headers + [(b"content-length", b"%d" % len(body))] + (extra or [])
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _lifespan(receive: Receive, send: Send) -> None:
    """Accept lifespan events (uvicorn runs with lifespan off; other ASGI servers may not)."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
