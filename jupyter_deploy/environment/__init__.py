"""Environments: what a service needs installed, in Azure's `Environment` / `CondaDependencies` shapes.

`resolve_environment` is the one call every front end makes to turn what the user gave (an object, a stored
name, a conda YAML, a requirements file) into an `Environment`.
"""

from .notebook_text import environment_from_text
from .resolve import default_environment_name, resolve_environment
from .spec import CondaDependencies, Environment
from .store import get_environment, save_environment, stored_environment_names, stored_environments

__all__ = [
    "CondaDependencies",
    "Environment",
    "default_environment_name",
    "environment_from_text",
    "get_environment",
    "resolve_environment",
    "save_environment",
    "stored_environment_names",
    "stored_environments",
]
