"""What the workspace remembers of each deployed service: its record (port, image, models, config, failure).

One JSON record per service in the catalogue; saving it also pins the model versions it serves, so a version
in use cannot be deleted. A failed service keeps its record (and its log) until it is deleted or redeployed.
"""

from __future__ import annotations

import re
from typing import Optional

from ..errors import InvalidServiceName
from ..registry import Workspace

SERVICE_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")


def validate_service_name(name: str) -> str:
    if not isinstance(name, str) or not SERVICE_NAME_PATTERN.match(name):
        raise InvalidServiceName(
            f"Invalid service name {name!r}: use 3 to 32 lowercase letters, digits or '-', starting with a letter "
            "and not ending with '-'."
        )
    return name


def service_names(workspace: Workspace) -> list[str]:
    with workspace.catalogue.read() as sql:
        return sql.service_names()


def load_record(workspace: Workspace, name: str) -> Optional[dict]:
    with workspace.catalogue.read() as sql:
        return sql.service_record(name)


def save_record(workspace: Workspace, record: dict) -> None:
    """A failed service pins nothing: its models may be deleted while its record explains what went wrong."""
    pinned = [] if record.get("failure") else [_model_key(model_id) for model_id in record["models"]]
    with workspace.catalogue.write() as sql:
        sql.save_service_record(record, pinned)


def delete_record(workspace: Workspace, name: str) -> None:
    with workspace.catalogue.write() as sql:
        sql.delete_service_record(name)
    saved_log_path(workspace, name).unlink(missing_ok=True)


def saved_log_path(workspace: Workspace, name: str):
    """Where a failed service's log is kept once its container is gone."""
    return workspace.services_dir / f"{name}.log"


def _model_key(model_id: str) -> tuple[str, int]:
    name, _, version = model_id.partition(":")
    return name, int(version)
