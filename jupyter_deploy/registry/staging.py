"""Staging folders: where a registration copies its files before it publishes them, and how leftovers are reclaimed.

A registration killed with SIGKILL (or by a power cut) never reaches its `finally`, so its half-copied folder
stays under `staging/`. Each staging folder `<id>` therefore has a lock file `<id>.lock` that its copier holds
with `flock` for as long as it copies; the kernel drops the lock when the process dies, however it dies. When
the workspace is opened, every staging folder whose lock can be taken is removed: a live copier's folder is
never touched, because its lock cannot be taken.

`flock` (not a pid file) because a pid can be reused and a pid file cannot tell a live copier from a dead one
on another mount namespace; the kernel lock needs no cleanup and cannot go stale.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from pathlib import Path
from typing import Iterator

try:
    import fcntl
except ImportError:  # Windows: no flock; leftovers are then kept rather than risk removing a live copy
    fcntl = None  # type: ignore[assignment]

LOCK_SUFFIX = ".lock"


@contextlib.contextmanager
def staging_folder(staging_dir: Path) -> Iterator[Path]:
    """A fresh, locked staging folder; removed with its lock on the way out (whatever was not renamed away)."""
    while True:
        folder = staging_dir / uuid.uuid4().hex
        lock = _take_lock(_lock_path(folder), create=True, wait=True)
        if lock is not None:
            break
    try:
        folder.mkdir(parents=True)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        _release(lock, _lock_path(folder))


def reclaim_staging(staging_dir: Path) -> list[str]:
    """Remove what killed registrations left behind; returns the names removed. Never raises for a busy entry."""
    if fcntl is None:
        return []
    try:
        entries = sorted(os.listdir(staging_dir))
    except OSError:
        return []
    reclaimed = []
    names = {entry[: -len(LOCK_SUFFIX)] if entry.endswith(LOCK_SUFFIX) else entry for entry in entries}
    for name in sorted(names):
        folder = staging_dir / name
        lock_file = _lock_path(folder)
        # A folder without a lock file was left by a copier whose lock file is gone (or by a killed delete):
        # creating the lock file here is safe, since a live copier always keeps its own lock file in place.
        lock = _take_lock(lock_file, create=folder.exists(), wait=False)
        if lock is None:
            continue  # a live copier holds it, or it vanished meanwhile
        try:
            if folder.is_dir():
                shutil.rmtree(folder, ignore_errors=True)
            elif folder.exists():
                folder.unlink()
        finally:
            _release(lock, lock_file)
        reclaimed.append(name)
    return reclaimed


def _lock_path(folder: Path) -> Path:
    return folder.with_name(folder.name + LOCK_SUFFIX)


def _take_lock(path: Path, *, create: bool, wait: bool) -> int | None:
    """An fd holding an exclusive flock on `path`, or None (busy, or no such file without `create`).

    After locking, the file at `path` must still be the one locked: a reclaimer may have unlinked it between our
    open and our lock, and a lock on an unlinked file protects nothing.
    """
    flags = os.O_RDWR | (os.O_CREAT if create else 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError:
        return None
    if fcntl is None:
        return fd
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        if os.fstat(fd).st_ino != os.stat(path).st_ino:
            raise FileNotFoundError(path)
    except OSError:
        os.close(fd)
        return None
    return fd


def _release(fd: int, path: Path) -> None:
    """Unlink before unlocking, so nobody can lock a lock file that is about to disappear and think it owns it."""
    with contextlib.suppress(OSError):
        os.unlink(path)
    with contextlib.suppress(OSError):
        os.close(fd)
