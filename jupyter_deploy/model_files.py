"""Collecting the files of a registration and copying them into the workspace, hashing as they stream.

Kept apart from the catalogue so the copy loop (the part that decides how fast a 1 GB folder registers)
can be read, tested and benchmarked on its own.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelPathError

CHUNK_BYTES = 4 * 1024 * 1024


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


def copy_and_hash(source: Path, dest: Path) -> StoredFile:
    """Copy one file while hashing it in the same pass: read a chunk once, hash it on a helper thread while
    this thread writes it (hashlib releases the GIL), so a large model is read from disk only once and the
    sha256 costs little wall time on two cores."""
    digest = hashlib.sha256()
    size = 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    hasher: threading.Thread | None = None
    with open(source, "rb", buffering=0) as reader, open(dest, "wb", buffering=0) as writer:
        while True:
            chunk = reader.read(CHUNK_BYTES)
            if hasher is not None:
                hasher.join()
            if not chunk:
                break
            size += len(chunk)
            hasher = threading.Thread(target=digest.update, args=(chunk,))
            hasher.start()
            view = memoryview(chunk)
            while view:
                written = writer.write(view)
                view = view[written:]
    os.chmod(dest, 0o644)
    return StoredFile(path="", sha256=digest.hexdigest(), size=size)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb", buffering=0) as reader:
        while chunk := reader.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()
