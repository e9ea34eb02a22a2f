"""Fair (first come, first served) admission to run() inside one worker.

run() executes inline on the event loop's thread, so while it runs nothing else happens, and the requests
that arrive meanwhile are read together at the next poll. uvloop (libuv) then hands them to us in an order
that is not their arrival order, and when run() for a whole batch executes back to back without polling in
between, a client whose request arrives just after a poll waits one batch, and then is served last of the
next one: measured on a 50 ms CPU-bound run() at 8 concurrent clients, p50 350 ms and p99 1.1 s for an
ideal 400 ms (asyncio's own loop happens to hand them over in order: p99 403 ms; Azure's sync gunicorn worker
takes them from the kernel's accept queue, also in order).

So run() is entered through this queue, in batches that last about ``BATCH_S`` (2 ms) at most:

- A request that finds the queue free runs at once. Requests read in the same poll run back to back while
  their batch is younger than ``BATCH_S``; the first one to end after that keeps the turn until the *next*
  loop iteration, so the loop reads its sockets before the next run(), and the requests still to run,
  together with those that arrived meanwhile, line up behind it in order.
- A hand-on (one callback at the next loop iteration) wakes, in order, as many waiting requests as fit in
  ``BATCH_S`` at the typical duration of run() so far: one at a time for a model that takes 50 ms, dozens
  for a trivial script. The woken group starts a new batch, and after the last of them the rule above applies

A request therefore waits for the requests that arrived before it plus at most one batch, as in Azure's
server. Unlike Azure's server, a request whose client went away while it waited (a client timeout, a load
generator stopping) is not scored: under overload, scoring abandoned requests is what makes every later one
late too. Handing on one request per loop iteration whatever run() takes cost 45% of the trivial script's
requests a second at 32 clients (two extra loop iterations per request); these batches cost nothing there.

Not a lock around run() for thread safety (run() never leaves the loop thread): only an order.
"""

from __future__ import annotations

import asyncio
import collections
import time
from typing import Callable, Deque, Optional

BATCH_S = 0.002
_perf_counter = time.perf_counter


class ScoringQueue:
    def __init__(self, batch_s: float = BATCH_S) -> None:
        self.batch_s = batch_s
        self._busy = False  # the turn is held: a run() is under way, a woken group runs, or a hand-on is due
        self._batch_start = 0.0
        self._woken = 0  # woken requests that have not finished their run() yet
        self._hand_on_due = False
        self._inline_turn = False  # the turn was taken by enter_now(), inside the loop's socket callbacks
        self._run_started = 0.0
        self._last_run_s = 0.0
        self._typical_run_s = batch_s  # moving average of run()'s duration: how many to wake at once
        self._waiting: Deque[asyncio.Future] = collections.deque()
        self.on_idle: Optional[Callable[[], None]] = None  # called when the last request leaves (fair_accept.py)
        self._loop: Optional[asyncio.AbstractEventLoop] = None  # the loop the queue's state belongs to

    @property
    def busy(self) -> bool:
        return self._busy

    async def turn(self, abandoned: Optional[Callable[[], bool]] = None) -> bool:
        """Return True when it is this request's turn to run(); call `done()` after run(), whatever happens.

        The caller runs run() right after, without awaiting anything: run() never interleaves with another.
        A request that had to wait and whose client has gone meanwhile (``abandoned()``) gets False instead:
        it gives the turn on at once and must not run (nobody is left to read the answer)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # driven without an event loop (the in-kernel dry run steps the coroutine itself)
            self._busy = False
            return True
        if loop is not self._loop:  # in-process callers (tests, dry runs) may use a new loop per request:
            self._reset(loop)  # a hand-on left on a finished loop must not hold the turn
        if not self._busy:
            self._take()
            self._inline_turn = False
            return True
        future = loop.create_future()
        self._waiting.append(future)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():  # woken as it was cancelled: it will not run
                self._finished(ran=False)
            raise
        if abandoned is not None and abandoned():
            self._finished(ran=False)
            return False
        self._run_started = _perf_counter()
        self._inline_turn = False
        return True

    def can_enter_now(self) -> bool:
        """Whether a request read just now may run at once, without awaiting (the inline path:
        inline_scoring.py): the turn is free, or held only by a hand-on due after short runs with nobody
        waiting. That hand-on exists so the loop reads its sockets before the next run(); a request read in
        the loop's socket callbacks is one of those reads, and runs in the order they come, as in a batch.
        After a long run() the hand-on stands: clients may have left meanwhile, which only a poll shows."""
        if not self._busy:
            return True
        return self._hand_on_due and not self._waiting and not self._woken and self._last_run_s < self.batch_s

    def enter_now(self) -> None:
        """Take the turn for a request that `can_enter_now()`; call `done()` after run() as for `turn()`."""
        if self._loop is None:
            self._reset(asyncio.get_running_loop())
        self._take()
        self._inline_turn = True

    def _take(self) -> None:
        self._busy = True
        now = _perf_counter()
        if now - self._batch_start >= self.batch_s:
            self._batch_start = now  # a new batch (a young one goes on: see _finished)
        self._run_started = now

    def done(self) -> None:
        """run() finished."""
        self._finished(ran=True)

    def _finished(self, ran: bool) -> None:
        now = _perf_counter()
        if ran:
            self._last_run_s = now - self._run_started
            self._typical_run_s += (self._last_run_s - self._typical_run_s) * 0.2
        if self._woken:
            self._woken -= 1
            if self._woken:
                return
            # the last of a woken group: the same rule as for a request that found the queue free
        if not self._waiting and now - self._batch_start < self.batch_s:
            self._idle()  # a young batch: the next request read in this poll may run at once
        else:
            self._schedule_hand_on()

    def _schedule_hand_on(self) -> None:
        if not self._hand_on_due:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no event loop: nobody can be waiting
                self._idle()
                return
            self._hand_on_due = True
            if self._inline_turn:
                # run() ran inside the loop's socket callbacks (inline_scoring.py), and what they schedule runs
                # before the loop polls again: one more hop, so the sockets are read before the hand-on, as
                # after a run() in a task (the requests read meanwhile wait behind it, a client gone is seen)
                loop.call_soon(loop.call_soon, self._hand_on)
            else:
                loop.call_soon(self._hand_on)

    def _hand_on(self) -> None:
        """At the next loop iteration: wake the next group of waiting requests, in order, or free the turn."""
        self._hand_on_due = False
        group = max(1, int(self.batch_s / max(self._typical_run_s, 1e-6)))
        self._batch_start = _perf_counter()  # the woken group is a new batch
        while self._waiting and self._woken < group:
            future = self._waiting.popleft()
            if not future.done():  # skip requests cancelled while waiting
                future.set_result(None)
                self._woken += 1
        if not self._woken:
            self._idle()

    def _idle(self) -> None:
        self._busy = False
        if self.on_idle is not None:
            self.on_idle()

    def _reset(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._busy = self._hand_on_due = False
        self._woken = 0
        self._batch_start = 0.0
        self._waiting.clear()
