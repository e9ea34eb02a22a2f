"""What every deployment does before it reaches its target: check everything cheap, then build (or reuse) the image.

The checks come first and need no Docker — a typo in a name, a missing script or a clash with an existing service
is found in milliseconds, not after a two-minute build. The cluster targets (swarm, Kubernetes) and `Model.package`
then add the models and the app as one thin layer (`service_layer`, `build_service_image`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..environment import resolve_environment
from ..errors import EntryScriptError, ServiceExists
from ..image import ImageInfo, docker_client, ensure_environment_image
from ..image.model_layer import SERVICE_REPOSITORY, LayerContent, ensure_service_image
from ..registry import Model, Workspace, resolve_model
from ..runtime.settings import ENV_ENTRY_SCRIPT, ENV_MODEL_DIR, ENV_SERVICE_NAME, MODELS_FOLDER
from .inference_config import InferenceConfig
from .preflight import preflight
from .progress import Progress
from .records import load_record, validate_service_name


@dataclass
class CheckedDeployment:
    """A deployment whose inputs are known to be usable: models found, script valid, environment resolved."""

    workspace: Workspace
    name: str
    models: list[Model]
    inference_config: InferenceConfig  # its environment resolved
    existing: Optional[dict]  # the record of the service it replaces, if any


def check_deployment(workspace: Workspace, name: str, models: list["Model | str"], inference_config: InferenceConfig,
                     *, overwrite: bool) -> CheckedDeployment:
    validate_service_name(name)
    if not isinstance(inference_config, InferenceConfig):
        raise EntryScriptError("inference_config must be an InferenceConfig(entry_script=…, environment=…).")
    resolved = [resolve_model(workspace, model) for model in (models or [])]
    inference_config.validate()
    environment = resolve_environment(workspace, name, environment=inference_config.environment,
                                      conda_file=inference_config.conda_file)
    existing = load_record(workspace, name)
    if existing is not None and not overwrite and not existing.get("failure"):
        raise ServiceExists(
            f"A service named '{name}' already exists; pass overwrite=True (CLI: --overwrite) to replace it, or pick another name."
        )
    return CheckedDeployment(workspace, name, resolved, inference_config.with_environment(environment), existing)


def build_image(checked: CheckedDeployment, report: Progress) -> ImageInfo:
    """The preflight, then the environment's image, built only when no image with the same content exists (the
    build log streams). A module the model files or the script need and nothing installs stops here, unbuilt."""
    config = checked.inference_config
    report("validating", "Preflight: what the model files and the entry script need")
    result = preflight(config.environment, checked.models, config.entry_script_path,
                       source_directory=config.source_directory,
                       on_log=lambda line: report("validating", line))
    report("validating", result.summary())
    client = docker_client()
    report("image", "Preparing the environment image")
    image = ensure_environment_image(client, checked.inference_config.environment,
                                     on_log=lambda line: report("build", line))
    if image.built:
        report("image", f"Built image {image.tag}")
    return image


def service_layer(checked: CheckedDeployment) -> LayerContent:
    """The models, the app and the variables that say where they are, for an image that carries its models."""
    config, name, models = checked.inference_config, checked.name, checked.models
    return LayerContent(
        name=name, models=[(m.path, f"{m.name}/{m.version}") for m in models], app_files=config.app_files(),
        environment={ENV_ENTRY_SCRIPT: config.entry_script, ENV_SERVICE_NAME: name,
                     ENV_MODEL_DIR: (f"{MODELS_FOLDER}/{models[0].name}/{models[0].version}" if len(models) == 1
                                     else MODELS_FOLDER),
                     **{str(k): str(v) for k, v in (config.environment.environment_variables or {}).items()}})


def build_service_image(checked: CheckedDeployment, image: ImageInfo, report: Progress,
                        repository: str = SERVICE_REPOSITORY) -> str:
    """The tag of the environment image plus the service layer, built only when its content is new."""
    return ensure_service_image(docker_client(), image.tag, service_layer(checked), repository=repository,
                                on_log=lambda line: report("build", line))
