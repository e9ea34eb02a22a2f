"""Run the scoring app on uvicorn (uvloop + httptools), one process per worker.

We bind the listening socket ourselves and hand it to ``uvicorn.Server.serve(sockets=...)``. With
WORKER_COUNT > 1 we fork the workers from a small supervisor rather than using uvicorn's: each worker
imports and init()s the script on its own (as Azure's gunicorn workers do, without --preload), SIGHUP is
forwarded to every worker, and if any worker exits — an init() failure in particular — the supervisor stops
the others and exits with that code, so the container stops and shows the traceback.

uvloop sets TCP_NODELAY on every accepted connection, including on sockets passed in like this, so the
header and body writes of a keep-alive response never wait on delayed ACKs (the ~40 ms stall seen with
asyncio's default loop behind several workers).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from typing import Dict, List

from . import log
from .settings import EXIT_LOAD_FAILED, RuntimeSettings

LOG_FLUSH_DELAY_S = 0.02  # log lines show within 20 ms, yet cost at most ~50 writes a second under any load
_FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def bind_socket(host: str, port: int, backlog: int = 2048) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.setblocking(False)
    return sock


def serve(settings: RuntimeSettings) -> int:
    """Serve until SIGTERM/SIGINT; returns the process exit code."""
    sock = bind_socket(settings.host, settings.port)
    host, port = sock.getsockname()[:2]
    log.info(f"Listening on http://{host}:{port} with {settings.worker_count} worker(s)")
    log.info("Routes: GET / (liveness), GET /ready, POST|GET /score, GET /swagger.json")
    if settings.worker_count == 1:
        return run_worker(settings, sock)
    return _supervise(settings, sock)


def run_worker(settings: RuntimeSettings, sock: socket.socket) -> int:
    """One worker: load the script in the background and serve on ``sock`` on a uvloop event loop."""
    import uvloop

    loop = uvloop.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(_serve_worker(settings, sock))
    finally:
        log.flush()
    return 0


async def _serve_worker(settings: RuntimeSettings, sock: socket.socket) -> None:
    import uvicorn

    from .app import ScoringApp
    from .auth import with_key_auth

    app = ScoringApp(settings)
    config = uvicorn.Config(
        with_key_auth(app),
        loop="none",
        http="httptools",
        ws="none",
        lifespan="off",
        access_log=False,
        log_level="warning",
        proxy_headers=False,
        server_header=False,
        date_header=True,
        timeout_keep_alive=75,
    )
    server = uvicorn.Server(config)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGHUP, app.lifecycle.request_reload)
    # thread-safe: init() and reloads log from a worker thread
    log.set_flush_scheduler(lambda: loop.call_soon_threadsafe(loop.call_later, LOG_FLUSH_DELAY_S, log.flush))
    _housekeeping(loop, app)
    log.info(f"Scoring timeout is set to {settings.scoring_timeout_ms} ms")
    loop.create_task(app.lifecycle.load_initial(on_failure=_exit_after_load_failure))
    await server.serve(sockets=[sock])


def _housekeeping(loop: asyncio.AbstractEventLoop, app, interval_s: float = 0.25) -> None:
    """Every ``interval_s``: flush buffered log lines and user prints, and resync the scoring timer."""

    def tick() -> None:
        log.flush()
        app.timer.verify()
        loop.call_later(interval_s, tick)

    loop.call_later(interval_s, tick)


def _exit_after_load_failure(details: str) -> None:
    """Init or import failed at start: print the traceback on stderr and stop the process (non-zero)."""
    log.error("Failed to load the entry script; exiting.")
    sys.stderr.write(details.rstrip() + "\n")
    log.flush()
    os._exit(EXIT_LOAD_FAILED)


def _supervise(settings: RuntimeSettings, sock: socket.socket) -> int:
    children: Dict[int, int] = {}  # pid -> worker index
    received: List[int] = []

    def forward(signum: int, frame: object) -> None:
        if signum in _FORWARDED_SIGNALS and frame is not None:
            received.append(signum)
        for pid in list(children):
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGHUP, forward)
    for signum in _FORWARDED_SIGNALS:
        signal.signal(signum, forward)

    log.flush()  # or buffered lines would be written again by every forked worker
    for index in range(settings.worker_count):
        pid = os.fork()
        if pid == 0:  # worker
            for signum in (signal.SIGHUP, *_FORWARDED_SIGNALS):
                signal.signal(signum, signal.SIG_DFL)
            code = 1
            try:
                code = run_worker(settings, sock)
            finally:
                log.flush()
                os._exit(code)
        children[pid] = index

    exit_code = 0
    stopping: List[int] = []
    while children:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if pid not in children:
            continue
        del children[pid]
        code = os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8
        if not stopping:
            exit_code = code if code > 0 else (128 - code if code < 0 else 0)
            if children:
                log.error(f"Worker {pid} exited with code {code}; stopping the other workers.")
            stopping.append(pid)
            forward(signal.SIGTERM, None)
    log.flush()
    if received:
        # Stopped on request: end the way a single uvicorn worker does, by the signal itself.
        signal.signal(received[0], signal.SIG_DFL)
        signal.raise_signal(received[0])
    return exit_code
