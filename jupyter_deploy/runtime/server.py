"""Run the scoring app on uvicorn (uvloop + httptools), one process per worker.

We bind the listening socket ourselves; fair_accept.py accepts on it and hands each connection to uvicorn's
protocol (uvicorn runs with no listener of its own: ``serve(sockets=[])``). The workers
(WORKER_COUNT, one by default) are forked and kept alive by supervisor.py: a worker that dies is respawned,
one that cannot load the script stops the process with EXIT_LOAD_FAILED.

uvloop sets TCP_NODELAY on every accepted connection, including on sockets passed in like this, so the
header and body writes of a keep-alive response never wait on delayed ACKs (the ~40 ms stall seen with
asyncio's default loop behind several workers).
"""

from __future__ import annotations

import asyncio
import errno
import os
import signal
import socket
import sys

from . import log
from .settings import EXIT_LOAD_FAILED, EXIT_PORT_IN_USE, RuntimeSettings

LOG_FLUSH_DELAY_S = 0.02  # log lines show within 20 ms, yet cost at most ~50 writes a second under any load


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
    try:
        sock = bind_socket(settings.host, settings.port)
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        log.error(f"Port {settings.port} on {settings.host} is already in use by another program; "
                  "choose another port (or leave it unset to get a free one).")
        log.flush()
        return EXIT_PORT_IN_USE
    host, port = sock.getsockname()[:2]
    log.info(f"Listening on http://{host}:{port} with {settings.worker_count} worker(s)")
    log.info("Routes: GET / (liveness), GET /ready, POST|GET /score, GET /swagger.json, GET /metrics")
    from .monitoring import prepare_workers
    from .supervisor import Supervisor

    prepare_workers(settings.worker_count)  # one prometheus multiprocess folder for all workers' /metrics
    return Supervisor(settings, sock, run_worker).run()


def run_worker(settings: RuntimeSettings, sock: socket.socket, board=None, ready_fd: int = -1) -> int:
    """One worker: load the script in the background and serve on ``sock`` on a uvloop event loop.

    ``board`` (the supervisor's WorkerBoard) feeds /ready's ``workers``; a byte on ``ready_fd`` tells the
    supervisor that init() finished."""
    import uvloop

    loop = uvloop.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(_serve_worker(settings, sock, board, ready_fd))
    finally:
        log.flush()
    return 0


async def _serve_worker(settings: RuntimeSettings, sock: socket.socket, board=None, ready_fd: int = -1) -> None:
    import uvicorn

    from .auth import with_key_auth
    from .connection_limits import describe, guarded_protocol_class
    from .cors import parse_origins, wrap
    from .heap import freeze_loaded_heap
    from .inline_scoring import inline_protocol_class
    from .monitoring import monitored_app

    app = monitored_app(settings)  # the ScoringApp inside the monitoring middleware (/metrics, capture)
    if board is not None:
        app.app.workers_status = board.read
    outer = wrap(with_key_auth(app), parse_origins(settings.cors_origins))  # CORS outermost, then key auth
    protocol_class = guarded_protocol_class(settings)  # uvicorn's httptools protocol plus our connection limits
    if settings.inline_scoring and outer is app:  # no key auth, no CORS: nothing stands between
        protocol_class = inline_protocol_class(protocol_class, app.score_inline)
    config = uvicorn.Config(
        outer,
        loop="none",
        http=protocol_class,
        ws="none",
        lifespan="off",
        access_log=False,
        log_level="warning",
        proxy_headers=False,
        server_header=False,
        date_header=True,
        timeout_keep_alive=settings.keepalive_timeout_ms / 1000.0,
    )
    server = uvicorn.Server(config)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGHUP, app.lifecycle.request_reload)
    # thread-safe: init() and reloads log from a worker thread
    log.set_flush_scheduler(lambda: loop.call_soon_threadsafe(loop.call_later, LOG_FLUSH_DELAY_S, log.flush))
    _housekeeping(loop, app)
    log.set_access_budget(settings.access_lines_per_s)
    log.info(f"Scoring timeout is set to {settings.scoring_timeout_ms} ms")
    log.info(describe(settings))
    app.lifecycle.after_load = freeze_loaded_heap  # short full collections while serving (heap.py)
    loop.create_task(_load_then_report(app, ready_fd))
    acceptors = []
    loop.create_task(_accept_fairly(server, sock, app.app, acceptors, only_when_idle=settings.worker_count > 1))
    try:
        await server.serve(sockets=[])  # no listener of uvicorn's own: fair_accept.py takes the connections
    finally:
        for acceptor in acceptors:
            acceptor.close()
        app.close()  # write the captured rows still queued


async def _accept_fairly(server, sock: socket.socket, scoring_app, acceptors: list, only_when_idle: bool) -> None:
    """Once uvicorn has started (with no listener of its own), accept on ``sock`` with uvicorn's protocol."""
    from .fair_accept import FairAcceptor

    while not server.started:
        if server.should_exit:
            return
        await asyncio.sleep(0.005)
    config = server.config

    def protocol():
        return config.http_protocol_class(
            config=config, server_state=server.server_state, app_state=server.lifespan.state
        )

    acceptor = FairAcceptor(sock, protocol, scoring_app.queue, lambda: server.should_exit, only_when_idle)
    acceptors.append(acceptor)
    if only_when_idle:
        scoring_app.connections_waiting = acceptor.backlog
    acceptor.start()


async def _load_then_report(app, ready_fd: int) -> None:
    await app.lifecycle.load_initial(on_failure=_exit_after_load_failure)
    if ready_fd >= 0 and app.lifecycle.current is not None:
        try:
            os.write(ready_fd, b"R")
            os.close(ready_fd)
        except OSError:
            pass


def _housekeeping(loop: asyncio.AbstractEventLoop, app, interval_s: float = 0.25) -> None:
    """Every ``interval_s``: flush buffered log lines and user prints, resync the scoring timer, and poll the
    data-collection switches while the capture writer has no thread and fold the metrics (monitoring/)."""

    def tick() -> None:
        log.flush()
        app.timer.verify()
        app.tick()
        loop.call_later(interval_s, tick)

    loop.call_later(interval_s, tick)


def _exit_after_load_failure(details: str) -> None:
    """Init or import failed at start: print the traceback on stderr and stop the process (non-zero)."""
    log.error("Failed to load the entry script; exiting.")
    sys.stderr.write(details.rstrip() + "\n")
    log.flush()
    os._exit(EXIT_LOAD_FAILED)
