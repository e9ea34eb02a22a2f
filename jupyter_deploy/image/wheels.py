"""Resolve an environment's requirements to wheels on the host, once, and remember the answer.

Containers cannot reach PyPI (only the host's intercepted TLS can), so `pip wheel` runs here with the host's pip
configuration and the image installs the resulting files offline. The wheel closure is recorded in a lock file
keyed by the requirements and the interpreter; while every listed wheel is still cached, the same requirements
resolve with no pip call at all — that is what makes a warm deploy fast.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterator, Optional, Sequence

from ..environment.requirements import requirement_name
from ..errors import DependencyResolutionError

LogCallback = Optional[Callable[[str], None]]
# Runs a command, feeding each output line to the callback; returns (exit code, all output lines).
PipRunner = Callable[[Sequence[str], Callable[[str], None]], "tuple[int, list[str]]"]


def cache_dir() -> Path:
    """`$JUPYTER_DEPLOY_CACHE`, else `~/.cache/jupyter-deploy`."""
    configured = os.environ.get("JUPYTER_DEPLOY_CACHE")
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "jupyter-deploy"


def wheel_dir() -> Path:
    return cache_dir() / "wheels"


def interpreter_tag() -> str:
    """What a wheel closure depends on besides the requirements: CPython major.minor, OS and machine."""
    return f"{sys.implementation.cache_tag}-{sys.platform}-{platform.machine()}"


def normalized_requirements(requirements: Sequence[str]) -> list[str]:
    """Whitespace-collapsed, deduplicated, sorted: order and spacing do not change what pip resolves."""
    return sorted({" ".join(line.split()) for line in requirements if line.strip()})


def lock_key(requirements: Sequence[str]) -> str:
    text = "\n".join(normalized_requirements(requirements)) + "\n#" + interpreter_tag()
    return hashlib.sha256(text.encode()).hexdigest()


def lock_path(requirements: Sequence[str]) -> Path:
    return cache_dir() / "locks" / f"{lock_key(requirements)}.txt"


def resolve_wheels(requirements: list[str], on_log: LogCallback = None, *, pip_runner: Optional[PipRunner] = None) -> list[Path]:
    """The complete wheel closure for `requirements`, as paths in the cache (sorted by file name).

    Uses the lock file when every wheel it lists is cached (no pip call); otherwise runs
    `python -m pip wheel` with the host's pip configuration plus the cache as an extra find-links.
    Raises DependencyResolutionError naming pip's last error line and the requirement it concerns.
    """
    log = on_log or (lambda line: None)
    wheels = wheel_dir()
    locks = cache_dir() / "locks"
    wheels.mkdir(parents=True, exist_ok=True)
    locks.mkdir(parents=True, exist_ok=True)
    lock_file = lock_path(requirements)

    cached = _read_lock(lock_file, wheels)
    if cached is not None:
        log(f"Dependencies: {len(cached)} wheels from the lock {lock_file.name[:12]} (no resolution needed)")
        return cached

    with _exclusive(lock_file.with_suffix(".lock")):
        cached = _read_lock(lock_file, wheels)  # another process may have resolved while we waited
        if cached is not None:
            log(f"Dependencies: {len(cached)} wheels from the lock {lock_file.name[:12]}")
            return cached
        names = _run_pip_wheel(requirements, wheels, log, pip_runner or run_streaming)
        _write_atomically(lock_file, "".join(f"{name}\n" for name in names))
        return [wheels / name for name in names]


def _read_lock(lock_file: Path, wheels: Path) -> Optional[list[Path]]:
    try:
        names = [line.strip() for line in lock_file.read_text().splitlines() if line.strip()]
    except FileNotFoundError:
        return None
    paths = [wheels / name for name in names]
    if not names or not all(path.is_file() for path in paths):
        return None
    return paths


def _run_pip_wheel(requirements: Sequence[str], wheels: Path, log: Callable[[str], None], runner: PipRunner) -> list[str]:
    staging_root = cache_dir() / "tmp"
    staging_root.mkdir(parents=True, exist_ok=True)
    # Staging inside the cache keeps the final move a same-filesystem rename.
    staging = Path(tempfile.mkdtemp(prefix="resolve-", dir=staging_root))
    try:
        requirements_file = staging / "requirements.txt"
        requirements_file.write_text("".join(f"{line}\n" for line in requirements))
        output = staging / "wheels"
        output.mkdir()
        command = [
            sys.executable, "-m", "pip", "wheel",
            "--wheel-dir", str(output),
            "--find-links", str(wheels),
            "--progress-bar", "off",
            "-r", str(requirements_file),
        ]
        log("$ pip wheel " + " ".join(normalized_requirements(requirements)))
        code, lines = runner(command, log)
        if code != 0:
            raise resolution_error(lines, requirements)
        names = sorted(path.name for path in output.glob("*.whl"))
        if not names:
            raise DependencyResolutionError(
                "pip finished without producing any wheel for " + ", ".join(requirements) + "; check the requirements."
            )
        for name in names:
            target = wheels / name
            if target.exists():
                continue
            os.replace(output / name, target)
        return names
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def run_streaming(command: Sequence[str], on_line: Callable[[str], None],
                  env: Optional[dict] = None) -> "tuple[int, list[str]]":
    """Run with the inherited environment (so pip keeps the host's index, certificates and find-links)."""
    lines: list[str] = []
    process = subprocess.Popen(
        list(command), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
        env=dict(env or os.environ, PYTHONUNBUFFERED="1"),
    )
    assert process.stdout is not None
    for raw in process.stdout:
        line = raw.rstrip("\n")
        lines.append(line)
        on_line(line)
    return process.wait(), lines


def resolution_error(lines: Sequence[str], requirements: Sequence[str]) -> DependencyResolutionError:
    """One sentence from pip's last meaningful error line; `.requirement` holds our requirement it concerns."""
    errors = [line.strip() for line in lines if line.strip().startswith("ERROR:")]
    specific = [e for e in errors if "ResolutionImpossible" not in e and "pip's dependency resolver" not in e]
    fallback = [l.strip() for l in lines if l.strip()][-1:] or ["pip failed with no output"]
    last = (specific or errors or fallback)[-1].removeprefix("ERROR:").strip().rstrip(".")
    concerned = _concerned_requirement(lines, requirements)
    where = f" (requirement {concerned!r})" if concerned else ""
    error = DependencyResolutionError(
        f"pip could not resolve the environment's packages{where}: {last}; fix or remove that requirement."
    )
    error.requirement = concerned
    error.pip_error = last
    return error


_COLLECTING = re.compile(r"Collecting\s+([A-Za-z0-9][A-Za-z0-9._-]*)\S*\s+\(from\s+([A-Za-z0-9][A-Za-z0-9._-]*)")


def _concerned_requirement(lines: Sequence[str], requirements: Sequence[str]) -> Optional[str]:
    """Which of our requirement lines pip's errors are about: named directly, or as the parent of a failing dependency."""
    ours = {requirement_name(r): r for r in requirements if requirement_name(r)}
    parent = {}
    for line in lines:
        match = _COLLECTING.search(line)
        if match:
            parent.setdefault(requirement_name(match.group(1)), requirement_name(match.group(2)))
    for line in reversed([l for l in lines if l.strip().startswith("ERROR:")]):
        for token in re.findall(r"[A-Za-z0-9][A-Za-z0-9._-]*", line):
            name = requirement_name(token)
            seen = set()
            while name and name not in ours and name in parent and name not in seen:
                seen.add(name)
                name = parent[name]
            if name in ours:
                return ours[name]
    return None


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """A per-requirements-set lock so two kernels resolving the same environment run pip once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomically(path: Path, text: str) -> None:
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
