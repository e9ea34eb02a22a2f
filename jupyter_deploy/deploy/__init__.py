"""Deploying: inference configs and Azure's config files, the deploy flow and its progress phases, the targets
(local Docker), the in-kernel dry run, and probing a running endpoint."""

from .aks import AksWebservice
from .compute import ComputeTarget
from .config_files import load_deployment_config, load_inference_config
from .inference_config import InferenceConfig
from .flow import attach_service, list_services
from .model import Model
from .progress import PHASES, Progress
from .records import validate_service_name
from .targets.aks_config import AksServiceDeploymentConfiguration
from .targets.kubernetes import KubernetesWebservice
from .targets.local import LocalWebservice, LocalWebserviceDeploymentConfiguration
from .targets.swarm import SwarmWebservice

__all__ = [
    "PHASES",
    "AksServiceDeploymentConfiguration",
    "AksWebservice",
    "ComputeTarget",
    "KubernetesWebservice",
    "SwarmWebservice",
    "attach_service",
    "list_services",
    "InferenceConfig",
    "LocalWebservice",
    "LocalWebserviceDeploymentConfiguration",
    "Model",
    "Progress",
    "load_deployment_config",
    "load_inference_config",
    "validate_service_name",
]
