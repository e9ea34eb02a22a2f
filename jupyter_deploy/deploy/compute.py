"""`ComputeTarget`: the clusters a workspace deploys to, attached by name as Azure attached AKS clusters.

Two kinds: `swarm` (this Docker engine's swarm: the engine must already be a swarm manager) and `kubernetes`
(a kubeconfig context, a namespace and the registry its nodes pull from). Attaching only records the target
in the catalogue; nothing is created on the cluster until a service is deployed to it.
"""

from __future__ import annotations

import os
import re
from typing import Optional

from ..errors import ComputeTargetError, ComputeTargetExists, ComputeTargetNotFound
from ..image import docker_client
from ..registry import Workspace

TARGET_NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,30}[A-Za-z0-9]$")
SWARM = "swarm"
KUBERNETES = "kubernetes"


class ComputeTarget:
    """An attached target; `ComputeTarget(ws, name)` loads one attached earlier."""

    def __init__(self, workspace: Workspace, name: str):
        with workspace.catalogue.read() as sql:
            rows = sql.compute_target_rows(name)
        if not rows:
            raise ComputeTargetNotFound(
                f"No compute target named '{name}' in {workspace.path}; `jupyter-deploy compute list` shows the attached ones."
            )
        self.workspace = workspace
        self.name = name
        self.type = rows[0]["type"]
        self.config = rows[0]["config"]
        self.created_time = rows[0]["created_time"]

    # -- attaching --------------------------------------------------------------------------------------
    @staticmethod
    def attach_swarm(workspace: Workspace, name: str) -> "ComputeTarget":
        """This engine's swarm; it must be active and this node a manager (services are created from here)."""
        _check_name(workspace, name)
        swarm = docker_client().info().get("Swarm") or {}
        if swarm.get("LocalNodeState") != "active":
            raise ComputeTargetError(
                "This Docker engine is not in a swarm; run `docker swarm init --advertise-addr 127.0.0.1` (or "
                "`docker swarm join …` on an existing one), then attach again."
            )
        if not swarm.get("ControlAvailable"):
            raise ComputeTargetError("This Docker engine is a swarm worker; attach the swarm from a manager node.")
        config = {"swarmId": (swarm.get("Cluster") or {}).get("ID"), "nodeAddr": swarm.get("NodeAddr") or "127.0.0.1"}
        return _insert(workspace, name, SWARM, config)

    @staticmethod
    def attach_kubernetes(workspace: Workspace, name: str, kubeconfig: Optional[str] = None, context: Optional[str] = None,
                          namespace: str = "default", registry: Optional[str] = None) -> "ComputeTarget":
        """A Kubernetes cluster reached through `kubeconfig` (default ~/.kube/config); images go to `registry`."""
        _check_name(workspace, name)
        if not registry:
            raise ComputeTargetError(
                "A Kubernetes target needs the registry its nodes pull from; pass registry='registry.example.com/team' "
                "(CLI: --registry)."
            )
        if kubeconfig is not None and not os.path.isfile(kubeconfig):
            raise ComputeTargetError(f"kubeconfig '{kubeconfig}' does not exist; check the path.")
        if not re.match(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", namespace or ""):
            raise ComputeTargetError(f"Namespace {namespace!r} is not a valid Kubernetes name (lowercase letters, digits, '-').")
        config = {"kubeconfig": os.path.abspath(kubeconfig) if kubeconfig else None, "context": context,
                  "namespace": namespace, "registry": registry.rstrip("/")}
        return _insert(workspace, name, KUBERNETES, config)

    @staticmethod
    def list(workspace: Workspace) -> list["ComputeTarget"]:
        with workspace.catalogue.read() as sql:
            names = [row["name"] for row in sql.compute_target_rows()]
        return [ComputeTarget(workspace, name) for name in names]

    def detach(self) -> None:
        """Forget the target; refused while a service runs on it (delete those first)."""
        with self.workspace.catalogue.write() as sql:
            using = [name for name in sql.service_names()
                     if (sql.service_record(name) or {}).get("computeTarget") == self.name]
            if using:
                raise ComputeTargetError(
                    f"Compute target '{self.name}' still runs {', '.join(using)}; delete those services first."
                )
            sql.delete_compute_target(self.name)

    # -- what it is -------------------------------------------------------------------------------------
    @property
    def advertise_address(self) -> str:
        return self.config.get("nodeAddr") or "127.0.0.1"

    def serialize(self) -> dict:
        return {"name": self.name, "type": self.type, "createdTime": self.created_time, **self.config}

    def __repr__(self) -> str:
        return f"ComputeTarget(name={self.name!r}, type={self.type!r})"


def resolve_target(workspace: Workspace, target: "ComputeTarget | str") -> ComputeTarget:
    return target if isinstance(target, ComputeTarget) else ComputeTarget(workspace, str(target))


def _check_name(workspace: Workspace, name: str) -> None:
    if not isinstance(name, str) or not TARGET_NAME_PATTERN.match(name):
        raise ComputeTargetError(f"Invalid compute target name {name!r}: use 3 to 32 letters, digits or '-', starting with a letter.")
    with workspace.catalogue.read() as sql:
        if sql.compute_target_rows(name):
            raise ComputeTargetExists(f"A compute target named '{name}' is already attached; detach it first or pick another name.")


def _insert(workspace: Workspace, name: str, kind: str, config: dict) -> ComputeTarget:
    with workspace.catalogue.write() as sql:
        if sql.compute_target_rows(name):
            raise ComputeTargetExists(f"A compute target named '{name}' is already attached; detach it first or pick another name.")
        sql.insert_compute_target(name, kind, config)
    return ComputeTarget(workspace, name)
