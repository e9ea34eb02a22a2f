"""The one place that turns what a user gave for a deployment's environment into an `Environment`.

Every front end (Python API, CLI, magics, widgets, REST) calls `resolve_environment`, so the same inputs give the
same environment everywhere, under one default name: `<service>-env`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from ..errors import EnvironmentSpecError
from ..registry import Workspace
from .spec import Environment
from .store import get_environment



CONDA_SUFFIXES = (".yml", ".yaml")


def default_environment_name(service_name: str) -> str:
    """What an environment is called when the user did not name it: after the service it was made for."""
    return f"{service_name}-env"


def resolve_environment(workspace: Workspace, service_name: str, *, environment: Optional[Environment] = None,
                        stored: Optional[str] = None, conda_file: "Optional[str | os.PathLike]" = None,
                        requirements_file: "Optional[str | os.PathLike]" = None,
                        environment_file: "Optional[str | os.PathLike]" = None) -> Environment:
    """At most one source: an Environment object, a stored environment's name, a conda YAML or a requirements file
    (`environment_file` is either, told apart by its suffix: .yml/.yaml is conda).

    With none, the service gets the runtime only, in an empty environment named after it.
    """
    if environment_file:
        if Path(environment_file).suffix.lower() in CONDA_SUFFIXES:
            conda_file = conda_file or environment_file
        else:
            requirements_file = requirements_file or environment_file
    given = [label for label, value in (("an environment", environment), ("a stored environment", stored),
                                         ("a conda file", conda_file), ("a requirements file", requirements_file))
             if value]
    if len(given) > 1:
        raise EnvironmentSpecError(
            f"Give only one environment for '{service_name}' (got {' and '.join(given)}); pick the one to build."
        )
    if environment is not None:
        return environment
    if stored:
        return get_environment(workspace, stored)
    name = default_environment_name(service_name)
    if conda_file:
        return Environment.from_conda_specification(name, os.fspath(conda_file))
    if requirements_file:
        return Environment.from_pip_requirements(name, os.fspath(requirements_file))
    return Environment(name)
