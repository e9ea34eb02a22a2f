"""Azure's own scoring server (azureml-inference-server-http from PyPI) in a cached venv, for the differential
test. The venv lives under ~/.cache/jupyter-deploy-difftest/<hash of its requirements>; it is made with pip
from the machine's Python, so the host's pip configuration (index, find-links, constraints, certificates)
applies. Created once; a half-made venv is never reused (a marker file is written last)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

REQUIREMENTS = [
    "azureml-inference-server-http==1.5.1",
    "numpy<2.4",  # Azure's samples call float() on 1-element arrays
    "pandas",
]
CACHE_ROOT = Path(os.environ.get("JUPYTER_DEPLOY_DIFFTEST_CACHE", Path.home() / ".cache" / "jupyter-deploy-difftest"))


def reference_venv() -> Path:
    """The venv's directory (created on first use); raises RuntimeError with pip's output on failure."""
    key = hashlib.sha256("\n".join([sys.version, *REQUIREMENTS]).encode()).hexdigest()[:16]
    venv = CACHE_ROOT / key
    if (venv / "READY").exists():
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    result = subprocess.run([*pip, *REQUIREMENTS], capture_output=True, text=True)
    if result.returncode != 0:
        shutil.rmtree(venv, ignore_errors=True)
        raise RuntimeError(f"could not install the reference server: {result.stdout}\n{result.stderr}")
    (venv / "READY").write_text("\n".join(REQUIREMENTS))
    return venv


if __name__ == "__main__":
    print(reference_venv())
