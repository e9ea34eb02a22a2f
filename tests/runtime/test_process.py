"""The scoring runtime as a real process on 127.0.0.1: start-up failure, SIGHUP reload, timeout, keep-alive.

One test runs it exactly as the image does: the package copied as top-level ``jupyter_deploy_runtime`` with
``shims`` on PYTHONPATH, started with ``python -m jupyter_deploy_runtime``.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
RUNTIME_DIR = REPO_ROOT / "jupyter_deploy" / "runtime"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Service:
    def __init__(self, process: subprocess.Popen, port: int):
        self.process = process
        self.port = port

    def request(self, method: str, path: str, body: bytes = b"", headers=None, timeout: float = 10) -> tuple:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def ready(self) -> dict:
        return json.loads(self.request("GET", "/ready")[2])

    def wait_until(self, predicate, timeout: float = 20) -> dict:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"runtime exited with {self.process.returncode}: {self.process.stderr.read()}")
            try:
                last = self.ready()
                if predicate(last):
                    return last
            except (OSError, http.client.HTTPException, ValueError):
                pass
            time.sleep(0.02)
        raise AssertionError(f"condition not reached; last /ready: {last}")


def start(app_root: Path, *, module: str = "jupyter_deploy.runtime", cwd: Path = REPO_ROOT, env=None, extra=()):
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AZUREML_", "AML_", "SCORING_", "WORKER_"))}
    environ.update(env or {})
    command = [sys.executable, "-m", module, "--app-root", str(app_root), "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        [*command, *extra], cwd=cwd, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    return Service(process, port)


@pytest.fixture
def services():
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


def write_script(app_root: Path, source: str) -> None:
    app_root.mkdir(parents=True, exist_ok=True)
    (app_root / "score.py").write_text(textwrap.dedent(source))


def test_init_failure_exits_non_zero_with_the_traceback_on_stderr(tmp_path):
    write_script(tmp_path, """
        def load_weights():
            raise ValueError("weights file is corrupt")

        def init():
            load_weights()

        def run(data):
            return data
    """)
    service = start(tmp_path)
    try:
        _, stderr = service.process.communicate(timeout=30)
    finally:
        if service.process.poll() is None:
            service.process.kill()
    assert service.process.returncode == 3
    tail = stderr.strip().splitlines()[-4:]
    assert tail[-1] == "ValueError: weights file is corrupt"
    assert any("load_weights()" in line for line in tail)


def test_sighup_swaps_to_an_edited_script_and_a_broken_edit_keeps_the_old_one(tmp_path, services):
    write_script(tmp_path, "def init(): pass\ndef run(data): return 'v1'\n")
    service = start(tmp_path)
    services.append(service)
    first = service.wait_until(lambda ready: ready.get("status") == "ready")
    assert (first["generation"], first["reloads"], first["last_reload_error"]) == (1, 0, None)
    assert service.request("POST", "/score", b"{}")[2] == b'"v1"'

    write_script(tmp_path, "def init(): pass\ndef run(data): return 'v2'\n")
    service.process.send_signal(signal.SIGHUP)
    second = service.wait_until(lambda ready: ready["reloads"] >= 1, timeout=5)
    assert (second["generation"], second["last_reload_error"]) == (2, None)
    assert second["entry_script_sha256"] != first["entry_script_sha256"]
    assert service.request("POST", "/score", b"{}")[2] == b'"v2"'

    write_script(tmp_path, "def init():\n    raise RuntimeError('half-edited model path')\ndef run(data): return 'v3'\n")
    service.process.send_signal(signal.SIGHUP)
    third = service.wait_until(lambda ready: ready["reloads"] >= 2, timeout=5)
    assert third["generation"] == 2
    assert "RuntimeError: half-edited model path" in third["last_reload_error"]
    assert third["entry_script_sha256"] == second["entry_script_sha256"]
    assert service.request("POST", "/score", b"{}")[2] == b'"v2"'


def test_timeout_is_a_500_and_the_worker_keeps_serving(tmp_path, services):
    write_script(tmp_path, """
        import time
        def init(): pass
        def run(data):
            if data == "slow":
                time.sleep(30)
            return "fast"
    """)
    service = start(tmp_path, env={"SCORING_TIMEOUT_MS": "300"})
    services.append(service)
    service.wait_until(lambda ready: ready.get("status") == "ready")
    for _ in range(2):  # the timer stays armed between calls; the second timeout must fire as well
        status, headers, body = service.request("POST", "/score", b"slow")
        assert status == 500
        assert json.loads(body) == {"message": "Scoring timeout after 300 ms"}
        assert headers["x-ms-run-function-failed"] == "True"
        assert service.request("POST", "/score", b"quick")[2] == b'"fast"'
    time.sleep(0.4)  # let the armed alarm lapse while idle; the next slow call must re-arm it
    assert service.request("POST", "/score", b"slow")[0] == 500


def test_image_layout_with_two_workers_serves_rawhttp_over_keep_alive(tmp_path, services):
    """Copied as the image does; WORKER_COUNT=2; many requests over one kept-alive connection.
    (Whether those responses stall on Nagle/delayed ACK is measured in bench/, not asserted here.)"""
    image_root = tmp_path / "opt"
    shutil.copytree(RUNTIME_DIR, image_root / "jupyter_deploy_runtime", ignore=shutil.ignore_patterns("__pycache__"))
    app_root = tmp_path / "app"
    write_script(app_root, """
        from azureml.contrib.services.aml_request import AMLRequest, rawhttp
        from azureml.contrib.services.aml_response import AMLResponse

        def init(): pass

        @rawhttp
        def run(request):
            return AMLResponse(request.get_data(), 200, {"Content-Type": "application/octet-stream"})
    """)
    pythonpath = f"{image_root}:{image_root / 'jupyter_deploy_runtime' / 'shims'}"
    service = start(
        app_root, module="jupyter_deploy_runtime", cwd=tmp_path, env={"PYTHONPATH": pythonpath, "WORKER_COUNT": "2"}
    )
    services.append(service)
    service.wait_until(lambda ready: ready.get("status") == "ready")

    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=10)
    try:
        for index in range(40):
            payload = b"%d" % index
            connection.request("POST", "/score", body=payload)
            response = connection.getresponse()
            assert (response.status, response.read()) == (200, payload)
    finally:
        connection.close()

    service.process.send_signal(signal.SIGTERM)
    assert service.process.wait(15) == -signal.SIGTERM  # stopped by the signal, as a single uvicorn worker is


def test_a_port_taken_by_another_program_exits_4_with_one_sentence(tmp_path):
    write_script(tmp_path, """
        def init():
            pass

        def run(data):
            return data
    """)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        service = start(tmp_path, extra=("--port", str(port)))
        assert service.process.wait(30) == 4
        stderr = service.process.stderr.read()
    assert f"Port {port} on 127.0.0.1 is already in use by another program" in stderr
    assert "Traceback" not in stderr
