"""Azure's `inferenceConfig.json` and `deploymentConfig.json` (JSON or YAML), read exactly as `az ml model deploy` did.

Paths inside a config file are relative to that file, so a project folder can be deployed from anywhere.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import yaml

from ..environment import CondaDependencies, Environment
from ..errors import ConfigFileError, DeployWarning
from .inference_config import InferenceConfig
from .targets.aks_config import AksServiceDeploymentConfiguration
from .targets.local.config import LocalWebserviceDeploymentConfiguration

_IGNORED_INFERENCE_KEYS = {"extraDockerfileSteps", "baseImage", "baseImageRegistry", "enableGpu", "cudaVersion",
                           "description", "schemaFile", "dependencies"}


def read_config_file(path: str | os.PathLike) -> dict:
    """A JSON (or YAML) object from `path`, with a one-sentence error naming the file and the position."""
    file = Path(path)
    if not file.is_file():
        raise ConfigFileError(f"Config file '{path}' does not exist; check the path.")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigFileError(f"Config file '{path}' is not UTF-8 text; save it as UTF-8 JSON or YAML.") from None
    except OSError as error:
        raise ConfigFileError(f"Config file '{path}' cannot be read: {error.strerror or error}; check its permissions.") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as json_error:
        if file.suffix.lower() == ".json":
            raise ConfigFileError(
                f"{path}, line {json_error.lineno} column {json_error.colno}: {json_error.msg}; fix the JSON and try again."
            ) from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as yaml_error:
            mark = getattr(yaml_error, "problem_mark", None)
            where = f", line {mark.line + 1}" if mark else ""
            raise ConfigFileError(f"{path}{where}: not valid JSON or YAML; fix the syntax and try again.") from None
    if not isinstance(data, dict):
        raise ConfigFileError(f"{path}: expected an object such as {{\"entryScript\": \"score.py\"}}, found {type(data).__name__}.")
    return data


def load_inference_config(path: str | os.PathLike, overrides: dict | None = None) -> InferenceConfig:
    """`{"entryScript": "score.py", "runtime": "python", "condaFile": "myenv.yml", "sourceDirectory": "."}`."""
    data = {**read_config_file(path), **{k: v for k, v in (overrides or {}).items() if v is not None}}
    base = Path(path).resolve().parent
    unknown = set(data) - {"entryScript", "runtime", "condaFile", "sourceDirectory", "environment"} - _IGNORED_INFERENCE_KEYS
    if unknown:
        raise ConfigFileError(f"{path}: unknown key '{sorted(unknown)[0]}'; the keys are entryScript, runtime, condaFile, sourceDirectory and environment.")
    for key in sorted(set(data) & _IGNORED_INFERENCE_KEYS):
        warnings.warn(f"{path}: '{key}' has no meaning for a local deployment and is ignored.", DeployWarning, stacklevel=2)
    if "entryScript" not in data:
        raise ConfigFileError(f"{path}: 'entryScript' is missing; add \"entryScript\": \"score.py\".")
    runtime = str(data.get("runtime", "python")).lower()
    if runtime != "python":
        raise ConfigFileError(f"{path}: runtime '{data['runtime']}' is not supported; use \"runtime\": \"python\".")
    source_directory = _relative_to(base, data.get("sourceDirectory"))
    environment = _inline_environment(data["environment"], path) if isinstance(data.get("environment"), dict) else None
    conda_file = _relative_to(base, data["condaFile"]) if data.get("condaFile") and environment is None else None
    entry = data["entryScript"]
    if source_directory is None:
        entry = _relative_to(base, entry)
    return InferenceConfig(entry, environment=environment, source_directory=source_directory, conda_file=conda_file)


def load_deployment_config(path: str | os.PathLike | None, port: int | None = None, *, workers: int | None = None,
                           memory_gb: float | None = None
                           ) -> LocalWebserviceDeploymentConfiguration | AksServiceDeploymentConfiguration:
    """`{"computeType": "LOCAL", "port": 32267, "containerResourceRequirements": {"memoryInGB": 0.5}}` or Azure's AKS
    schema (`"computeType": "aks"`); others are refused. `workers` (ours) is the WORKER_COUNT the runtime starts."""
    data = read_config_file(path) if path else {"computeType": "LOCAL"}
    compute = str(data.get("computeType", "LOCAL")).upper()
    if compute == "AKS":
        return AksServiceDeploymentConfiguration.from_dict(data, str(path))
    if compute != "LOCAL":
        raise ConfigFileError(f"{path}: computeType '{data['computeType']}' cannot run here; use \"LOCAL\" or \"aks\".")
    chosen = port if port is not None else data.get("port")
    if chosen is not None and not isinstance(chosen, int):
        raise ConfigFileError(f"{path}: port must be a number, found {chosen!r}.")
    resources = data.get("containerResourceRequirements") or {}
    if not isinstance(resources, dict):
        raise ConfigFileError(f"{path}: containerResourceRequirements must be an object such as {{\"memoryInGB\": 0.5}}.")
    memory = memory_gb if memory_gb is not None else resources.get("memoryInGB")
    worker_count = workers if workers is not None else data.get("workers")
    collection = data.get("dataCollection") or {}
    try:
        return LocalWebserviceDeploymentConfiguration(
            port=chosen, memory_gb=memory, workers=worker_count,
            collect_model_data=bool(isinstance(collection, dict) and collection.get("storageEnabled")),
            enable_app_insights=bool(data.get("appInsightsEnabled")), auth_enabled=bool(data.get("authEnabled", False)))
    except ConfigFileError as error:
        raise ConfigFileError(f"{path}: {error}" if path else str(error)) from None


def _inline_environment(spec: dict, path: str | os.PathLike) -> Environment:
    """The Azure environment JSON shape: {"name", "python": {"condaDependencies": {...}}, "environmentVariables"}."""
    if not spec.get("name"):
        raise ConfigFileError(f"{path}: the inline \"environment\" has no \"name\"; add one, as Azure's schema requires.")
    env = Environment(str(spec["name"]))
    conda = (spec.get("python") or {}).get("condaDependencies") or {}
    deps = CondaDependencies()
    for item in conda.get("dependencies", []):
        if isinstance(item, dict):
            for pip_spec in item.get("pip", []):
                deps.add_pip_package(pip_spec)
        elif isinstance(item, str) and item.split("=")[0].strip() == "python":
            deps.set_python_version(item.split("=", 1)[1].lstrip("="))
        elif isinstance(item, str):
            deps.add_conda_package(item)
    env.python.conda_dependencies = deps
    env.environment_variables = dict(spec.get("environmentVariables") or {})
    return env


def _relative_to(base: Path, value: str | None) -> str | None:
    if value is None:
        return None
    candidate = Path(value)
    return str(candidate if candidate.is_absolute() else base / candidate)
