"""The deploy flow: `Model.deploy(...)` → the target named by the deployment configuration.

Azure's promise is that another compute target is only another deployment configuration; this is the one place
that maps a configuration to its target. The phases every target reports are defined in `progress.py`, the
checks and the image build every target shares in `prepare.py`.
"""

from __future__ import annotations

from typing import Any, Optional

from ..errors import ConfigFileError
from ..registry import Model, Workspace
from .inference_config import InferenceConfig
from .progress import Progress
from .targets.local import LocalWebservice, LocalWebserviceDeploymentConfiguration, deploy_local


def deploy_model(workspace: Workspace, name: str, models: list["Model | str"], inference_config: InferenceConfig,
                 deployment_config: Optional[Any] = None, *, overwrite: bool = False, show_output: bool = False,
                 progress: Optional[Progress] = None) -> LocalWebservice:
    """Deploy to the target the configuration is for (no configuration: a local service on a free port)."""
    if deployment_config is None or isinstance(deployment_config, LocalWebserviceDeploymentConfiguration):
        return deploy_local(workspace, name, models, inference_config, deployment_config, overwrite=overwrite,
                            show_output=show_output, progress=progress)
    raise ConfigFileError(
        f"deployment_config must come from LocalWebservice.deploy_configuration(...), not {type(deployment_config).__name__}."
    )
