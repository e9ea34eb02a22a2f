"""`jupyter_deploy.Model`: Azure's `Model`, whose static `deploy` lives here, above the registry.

The registry's `Model` knows versions and files and nothing of Docker; deploying is a step up the layers
(registry → deploy), so the Azure name that can do both is this subclass, and the registry never imports deploy.
"""

from __future__ import annotations

from typing import Any, Optional

from ..registry import Model as RegisteredModel
from ..registry import Workspace
from .flow import deploy_model
from .inference_config import InferenceConfig
from .package import ModelPackage, package_models
from .progress import Progress


class Model(RegisteredModel):
    """One registered model version (see `registry.Model`), plus Azure's `Model.deploy`."""

    @staticmethod
    def deploy(workspace: Workspace, name: str, models: list["RegisteredModel | str"], inference_config: InferenceConfig,
               deployment_config: Optional[Any] = None, overwrite: bool = False, show_output: bool = False,
               progress: Optional[Progress] = None, deployment_target: Any = None, **_azure_only):
        """Build the environment image and start the service; call `wait_for_deployment()` next.

        `deployment_target` (a `ComputeTarget` or its name) goes with an `AksWebservice.deploy_configuration(...)`.
        """
        return deploy_model(workspace, name, models, inference_config, deployment_config, overwrite=overwrite,
                            show_output=show_output, progress=progress,
                            deployment_target=deployment_target)

    @staticmethod
    def package(workspace: Workspace, models: list["RegisteredModel | str"], inference_config: InferenceConfig,
                generate_dockerfile: bool = False, image_name: Optional[str] = None, show_output: bool = False,
                **_azure_only) -> ModelPackage:
        """An image with the models inside (runs with plain `docker run`), or a build context to `save(dir)`."""
        return package_models(workspace, models, inference_config, generate_dockerfile=generate_dockerfile,
                              image_name=image_name, show_output=show_output)
