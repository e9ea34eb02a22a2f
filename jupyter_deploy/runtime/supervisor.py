"""The process that keeps WORKER_COUNT workers alive (issue 9.1), as gunicorn's arbiter does for Azure's server.

The supervisor binds the socket, forks the workers (each imports and init()s the script itself, like gunicorn
without --preload) and then only watches: every worker's stderr comes through a pipe (forwarded to our stderr,
the last lines kept), a second pipe says when its init() finished, and SIGCHLD says when it died. A worker
that dies after it was ready is respawned at once, its death logged in words and counted; a worker that fails
to load (exit code EXIT_LOAD_FAILED: the script's import or init() raised) or dies before it was ever ready
``START_ATTEMPTS`` times in a row stops the whole process with EXIT_LOAD_FAILED and the cause — never a
restart loop. SIGHUP is forwarded (reload); SIGTERM/SIGINT stop the workers and end the process by that signal.

What /ready shows about the workers is written by the supervisor into a small shared memory page
(`WorkerBoard`) that every worker reads, so any worker can answer for all of them.
"""

from __future__ import annotations

import collections
import json
import mmap
import os
import selectors
import signal
import socket
import struct
import sys
import time
from typing import Callable, Deque, Dict, List, Optional

from . import log
from .settings import EXIT_LOAD_FAILED, RuntimeSettings

START_ATTEMPTS = 3
STDERR_TAIL_LINES = 10
_BOARD_BYTES = 1 << 16
_HEADER = struct.Struct("<QI")  # sequence number (odd while writing), document length
_FORWARDED = (signal.SIGTERM, signal.SIGINT)


class WorkerBoard:
    """A JSON document in anonymous shared memory: written by the supervisor, read by forked workers."""

    def __init__(self) -> None:
        self._memory = mmap.mmap(-1, _BOARD_BYTES)
        self._sequence = 0

    def write(self, document: dict) -> None:
        data = json.dumps(document).encode()[: _BOARD_BYTES - _HEADER.size]
        self._sequence += 1
        self._memory[: _HEADER.size] = _HEADER.pack(self._sequence * 2 - 1, 0)
        self._memory[_HEADER.size : _HEADER.size + len(data)] = data
        self._memory[: _HEADER.size] = _HEADER.pack(self._sequence * 2, len(data))

    def read(self) -> Optional[dict]:
        for _ in range(100):
            before, length = _HEADER.unpack(self._memory[: _HEADER.size])
            if before == 0:
                return None
            if before % 2:
                continue
            data = self._memory[_HEADER.size : _HEADER.size + length]
            if _HEADER.unpack(self._memory[: _HEADER.size])[0] == before:
                return json.loads(data)
        return None


def describe_exit(status: int) -> str:
    """``killed by SIGSEGV (signal 11)`` / ``exited with code 1``."""
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by {name} (signal {-code})"
    return f"exited with code {code}"


class _Worker:
    def __init__(self, number: int):
        self.number = number
        self.pid = 0
        self.ready = False
        self.failed_starts = 0
        self.stderr_fd = -1
        self.ready_fd = -1
        self.partial = b""
        self.tail: Deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)


class Supervisor:
    def __init__(self, settings: RuntimeSettings, sock: socket.socket, run_worker: Callable[..., int]):
        self.settings = settings
        self.sock = sock
        self.run_worker = run_worker
        self.board = WorkerBoard()
        self.workers = [_Worker(number) for number in range(1, settings.worker_count + 1)]
        self.restarts = 0
        self.last_death: Optional[dict] = None
        self.selector = selectors.DefaultSelector()
        self.signals: List[int] = []
        self.stop_signal: Optional[int] = None
        self.exit_code = 0

    # -- the board ------------------------------------------------------------------------------------------------
    def publish(self) -> None:
        self.board.write(
            {
                "count": len(self.workers),
                "ready": sum(1 for worker in self.workers if worker.ready),
                "restarts": self.restarts,
                "last_death": self.last_death,
            }
        )

    # -- workers --------------------------------------------------------------------------------------------------
    def spawn(self, worker: _Worker) -> None:
        stderr_read, stderr_write = os.pipe()
        ready_read, ready_write = os.pipe()
        log.flush()  # or buffered lines would be written again by the child
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                for signum in (signal.SIGHUP, signal.SIGCHLD, *_FORWARDED):
                    signal.signal(signum, signal.SIG_DFL)
                signal.set_wakeup_fd(-1)
                os.close(stderr_read)
                os.close(ready_read)
                for other in self.workers:
                    for fd in (other.stderr_fd, other.ready_fd):
                        if fd >= 0:
                            os.close(fd)
                os.dup2(stderr_write, 2)
                os.close(stderr_write)
                code = self.run_worker(self.settings, self.sock, board=self.board, ready_fd=ready_write)
            finally:
                log.flush()
                os._exit(code)
        os.close(stderr_write)
        os.close(ready_write)
        worker.pid, worker.ready, worker.partial = pid, False, b""
        worker.stderr_fd, worker.ready_fd = stderr_read, ready_read
        for fd in (stderr_read, ready_read):
            os.set_blocking(fd, False)
            self.selector.register(fd, selectors.EVENT_READ, worker)

    def _read_pipes(self, worker: _Worker, fd: int) -> bool:
        """Read what is there; False when nothing more is (would block, or the pipe is closed)."""
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return False
        if not data:
            self.selector.unregister(fd)
            os.close(fd)
            if fd == worker.stderr_fd:
                worker.stderr_fd = -1
            else:
                worker.ready_fd = -1
            return False
        if fd == worker.ready_fd:
            worker.ready = True
            worker.failed_starts = 0
            self.publish()
            return True
        try:
            sys.stderr.flush()
            os.write(sys.stderr.fileno(), data)
        except (OSError, ValueError, AttributeError):
            pass
        lines = (worker.partial + data).split(b"\n")
        worker.partial = lines.pop()
        worker.tail.extend(line.decode("utf-8", "replace") for line in lines if line.strip())
        return True

    def _drain(self, worker: _Worker) -> None:
        """After a death: take the last lines it wrote (non-blocking; a grandchild may hold the pipe open)."""
        for attribute in ("ready_fd", "stderr_fd"):
            while getattr(worker, attribute) >= 0 and self._read_pipes(worker, getattr(worker, attribute)):
                pass

    def _close_pipes(self, worker: _Worker) -> None:
        for fd in (worker.stderr_fd, worker.ready_fd):
            if fd >= 0:
                self.selector.unregister(fd)
                os.close(fd)
        worker.stderr_fd = worker.ready_fd = -1

    def _died(self, worker: _Worker, status: int) -> None:
        self._drain(worker)
        if worker.partial.strip():
            worker.tail.append(worker.partial.decode("utf-8", "replace"))
            worker.partial = b""
        self._close_pipes(worker)
        was_ready, worker.ready, worker.pid = worker.ready, False, 0
        if self.stop_signal is not None or self.exit_code:
            return
        cause = describe_exit(status)
        tail = list(worker.tail)
        worker.tail.clear()
        code = os.waitstatus_to_exitcode(status)
        self.last_death = {"worker": worker.number, "cause": cause, "at": time.time(), "stderr_tail": tail}
        if not was_ready:
            worker.failed_starts += 1
            if code == EXIT_LOAD_FAILED or worker.failed_starts >= START_ATTEMPTS:
                if code == EXIT_LOAD_FAILED:
                    # The worker printed the script's traceback last on stderr; keep it the last thing there.
                    log.info(f"jupyter-deploy runtime: worker {worker.number} could not load the script; stopping.")
                else:
                    log.error(
                        f"jupyter-deploy runtime: worker {worker.number} crashed on every start "
                        f"({worker.failed_starts} times in a row): {cause}; stopping the service. "
                        "Last stderr lines: " + (" | ".join(tail) or "(none)")
                    )
                self.exit_code = EXIT_LOAD_FAILED
                self._forward(signal.SIGTERM)
                return
        log.error(
            f"jupyter-deploy runtime: worker {worker.number} died: {cause}; last stderr lines: "
            + (" | ".join(tail[-STDERR_TAIL_LINES:]) or "(none)")
        )
        self.restarts += 1
        self.publish()
        log.flush()
        self.spawn(worker)
        log.info(f"jupyter-deploy runtime: worker {worker.number} restarted (pid {worker.pid})")

    def _forward(self, signum: int) -> None:
        for worker in self.workers:
            if worker.pid:
                try:
                    os.kill(worker.pid, signum)
                except ProcessLookupError:
                    pass

    # -- the loop -------------------------------------------------------------------------------------------------
    def run(self) -> int:
        wake_read, wake_write = socket.socketpair()
        wake_read.setblocking(False)
        wake_write.setblocking(False)
        signal.set_wakeup_fd(wake_write.fileno(), warn_on_full_buffer=False)
        for signum in (signal.SIGHUP, signal.SIGCHLD, *_FORWARDED):
            signal.signal(signum, lambda number, frame: self.signals.append(number))
        self.selector.register(wake_read, selectors.EVENT_READ, None)
        self.publish()
        for worker in self.workers:
            self.spawn(worker)
        try:
            while any(worker.pid for worker in self.workers):
                for key, _ in self.selector.select(timeout=1.0):
                    if key.data is None:
                        try:
                            wake_read.recv(4096)
                        except BlockingIOError:
                            pass
                    else:
                        self._read_pipes(key.data, key.fd)
                self._handle_signals()
                self._reap()
        finally:
            signal.set_wakeup_fd(-1)
            log.flush()
        if self.stop_signal is not None and not self.exit_code:
            signal.signal(self.stop_signal, signal.SIG_DFL)
            signal.raise_signal(self.stop_signal)
        return self.exit_code

    def _handle_signals(self) -> None:
        while self.signals:
            signum = self.signals.pop(0)
            if signum == signal.SIGHUP:
                self._forward(signal.SIGHUP)
            elif signum in _FORWARDED:
                if self.stop_signal is None:
                    self.stop_signal = signum
                self._forward(signal.SIGTERM)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            for worker in self.workers:
                if worker.pid == pid:
                    self._died(worker, status)
                    break
