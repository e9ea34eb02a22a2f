"""With several workers, a worker takes new connections only while its scoring queue is idle.

All workers share one listening socket. Left to uvicorn, every worker accepts whatever arrives, also while
its own run() queue is long, so keep-alive clients stay spread unevenly and the ones on the crowded worker
wait twice as long (measured with 2 workers and 8 clients of the sentiment model: p99 1.4–2× Azure's).
Azure's sync gunicorn worker accepts a connection only when it is free, so the kernel's accept queue is
one first-come-first-served line for all workers.

We do the same: each worker watches the shared socket itself (``add_reader``) and accepts one connection
at a time only while its ScoringQueue is idle; while it is busy it stops watching, and the connections wait
in the kernel's queue for whichever worker is free first. Accepted sockets go to uvloop's
``connect_accepted_socket`` with uvicorn's own protocol, so nothing else changes. app.py does the other
half: a client answered while others wait (on the same worker, or in the kernel's queue: `backlog()`) is
sent ``connection: close`` and comes back through that shared line; otherwise a kept-alive client would be
served again at once while the ones that reconnected wait (measured: p99 2.5 s against 0.4 s).

One worker keeps uvicorn's own listener: there is nowhere else for a connection to go, and its requests
are already served in arrival order (scoring_queue.py).

Hand-written because neither uvicorn nor uvloop can pause a listener (asyncio servers only close).
"""

from __future__ import annotations

import asyncio
import socket
import struct
from typing import Callable

from . import log
from .scoring_queue import ScoringQueue


_TCP_INFO_BYTES = 104
_UNACKED = struct.Struct("<I")  # struct tcp_info.tcpi_unacked: for a listening socket, its accept queue length
_UNACKED_OFFSET = 24


def accept_queue_length(sock: socket.socket) -> int:
    """Connections the kernel holds for ``sock`` that no worker accepted yet (Linux; 0 where unknown)."""
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _TCP_INFO_BYTES)
    except (OSError, AttributeError):
        return 0
    return _UNACKED.unpack_from(info, _UNACKED_OFFSET)[0] if len(info) >= _UNACKED_OFFSET + 4 else 0


class FairAcceptor:
    def __init__(
        self,
        sock: socket.socket,
        protocol_factory: Callable[[], asyncio.Protocol],
        queue: ScoringQueue,
        stopping: Callable[[], bool],
    ):
        self._sock = sock
        self._fd = sock.fileno()
        self._factory = protocol_factory
        self._queue = queue
        self._stopping = stopping
        self._loop = asyncio.get_running_loop()
        self._watching = False
        self._closed = False

    def backlog(self) -> int:
        return accept_queue_length(self._sock)

    def start(self) -> None:
        self._queue.on_idle = self._resume
        self._resume()

    def close(self) -> None:
        """Stop accepting (shutdown); connections already accepted are uvicorn's to finish."""
        self._closed = True
        self._queue.on_idle = None
        self._pause()

    def _resume(self) -> None:
        if not self._watching and not self._closed:
            self._loop.add_reader(self._fd, self._on_readable)
            self._watching = True

    def _pause(self) -> None:
        if self._watching:
            self._loop.remove_reader(self._fd)
            self._watching = False

    def _on_readable(self) -> None:
        if self._stopping():
            return self.close()
        if self._queue.busy:  # resume from on_idle
            return self._pause()
        try:
            connection, _ = self._sock.accept()
        except (BlockingIOError, InterruptedError):  # another worker took it
            return
        except OSError as error:  # EMFILE and friends: log, keep serving the connections we have
            log.error(f"accept() failed: {error}")
            return
        connection.setblocking(False)
        self._loop.create_task(self._connect(connection))

    async def _connect(self, connection: socket.socket) -> None:
        try:
            await self._loop.connect_accepted_socket(self._factory, connection)
        except OSError:  # the client hung up before we got to it
            connection.close()
