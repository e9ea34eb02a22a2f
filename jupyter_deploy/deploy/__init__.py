"""Deploying: inference configs and Azure's config files, the deploy flow and its progress phases, the targets
(local Docker), the in-kernel dry run, and probing a running endpoint."""

from .config_files import load_deployment_config, load_inference_config
from .inference_config import InferenceConfig
from .model import Model
from .progress import PHASES, Progress
from .records import validate_service_name
from .targets.local import LocalWebservice, LocalWebserviceDeploymentConfiguration

__all__ = [
    "PHASES",
    "InferenceConfig",
    "LocalWebservice",
    "LocalWebserviceDeploymentConfiguration",
    "Model",
    "Progress",
    "load_deployment_config",
    "load_inference_config",
    "validate_service_name",
]
