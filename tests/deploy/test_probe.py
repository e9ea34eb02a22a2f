"""call_endpoint against a small threaded HTTP server on 127.0.0.1: bodies, counts, errors, bounds, the histogram."""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from jupyter_deploy.deploy.probe import EndpointTestResult, call_endpoint, parse_json_body
from jupyter_deploy.errors import EndpointTestError, InvalidRequestBody


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the scoring server does
    counter = itertools.count()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/slow":
            time.sleep(0.05)
        number = next(self.counter)
        if self.path == "/flaky" and number % 5 == 4:
            status, payload = 503, b'{"message": "busy"}'
        elif self.path == "/text":
            status, payload = 200, b"plain words"
        else:
            status, payload = 200, json.dumps({"echo": json.loads(body), "type": self.headers["Content-Type"]}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_single_request_shows_status_body_and_latency(server):
    result = call_endpoint(f"{server}/score", '{"text": "hi"}')
    assert result.status == 200
    assert result.body == {"echo": {"text": "hi"}, "type": "application/json"}
    assert result.latency_ms > 0 and result.latencies_ms == [result.latency_ms]
    assert result.status_counts == {200: 1} and result.errors == {}
    assert "HTTP 200" in repr(result) and '"text": "hi"' in repr(result)
    assert "<svg" not in result._repr_html_()


def test_text_answers_stay_text(server):
    assert call_endpoint(f"{server}/text", "{}").body == "plain words"


def test_repeat_counts_statuses_and_draws_a_histogram(server):
    result = call_endpoint(f"{server}/flaky", "{}", repeat=50, concurrency=4)
    assert sum(result.status_counts.values()) == 50 == result.sent
    assert result.status_counts[503] == 10 and result.status_counts[200] == 40
    assert len(result.latencies_ms) == 50
    assert result.percentile(50) <= result.percentile(90) <= result.percentile(99) <= max(result.latencies_ms)
    assert result.requests_per_second > 0
    page = result._repr_html_()
    assert "<svg" in page and "p90" in page and "200×40" in page
    assert "p50" in repr(result) and "503×10" in repr(result)


def test_connection_errors_are_counted_not_raised():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: nothing listens there
    result = call_endpoint(f"http://127.0.0.1:{port}/score", "{}", repeat=3)
    assert result.status is None and result.latencies_ms == []
    assert sum(result.errors.values()) == 3 and result.sent == 3
    assert "no response" in repr(result) and "connection refused" in repr(result)


def test_repeat_is_bounded(server):
    with pytest.raises(EndpointTestError, match="10000"):
        call_endpoint(f"{server}/score", "{}", repeat=10_001)
    with pytest.raises(EndpointTestError):
        call_endpoint(f"{server}/score", "{}", concurrency=0)
    with pytest.raises(EndpointTestError, match="http:// URL"):
        call_endpoint("myservice", "{}")


def test_sending_stops_at_the_time_limit(server):
    result = call_endpoint(f"{server}/slow", "{}", repeat=10_000, concurrency=2, max_seconds=0.3)
    assert result.stopped_by_time_limit
    assert 0 < result.sent < 10_000
    assert "stopped after the time limit" in repr(result)


def test_percentile_interpolates_like_numpy():
    result = EndpointTestResult(url="u", status=200, body=None, headers={}, latency_ms=1.0,
                                latencies_ms=[4.0, 1.0, 3.0, 2.0, 5.0], status_counts={200: 5}, errors={},
                                elapsed_s=1.0, repeat=5, concurrency=1, sent=5)
    assert result.percentile(0) == 1.0 and result.percentile(100) == 5.0
    assert result.percentile(50) == 3.0 and result.percentile(90) == pytest.approx(4.6)
    with pytest.raises(ValueError):
        result.percentile(101)


def test_invalid_json_names_line_and_column():
    assert parse_json_body('{"a": 1}') == '{"a": 1}'
    with pytest.raises(InvalidRequestBody, match="line 2, column 8"):
        parse_json_body('{\n  "a": ,\n}')
