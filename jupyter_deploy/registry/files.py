"""Collecting the files of a registration and copying them into the workspace, hashing as they stream.

Kept apart from the catalogue so the copy loop (the part that decides how fast a 1 GB folder registers)
can be read, tested and benchmarked on its own.
"""

from __future__ import annotations

import errno
import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelPathError

CHUNK_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class SourceFile:
    """One file to register: where it is now and where it goes inside the version folder."""

    source: Path
    dest: str  # POSIX path relative to the version folder


@dataclass(frozen=True)
class StoredFile:
    path: str
    sha256: str
    size: int


def collect_sources(model_path: str | os.PathLike, child_paths: list[str] | None = None) -> list[SourceFile]:
    """The files of `model_path`: a folder keeps its own name as a subfolder, a single file stays at the top.

    Symlinks are followed only while they stay inside the registered folder: a link leading outside
    would silently register (and later ship) files the user never pointed at.
    """
    path = Path(model_path).expanduser()
    if not path.exists() and not path.is_symlink():
        raise ModelPathError(f"Model path '{model_path}' does not exist; pass the file or folder that holds the model.")
    if path.is_symlink() and not path.exists():
        raise ModelPathError(f"Model path '{model_path}' is a broken symlink; point at the real file or folder.")
    path = path.resolve()
    if path.is_file():
        if child_paths:
            raise ModelPathError(f"child_paths only applies to a folder, but '{model_path}' is a file; drop child_paths.")
        return [SourceFile(path, path.name)]
    root_name = path.name
    sources: list[SourceFile] = []
    wanted = _normalise_child_paths(child_paths, model_path) if child_paths else None
    for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
        current = Path(dirpath)
        for dirname in list(dirnames):
            candidate = current / dirname
            if candidate.is_symlink():
                target = _resolve_inside(candidate, path, model_path)
                if target.is_dir():
                    # Walk linked folders that stay inside the registered folder by following them explicitly.
                    dirnames.remove(dirname)
                    sources.extend(_walk_linked_dir(candidate, target, path, root_name, model_path))
        for filename in sorted(filenames):
            candidate = current / filename
            target = _resolve_inside(candidate, path, model_path) if candidate.is_symlink() else candidate
            if not target.is_file():
                continue
            rel = candidate.relative_to(path).as_posix()
            sources.append(SourceFile(target, f"{root_name}/{rel}"))
    if wanted is not None:
        sources = [s for s in sources if _under_any(s.dest[len(root_name) + 1 :], wanted)]
        missing = [w for w in wanted if not any(_under_any(s.dest[len(root_name) + 1 :], [w]) for s in sources)]
        if missing:
            raise ModelPathError(f"child path '{missing[0]}' is not inside '{model_path}'; list paths relative to that folder.")
    if not sources:
        raise ModelPathError(f"Model folder '{model_path}' contains no files; put the model files in it first.")
    sources.sort(key=lambda s: s.dest)
    return sources


def _walk_linked_dir(link: Path, target: Path, root: Path, root_name: str, shown: str | os.PathLike) -> list[SourceFile]:
    found = []
    for dirpath, _dirnames, filenames in os.walk(target, followlinks=False):
        for filename in sorted(filenames):
            real = Path(dirpath) / filename
            real = _resolve_inside(real, root, shown) if real.is_symlink() else real
            rel_inside_link = (Path(dirpath) / filename).relative_to(target)
            found.append(SourceFile(real, f"{root_name}/{(link.relative_to(root) / rel_inside_link).as_posix()}"))
    return found


def _resolve_inside(link: Path, root: Path, shown: str | os.PathLike) -> Path:
    target = link.resolve()
    if not target.exists():
        raise ModelPathError(f"'{link}' is a broken symlink inside '{shown}'; remove it or point it at a real file.")
    if target != root and root not in target.parents:
        raise ModelPathError(
            f"'{link}' is a symlink leading outside '{shown}' (to '{target}'); copy that file into the folder instead."
        )
    return target


def _normalise_child_paths(child_paths: list[str], shown: str | os.PathLike) -> list[str]:
    normalised = []
    for child in child_paths:
        posix = Path(child).as_posix().strip("/")
        if posix.startswith("..") or Path(child).is_absolute():
            raise ModelPathError(f"child path '{child}' must be relative to '{shown}' and stay inside it.")
        normalised.append(posix)
    return normalised


def _under_any(rel: str, prefixes: list[str]) -> bool:
    return any(rel == p or rel.startswith(p + "/") for p in prefixes)


def copy_and_hash(source: Path, dest: str | Path) -> StoredFile:
    """Copy one file and hash it in the same streaming pass, chunk by chunk.

    Each chunk is copied inside the kernel (`copy_file_range`, as `cp` does) while a helper thread hashes the
    same chunk, which that copy has just brought into the page cache: the file is read from disk once, never
    held whole in memory, and the sha256 costs little wall time on two cores. Where the kernel cannot copy
    between the two files, a read/write loop with reused buffers does the same.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(source, "rb", buffering=0) as reader, open(dest, "wb", buffering=0) as writer:
        try:
            digest, size = _copy_in_kernel(reader.fileno(), writer.fileno())
        except OSError as error:
            if error.errno not in _NO_KERNEL_COPY:
                raise
            reader.seek(0)
            writer.seek(0)
            writer.truncate()
            digest, size = _copy_through_buffers(reader, writer)
    os.chmod(dest, 0o644)
    return StoredFile(path="", sha256=digest.hexdigest(), size=size)


_NO_KERNEL_COPY = {errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL, errno.EPERM}


def _copy_in_kernel(source_fd: int, dest_fd: int) -> tuple:
    """Copy chunk k+1 in the kernel while a helper thread hashes chunk k (re-read from the page cache)."""
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK_BYTES)
    hashed = [0]
    offset = 0
    hasher: threading.Thread | None = None
    while True:
        copied = 0
        while copied < CHUNK_BYTES:
            count = os.copy_file_range(source_fd, dest_fd, CHUNK_BYTES - copied, offset + copied, offset + copied)
            if count == 0:
                break
            copied += count
        if hasher is not None:
            hasher.join()
        if copied == 0:
            break
        hasher = threading.Thread(target=_hash_range, args=(digest, hashed, source_fd, buffer, offset, copied))
        hasher.start()
        offset += copied
    if hashed[0] != offset:
        raise OSError(errno.EIO, f"the file changed while it was copied ({hashed[0]} bytes hashed, {offset} copied)")
    return digest, offset


def _hash_range(digest, hashed: list, fd: int, buffer: bytearray, offset: int, length: int) -> None:
    view = memoryview(buffer)
    done = 0
    while done < length:
        read = os.preadv(fd, [view[done:length]], offset + done)
        if read == 0:
            break
        done += read
    digest.update(view[:done])
    hashed[0] += done


def _copy_through_buffers(reader, writer) -> tuple:
    """Fallback: read into two reused buffers, hash one on a helper thread while writing it."""
    digest = hashlib.sha256()
    buffers = (bytearray(CHUNK_BYTES), bytearray(CHUNK_BYTES))
    size = 0
    index = 0
    hasher: threading.Thread | None = None
    while True:
        buffer = buffers[index % 2]
        count = reader.readinto(buffer)
        if hasher is not None:
            hasher.join()
        if not count:
            break
        view = memoryview(buffer)[:count]
        hasher = threading.Thread(target=digest.update, args=(view,))
        hasher.start()
        while view:
            view = view[writer.write(view):]
        size += count
        index += 1
    return digest, size


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb", buffering=0) as reader:
        while chunk := reader.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()
