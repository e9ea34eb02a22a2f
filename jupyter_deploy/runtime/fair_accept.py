"""How a worker accepts: with several workers, only while its scoring queue is idle; alone, all at once.

All workers share one listening socket. Left to uvicorn, every worker accepts whatever arrives, also while
its own run() queue is long, so keep-alive clients stay spread unevenly and the ones on the crowded worker
wait twice as long (measured with 2 workers and 8 clients of the sentiment model: p99 1.4–2× Azure's).
Azure's sync gunicorn worker accepts a connection only when it is free, so the kernel's accept queue is
one first-come-first-served line for all workers.

We do the same: each worker watches the shared socket itself (``add_reader``) and accepts one connection
at a time only while its ScoringQueue is idle, and after it no other until that connection's request has
run (or ``CLAIM_S`` passed without one); while it is busy it stops watching, and the connections wait
in the kernel's queue for whichever worker is free first. Accepted sockets go to uvloop's
``connect_accepted_socket`` with uvicorn's own protocol, so nothing else changes. app.py does the other
half: a client answered while others wait (on the same worker, or in the kernel's queue: `backlog()`) is
sent ``connection: close`` and comes back through that shared line; otherwise a kept-alive client would be
served again at once while the ones that reconnected wait (measured: p99 2.5 s against 0.4 s).

One worker takes every connection, busy or not (there is nowhere else for it to go), but through this
acceptor too, and all that are waiting at once: uvloop's own listener accepts one connection per loop
iteration, and when run() blocks each iteration for 55 ms, eight clients connecting together were let in
one per run() while the ones already in were served again and again — their first requests waited for 9–11
others instead of 7, which was the whole of our p99 at 8 clients of the sentiment model. Accepted together,
their first requests are read in the same poll and line up in order (scoring_queue.py).

Hand-written because neither uvicorn nor uvloop can pause a listener (asyncio servers only close).
"""

from __future__ import annotations

import asyncio
import socket
import struct
from typing import Callable, Optional

from . import log
from .scoring_queue import ScoringQueue


ACCEPT_BATCH = 128  # connections taken per wake-up with one worker (the rest at the next iteration)
# With several workers, how long a connection just accepted holds its idle worker for its first request: its
# request reaches the scoring queue a few loop iterations after accept(), and a worker that went on accepting
# meanwhile took 2-4 of the connections waiting in the kernel's queue at once (the others' turn came later:
# p99 1.15-1.3x Azure's at 2 workers and 8 clients of the sentiment model). A connection that sends nothing
# (a TCP probe) frees the worker after this long.
CLAIM_S = 0.05
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
        only_when_idle: bool = True,
    ):
        self._sock = sock
        self._fd = sock.fileno()
        self._factory = protocol_factory
        self._queue = queue
        self._stopping = stopping
        self._loop = asyncio.get_running_loop()
        self._watching = False
        self._closed = False
        self._only_when_idle = only_when_idle  # several workers: leave connections to an idle one
        self._claim: Optional[asyncio.TimerHandle] = None  # a connection accepted, its first request not yet run

    def backlog(self) -> int:
        return accept_queue_length(self._sock)

    def start(self) -> None:
        if self._only_when_idle:
            self._queue.on_idle = self._release
        self._resume()

    def close(self) -> None:
        """Stop accepting (shutdown); connections already accepted are uvicorn's to finish."""
        self._closed = True
        self._queue.on_idle = None
        self._drop_claim()
        self._pause()

    def _release(self) -> None:
        """The scoring queue went idle, or a claim timed out: accept again."""
        self._drop_claim()
        self._resume()

    def _drop_claim(self) -> None:
        if self._claim is not None:
            self._claim.cancel()
            self._claim = None

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
        if self._only_when_idle:
            if self._queue.busy:  # resume from on_idle (or the claim's timer)
                return self._pause()
            if self._accept_one():  # one connection, and no other until its request has run
                self._pause()
                self._claim = self._loop.call_later(CLAIM_S, self._release)
            return
        for _ in range(ACCEPT_BATCH):  # everything waiting, so first requests are read in one poll
            if not self._accept_one():
                return

    def _accept_one(self) -> bool:
        try:
            connection, _ = self._sock.accept()
        except (BlockingIOError, InterruptedError):  # none left (or another worker took it)
            return False
        except OSError as error:  # EMFILE and friends: log, keep serving the connections we have
            log.error(f"accept() failed: {error}")
            return False
        connection.setblocking(False)
        self._loop.create_task(self._connect(connection))
        return True

    async def _connect(self, connection: socket.socket) -> None:
        try:
            await self._loop.connect_accepted_socket(self._factory, connection)
        except OSError:  # the client hung up before we got to it
            connection.close()
