"""conda environment files and match specs, translated to pip: no conda channel is reachable, so every conda
package is installed by its pip name.

`CONDA_TO_PIP` lists the conda names that differ from their PyPI names; a conda name not in the table passes
through unchanged (most conda-forge names equal PyPI names). `NO_PIP_EQUIVALENT` lists native/runtime conda
packages that pip wheels already bundle or that have no PyPI counterpart: they are dropped with a warning.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..errors import DeployWarning, EnvironmentSpecError
from .requirements import expand_pip_line

# conda package name -> PyPI distribution name, where they differ (or where a headless variant fits a server).
CONDA_TO_PIP = {
    "pytorch": "torch",
    "pytorch-cpu": "torch",
    "py-xgboost": "xgboost",
    "py-xgboost-cpu": "xgboost",
    "py-lightgbm": "lightgbm",
    "tensorflow": "tensorflow",
    "tensorflow-cpu": "tensorflow-cpu",
    "scikit-learn": "scikit-learn",
    "sklearn": "scikit-learn",
    "opencv": "opencv-python-headless",
    "py-opencv": "opencv-python-headless",
    "libopencv": "opencv-python-headless",
    "pillow": "pillow",
    "matplotlib-base": "matplotlib",
    "pytables": "tables",
    "msgpack-python": "msgpack",
    "ruamel_yaml": "ruamel.yaml",
    "python-graphviz": "graphviz",
    "python-dateutil": "python-dateutil",
    "pyyaml": "pyyaml",
    "typing_extensions": "typing-extensions",
    "onnxruntime-cpu": "onnxruntime",
    "py-spy": "py-spy",
    "pytorch-lightning": "pytorch-lightning",
}

# conda packages with no pip counterpart: compilers' runtimes, BLAS/CUDA stacks, interpreter plumbing.
NO_PIP_EQUIVALENT = frozenset(
    {
        "_libgcc_mutex", "_openmp_mutex", "libgcc-ng", "libgcc", "libstdcxx-ng", "libstdcxx", "libgomp",
        "libgfortran-ng", "libgfortran5", "ld_impl_linux-64", "mkl", "mkl-service", "mkl_fft", "mkl_random",
        "mkl-include", "intel-openmp", "blas", "libblas", "libcblas", "liblapack", "openblas", "libopenblas",
        "nomkl", "cudatoolkit", "cuda-toolkit", "cudnn", "nccl", "cuda-version", "pytorch-cuda", "cpuonly",
        "python_abi", "openssl", "libffi", "zlib", "libzlib", "ncurses", "readline", "sqlite", "libsqlite", "tk",
        "xz", "bzip2", "libuuid", "libnsl", "libxcrypt", "graphviz", "libprotobuf", "arrow-cpp", "nodejs", "git",
        "vs2015_runtime", "vc", "ucrt", "libcxx", "llvm-openmp", "r-base",
    }
)



@dataclass
class CondaFile:
    """What a conda YAML (`myenv.yml`) says: its name, channels, conda specs and pip lines (`-r` already inlined)."""

    source: str
    name: Optional[str] = None
    channels: list[str] = field(default_factory=list)
    conda_specs: list[str] = field(default_factory=list)
    pip_lines: list[str] = field(default_factory=list)


def read_conda_file(path: Path) -> CondaFile:
    import yaml

    if not path.is_file():
        raise EnvironmentSpecError(f"The conda specification {path} does not exist; check the path passed as file_path.")
    try:
        document = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise EnvironmentSpecError(
            f"The conda specification {path.name} is not valid YAML{where} ({problem}); fix the file and retry."
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise EnvironmentSpecError(f"The conda specification {path} cannot be read ({error}).") from None
    if not isinstance(document, dict):
        raise EnvironmentSpecError(
            f"The conda specification {path.name} must be a mapping with 'name', 'channels' and 'dependencies' keys."
        )
    dependencies = document.get("dependencies")
    if dependencies is None:
        dependencies = []
    if not isinstance(dependencies, list):
        raise EnvironmentSpecError(f"In {path.name}, 'dependencies' must be a list such as [python=3.11, numpy, {{pip: [...]}}].")
    channels = document.get("channels") or []
    if not isinstance(channels, list):
        raise EnvironmentSpecError(f"In {path.name}, 'channels' must be a list of channel names.")

    conda_file = CondaFile(source=path.name, name=document.get("name"), channels=[str(c) for c in channels])
    for entry in dependencies:
        if isinstance(entry, dict):
            unknown = set(entry) - {"pip"}
            if unknown:
                raise EnvironmentSpecError(
                    f"In {path.name}, the dependency mapping {sorted(unknown)[0]!r} is not understood; only a 'pip:' list may appear there."
                )
            pip_lines = entry.get("pip") or []
            if not isinstance(pip_lines, list):
                raise EnvironmentSpecError(f"In {path.name}, 'pip:' must be a list of requirements.")
            for line in pip_lines:
                conda_file.pip_lines.extend(expand_pip_line(str(line), path.parent, path.name, chain=(path.resolve(),)))
        elif isinstance(entry, (str, int, float)):
            conda_file.conda_specs.append(str(entry))
        else:
            raise EnvironmentSpecError(f"In {path.name}, the dependency {entry!r} is neither a package spec nor a 'pip:' list.")
    return conda_file


_CONDA_SPEC_RE = re.compile(
    r"""^(?:(?P<channel>[^:\s]+)::)?            # conda-forge::pkg
        (?P<name>[A-Za-z0-9_][A-Za-z0-9._-]*)
        \s*(?P<rest>.*)$""",
    re.VERBOSE,
)


def conda_name(spec: str) -> str:
    match = _CONDA_SPEC_RE.match(spec.strip())
    return match.group("name").lower() if match else spec.strip().lower()


def conda_python_version(spec: str) -> Optional[str]:
    """'python=3.8' -> '3.8', 'python 3.8.5' -> '3.8.5', 'python>=3.8,<3.12' -> '>=3.8,<3.12' (a range is kept)."""
    match = _CONDA_SPEC_RE.match(spec.strip())
    rest = (match.group("rest") if match else "").strip()
    if re.match(r"^(==|[<>!~])", rest):
        return rest.replace(" ", "")
    version = re.search(r"(\d+(?:\.\d+)*)", rest)
    return version.group(1) if version else None


def _conda_version_to_pip(rest: str, spec: str, source: str) -> str:
    """Translate the version part of a conda match spec into a PEP 440 specifier."""
    rest = rest.strip()
    if not rest:
        return ""
    if rest.startswith("[") or "|" in rest:
        raise EnvironmentSpecError(
            f"The conda dependency {spec!r} in {source} uses match-spec syntax pip cannot express; "
            "write it as name>=1.2, name=1.2 or name==1.2.3 instead."
        )
    if rest.startswith("=") and not rest.startswith("=="):
        # "pkg=1.21" (any 1.21.x) or "pkg=1.21.2=py39_0" (exact version; the build string is dropped)
        version, _, build = rest[1:].partition("=")
        if build.strip():
            return f"=={version.strip().rstrip('*').rstrip('.')}"
        return _fuzzy(version)
    if re.match(r"^[<>!=~]", rest):
        clauses = [c.replace(" ", "") for c in rest.split(",") if c.strip()]
        return ",".join(_fuzzy(c[1:]) if re.match(r"^=[^=]", c) else c for c in clauses)
    # "pkg 1.21" (any 1.21.x), "pkg 1.21.*", "pkg 1.21.2 py39_0" (exact)
    parts = rest.split()
    if len(parts) > 1:
        return f"=={parts[0].rstrip('*').rstrip('.')}"
    return _fuzzy(parts[0])


def _fuzzy(version: str) -> str:
    """conda `=1.21` means any 1.21.x; PEP 440 spells that `==1.21.*`."""
    version = version.strip()
    if version.endswith(".*"):
        return f"=={version}"
    if version.endswith("*"):
        return f"=={version.rstrip('*').rstrip('.')}.*"
    return f"=={version}.*"


def conda_to_pip(spec: str, source: str = "CondaDependencies") -> Optional[str]:
    """The pip requirement for one conda spec, or None (with a DeployWarning) when there is no pip equivalent."""
    text = spec.strip()
    match = _CONDA_SPEC_RE.match(text)
    if not match:
        raise EnvironmentSpecError(f"The conda dependency {spec!r} in {source} is not a package spec such as 'numpy=1.26'.")
    conda_name = match.group("name").lower()
    if conda_name == "pip":
        return None  # every image gets pip in its venv
    if conda_name in NO_PIP_EQUIVALENT:
        warnings.warn(
            f"The conda package {conda_name!r} in {source} has no pip equivalent and is skipped "
            "(pip wheels bundle the native libraries they need).",
            DeployWarning,
            stacklevel=3,
        )
        return None
    pip_name = CONDA_TO_PIP.get(conda_name, conda_name)
    return pip_name + _conda_version_to_pip(match.group("rest"), spec, source)
