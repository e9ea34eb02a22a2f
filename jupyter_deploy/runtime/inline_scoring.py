"""Plain ``POST /score`` calls answered inline, from the protocol's parser callbacks, without an ASGI task.

uvicorn serves every request by creating a task that runs the ASGI app, whose ``receive`` and ``send``
pass dicts through a chain of coroutines. For a trivial script that machinery is most of a request's cost:
profiled at 32 clients, our runtime reached only half of a bare ASGI app's requests a second even though the
scoring itself (ids, run(), JSON, metrics, the access line) took a fraction of it. Azure's promise is
"your score.py, as fast as the server allows", so the common case skips the machinery:

- when the headers of a ``POST /score`` are complete, the task uvicorn would start is held back;
- when its body is complete, the app's synchronous core (``score_inline``: the very steps the ASGI path
  takes, app.py) answers at once if the scoring queue is free; the answers of one loop iteration are written
  after its reads (written one by one inside the reads, the trivial script made 13.5 k instead of 20.8 k
  requests a second at 32 clients, measured side by side), with uvicorn's bytes,
  keep-alive and ``connection: close`` handling (`_write_answer`);
- anything else takes the ASGI path unchanged: the held-back task starts (queue held, body beyond
  uvicorn's read buffer, a full write buffer, ``Expect: 100-continue``, overflow connections, another method
  or path). Key auth, CORS and data capture wrap the app or its ``receive``/``send``, so with any of them on
  the server does not install this protocol at all (server.py; capture is checked per request).

Why not a library or uvicorn option: uvicorn has none (its protocol always starts a task per request);
Python 3.12's eager tasks would still run the whole ASGI chain, and the runtime runs on the image's Python
(3.11 on Debian bookworm). With a uvicorn older than the hook used here (``_start_asgi_task``) every request
simply takes the ASGI path. tests/runtime/test_inline_scoring.py checks the answers byte for byte against the
ASGI path.
"""

from __future__ import annotations

import asyncio
import traceback

from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT
from uvicorn.protocols.http.httptools_impl import HEADER_RE, HEADER_VALUE_RE, STATUS_LINE

from . import log

_INTERNAL_ERROR = (  # what uvicorn answers when an ASGI app raises (RequestResponseCycle.send_500_response)
    500,
    [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"21"), (b"connection", b"close")],
    b"Internal Server Error",
)


def _write_answer(cycle, status: int, headers, body: bytes) -> None:
    """What uvicorn's ``RequestResponseCycle.send`` does with a start and a body message that has a
    content-length (every answer of ``score_inline`` has one), as one write.

    Written out rather than called: stepping uvicorn's coroutine twice per request (two message dicts, the
    per-header bookkeeping for every case an app may send) cost a few per cent of the trivial script's
    requests a second. The checks that matter to an app are the same and come from uvicorn (its header
    regular expressions, its status lines); tests/runtime/test_inline_scoring.py compares the bytes with
    uvicorn's own, so a uvicorn that changes its output fails there."""
    cycle.response_started = True
    cycle.waiting_for_100_continue = False
    content = [STATUS_LINE[status]]
    close = False
    for name, value in (*cycle.default_headers, *headers):
        if HEADER_RE.search(name) or HEADER_VALUE_RE.search(value):
            raise RuntimeError(f"Invalid HTTP header {name!r}: {value!r}")
        name = name.lower()
        if name == b"connection" and b"close" in [token.lower().strip() for token in value.split(b",")]:
            cycle.keep_alive = False
            close = True
        content.extend((name, b": ", value, b"\r\n"))
    if not cycle.keep_alive and not close:
        content.append(b"connection: close\r\n")
    content.append(b"\r\n")
    content.append(body)  # only POST comes this way: never a HEAD
    transport = cycle.transport
    transport.expect_head = False  # one write already: nothing for CoalescingTransport to hold
    transport.write(b"".join(content))
    cycle.response_complete = True
    cycle.message_event.set()
    if not cycle.keep_alive:
        transport.close()
    cycle.on_response()


async def _send_later(cycle, answer) -> None:
    status, headers, body = answer
    await cycle.send({"type": "http.response.start", "status": status, "headers": headers})
    await cycle.send({"type": "http.response.body", "body": body})


def inline_protocol_class(protocol_class: type, score_inline) -> type:
    """``protocol_class`` (uvicorn's httptools protocol, or our guarded subclass) answering plain /score calls
    with ``score_inline(scope, body)`` -> ``(status, headers, body)`` or None (take the ASGI path)."""

    outbox = []  # (cycle, answer) scored in this loop iteration, sent together once its reads are done

    def send_outbox() -> None:
        batch = outbox[:]
        outbox.clear()
        for cycle, answer in batch:
            if cycle.response_started or cycle.disconnected:  # cut off or gone meanwhile
                continue
            if cycle.flow.write_paused:  # the transport's buffer is full: wait for it as uvicorn would
                asyncio.ensure_future(_send_later(cycle, answer))
                continue
            try:
                _write_answer(cycle, *answer)
            except Exception:  # a header uvicorn refuses, a status it has no line for: it closes, so do we
                log.error("Exception in the inline scoring path:\n" + traceback.format_exc())
                cycle.transport.close()

    class InlineScoringProtocol(protocol_class):
        _may_hold = False  # inside on_headers_complete: a task about to start may be held back
        _held = None  # (cycle, app) of the request whose task is held back until its body is complete

        def on_headers_complete(self) -> None:
            self._may_hold = True
            try:
                super().on_headers_complete()
            finally:
                self._may_hold = False

        def _start_asgi_task(self, cycle, app) -> None:
            scope = cycle.scope
            if (
                self._may_hold
                and scope["method"] == "POST"
                and scope["path"] == "/score"
                and app is self.config.loaded_app  # not an overflow connection's or a 503 app
                and not cycle.waiting_for_100_continue
            ):
                self._held = (cycle, app)
                return
            super()._start_asgi_task(cycle, app)

        def on_body(self, body: bytes) -> None:
            held = self._held
            if held is not None and len(held[0].body) + len(body) > HIGH_WATER_LIMIT:
                self._release()  # uvicorn pauses reading past this until the app reads: the app must run
            super().on_body(body)

        def on_message_complete(self) -> None:
            super().on_message_complete()
            held = self._held
            if held is None:
                return
            self._held = None
            cycle, app = held
            if cycle.response_started or cycle.disconnected:  # cut off meanwhile (connection_limits.py)
                return
            if cycle.flow.write_paused:
                return super()._start_asgi_task(cycle, app)
            try:
                answer = score_inline(cycle.scope, bytes(cycle.body))
            except Exception:  # a bug of ours: answered as uvicorn answers an ASGI app that raises
                log.error("Exception in the inline scoring path:\n" + traceback.format_exc())
                answer = _INTERNAL_ERROR
            if answer is None:
                return super()._start_asgi_task(cycle, app)
            cycle.body = bytearray()
            if not outbox:
                self.loop.call_soon(send_outbox)
            outbox.append((cycle, answer))

        def _release(self) -> None:
            cycle, app = self._held
            self._held = None
            super()._start_asgi_task(cycle, app)

        def connection_lost(self, exc) -> None:
            self._held = None  # nobody is left to answer
            super().connection_lost(exc)

    return InlineScoringProtocol
