"""`Model.package(ws, models, inference_config, generate_dockerfile=False)`: Azure v1's run-anywhere package.

Without a Dockerfile: an image with the environment, the runtime, the models and the app inside, which runs on
any Docker host with `docker run -p 127.0.0.1:8080:5001 IMAGE`. With `generate_dockerfile=True`: a build context
(`package.save(dir)`) whose Dockerfile starts from the official `python:X.Y-slim` and needs nothing of this host.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from ..errors import JupyterDeployError
from ..image import kernel_python_version
from ..image.model_layer import LayerContent, stage_portable_context
from ..registry import Model, Workspace
from .inference_config import InferenceConfig
from .prepare import build_image, build_service_image, check_deployment, service_layer
from .progress import reporter

PACKAGE_REPOSITORY = "jupyter-deploy/package"


class ModelPackage:
    """What `Model.package` made: `location` is the image tag, or None for a Dockerfile package until saved."""

    def __init__(self, name: str, image: Optional[str], content: LayerContent, environment, generate_dockerfile: bool):
        self.name = name
        self.location = image
        self.generate_dockerfile = generate_dockerfile
        self._content = content
        self._environment = environment

    def wait_for_creation(self, show_output: bool = False) -> None:
        """Azure's call; the image (or the context) is complete when `Model.package` returns."""

    def save(self, output_directory: str | Path) -> Path:
        """Write the build context (Dockerfile, wheels/, runtime/, app/, models/): `docker build DIR` builds it."""
        if not self.generate_dockerfile:
            raise JupyterDeployError("This package is an image already (see .location); package with "
                                     "generate_dockerfile=True to get a build context to save.")
        folder = Path(output_directory)
        if folder.exists() and any(folder.iterdir()):
            raise JupyterDeployError(f"'{folder}' is not empty; save the package into a new or empty folder.")
        stage_portable_context(folder, self._environment, self._content, f"python:{kernel_python_version()}-slim")
        return folder

    def __repr__(self) -> str:
        return f"ModelPackage(name={self.name!r}, location={self.location!r})"


def package_models(workspace: Workspace, models: list["Model | str"], inference_config: InferenceConfig,
                   generate_dockerfile: bool = False, image_name: Optional[str] = None, show_output: bool = False,
                   progress=None) -> ModelPackage:
    name = image_name or "package"
    report = reporter(show_output, progress)
    checked = check_deployment(workspace, name, models, inference_config, overwrite=True)
    config = checked.inference_config
    content = service_layer(checked)
    if generate_dockerfile:
        return ModelPackage(name, None, content, config.environment, True)
    image = build_image(checked, report)
    tag = build_service_image(checked, image, report, repository=PACKAGE_REPOSITORY)
    return ModelPackage(name, tag, content, config.environment, False)
