"""Environments remembered by name in the workspace, so every front end (magics, panel, CLI) can offer them."""

from __future__ import annotations

from ..errors import EnvironmentSpecError
from ..registry import Workspace
from .spec import Environment


def save_environment(workspace: Workspace, environment: Environment) -> None:
    with workspace.catalogue.write() as sql:
        sql.save_environment(environment.name, environment.to_dict())


def stored_environments(workspace: Workspace) -> list[dict]:
    """`{"name", "environment", "updated_time"}` for every stored environment, by name."""
    with workspace.catalogue.read() as sql:
        rows = sql.environment_rows()
    return [{"name": row["name"], "environment": Environment.from_dict(row["spec"]), "updated_time": row["updated_time"]}
            for row in rows]


def stored_environment_names(workspace: Workspace) -> list[str]:
    with workspace.catalogue.read() as sql:
        return [row["name"] for row in sql.environment_rows()]


def get_environment(workspace: Workspace, name: str) -> Environment:
    with workspace.catalogue.read() as sql:
        spec = sql.environment_spec(name)
    if spec is None:
        names = stored_environment_names(workspace)
        known = f" (stored: {', '.join(names)})" if names else ""
        raise EnvironmentSpecError(
            f"No environment named '{name}' is stored in {workspace.path}{known}; define it first with %%environment "
            f"{name} in a notebook, or pass a conda YAML / requirements file."
        )
    return Environment.from_dict(spec)
