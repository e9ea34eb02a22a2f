"""Azure ML SDK v1 `Environment` / `CondaDependencies` shapes, reduced to what we can build: pip requirements.

No conda channel is reachable, so every conda package is installed by its pip name. `CONDA_TO_PIP` lists the
conda names that differ from their PyPI names; a conda name not in the table passes through unchanged (most
conda-forge names equal PyPI names). `NO_PIP_EQUIVALENT` lists native/runtime conda packages that pip wheels
already bundle or that have no PyPI counterpart: they are dropped with a warning naming them.

Requirements files: `-r other.txt` is inlined (relative to the including file), comments and blank lines are
ignored, and pip option lines (`--index-url`, `--extra-index-url`, `--find-links`, `--trusted-host`, `--pre`,
`--only-binary`, `--no-binary`, `--prefer-binary`) pass through to the host-side `pip wheel`, which honours them
(the image itself never touches an index). `-e` (editable) and `-c` (constraints) lines are rejected with a
message, since an image cannot hold an editable checkout and constraints would silently change resolution.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import importlib.metadata
import json
import logging
import re
import sys
import warnings
from pathlib import Path
from typing import Iterable, Optional

from .errors import EnvironmentSpecError
from .warnings import DeployWarning

logger = logging.getLogger("jupyter_deploy")

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

# Provided by our runtime (it serves score.py in place of the Azure inference server): accepted and dropped.
RUNTIME_PROVIDED = frozenset({"azureml-defaults", "azureml-inference-server-http", "azureml-contrib-services"})

# model_framework values (Azure's Model.Framework) -> candidate distributions; the installed ones are pinned.
FRAMEWORK_DISTRIBUTIONS = {
    "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-intel"),
    "keras": ("keras", "tf-keras"),
    "scikitlearn": ("scikit-learn",),
    "sklearn": ("scikit-learn",),
    "gensim": ("gensim",),
    "pytorch": ("torch",),
    "torch": ("torch",),
    "onnx": ("onnxruntime", "onnx"),
    "xgboost": ("xgboost",),
    "lightgbm": ("lightgbm",),
    "multi": (),
    "custom": (),
}

# pip options that may appear in a requirements file and are honoured by the host-side `pip wheel`.
PASS_THROUGH_OPTIONS = (
    "--index-url", "-i", "--extra-index-url", "--find-links", "-f", "--trusted-host", "--pre",
    "--only-binary", "--no-binary", "--prefer-binary", "--no-index",
)

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")


def canonical_name(name: str) -> str:
    """PEP 503 normalisation, so `PyYAML`, `pyyaml` and `py_yaml` compare equal."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(line: str) -> Optional[str]:
    """The canonical project name of a pip requirement line, or None for option lines and URLs/paths."""
    text = line.strip()
    if not text or text.startswith("-") or "://" in text or text.startswith((".", "/")):
        at = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*@", text)
        return canonical_name(at.group(1)) if at else None
    match = _NAME_RE.match(text)
    return canonical_name(match.group(0)) if match else None


class CondaDependencies:
    """Azure's CondaDependencies: conda packages, pip packages, channels and a python pin."""

    def __init__(self, conda_dependencies_file_path: Optional[str] = None):
        self.name: Optional[str] = None
        self.channels: list[str] = []
        self._conda_packages: list[str] = []
        self._pip_packages: list[str] = []
        self._pip_options: list[str] = []
        self.python_version: Optional[str] = None
        self.source = "CondaDependencies"
        if conda_dependencies_file_path is not None:
            loaded = _load_conda_file(Path(conda_dependencies_file_path))
            self.__dict__.update(loaded.__dict__)

    @classmethod
    def create(
        cls,
        pip_packages: Optional[Iterable[str]] = None,
        conda_packages: Optional[Iterable[str]] = None,
        python_version: Optional[str] = None,
        pin_sdk_version: bool = True,
    ) -> "CondaDependencies":
        """Azure's factory; `pin_sdk_version` is accepted for compatibility and has no effect here."""
        deps = cls()
        for spec in conda_packages or ():
            deps.add_conda_package(spec)
        for spec in pip_packages or ():
            deps.add_pip_package(spec)
        if python_version:
            deps.set_python_version(python_version)
        return deps

    @property
    def conda_packages(self) -> list[str]:
        return list(self._conda_packages)

    @property
    def pip_packages(self) -> list[str]:
        return list(self._pip_packages)

    @property
    def pip_options(self) -> list[str]:
        return list(self._pip_options)

    def add_conda_package(self, conda_package: str) -> None:
        spec = str(conda_package).strip()
        if not spec:
            raise EnvironmentSpecError("An empty conda package name was given; pass a name such as 'numpy=1.26'.")
        name = _conda_name(spec)
        if name == "python":
            version = _conda_python_version(spec)
            if version:
                self.set_python_version(version)
            return
        if spec not in self._conda_packages:
            self._conda_packages.append(spec)

    def remove_conda_package(self, conda_package: str) -> None:
        name = _conda_name(conda_package)
        self._conda_packages = [p for p in self._conda_packages if _conda_name(p) != name]

    def add_pip_package(self, pip_package: str) -> None:
        spec = str(pip_package).strip()
        if not spec:
            raise EnvironmentSpecError("An empty pip package name was given; pass a requirement such as 'pyyaml==6.0.1'.")
        if spec.startswith("-"):
            self.add_pip_option(spec)
            return
        if spec not in self._pip_packages:
            self._pip_packages.append(spec)

    def remove_pip_package(self, pip_package: str) -> None:
        name = requirement_name(pip_package)
        self._pip_packages = [p for p in self._pip_packages if requirement_name(p) != name]

    def add_pip_option(self, option: str) -> None:
        option = option.strip()
        _check_pip_option(option, self.source)
        if option not in self._pip_options:
            self._pip_options.append(option)

    def add_channel(self, channel: str) -> None:
        """Recorded for round-tripping; no conda channel is used to build."""
        if channel not in self.channels:
            self.channels.append(channel)

    def set_python_version(self, version: str) -> None:
        self.python_version = str(version).strip()
        _warn_if_python_differs(self.python_version, self.source)

    def serialize_to_string(self) -> str:
        import yaml

        dependencies: list = []
        if self.python_version:
            dependencies.append(f"python={self.python_version}")
        dependencies.extend(self._conda_packages)
        pip = self._pip_options + self._pip_packages
        if pip:
            dependencies.append({"pip": pip})
        document = {"name": self.name or "project_environment", "channels": self.channels or ["conda-forge"],
                    "dependencies": dependencies}
        return yaml.safe_dump(document, sort_keys=False)

    def save(self, path: str) -> str:
        Path(path).write_text(self.serialize_to_string())
        return str(path)

    def to_dict(self) -> dict:
        return {
            "channels": list(self.channels),
            "conda_packages": list(self._conda_packages),
            "pip_packages": list(self._pip_packages),
            "pip_options": list(self._pip_options),
            "python_version": self.python_version,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "CondaDependencies":
        deps = cls()
        deps.channels = list(data.get("channels") or [])
        deps._conda_packages = list(data.get("conda_packages") or [])
        deps._pip_packages = list(data.get("pip_packages") or [])
        deps._pip_options = list(data.get("pip_options") or [])
        deps.python_version = data.get("python_version")
        return deps

    def pip_requirements(self) -> list[str]:
        """Conda packages mapped to pip names, then pip packages; runtime-provided packages dropped, deduplicated."""
        return [line for line, _origin in self._requirements_with_origin()]

    def _requirements_with_origin(self) -> list[tuple[str, Optional[str]]]:
        """(pip line, original conda spec or None) — the origin lets a resolution error point at the conda list."""
        lines: list[tuple[str, Optional[str]]] = [(option, None) for option in self._pip_options]
        for spec in self._conda_packages:
            translated = conda_to_pip(spec, self.source)
            if translated is not None:
                lines.append((translated, spec))
        dropped = []
        for spec in self._pip_packages:
            name = requirement_name(spec)
            if name in RUNTIME_PROVIDED:
                dropped.append(spec)
                continue
            lines.append((spec, None))
        if dropped:
            logger.info(
                "Dropped %s from %s: the jupyter-deploy runtime serves score.py in their place.",
                ", ".join(dropped), self.source,
            )
        seen: set[str] = set()
        unique = []
        for line, origin in lines:
            key = " ".join(line.split())
            if key in seen:
                continue
            seen.add(key)
            unique.append((line, origin))
        return unique


class PythonSection:
    """Azure's `env.python`: the conda dependencies and whether the user manages the interpreter."""

    def __init__(self):
        self.conda_dependencies = CondaDependencies()
        # Accepted for compatibility: the base image is ours, so the listed packages are always installed.
        self.user_managed_dependencies = False
        self.interpreter_path = "python"


class DockerSection:
    """Azure's `env.docker`: kept so scripts that set it run; a custom base image cannot be pulled here."""

    def __init__(self):
        self.enabled = True
        self.base_image: Optional[str] = None
        self.base_dockerfile: Optional[str] = None


class Environment:
    """A named set of pip requirements plus environment variables for the container."""

    def __init__(self, name: str):
        if not name or not str(name).strip():
            raise EnvironmentSpecError("An environment needs a name; pass one such as Environment('myenv').")
        self.name = str(name)
        self.version: Optional[str] = None
        self.python = PythonSection()
        self.docker = DockerSection()
        self.environment_variables: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"Environment(name={self.name!r}, version={self.version!r})"

    def __str__(self) -> str:
        from .reprs import environment_text
        return environment_text(self)

    def _repr_html_(self) -> str:
        from .reprs import environment_html
        return environment_html(self)

    # --- constructors -------------------------------------------------------------------------------------------

    @classmethod
    def from_conda_specification(cls, name: str, file_path: str) -> "Environment":
        env = cls(name)
        env.python.conda_dependencies = _load_conda_file(Path(file_path))
        return env

    @classmethod
    def from_pip_requirements(cls, name: str, file_path: str) -> "Environment":
        path = Path(file_path)
        deps = CondaDependencies()
        deps.source = path.name
        for line in _read_requirements(path, chain=()):
            deps.add_pip_package(line)
        env = cls(name)
        env.python.conda_dependencies = deps
        return env

    @classmethod
    def from_kernel(cls, name: str, entry_script: Optional[str] = None, frameworks: Iterable[str] = ()) -> "Environment":
        """Capture the running kernel's versions of what the entry script imports and of the model frameworks.

        Deterministic: the same script and kernel give the same sorted pins.
        """
        import_owners = importlib.metadata.packages_distributions()
        pins: dict[str, str] = {}
        missing: set[str] = set()
        if entry_script is not None:
            script = Path(entry_script)
            for module in sorted(imported_modules(script)):
                dists = _distributions_for_import(module, script.parent, import_owners)
                if dists is None:
                    missing.add(module.split(".")[0])
                for dist in dists or ():
                    pins[canonical_name(dist)] = _pin(dist)
        for top in sorted(missing):
            warnings.warn(
                f"The entry script imports {top!r}, which is neither in the standard library nor installed in this "
                "kernel; install it here or add it to the environment by hand.",
                DeployWarning,
                stacklevel=2,
            )
        for framework in frameworks or ():
            for dist in _distributions_for_framework(framework, import_owners):
                pins[canonical_name(dist)] = _pin(dist)
        deps = CondaDependencies()
        deps.source = f"the kernel (Python {sys.version_info.major}.{sys.version_info.minor})"
        deps.python_version = f"{sys.version_info.major}.{sys.version_info.minor}"
        for key in sorted(pins):
            deps.add_pip_package(pins[key])
        env = cls(name)
        env.python.conda_dependencies = deps
        return env

    # --- what the image build needs -----------------------------------------------------------------------------

    @property
    def python_version(self) -> Optional[str]:
        """The python version the specification asked for (the image always uses the kernel's)."""
        return self.python.conda_dependencies.python_version

    def pip_requirements(self) -> list[str]:
        return self.python.conda_dependencies.pip_requirements()

    def conda_origin(self, requirement: str) -> Optional[str]:
        """The conda spec a pip requirement (name or line) was translated from, or None if it was a pip package."""
        wanted = requirement_name(requirement)
        for line, origin in self.python.conda_dependencies._requirements_with_origin():
            if origin is not None and requirement_name(line) == wanted:
                return origin
        return None

    @property
    def source(self) -> str:
        return self.python.conda_dependencies.source

    def fingerprint(self) -> str:
        """sha256 of the normalised requirements: the same packages in any order give the same fingerprint."""
        normalized = sorted({" ".join(line.split()) for line in self.pip_requirements()})
        return hashlib.sha256("\n".join(normalized).encode()).hexdigest()

    # --- persistence ----------------------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        deps = self.python.conda_dependencies
        return {
            "name": self.name,
            "version": self.version,
            "source": deps.source,
            "python": {
                "conda_dependencies": deps.to_dict(),
                "user_managed_dependencies": bool(self.python.user_managed_dependencies),
            },
            "docker": {"base_image": self.docker.base_image},
            "environment_variables": dict(self.environment_variables),
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Environment":
        try:
            env = cls(data["name"])
            env.version = data.get("version")
            python = data.get("python") or {}
            deps = CondaDependencies.from_dict(python.get("conda_dependencies") or {})
            deps.source = data.get("source") or deps.source
            env.python.conda_dependencies = deps
            env.python.user_managed_dependencies = bool(python.get("user_managed_dependencies", False))
            env.docker.base_image = (data.get("docker") or {}).get("base_image")
            env.environment_variables = {str(k): str(v) for k, v in (data.get("environment_variables") or {}).items()}
        except (KeyError, TypeError, AttributeError) as error:
            raise EnvironmentSpecError(f"A stored environment record is malformed ({error}); re-create the environment.") from None
        return env

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    def clone(self, new_name: str) -> "Environment":
        twin = copy.deepcopy(self)
        twin.name = new_name
        twin.version = None
        return twin


# --- conda specification files ----------------------------------------------------------------------------------


def _load_conda_file(path: Path) -> CondaDependencies:
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

    deps = CondaDependencies()
    deps.source = path.name
    deps.name = document.get("name")
    deps.channels = [str(c) for c in channels]
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
                for expanded in _expand_pip_line(str(line), path.parent, path.name, chain=(path.resolve(),)):
                    deps.add_pip_package(expanded)
        elif isinstance(entry, (str, int, float)):
            deps.add_conda_package(str(entry))
        else:
            raise EnvironmentSpecError(f"In {path.name}, the dependency {entry!r} is neither a package spec nor a 'pip:' list.")
    return deps


_CONDA_SPEC_RE = re.compile(
    r"""^(?:(?P<channel>[^:\s]+)::)?            # conda-forge::pkg
        (?P<name>[A-Za-z0-9_][A-Za-z0-9._-]*)
        \s*(?P<rest>.*)$""",
    re.VERBOSE,
)


def _conda_name(spec: str) -> str:
    match = _CONDA_SPEC_RE.match(spec.strip())
    return match.group("name").lower() if match else spec.strip().lower()


def _conda_python_version(spec: str) -> Optional[str]:
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


# --- requirements files -----------------------------------------------------------------------------------------


def _read_requirements(path: Path, chain: tuple) -> list[str]:
    if not path.is_file():
        included = f" (included from {chain[-1].name})" if chain else ""
        raise EnvironmentSpecError(f"The requirements file {path} does not exist{included}; check the path.")
    resolved = path.resolve()
    if resolved in chain:
        raise EnvironmentSpecError(f"The requirements file {path.name} includes itself through -r; remove the loop.")
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise EnvironmentSpecError(f"The requirements file {path} cannot be read ({error}).") from None
    lines: list[str] = []
    pending = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = pending + raw.strip() if pending else raw
        if line.endswith("\\"):
            pending = line[:-1].rstrip() + " "
            continue
        pending = ""
        line = re.sub(r"(^|\s)#.*$", "", line).strip()
        if not line:
            continue
        try:
            lines.extend(_expand_pip_line(line, path.parent, path.name, chain + (resolved,)))
        except EnvironmentSpecError as error:
            raise EnvironmentSpecError(f"{str(error).rstrip('.')} (line {number} of {path.name}).") from None
    return lines


def _expand_pip_line(line: str, base_dir: Path, source: str, chain: tuple) -> list[str]:
    """One pip line: `-r` inlined, paths made absolute, options checked."""
    line = line.strip()
    include = re.match(r"^(?:-r|--requirement)(?:\s+|=)(.+)$", line)
    if include:
        return _read_requirements(base_dir / include.group(1).strip(), chain)
    if line.startswith("-"):
        _check_pip_option(line, source)
        return [line]
    if line.startswith(("./", "../")):
        return [str((base_dir / line).resolve())]
    return [line]


def _check_pip_option(option: str, source: str) -> None:
    flag = re.split(r"[\s=]", option, maxsplit=1)[0]
    if flag in ("-e", "--editable"):
        raise EnvironmentSpecError(
            f"{source} asks for an editable install ({option}); an image cannot hold an editable checkout, "
            "list the package by name or as a path to build a wheel from."
        )
    if flag in ("-c", "--constraint"):
        raise EnvironmentSpecError(
            f"{source} uses a constraints file ({option}); fold the pins into the requirements instead."
        )
    if flag not in PASS_THROUGH_OPTIONS:
        raise EnvironmentSpecError(
            f"{source} uses the pip option {flag!r}, which cannot be honoured; supported options are "
            + ", ".join(PASS_THROUGH_OPTIONS) + "."
        )


# --- python version ---------------------------------------------------------------------------------------------


def _python_pin_fits_kernel(requested: str) -> bool:
    kernel = f"{sys.version_info.major}.{sys.version_info.minor}"
    if re.match(r"^(==|[<>!~])", requested) and not requested.startswith("=="):
        try:
            from packaging.specifiers import InvalidSpecifier, SpecifierSet
        except ImportError:
            return True  # cannot judge a range without packaging; do not cry wolf
        try:
            return SpecifierSet(requested).contains(f"{kernel}.{sys.version_info.micro}", prereleases=True)
        except InvalidSpecifier:
            return False
    numbers = re.findall(r"\d+", requested)
    if len(numbers) == 1:
        return numbers[0] == str(sys.version_info.major)
    return len(numbers) >= 2 and f"{numbers[0]}.{numbers[1]}" == kernel


def _warn_if_python_differs(requested: str, source: str) -> None:
    """The image always runs the kernel's Python (host-resolved wheels must fit it); say so when the spec differs."""
    if _python_pin_fits_kernel(requested):
        return
    kernel = f"{sys.version_info.major}.{sys.version_info.minor}"
    shown = requested if re.match(r"^[<>!~=]", requested) else f"={requested}"
    warnings.warn(
        f"{source} asks for python{shown} but the base image has Python {kernel}; building with {kernel}.",
        DeployWarning,
        stacklevel=4,
    )


# --- capture from the kernel --------------------------------------------------------------------------------------


def imported_modules(script: Path) -> set[str]:
    """Absolute module names imported anywhere in the script (top level and inside functions)."""
    try:
        tree = ast.parse(script.read_text(), filename=str(script))
    except FileNotFoundError:
        raise EnvironmentSpecError(f"The entry script {script} does not exist; check the path passed as entry_script.") from None
    except SyntaxError as error:
        raise EnvironmentSpecError(
            f"The entry script {script.name} does not parse (line {error.lineno}: {error.msg}); fix it and retry."
        ) from None
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
            # `from google import protobuf` names a submodule we can attribute more precisely.
            modules.update(f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*")
    return modules


def _distributions_for_import(module: str, script_dir: Path, import_owners: dict) -> Optional[list[str]]:
    """Installed distributions providing `module`; [] when nothing is needed; None when it is not installed."""
    top = module.split(".")[0]
    if top in sys.stdlib_module_names or top == "__future__":
        return []
    if (script_dir / f"{top}.py").exists() or (script_dir / top / "__init__.py").exists():
        return []  # a helper module shipped next to the entry script
    if top in ("azureml", "jupyter_deploy", "jupyter_deploy_runtime") and top not in import_owners:
        return []  # provided inside the image by the runtime and its shims
    candidates = sorted(set(import_owners.get(top, [])))
    if not candidates:
        return None
    if len(candidates) == 1:
        return candidates
    # A namespace shared by several distributions (google.*, azure.*): keep the ones shipping this module.
    return _owners_of(module, candidates) if "." in module else []


def _owners_of(module: str, candidates: list[str]) -> list[str]:
    """Among distributions sharing a namespace, those that actually ship files for `module`."""
    prefix = module.replace(".", "/")
    owners = []
    for dist in candidates:
        files = importlib.metadata.distribution(dist).files or []
        if any(str(f).startswith(prefix + "/") or str(f) == prefix + ".py" for f in files):
            owners.append(dist)
    return owners


def _distributions_for_framework(framework: str, import_owners: dict) -> list[str]:
    key = re.sub(r"[^a-z0-9]", "", str(framework).lower())
    if key in FRAMEWORK_DISTRIBUTIONS:
        candidates = FRAMEWORK_DISTRIBUTIONS[key]
        installed = [d for d in candidates if _installed_version(d)]
        if candidates and not installed:
            warnings.warn(
                f"The model framework {framework!r} is not installed in this kernel (looked for {', '.join(candidates)}); "
                "add its package to the environment by hand.",
                DeployWarning,
                stacklevel=4,
            )
        return installed
    if _installed_version(framework):
        return [framework]
    by_import = import_owners.get(framework, [])
    if by_import:
        return sorted(set(by_import))
    warnings.warn(
        f"The framework {framework!r} is neither a known model framework nor an installed package; add it by hand.",
        DeployWarning,
        stacklevel=4,
    )
    return []


def _installed_version(dist: str) -> Optional[str]:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _pin(dist: str) -> str:
    meta = importlib.metadata.distribution(dist)
    return f"{canonical_name(meta.metadata['Name'])}=={meta.version}"


# --- environments written in a notebook, and remembered by name in the workspace ------------------------------


def environment_from_text(name: str, text: str, base_dir: str | Path | None = None) -> Environment:
    """An environment from the text of a conda YAML (a mapping, the `myenv.yml` shape) or of requirements lines.

    Parsed by the same readers as files, so errors name the line. `-r` includes and `./` paths in requirements
    resolve against `base_dir` (default: the current directory), where a notebook's files are.
    """
    import tempfile

    import yaml

    base = Path(base_dir or Path.cwd())
    try:
        document = yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError:
        document = None
    # a mapping is a conda spec; so is broken YAML with its keys, so the YAML error (with its line) is what shows
    is_conda = isinstance(document, dict) or bool(re.search(r"^(dependencies|channels|name)\s*:", text, re.M))
    with tempfile.TemporaryDirectory(prefix="jupyter-deploy-env-") as folder:
        if is_conda:
            path = Path(folder) / f"{name}.yml"
            path.write_text(text)
            return Environment.from_conda_specification(name, str(path))
        path = Path(folder) / f"{name}.txt"
        path.write_text("\n".join(_anchor_relative_paths(line, base) for line in text.splitlines()) + "\n")
        env = Environment.from_pip_requirements(name, str(path))
    env.python.conda_dependencies.source = f"the requirements of {name}"
    return env


def _anchor_relative_paths(line: str, base: Path) -> str:
    include = re.match(r"^(\s*(?:-r|--requirement)(?:\s+|=))(\S.*)$", line)
    if include and not Path(include.group(2).strip()).is_absolute():
        return include.group(1) + str((base / include.group(2).strip()).resolve())
    stripped = line.strip()
    if stripped.startswith(("./", "../")):
        return str((base / stripped).resolve())
    return line
