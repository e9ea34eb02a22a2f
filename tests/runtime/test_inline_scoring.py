"""The inline path (runtime/inline_scoring.py) answers byte for byte as the ASGI path, and only when it may.

Each case feeds the same raw bytes to two real uvicorn httptools protocols (our guarded subclass) over a
recording transport: one with the inline path, one without. The answers must be identical once the
per-request values (date, minted request ids, run()'s milliseconds) are masked, and the ASGI app must have
been called only for the requests the inline path leaves to it.
"""

from __future__ import annotations

import asyncio
import re
import textwrap

import pytest
import uvicorn

from jupyter_deploy.runtime.connection_limits import guarded_protocol_class
from jupyter_deploy.runtime.inline_scoring import inline_protocol_class
from jupyter_deploy.runtime.monitoring.middleware import monitored_app
from jupyter_deploy.runtime.settings import load_settings

SCRIPT = """
    import json
    from azureml.contrib.services.aml_response import AMLResponse

    def init():
        pass

    def run(data):
        payload = json.loads(data)
        if payload.get("fail"):
            raise ValueError("asked to fail")
        if payload.get("response"):
            return AMLResponse(json.dumps({"made": "by hand"}), 201, {"X-Custom": "yes"}, json_str=True)
        return {"echo": payload}
"""


class RecordingTransport:
    def __init__(self):
        self.data, self.closed = bytearray(), False

    def write(self, data):
        self.data += data

    def close(self):
        self.closed = True

    def abort(self):
        self.closed = True

    def is_closing(self):
        return self.closed

    def get_extra_info(self, name, default=None):
        return ("127.0.0.1", 5001) if name in ("sockname", "peername") else default

    def pause_reading(self):
        pass

    def resume_reading(self):
        pass


class CountingApp:
    """The ASGI app as uvicorn sees it; counts the requests that took the ASGI path."""

    def __init__(self, app):
        self.app, self.calls = app, 0

    async def __call__(self, scope, receive, send):
        self.calls += 1
        await self.app(scope, receive, send)


def post(body: bytes, *headers: str, path: str = "/score", version: str = "1.1") -> bytes:
    head = [f"POST {path} HTTP/{version}", "Host: x", "Content-Type: application/json", *headers]
    if not any(h.lower().startswith(("content-length", "transfer-encoding")) for h in headers):
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def mask(raw: bytes) -> bytes:
    raw = re.sub(rb"(x-request-id|x-ms-request-id): [0-9a-f-]{36}", rb"\1: ID", raw)
    return re.sub(rb"x-ms-run-fn-exec-ms: [0-9.]+", b"x-ms-run-fn-exec-ms: MS", raw)


async def answer(tmp_path, chunks, inline: bool, environ=None):
    """Feed ``chunks`` to a fresh connection; return (bytes written, ASGI calls, connection closed)."""
    (tmp_path / "score.py").write_text(textwrap.dedent(SCRIPT))
    env = {"AML_APP_ROOT": str(tmp_path), **(environ or {})}
    settings = load_settings(env)
    app = monitored_app(settings, env)
    await app.lifecycle.load_initial(on_failure=pytest.fail)
    counting = CountingApp(app)
    protocol_class = guarded_protocol_class(settings)
    if inline:
        protocol_class = inline_protocol_class(protocol_class, app.score_inline)
    config = uvicorn.Config(counting, loop="none", http=protocol_class, lifespan="off", log_level="warning")
    config.load()
    server = uvicorn.Server(config)
    server.server_state.default_headers = [(b"date", b"Thu, 03 Dec 2026 12:00:00 GMT")]
    protocol = protocol_class(config=config, server_state=server.server_state, app_state={})
    transport = RecordingTransport()
    protocol.connection_made(transport)
    for chunk in chunks:
        protocol.data_received(chunk)
        for _ in range(20):  # a few loop iterations: tasks, hand-ons and the inline path's outbox run
            await asyncio.sleep(0)
    app.close()
    protocol.connection_lost(None)
    return bytes(transport.data), counting.calls, transport.closed


def both(tmp_path, chunks, environ=None):
    """(inline, plain): the same bytes through the protocol with and without the inline path."""
    results = []
    for name, inline in (("inline", True), ("plain", False)):
        (tmp_path / name).mkdir()
        results.append(asyncio.run(answer(tmp_path / name, chunks, inline, environ)))
    return results


CASES = {
    # name: (chunks, ASGI calls on the inline path)
    "json answer": ([post(b'{"a": 1}')], 0),
    "client request id": ([post(b'{"a": 1}', "x-ms-client-request-id: abc", "x-request-id: my-id")], 0),
    "run() raises": ([post(b'{"fail": true}')], 0),
    "AMLResponse with a header of its own": ([post(b'{"response": true}')], 0),
    "not JSON for a JSON script": ([post(b"not json")], 0),
    "keep-alive, three in a row": ([post(b'{"n": 1}'), post(b'{"n": 2}'), post(b'{"n": 3}')], 0),
    "pipelined: both in one read": ([post(b'{"n": 1}') + post(b'{"n": 2}')], 1),
    "body in pieces": ([post(b'{"piece": "wise"}')[:-5], post(b'{"piece": "wise"}')[-5:]], 0),
    "chunked body": ([post(b"", "Transfer-Encoding: chunked") + b"8\r\n{\"a\": 1}\r\n0\r\n\r\n"], 0),
    "HTTP/1.0": ([post(b'{"a": 1}', version="1.0")], 0),
    "connection: close": ([post(b'{"a": 1}', "Connection: close")], 0),
    "expect 100-continue takes the ASGI path": ([post(b'{"a": 1}', "Expect: 100-continue")], 1),
    "GET /score takes the ASGI path": ([b"GET /score HTTP/1.1\r\nHost: x\r\n\r\n"], 1),
    "probes take the ASGI path": ([b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", post(b'{"a": 1}')], 1),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_inline_path_answers_byte_for_byte_as_the_asgi_path(tmp_path, case):
    chunks, asgi_calls = CASES[case]
    inline, plain = both(tmp_path, chunks)
    assert inline[0].startswith(b"HTTP/1.1 ")
    assert mask(inline[0]) == mask(plain[0])
    assert inline[2] == plain[2]  # closed (or kept alive) alike
    assert inline[1] == asgi_calls
    assert plain[1] == len(re.findall(rb"(?:POST|GET) /", b"".join(chunks)))


def test_a_body_over_the_limit_is_refused_alike_and_the_connection_closed(tmp_path):
    chunks = [post(b'{"text": "' + b"x" * 200 + b'"}')]
    environ = {"AZUREML_MAX_REQUEST_BYTES": "100"}
    inline, plain = both(tmp_path, chunks, environ)
    assert inline[0].startswith(b"HTTP/1.1 413 ") and b"connection: close" in inline[0]
    assert (mask(inline[0]), inline[2]) == (mask(plain[0]), plain[2]) and inline[2]


def test_a_body_beyond_uvicorns_read_buffer_goes_to_the_asgi_app(tmp_path):
    body = b'{"text": "' + b"x" * 70_000 + b'"}'
    chunks = [post(body)[:40_000], post(body)[40_000:]]
    inline, plain = both(tmp_path, chunks)
    assert inline[0].startswith(b"HTTP/1.1 200 ") and inline[1] == 1
    assert mask(inline[0]) == mask(plain[0])


def test_capture_on_sends_score_through_the_asgi_path(tmp_path):
    environ = {"AML_MODEL_DC_STORAGE_ENABLED": "true", "JUPYTER_DEPLOY_DATA_DIR": str(tmp_path / "data")}
    written, asgi_calls, _ = asyncio.run(answer(tmp_path, [post(b'{"a": 1}')], inline=True, environ=environ))
    assert written.startswith(b"HTTP/1.1 200 ") and asgi_calls == 1


def test_metrics_count_inline_requests(tmp_path):
    chunks = [post(b'{"a": 1}'), post(b'{"fail": true}'), b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"]
    written, _, _ = asyncio.run(answer(tmp_path, chunks, inline=True))
    metrics = written.split(b"\r\n\r\n", 3)[-1].decode()
    assert 'jupyter_deploy_requests_total{route="/score",status="200"} 1.0' in metrics
    assert 'jupyter_deploy_requests_total{route="/score",status="500"} 1.0' in metrics
    assert "jupyter_deploy_run_failures_total 1.0" in metrics
    assert 'jupyter_deploy_request_duration_seconds_count{route="/score"} 2.0' in metrics
