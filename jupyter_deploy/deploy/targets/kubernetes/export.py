"""`jupyter-deploy service export -n NAME --kubernetes DIR`: a deployed service's manifests, from its record."""

from __future__ import annotations

from pathlib import Path

from ....errors import ServiceNotFound
from ....registry import Workspace
from ...records import load_record
from ..aks_config import AksServiceDeploymentConfiguration
from .manifests import render_manifests, write_manifests


def export_kubernetes(workspace: Workspace, name: str, directory: str | Path, namespace: str = "default") -> list[Path]:
    """The manifests of service `name` (its AKS configuration; a local service gets the AKS defaults)."""
    record = load_record(workspace, name)
    if record is None:
        raise ServiceNotFound(f"No service named '{name}' in {workspace.path}; `jupyter-deploy service list` shows them.")
    if record.get("computeType") == "AKS":
        config = AksServiceDeploymentConfiguration.from_dict(record["deployment_config"])
    else:
        config = AksServiceDeploymentConfiguration(auth_enabled=bool(record.get("keys")))
    image = record.get("serviceImage") or record["image"]
    return write_manifests(directory, render_manifests(name, image, config, record.get("keys"),
                                                       namespace=config.namespace or namespace))
