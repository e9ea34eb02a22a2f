"""Fair (first come, first served) admission to run() inside one worker.

run() executes inline on the event loop's thread, so while it runs nothing else happens, and the requests
that arrive meanwhile are read together at the next poll. uvloop (libuv) then hands them to us in an order
that is not their arrival order, and when run() for a whole batch executes back to back without polling in
between, a client whose request arrives just after a poll waits one batch, and then is served last of the
next one: measured on a 50 ms CPU-bound run() at 8 concurrent clients, p50 350 ms and p99 1.1 s for an
ideal 400 ms (asyncio's own loop happens to hand them over in order: p99 403 ms; Azure's sync gunicorn worker
takes them from the kernel's accept queue, also in order).

So run() is entered through this queue. A request that finds it idle runs at once (the fast path costs one
``call_soon``). One that finds it busy waits on a future. The request that finishes hands the turn on from
a callback scheduled for the *next* loop iteration, also when nobody is waiting yet (requests read in the
same poll are about to line up), so the loop reads the sockets between any two run()s and a request that
arrived meanwhile lines up behind those already waiting. A request therefore waits only for the requests
that arrived before it (give or take the ones read in the same poll), as in Azure's server.

Not a lock around run() for thread safety (run() never leaves the loop thread): only an order.
"""

from __future__ import annotations

import asyncio
import collections
from typing import Callable, Deque, Optional


class ScoringQueue:
    def __init__(self) -> None:
        self._busy = False  # some request holds the turn (running run(), or woken and about to)
        self._waiting: Deque[asyncio.Future] = collections.deque()
        self.on_idle: Optional[Callable[[], None]] = None  # called when the last request leaves (fair_accept.py)
        self._loop: Optional[asyncio.AbstractEventLoop] = None  # the loop the queue's state belongs to

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def turn(self) -> None:
        """Return when it is this request's turn to run(); call `done()` afterwards, whatever happens."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # in-process callers (tests, dry runs) may use a new loop per request:
            self._loop, self._busy = loop, False  # a hand-on left on a finished loop must not hold the turn
            self._waiting.clear()
        if not self._busy:
            self._busy = True
            return
        future = loop.create_future()
        self._waiting.append(future)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():  # the turn reached us as we were cancelled
                self.done()
            raise

    def done(self) -> None:
        """The request holding the turn finished: pass it on at the next loop iteration (after a poll)."""
        asyncio.get_running_loop().call_soon(self._hand_on)

    def _hand_on(self) -> None:
        while self._waiting:
            future = self._waiting.popleft()
            if not future.done():  # skip requests cancelled while waiting
                future.set_result(None)
                return
        self._busy = False
        if self.on_idle is not None:
            self.on_idle()
