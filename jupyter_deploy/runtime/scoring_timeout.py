"""SCORING_TIMEOUT_MS for a run() that executes inline on the event-loop (main) thread.

Like Azure, we use ``ITIMER_REAL`` and raise from the SIGALRM handler inside run() — no thread hop. Unlike
Azure we do not arm and disarm the timer around every call (two syscalls per request): the timer stays
armed, each call only records its deadline, and when the alarm fires the handler either raises (a run()
is past its deadline), re-arms for the remainder (a later run() is in progress), or lets the timer lapse
(idle; the next call re-arms). A pending alarm can never be later than the current deadline, because every
deadline is ``start + timeout`` and the pending alarm was armed at an earlier start for the same timeout.

Trade-offs (the same as Azure's sync worker):
- The exception surfaces at the next Python bytecode or interruptible syscall (``time.sleep``, socket
  reads). A long call into C that does not check for signals (one big numpy/BLAS op) finishes first.
- run() can swallow it with a bare ``except:``. We raise `ScoringTimedOut`, a BaseException, so the common
  ``except Exception`` in user code does not.
- Only on the main thread; elsewhere (an in-kernel dry run on a worker thread) run() is not time-limited.
- If another Python SIGALRM handler is installed (pytest-timeout, a script using ``signal.alarm``), that
  call falls back to arming around run() and puts the other handler and its timer back afterwards.
"""

from __future__ import annotations

import signal
import threading
import time
from typing import Any, Callable, Dict, Tuple

try:  # the raw functions: signal.getsignal/signal wrap every call in enum conversions
    import _signal as _raw_signal
except ImportError:  # pragma: no cover - non-CPython
    _raw_signal = signal

_HAS_ITIMER = hasattr(signal, "setitimer") and hasattr(signal, "SIGALRM")
if _HAS_ITIMER:
    _SIGALRM = int(signal.SIGALRM)
    _ITIMER_REAL = signal.ITIMER_REAL
    _setitimer = signal.setitimer
    _getitimer = signal.getitimer

_perf_counter = time.perf_counter
_MIN_DELAY_S = 1e-4


class ScoringTimedOut(BaseException):
    """Raised inside run() when SCORING_TIMEOUT_MS elapses."""

    def __init__(self, elapsed_ms: float = 0.0):
        super().__init__(elapsed_ms)
        self.elapsed_ms = elapsed_ms


class ScoringTimer:
    def __init__(self, timeout_ms: int):
        self.timeout_ms = timeout_ms
        self._seconds = timeout_ms / 1000.0
        self._enabled = self._seconds > 0 and _HAS_ITIMER
        self._deadline = 0.0  # perf_counter value; 0 when no run() is in progress
        self._timer_pending = False  # our ITIMER_REAL is armed
        self._handler = self._on_alarm  # one bound-method object, so `is` comparisons hold
        self._main_thread_id = threading.main_thread().ident

    def _on_alarm(self, signum: int, frame: Any) -> None:
        self._timer_pending = False
        deadline = self._deadline
        if not deadline:
            return  # idle: let the timer lapse
        remaining = deadline - _perf_counter()
        if remaining > 0:
            _setitimer(_ITIMER_REAL, max(remaining, _MIN_DELAY_S))
            self._timer_pending = True
            return
        self._deadline = 0.0
        raise ScoringTimedOut()

    def call(self, function: Callable[..., Any], arguments: Dict[str, Any]) -> Tuple[Any, float]:
        """Return ``(run's result, elapsed ms)``; raise ScoringTimedOut when the limit is hit."""
        if not self._enabled or threading.get_ident() != self._main_thread_id:
            started = _perf_counter()
            result = function(**arguments)
            return result, (_perf_counter() - started) * 1000.0
        if _raw_signal.getsignal(_SIGALRM) is not self._handler:
            return self._call_around_foreign_handler(function, arguments)

        started = _perf_counter()
        self._deadline = started + self._seconds
        if not self._timer_pending:
            self._timer_pending = True
            _setitimer(_ITIMER_REAL, self._seconds)
        try:
            result = function(**arguments)
            self._deadline = 0.0
        except ScoringTimedOut as timed_out:
            timed_out.elapsed_ms = (_perf_counter() - started) * 1000.0
            raise
        finally:
            self._deadline = 0.0
        return result, (_perf_counter() - started) * 1000.0

    def verify(self) -> None:
        """Resync with the real timer (called a few times a second from the loop): if code outside run()
        cancelled our ITIMER_REAL, make the next call arm it again."""
        if self._enabled and self._timer_pending and not self._deadline:
            if _raw_signal.getsignal(_SIGALRM) is not self._handler or _getitimer(_ITIMER_REAL)[0] == 0:
                self._timer_pending = False

    def _call_around_foreign_handler(self, function: Callable[..., Any], arguments: Dict[str, Any]):
        previous_handler = _raw_signal.signal(_SIGALRM, self._handler)
        previous_delay, previous_interval = _setitimer(_ITIMER_REAL, self._seconds)
        self._timer_pending = True
        started = _perf_counter()
        self._deadline = started + self._seconds
        try:
            result = function(**arguments)
            elapsed_ms = (_perf_counter() - started) * 1000.0
        except ScoringTimedOut as timed_out:
            timed_out.elapsed_ms = (_perf_counter() - started) * 1000.0
            raise
        finally:
            self._deadline = 0.0
            self._timer_pending = False
            _setitimer(_ITIMER_REAL, 0)
            if callable(previous_handler):
                _raw_signal.signal(_SIGALRM, previous_handler)
            if previous_delay > 0:
                remaining = previous_delay - (_perf_counter() - started)
                _setitimer(_ITIMER_REAL, max(remaining, _MIN_DELAY_S), previous_interval)
        return result, elapsed_ms
