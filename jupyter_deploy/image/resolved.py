"""The distributions an environment will install, known in seconds and without downloading them.

A preflight compares what the model files and the entry script need with what the image will hold, before any
build. When the wheel closure is already locked and cached (see `wheels`), the answer is the lock; otherwise pip
resolves with uv (`uv pip compile`, about a second) given the host's pip configuration explicitly (`pip_config`),
or, without uv, pip's `install --dry-run --report` (same configuration, metadata only, but tens of seconds for
a TensorFlow environment). The answer is cached under the same key as the lock, so asking again costs nothing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence
from urllib.parse import unquote, urlparse

from ..environment.requirements import canonical_name
from .pip_config import host_pip_config
from .wheels import LogCallback, PipRunner, _read_lock, cache_dir, lock_key, lock_path, resolution_error, run_streaming, wheel_dir

_WHEEL_NAME = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)(-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$")


@dataclass(frozen=True)
class ResolvedDistribution:
    name: str  # canonical (lower case, dashes)
    version: str
    wheel: Optional[Path]  # a local wheel file when one is known (its RECORD says what it provides)


def resolved_distributions(requirements: Sequence[str], on_log: LogCallback = None, *,
                           pip_runner: Optional[PipRunner] = None) -> list[ResolvedDistribution]:
    """Every distribution `requirements` resolve to (sorted by name); raises DependencyResolutionError."""
    log = on_log or (lambda line: None)
    cached = _read_lock(lock_path(requirements), wheel_dir())
    if cached is not None:
        return sorted((_from_wheel(path) for path in cached), key=lambda d: d.name)
    report_file = cache_dir() / "reports" / f"{lock_key(requirements)}.json"
    if report_file.is_file():
        try:
            return _from_report(json.loads(report_file.read_text()))
        except (ValueError, KeyError):
            pass
    report_file.parent.mkdir(parents=True, exist_ok=True)
    wheel_dir().mkdir(parents=True, exist_ok=True)
    uv = uv_command()
    if uv is not None:
        return _resolve_with_uv(uv, requirements, report_file, log)
    with tempfile.TemporaryDirectory(prefix="report-", dir=report_file.parent) as staging:
        requirements_file = Path(staging) / "requirements.txt"
        requirements_file.write_text("".join(f"{line}\n" for line in requirements))
        output = Path(staging) / "report.json"
        wheel_dir().mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
                   "--progress-bar", "off", "--find-links", str(wheel_dir()), "--report", str(output),
                   "-r", str(requirements_file)]
        log("Preflight: resolving the environment's distributions (metadata only)")
        code, lines = (pip_runner or run_streaming)(command, lambda line: None)
        if code != 0:
            raise resolution_error(lines, list(requirements))
        text = output.read_text()
        os.replace(output, report_file)
    return _from_report(json.loads(text))


def uv_command() -> Optional[list[str]]:
    """uv, when installed (it is a dependency of jupyter-deploy; a missing one falls back to pip)."""
    try:
        import uv  # the PyPI package ships the binary and says where it is
        return [uv.find_uv_bin()]
    except (ImportError, FileNotFoundError):
        found = shutil.which("uv")
        return [found] if found else None


def uv_pip_command(uv: list[str], *args: str) -> tuple[list[str], dict[str, str]]:
    """A `uv pip …` command line and its environment, carrying the host's pip configuration explicitly."""
    config = host_pip_config()
    command = [*uv, "pip", *args, *config.uv_arguments(), "--cache-dir", str(cache_dir() / "uv")]
    return command, dict(os.environ, **config.uv_environment())


def _resolve_with_uv(uv: list[str], requirements: Sequence[str], report_file: Path, log):
    with tempfile.TemporaryDirectory(prefix="report-", dir=report_file.parent) as staging:
        requirements_file = Path(staging) / "requirements.txt"
        requirements_file.write_text("".join(f"{line}\n" for line in requirements))
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        command, env = uv_pip_command(uv, "compile", str(requirements_file), "--python-version", version,
                                      "--no-header", "--no-annotate", "--quiet", "--find-links", str(wheel_dir()))
        log("Preflight: resolving the environment's distributions with uv (metadata only)")
        code, lines = run_streaming(command, lambda line: None, env)
        if code != 0:
            raise resolution_error(["ERROR: " + line for line in lines if line.strip()], list(requirements))
        pins = [line.strip() for line in lines if "==" in line and not line.startswith(("#", " "))]
    report = {"install": [{"metadata": {"name": pin.split("==")[0], "version": pin.split("==")[1].split(";")[0].strip()}}
                          for pin in pins]}
    report_file.write_text(json.dumps(report))
    return _from_report(report)


def _from_wheel(path: Path) -> ResolvedDistribution:
    match = _WHEEL_NAME.match(path.name)
    name, version = (match.group("name"), match.group("version")) if match else (path.name, "")
    return ResolvedDistribution(canonical_name(name), version, path)


def _from_report(report: dict) -> list[ResolvedDistribution]:
    found = []
    for item in report.get("install", []):
        metadata = item.get("metadata", {})
        url = (item.get("download_info") or {}).get("url", "")
        wheel = None
        if url.startswith("file://"):
            local = Path(unquote(urlparse(url).path))
            wheel = local if local.suffix == ".whl" else None
        found.append(ResolvedDistribution(canonical_name(metadata["name"]), str(metadata.get("version", "")), wheel))
    return sorted(found, key=lambda d: d.name)
