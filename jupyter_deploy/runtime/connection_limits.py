"""Connection limits uvicorn does not have: header-read timeout, slow-drip bodies, a connection cap.

uvicorn only times out a keep-alive connection *after* a response; a socket that never sends a byte, or sends
its headers or body one byte a second, is kept forever (issue 9: ~3 300 idle sockets exhausted the engine's port
forwarder). We subclass uvicorn's httptools protocol (the one we already run) rather than hand-write HTTP:

- header timeout: from connect, or from a request's first byte, to the end of its headers;
- keep-alive idle timeout: uvicorn's own ``timeout_keep_alive`` (set from the settings by server.py);
- bodies: any pace during a grace period, then at least ``min_body_bytes_per_s`` on average;
- a cap per worker: past ``max_connections`` the oldest idle connection (no request in progress) is closed to
  make room; when none is idle the new connection is still accepted, but as an *overflow* connection: it gets
  one request, ``GET /`` and ``/ready`` are answered (so probes keep working at the cap) and everything else is
  a 503 ``{"message"}``; then it is closed. A hard ceiling above the cap closes new sockets outright.

A run() executing inline blocks the loop, so timers fire late; a timer that fires much later than planned
looks once more after the loop has read the sockets, so no client is punished for the server's own lag.
"""

from __future__ import annotations

import json
import time
from typing import Dict, Optional

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .response_writes import CoalescingTransport
from .settings import RuntimeSettings

PROBE_PATHS = frozenset({"/", "/ready"})
OVERFLOW_HEADER_TIMEOUT_S = 2.0
LAG_TOLERANCE_S = 0.25
LAG_RECHECK_S = 0.05
BODY_CHECK_INTERVAL_S = 1.0
TOO_MANY_CONNECTIONS = "The server has too many open connections; try again later."
HEADER_TIMEOUT_MESSAGE = "The request headers were not received in time."
BODY_TOO_SLOW_MESSAGE = "The request body arrived too slowly."


def _error_response(status: bytes, message: str) -> bytes:
    body = json.dumps({"message": message}).encode()
    return (
        b"HTTP/1.1 " + status + b"\r\ncontent-type: application/json\r\nx-ms-run-function-failed: False\r\n"
        b"connection: close\r\ncontent-length: %d\r\n\r\n" % len(body)
    ) + body


class _OverflowApp:
    """What an overflow connection is served: probes by the real app, anything else a 503."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"] in PROBE_PATHS:
            return await self.app(scope, receive, send)
        body = json.dumps({"message": TOO_MANY_CONNECTIONS}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"x-ms-run-function-failed", b"False"),
            (b"connection", b"close"),
            (b"content-length", b"%d" % len(body)),
        ]
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def guarded_protocol_class(settings: RuntimeSettings) -> type:
    """An HttpToolsProtocol subclass enforcing ``settings``' limits; one registry of idle connections per worker."""
    header_timeout_s = settings.header_timeout_ms / 1000.0
    body_grace_s = settings.body_grace_ms / 1000.0
    min_rate = settings.min_body_bytes_per_s
    cap = settings.max_connections
    ceiling = cap + max(16, cap // 10)
    idle: Dict["GuardedHttpToolsProtocol", None] = {}  # insertion order = oldest idle first

    class GuardedHttpToolsProtocol(HttpToolsProtocol):
        _guard_timer = None  # the loop timer, if one is pending
        _guard_timer_at = 0.0  # when it fires (monotonic)
        _guard_planned = 0.0  # the current deadline (monotonic)
        _guard_callback = None  # what happens at the deadline; None: nothing armed
        _guard_rechecked = False
        _overflow = False
        _in_headers = False
        _body_started = 0.0
        _body_bytes = 0
        _in_body = False

        # -- connection ------------------------------------------------------------------------------------------
        def connection_made(self, transport) -> None:
            super().connection_made(CoalescingTransport(transport))  # one write per response (response_writes.py)
            open_count = len(self.connections)
            if open_count > cap:
                self._shed_idle()
            if len(self.connections) > ceiling:
                transport.abort()
                return
            timeout = header_timeout_s
            if len(self.connections) > cap:
                self._overflow = True
                self.app = _OverflowApp(self.app)
                timeout = min(timeout, OVERFLOW_HEADER_TIMEOUT_S)
            idle[self] = None
            self._in_headers = True
            self._arm(timeout, self._on_header_deadline)

        def connection_lost(self, exc) -> None:
            idle.pop(self, None)
            self._stop_timer()
            super().connection_lost(exc)

        def _shed_idle(self) -> None:
            for victim in list(idle):
                if victim is self:
                    continue
                idle.pop(victim, None)
                victim._stop_timer()
                if victim.transport is not None and not victim.transport.is_closing():
                    victim.transport.close()
                    victim.connections.discard(victim)
                return

        # -- timers ----------------------------------------------------------------------------------------------
        # One lazy loop timer per connection: arming a deadline only records it (and its callback); the timer,
        # once it fires, re-arms for the remainder when the deadline has moved on. Arming and cancelling a loop
        # timer for every phase of every request (headers, body, done) cost ~4 loop timers per keep-alive
        # request; now a busy connection costs one timer per header timeout.
        def _arm(self, delay: float, callback) -> None:
            deadline = time.monotonic() + delay
            self._guard_planned = deadline
            self._guard_callback = callback
            self._guard_rechecked = False
            if self._guard_timer is not None:
                if self._guard_timer_at <= deadline:
                    return  # fires first and re-arms for the rest
                self._guard_timer.cancel()
            self._guard_timer_at = deadline
            self._guard_timer = self.loop.call_later(delay, self._fire)

        def _disarm(self) -> None:
            self._guard_callback = None  # the pending timer, if any, finds nothing to do

        def _stop_timer(self) -> None:
            self._guard_callback = None
            if self._guard_timer is not None:
                self._guard_timer.cancel()
                self._guard_timer = None

        def _fire(self) -> None:
            self._guard_timer = None
            callback = self._guard_callback
            if callback is None or self.transport is None or self.transport.is_closing():
                return
            now = time.monotonic()
            remaining = self._guard_planned - now
            if remaining > 0:  # the deadline moved on since this timer was set
                self._guard_timer_at = self._guard_planned
                self._guard_timer = self.loop.call_later(remaining, self._fire)
                return
            if not self._guard_rechecked and -remaining > LAG_TOLERANCE_S:
                # The loop was busy (a long run()): read what the client already sent before judging it.
                self._guard_rechecked = True
                self._guard_timer_at = now + LAG_RECHECK_S
                self._guard_timer = self.loop.call_later(LAG_RECHECK_S, self._fire)
                return
            self._guard_callback = None
            callback()

        def _cut_off(self, message: str) -> None:
            idle.pop(self, None)
            cycle = self.cycle
            if cycle is None or not cycle.response_started:
                self.transport.write(_error_response(b"408 Request Timeout", message))
                if cycle is not None:
                    cycle.response_started = True  # the app's own answer, if any, is not sent after ours
            self.transport.close()

        def _on_header_deadline(self) -> None:
            if self._in_headers:
                self._cut_off(HEADER_TIMEOUT_MESSAGE)

        def _on_body_check(self) -> None:
            if not self._in_body:
                return
            if self.flow is not None and self.flow.read_paused:  # we stopped reading (pipelining): not its fault
                self._body_started = time.monotonic() - body_grace_s
                self._body_bytes = 0
                self._arm(BODY_CHECK_INTERVAL_S, self._on_body_check)
                return
            elapsed = time.monotonic() - self._body_started
            if elapsed > body_grace_s and self._body_bytes < min_rate * elapsed:
                self._cut_off(BODY_TOO_SLOW_MESSAGE)
                return
            self._arm(BODY_CHECK_INTERVAL_S, self._on_body_check)

        # -- parser callbacks ------------------------------------------------------------------------------------
        def on_message_begin(self) -> None:
            super().on_message_begin()
            idle.pop(self, None)
            if not self._in_headers:  # a later request on a kept-alive connection
                self._in_headers = True
                self._arm(header_timeout_s, self._on_header_deadline)

        def on_headers_complete(self) -> None:
            self._in_headers = False
            self._disarm()
            self.transport.expect_head = True
            super().on_headers_complete()
            if self._overflow and self.cycle is not None:
                self.cycle.keep_alive = False
            if min_rate > 0:
                self._in_body = True
                self._body_started = time.monotonic()
                self._body_bytes = 0
                self._arm(max(body_grace_s, BODY_CHECK_INTERVAL_S), self._on_body_check)

        def on_body(self, body: bytes) -> None:
            self._body_bytes += len(body)
            super().on_body(body)

        def on_message_complete(self) -> None:
            self._in_body = False
            self._disarm()
            super().on_message_complete()

        def on_response_complete(self) -> None:
            if self.transport is not None:
                self.transport.flush()
            super().on_response_complete()
            if self.transport is not None and not self.transport.is_closing() and not self.pipeline:
                if not self._in_headers and not self._in_body:
                    idle[self] = None  # uvicorn's keep-alive timer now runs

    return GuardedHttpToolsProtocol


def describe(settings: RuntimeSettings) -> Optional[str]:
    return (
        f"Connection limits: headers within {settings.header_timeout_ms} ms, keep-alive idle "
        f"{settings.keepalive_timeout_ms} ms, bodies at least {settings.min_body_bytes_per_s} B/s after "
        f"{settings.body_grace_ms} ms, at most {settings.max_connections} connections per worker"
    )
