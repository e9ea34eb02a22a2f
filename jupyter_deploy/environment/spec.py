"""Azure ML SDK v1 `Environment` / `CondaDependencies` shapes, reduced to what we can build: pip requirements.

The translation of conda names lives in `conda.py`, the reading of requirements files in `requirements.py`,
the python-version check in `python_version.py` and capture from the kernel in `capture.py`; this module keeps
the Azure objects and their persistence.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import sys
from pathlib import Path
from typing import Iterable, Optional

from ..display.cards import environment_html, environment_text
from ..errors import EnvironmentSpecError
from .capture import kernel_pins
from .conda import conda_name, conda_python_version, conda_to_pip, read_conda_file
from .model_files import models_needs
from .python_version import warn_if_python_differs
from .requirements import check_pip_option, read_requirements_file, requirement_name

logger = logging.getLogger("jupyter_deploy")

# Provided by our runtime (it serves score.py in place of the Azure inference server): accepted and dropped.
RUNTIME_PROVIDED = frozenset({"azureml-defaults", "azureml-inference-server-http", "azureml-contrib-services"})


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
            self._add_conda_file(Path(conda_dependencies_file_path))

    @classmethod
    def from_conda_file(cls, path: Path) -> "CondaDependencies":
        deps = cls()
        deps._add_conda_file(path)
        return deps

    def _add_conda_file(self, path: Path) -> None:
        conda_file = read_conda_file(path)
        self.source = conda_file.source
        self.name = conda_file.name
        self.channels = list(conda_file.channels)
        for spec in conda_file.conda_specs:
            self.add_conda_package(spec)
        for line in conda_file.pip_lines:
            self.add_pip_package(line)

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
        name = conda_name(spec)
        if name == "python":
            version = conda_python_version(spec)
            if version:
                self.set_python_version(version)
            return
        if spec not in self._conda_packages:
            self._conda_packages.append(spec)

    def remove_conda_package(self, conda_package: str) -> None:
        name = conda_name(conda_package)
        self._conda_packages = [p for p in self._conda_packages if conda_name(p) != name]

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
        check_pip_option(option, self.source)
        if option not in self._pip_options:
            self._pip_options.append(option)

    def add_channel(self, channel: str) -> None:
        """Recorded for round-tripping; no conda channel is used to build."""
        if channel not in self.channels:
            self.channels.append(channel)

    def set_python_version(self, version: str) -> None:
        self.python_version = str(version).strip()
        warn_if_python_differs(self.python_version, self.source)

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
        return environment_text(self)

    def _repr_html_(self) -> str:
        return environment_html(self)

    # --- constructors -------------------------------------------------------------------------------------------

    @classmethod
    def from_conda_specification(cls, name: str, file_path: str) -> "Environment":
        env = cls(name)
        env.python.conda_dependencies = CondaDependencies.from_conda_file(Path(file_path))
        return env

    @classmethod
    def from_pip_requirements(cls, name: str, file_path: str) -> "Environment":
        path = Path(file_path)
        deps = CondaDependencies()
        deps.source = path.name
        for line in read_requirements_file(path, chain=()):
            deps.add_pip_package(line)
        env = cls(name)
        env.python.conda_dependencies = deps
        return env

    @classmethod
    def from_kernel(cls, name: str, entry_script: Optional[str] = None, frameworks: Iterable[str] = (),
                    models: Iterable = ()) -> "Environment":
        """Capture the running kernel's versions of what the entry script imports, of the model frameworks and of
        what the registered `models`' files need (the modules their pickles name, read without unpickling).

        Deterministic: the same script and kernel give the same sorted pins.
        """
        deps = CondaDependencies()
        deps.source = f"the kernel (Python {sys.version_info.major}.{sys.version_info.minor})"
        deps.python_version = f"{sys.version_info.major}.{sys.version_info.minor}"
        needed = [need.module for need in models_needs(models).modules]
        for pin in kernel_pins(entry_script, frameworks, needed):
            deps.add_pip_package(pin)
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
