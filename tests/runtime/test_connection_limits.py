"""Connection limits with real sockets on 127.0.0.1 (issue 9.3), and the malformed-request fuzz kept as a
regression test. Every wait is bounded by a socket timeout; nothing asserts on durations."""

from __future__ import annotations

import random
import socket
import time

import pytest

import signal
import subprocess

from test_process import start, write_script

LIMITS = {
    "AZUREML_HEADER_TIMEOUT_MS": "600",
    "AZUREML_KEEPALIVE_TIMEOUT_MS": "600",
    "AZUREML_BODY_GRACE_MS": "500",
    "AZUREML_MIN_BODY_BYTES_PER_S": "1000",
    "AZUREML_MAX_CONNECTIONS": "4",
}
SCRIPT = "def init(): pass\ndef run(data): return {'len': len(data)}\n"


@pytest.fixture
def runtimes():
    started = []
    yield started
    for service in started:
        if service.process.poll() is None:
            service.process.send_signal(signal.SIGTERM)
            try:
                service.process.wait(10)
            except subprocess.TimeoutExpired:
                service.process.kill()
                service.process.wait()


@pytest.fixture
def limited(tmp_path, runtimes):
    write_script(tmp_path, SCRIPT)
    service = start(tmp_path, env=LIMITS)
    runtimes.append(service)
    service.wait_until(lambda ready: ready.get("status") == "ready")
    return service


@pytest.fixture
def capped(tmp_path, runtimes):
    """The cap tests hold connections open mid-request: a header timeout they never reach, however loaded."""
    write_script(tmp_path, SCRIPT)
    service = start(tmp_path, env={**LIMITS, "AZUREML_HEADER_TIMEOUT_MS": "60000"})
    runtimes.append(service)
    service.wait_until(lambda ready: ready.get("status") == "ready")
    return service


def connect(service, timeout: float = 10.0) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", service.port), timeout=timeout)
    return sock


def read_until_closed(sock: socket.socket, limit: int = 1 << 20) -> bytes:
    """Everything the server sends until it closes (socket.timeout if it never does: the test fails)."""
    data = b""
    while len(data) < limit:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data


def test_a_socket_that_never_sends_is_closed_with_a_408(limited):
    with connect(limited) as sock:
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 408")
    assert b'{"message": "The request headers were not received in time."}' in answer


def test_headers_dripped_slowly_are_cut_off(limited):
    with connect(limited) as sock:
        sock.sendall(b"POST /score HTTP/1.1\r\nHost: x\r\n")
        closed = False
        for _ in range(200):  # one header line every 50 ms, far past the header timeout
            try:
                sock.sendall(b"X-Drip: 1\r\n")
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            sock.settimeout(0.05)
            try:
                if sock.recv(65536) == b"":
                    closed = True
                    break
                closed = True
                break
            except socket.timeout:
                continue
        assert closed


def test_a_kept_alive_connection_is_closed_when_idle(limited):
    with connect(limited) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 200")
    assert answer.endswith(b"Healthy")  # nothing else: the idle connection was simply closed


def test_a_slow_drip_body_is_cut_off(limited):
    with connect(limited) as sock:
        sock.sendall(b"POST /score HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
        cut = False
        for _ in range(200):  # 1 byte every 50 ms: 20 B/s against a 1000 B/s floor
            try:
                sock.sendall(b"a")
            except (BrokenPipeError, ConnectionResetError):
                cut = True
                break
            sock.settimeout(0.05)
            try:
                answer = sock.recv(65536)
                cut = True
                break
            except socket.timeout:
                continue
        assert cut
    assert limited.request("POST", "/score", b"abc")[2] == b'{"len": 3}'


def test_at_the_cap_idle_connections_are_shed_and_probes_still_answer(capped):
    limited = capped
    busy = []
    try:
        # Four connections in the middle of their headers: nothing idle to shed.
        for _ in range(4):
            sock = connect(limited)
            sock.sendall(b"POST /score HTTP/1.1\r\nHost: x\r\n")
            busy.append(sock)
        time.sleep(0.3)  # until the server has read those partial headers (they are not idle then)
        assert limited.request("GET", "/")[0:1] == (200,)  # an overflow connection, probes are served
        status, _, body = limited.request("POST", "/score", b"x")
        assert status == 503
        assert b"too many open connections" in body
    finally:
        for sock in busy:
            sock.close()


def test_at_the_cap_the_oldest_idle_connection_makes_room(capped):
    limited = capped
    idle = [connect(limited) for _ in range(4)]
    try:
        status, _, body = limited.request("POST", "/score", b"abcd")
        assert (status, body) == (200, b'{"len": 4}')
        idle[0].settimeout(10)
        assert read_until_closed(idle[0]) == b""  # shed without an answer, it never asked anything
    finally:
        for sock in idle:
            sock.close()


def _malformed(rng: random.Random) -> bytes:
    kind = rng.randrange(10)
    junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
    if kind == 0:
        return junk
    if kind == 1:
        return b"POST /score HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % len(junk) + junk  # not UTF-8
    if kind == 2:
        return b"POST /score HTTP/1.1\r\nContent-Length: abc\r\n\r\nxyz"
    if kind == 3:
        return b"POST /score HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde"
    if kind == 4:
        return b"POST /score HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" + junk
    if kind == 5:
        return b"GET /\r\n"  # HTTP/0.9
    if kind == 6:
        return b"GET / HTTP/1.1\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(2000)) + b"\r\n"
    if kind == 7:
        return b"GET /score?" + b"q" * 200_000 + b" HTTP/1.1\r\n\r\n"
    if kind == 8:
        return b"POST /score HTTP/1.1\r\nContent-Length: 200000000\r\n\r\nabc"
    return b"POST /score HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: %d\r\n\r\n" % (
        len(junk)
    ) + junk


def test_two_thousand_malformed_requests_leave_the_server_healthy(tmp_path, runtimes):
    write_script(tmp_path, SCRIPT)
    service = start(tmp_path, env={"AZUREML_HEADER_TIMEOUT_MS": "150", "AZUREML_BODY_GRACE_MS": "150"})
    runtimes.append(service)
    service.wait_until(lambda ready: ready.get("status") == "ready")
    rng = random.Random(9)
    for _ in range(2000):
        with socket.create_connection(("127.0.0.1", service.port), timeout=10) as sock:
            try:
                sock.sendall(_malformed(rng))
                sock.recv(65536)  # the first answer (or the close); bounded by the socket timeout
            except (BrokenPipeError, ConnectionResetError):
                pass
    assert service.process.poll() is None
    assert service.request("GET", "/")[0] == 200
    assert service.request("POST", "/score", b"hello")[2] == b'{"len": 5}'
