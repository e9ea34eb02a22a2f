"""Azure-style log lines, cheap enough to write one per scored request.

Format follows azmlinfsrv: ``2024-05-01 12:00:00,123 I [pid] <name> - message`` in UTC. Access lines go
to buffered stdout; the server flushes stdout a few times a second (server.py's housekeeping) instead of
paying a write syscall per request. Errors go to stderr, which is line-buffered, so they show at once.
"""

from __future__ import annotations

import io
import os
import sys
import time

from .settings import DEFAULT_ACCESS_LINES_PER_S

LOGGER_NAME = "jupyter_deploy.runtime"

_second_cached = -1
_prefix_cached = ""
_access_ms, _access_prefix = -1, ""  # the access lines' prefix, for the millisecond it was made
_access_budget = DEFAULT_ACCESS_LINES_PER_S  # access lines a second, one by one; the rest summed up
_window_second, _window_lines = -1, 0  # the second being counted, and its lines written so far
_window_skipped: dict = {}  # (method, path, status) -> requests of that second not logged one by one
_pid = os.getpid()
_schedule_flush = None  # set by the server: runs flush() on its event loop a few milliseconds from now
_flush_pending = False


def _forget_pid() -> None:
    global _pid, _second_cached, _access_ms
    _pid, _second_cached, _access_ms = os.getpid(), -1, -1


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pid)


def _stamp() -> str:
    """`2024-05-01 12:00:00,123` in UTC; the date part is formatted once a second, as this runs per request."""
    global _second_cached, _prefix_cached
    now = time.time()
    second = int(now)
    if second != _second_cached:
        _second_cached = second
        _prefix_cached = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(second))
    return f"{_prefix_cached},{int((now - second) * 1000):03d}"


def _prefix(level: str) -> str:
    return f"{_stamp()} {level} [{_pid}] {LOGGER_NAME} - "


def set_flush_scheduler(schedule) -> None:
    """Lines written to buffered stdout get flushed shortly after, in one write however many there are."""
    global _schedule_flush
    _schedule_flush = schedule


def _written() -> None:
    global _flush_pending
    if _schedule_flush is not None and not _flush_pending:
        _flush_pending = True
        _schedule_flush()


def info(message: str) -> None:
    sys.stdout.write(_prefix("I") + message + "\n")
    _written()


def warning(message: str) -> None:
    sys.stderr.write(_prefix("W") + message + "\n")


def error(message: str) -> None:
    sys.stderr.write(_prefix("E") + message + "\n")


def access(method: str, path: str, query_string: bytes, status: int, duration_ms: float, length: int) -> None:
    """One line per scored request: ``POST /score 200 0.123ms 17`` (Azure's layout), up to the budget of
    `set_access_budget` lines a second; the requests beyond it are summed up in one line for that second.

    Why a budget: in a container every stdout line is a log record the engine's daemon parses and stores.
    At 20 000 requests a second that took a fifth of the trivial script's throughput (the same image with
    ``--log-driver none``: 25.1 k against 20.9 k req/s), for lines nobody reads one by one at that rate."""
    global _access_ms, _access_prefix, _window_second, _window_lines
    now = time.time()
    second = int(now)
    if second != _window_second:
        _close_window(second)
    if _window_lines >= _access_budget:
        key = (method, path, status)
        _window_skipped[key] = _window_skipped.get(key, 0) + 1
        return
    _window_lines += 1
    if query_string:
        path = f"{path}?{query_string.decode('latin-1')}"
    millisecond = int(now * 1000)
    if millisecond != _access_ms:  # many requests share a millisecond under load: one prefix for them
        _access_ms, _access_prefix = millisecond, _prefix("I")
    sys.stdout.write(f"{_access_prefix}{method} {path} {status} {duration_ms:.3f}ms {length}\n")
    _written()


def set_access_budget(lines_per_second: int) -> None:
    global _access_budget
    _access_budget = lines_per_second


def _close_window(second: int) -> None:
    """Start the window of ``second``; the requests the last one did not log one by one get their line."""
    global _window_second, _window_lines
    if _window_skipped:
        counts = ", ".join(f"{method} {path} {status}: {count}"
                           for (method, path, status), count in sorted(_window_skipped.items()))
        total = sum(_window_skipped.values())
        stamp = time.strftime("%H:%M:%S", time.gmtime(_window_second))
        sys.stdout.write(f"{_prefix('I')}{total} more requests in the second from {stamp} not logged one by one "
                         f"(over {_access_budget} lines a second): {counts}\n")
        _window_skipped.clear()
        _written()
    _window_second, _window_lines = second, 0


def buffer_stdout(buffer_bytes: int = 1 << 16) -> None:
    """Give stdout a real buffer even under PYTHONUNBUFFERED (common in images and user environments).

    Unbuffered, every access line is a write syscall and, in a container, one log record for dockerd to
    process — on two cores that alone halves the requests per second. The server flushes a few times a
    second and before every exit, so lines still show promptly.
    """
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    sys.stdout.flush()
    raw = io.FileIO(descriptor, "w", closefd=False)
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(raw, buffer_size=buffer_bytes), encoding="utf-8",
                                  errors="backslashreplace", line_buffering=False)


def flush() -> None:
    global _flush_pending
    _flush_pending = False
    if _window_skipped and int(time.time()) != _window_second:  # traffic stopped: the last summary line
        _close_window(int(time.time()))
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass


