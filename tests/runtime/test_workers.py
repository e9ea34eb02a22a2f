"""Supervised workers as real processes on 127.0.0.1 (issue 9.1 / 10.5): a worker that dies is respawned and
its death told in words and counted on /ready; a script that crashes on every start stops the process with
EXIT_LOAD_FAILED and the cause."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess

import pytest

from test_process import start, write_script

CRASHY = """
    import os, signal, sys

    def init():
        sys.stderr.write("init ran in %d\\n" % os.getpid())
        sys.stderr.flush()

    def run(data):
        if data == "exit":
            sys.stderr.write("about to os._exit\\n")
            sys.stderr.flush()
            os._exit(1)
        if data == "segv":
            os.kill(os.getpid(), signal.SIGSEGV)
        return {"pid": os.getpid()}
"""


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


def _crash(service, body: bytes) -> None:
    with pytest.raises((OSError, http.client.HTTPException)):
        service.request("POST", "/score", body, timeout=10)


def test_a_dead_worker_is_respawned_counted_and_described(tmp_path, runtimes):
    write_script(tmp_path, CRASHY)
    service = start(tmp_path, env={"WORKER_COUNT": "2"})
    runtimes.append(service)
    ready = service.wait_until(lambda r: r.get("workers", {}).get("ready") == 2)
    assert ready["workers"] == {"count": 2, "ready": 2, "restarts": 0, "last_death": None}

    _crash(service, b"segv")
    ready = service.wait_until(lambda r: r["workers"]["restarts"] == 1 and r["workers"]["ready"] == 2)
    assert ready["workers"]["last_death"]["cause"] == "killed by SIGSEGV (signal 11)"

    _crash(service, b"exit")
    ready = service.wait_until(lambda r: r["workers"]["restarts"] == 2 and r["workers"]["ready"] == 2)
    death = ready["workers"]["last_death"]
    assert death["cause"] == "exited with code 1"
    assert "about to os._exit" in death["stderr_tail"]

    status, _, body = service.request("POST", "/score", b"fine")
    assert status == 200

    service.process.send_signal(signal.SIGTERM)
    _, stderr = service.process.communicate(timeout=30)
    assert "died: killed by SIGSEGV (signal 11); last stderr lines:" in stderr
    assert "died: exited with code 1; last stderr lines: " in stderr
    inits = [line for line in stderr.splitlines() if line.startswith("init ran in")]
    assert len(inits) == 4  # two workers, and each respawned one init()s again


def test_a_script_that_crashes_on_every_start_stops_with_exit_code_3_and_the_cause(tmp_path):
    write_script(tmp_path, """
        import os, signal

        def init():
            os.kill(os.getpid(), signal.SIGSEGV)

        def run(data):
            return data
    """)
    service = start(tmp_path)
    try:
        _, stderr = service.process.communicate(timeout=60)
    finally:
        if service.process.poll() is None:
            service.process.kill()
    assert service.process.returncode == 3
    assert "crashed on every start (3 times in a row): killed by SIGSEGV (signal 11)" in stderr


def test_init_and_run_share_one_thread_and_its_thread_local_state(tmp_path, runtimes):
    write_script(tmp_path, """
        import threading, time

        state = threading.local()

        def init():
            global init_thread
            init_thread = threading.get_ident()
            state.session = "tf1-style session"

        def run(data):
            if data == "slow":
                time.sleep(30)
            return {"same_thread": threading.get_ident() == init_thread,
                    "session": getattr(state, "session", None)}
    """)
    service = start(tmp_path, env={"SCORING_TIMEOUT_MS": "300"})
    runtimes.append(service)
    service.wait_until(lambda ready: ready.get("status") == "ready")
    status, _, body = service.request("POST", "/score", b"x")
    assert (status, json.loads(body)) == (200, {"same_thread": True, "session": "tf1-style session"})
    status, _, body = service.request("POST", "/score", b"slow")  # the timeout still interrupts run()
    assert (status, json.loads(body)) == (500, {"message": "Scoring timeout after 300 ms"})
