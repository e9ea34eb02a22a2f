"""The deploy flow: `Model.deploy(...)` → the target named by the deployment configuration.

Azure's promise is that another compute target is only another deployment configuration; this is the one place
that maps a configuration (and, for a cluster, the `deployment_target`) to its target. The phases every target
reports are defined in `progress.py`, the checks and the image build every target shares in `prepare.py`.
"""

from __future__ import annotations

from typing import Any, Optional

from ..errors import ComputeTargetError, ConfigFileError, ServiceNotFound
from ..registry import Model, Workspace
from .compute import KUBERNETES, SWARM, ComputeTarget, resolve_target
from .inference_config import InferenceConfig
from .progress import Progress
from .records import load_record, service_names
from .targets.aks_config import AksServiceDeploymentConfiguration
from .targets.kubernetes import KubernetesWebservice, deploy_kubernetes
from .targets.local import LocalWebservice, LocalWebserviceDeploymentConfiguration, deploy_local
from .targets.swarm import SwarmWebservice, deploy_swarm


def deploy_model(workspace: Workspace, name: str, models: list["Model | str"], inference_config: InferenceConfig,
                 deployment_config: Optional[Any] = None, *, overwrite: bool = False, show_output: bool = False,
                 progress: Optional[Progress] = None, deployment_target: "ComputeTarget | str | None" = None):
    """Deploy to the target the configuration is for (no configuration: a local service on a free port)."""
    if deployment_config is None or isinstance(deployment_config, LocalWebserviceDeploymentConfiguration):
        if deployment_target is not None:
            raise ConfigFileError("A local deployment configuration takes no deployment_target; to deploy to a compute "
                                  "target use AksWebservice.deploy_configuration(...) (CLI: a --dc file with "
                                  "\"computeType\": \"aks\", such as examples/sentiment/aksDeploymentConfig.json).")
        return deploy_local(workspace, name, models, inference_config, deployment_config, overwrite=overwrite,
                            show_output=show_output, progress=progress)
    if isinstance(deployment_config, AksServiceDeploymentConfiguration):
        if deployment_target is None:
            raise ComputeTargetError("An AKS deployment configuration needs deployment_target=ComputeTarget(ws, NAME) "
                                     "(CLI: --ct NAME); `jupyter-deploy compute list` shows the attached targets.")
        target = resolve_target(workspace, deployment_target)
        if target.type == SWARM:
            return deploy_swarm(workspace, name, models, inference_config, deployment_config, target.name,
                                target.advertise_address, overwrite=overwrite, show_output=show_output,
                                progress=progress)
        if target.type == KUBERNETES:
            return deploy_kubernetes(workspace, name, models, inference_config, deployment_config, target.name,
                                     target.config, overwrite=overwrite, show_output=show_output, progress=progress,
                                     retire=lambda record: attach_service(workspace, record["name"]).delete())
    raise ConfigFileError(
        "deployment_config must come from LocalWebservice.deploy_configuration(...) or "
        f"AksWebservice.deploy_configuration(...), not {type(deployment_config).__name__}."
    )


def attach_service(workspace: Workspace, name: str):
    """The service of that name, whatever its target (what every front end calls)."""
    record = load_record(workspace, name)
    if record is not None and record.get("targetType") == "swarm":
        return SwarmWebservice(workspace, name)
    if record is not None and record.get("targetType") == "kubernetes":
        return KubernetesWebservice(workspace, name)
    return LocalWebservice(workspace, name)


def list_services(workspace: Workspace) -> list:
    services = []
    for name in service_names(workspace):
        try:
            services.append(attach_service(workspace, name))
        except ServiceNotFound:
            continue
    return services
