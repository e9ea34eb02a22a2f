"""Everything the side panel can ask of one workspace, as plain blocking calls returning the REST shapes.

The handlers only translate HTTP; this object can be used without a server (the JSON it returns is the
contract in docs/rest-api.md). Lists are read from the workspace on every call and service states are probed
live, because a notebook magic or the CLI may change the same workspace at any time.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .. import __version__
from ..endpoint_test import MAX_REPEAT, call_endpoint
from ..engine import docker_client, reset_docker_client
from ..environment import Environment
from ..errors import DockerNotRunning, EnvironmentSpecError, JupyterDeployError, ServiceExists, ServiceNotFound
from ..inference_config import InferenceConfig
from ..model import Model, parse_model_id, resolve_model
from ..webservice import LocalWebservice, validate_service_name
from ..workspace import Workspace
from .deployments import DeploymentJobs


class InvalidRequest(JupyterDeployError, ValueError):
    """A request body or query argument is not valid JSON, lacks a field, or has one of the wrong type."""


class PathOutsideRoot(JupyterDeployError, ValueError):
    """A path in a request points outside the Jupyter server's root folder."""


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    @classmethod
    def parse(cls, body: Union[bytes, str]):
        """Validate a raw JSON body; every problem becomes one `InvalidRequest` sentence naming the field."""
        try:
            return cls.model_validate_json(body or b"")
        except ValidationError as error:
            first = error.errors()[0]
            if first["type"] == "json_invalid":
                raise InvalidRequest(f"The request body is not valid JSON ({first['msg']}); send a JSON object.") from None
            where = ".".join(str(part) for part in first["loc"]) or "the body"
            count = error.error_count()
            more = f" (and {count - 1} more problem{'s' if count > 2 else ''})" if count > 1 else ""
            raise InvalidRequest(f"Invalid request: {where}: {first['msg']}{more}.") from None


class DeployRequest(_Request):
    """`DeployRequest` of the contract; paths are relative to the server's root folder."""

    service_name: str
    models: list[str]
    entry_script: str
    source_directory: Optional[str] = None
    environment: Optional[str] = None
    conda_file: Optional[str] = None
    requirements_file: Optional[str] = None
    port: Optional[int] = Field(default=None, ge=1, le=65535)
    overwrite: bool = False


class EndpointTestRequest(_Request):
    body: str
    repeat: int = Field(default=1, ge=1, le=MAX_REPEAT)


def _iso_mtime(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")


def model_version_json(model: Model) -> dict:
    return {"id": model.id, "name": model.name, "version": model.version, "description": model.description,
            "tags": model.tags, "model_framework": model.model_framework, "created_time": model.created_time}


def model_detail_json(model: Model) -> dict:
    return {**model_version_json(model), "properties": model.properties,
            "model_framework_version": model.model_framework_version,
            "files": [{"path": f["path"], "size": f["size"], "sha256": f["sha256"]} for f in model.files]}


def _model_group_json(name: str, versions: list[Model]) -> dict:
    return {"name": name, "latest_version": versions[0].version, "versions": [model_version_json(m) for m in versions]}


def service_json(service: LocalWebservice) -> dict:
    """The contract's `Service`; `serialize()` probes the live state before it reads the failure reason."""
    data = service.serialize()
    return {"name": data["name"], "state": data["state"], "scoring_uri": data["scoring_uri"],
            "swagger_uri": data["swaggerUri"], "port": data["port"], "image": data["image"],
            "models": data["models"], "entry_script": data["entryScript"], "created_time": data["createdTime"],
            "error": data["error"]}


class DeployService:
    """The one object behind the REST API: models, services, deployments, scripts, environments, status."""

    def __init__(self, workspace: Workspace, root_dir: Union[str, os.PathLike], *, deploy_timeout_s: float = 600,
                 log: Optional[logging.Logger] = None):
        self.workspace = workspace
        self.root_dir = Path(root_dir).expanduser().resolve()
        self.log = log or logging.getLogger(__name__)
        self.deployments = DeploymentJobs(self._describe_service, timeout_s=deploy_timeout_s, log=self.log)

    # -- models ----------------------------------------------------------------------------------------
    def list_models(self) -> list[dict]:
        groups: dict[str, list[Model]] = {}
        for model in Model.list(self.workspace):  # sorted by name, newest version first
            groups.setdefault(model.name, []).append(model)
        return [_model_group_json(name, versions) for name, versions in sorted(groups.items())]

    def get_model(self, name: str) -> dict:
        versions = Model.list(self.workspace, name=name)
        if not versions:
            Model(self.workspace, name)  # raises ModelNotFound (or InvalidModelName) with the core's sentence
        return _model_group_json(name, versions)

    def get_model_version(self, name: str, version: str) -> dict:
        return model_detail_json(self._model(name, version))

    def delete_model(self, name: str, version: str) -> None:
        self._model(name, version).delete()

    def _model(self, name: str, version: str) -> Model:
        model_name, number = parse_model_id(f"{name}:{version}")
        return Model(self.workspace, model_name, version=number)

    # -- services --------------------------------------------------------------------------------------
    def list_services(self) -> list[dict]:
        answers = []
        for service in LocalWebservice.list(self.workspace):
            try:
                answers.append(service_json(service))
            except ServiceNotFound:  # deleted (by a notebook, the CLI) while we were listing
                continue
        return answers

    def get_service(self, name: str) -> dict:
        return service_json(LocalWebservice(self.workspace, name))

    def delete_service(self, name: str) -> None:
        service = LocalWebservice(self.workspace, name)
        self.deployments.refuse_if_running(name)
        service.delete()

    def service_logs(self, name: str, lines: int = 200) -> dict:
        return {"name": name, "logs": LocalWebservice(self.workspace, name).get_logs(num_lines=lines)}

    def reload_service(self, name: str) -> dict:
        seconds = LocalWebservice(self.workspace, name).reload()
        return {"name": name, "seconds": round(seconds, 3)}

    def test_service(self, name: str, request: EndpointTestRequest) -> dict:
        result = call_endpoint(LocalWebservice(self.workspace, name), request.body, repeat=request.repeat)
        return {"status": result.status, "body": result.body, "latency_ms": _round(result.latency_ms),
                "headers": result.headers, "repeat": request.repeat, "p50_ms": _round(result.percentile(50)),
                "p90_ms": _round(result.percentile(90)), "p99_ms": _round(result.percentile(99)),
                "errors": sum(result.errors.values())}

    def _describe_service(self, name: str) -> Optional[dict]:
        try:
            return self.get_service(name)
        except ServiceNotFound:
            return None

    # -- deployments -----------------------------------------------------------------------------------
    def start_deployment(self, request: DeployRequest) -> dict:
        """Check everything that can be checked without building (400/404/409/503), then deploy in the background."""
        name = validate_service_name(request.service_name)
        models = [resolve_model(self.workspace, model_id) for model_id in request.models]
        config = InferenceConfig(self._entry_script(request), environment=self._environment(request),
                                 source_directory=self._optional_path(request.source_directory, "source_directory"))
        docker_client()
        self.deployments.refuse_if_running(name)
        if not request.overwrite:
            self._refuse_existing(name)
        deployment_config = LocalWebservice.deploy_configuration(port=request.port)
        job = self.deployments.start(name, lambda progress: Model.deploy(
            self.workspace, name, models, config, deployment_config, overwrite=request.overwrite, progress=progress))
        return job.to_json()

    def list_deployments(self) -> list[dict]:
        return [job.to_json() for job in self.deployments.all()]

    def get_deployment(self, deployment_id: str, since: int = 0) -> dict:
        return self.deployments.get(deployment_id).to_json(since=since)

    def _refuse_existing(self, name: str) -> None:
        """The core's rule, checked before answering 202: a failed service may be replaced, a live one needs overwrite."""
        try:
            existing = LocalWebservice(self.workspace, name)
        except ServiceNotFound:
            return
        if existing.state != "Failed":
            raise ServiceExists(
                f"A service named '{name}' already exists; deploy with overwrite to replace it, or pick another name."
            )

    def _entry_script(self, request: DeployRequest) -> Path:
        """Relative to the root folder; with a source folder, a path relative to that folder (Azure's habit) works too."""
        script = self._path(request.entry_script, "entry_script")
        if request.source_directory is not None:
            source = self._path(request.source_directory, "source_directory")
            if not script.is_relative_to(source):
                inside = self._path(os.path.join(request.source_directory, request.entry_script), "entry_script")
                if inside.is_file():
                    return inside
        return script

    def _environment(self, request: DeployRequest) -> Optional[Environment]:
        given = [field for field in ("environment", "conda_file", "requirements_file") if getattr(request, field)]
        if len(given) > 1:
            raise EnvironmentSpecError(f"Give only one of environment, conda_file and requirements_file (got {', '.join(given)}).")
        if request.environment:
            return self.workspace.get_environment(request.environment)
        if request.conda_file:
            return Environment.from_conda_specification(f"{request.service_name}-env", str(self._path(request.conda_file, "conda_file")))
        if request.requirements_file:
            return Environment.from_pip_requirements(f"{request.service_name}-env",
                                                     str(self._path(request.requirements_file, "requirements_file")))
        return None

    def _optional_path(self, text: Optional[str], field: str) -> Optional[Path]:
        return None if text is None else self._path(text, field)

    def _path(self, text: str, field: str) -> Path:
        """A path from a request, resolved against the root folder (symlinks too) and refused if it leaves it."""
        resolved = (self.root_dir / text).resolve()
        if not resolved.is_relative_to(self.root_dir):
            raise PathOutsideRoot(
                f"{field} '{text}' is outside the Jupyter root folder {self.root_dir}; give a path inside it, relative to it."
            )
        return resolved

    # -- what the workspace knows ----------------------------------------------------------------------
    def list_scripts(self) -> list[dict]:
        """Known entry scripts under the root folder, as root-relative paths a DeployRequest can use."""
        answers = []
        for script in self.workspace.known_scripts():
            path = Path(script["path"])
            if not path.is_relative_to(self.root_dir):
                continue
            answers.append({"path": path.relative_to(self.root_dir).as_posix(), "source": script["source"],
                            "modified_time": _iso_mtime(path)})
        return answers

    def list_environments(self) -> list[dict]:
        return [{"name": entry["name"], "python_version": entry["environment"].python_version,
                 "pip_requirements": entry["environment"].pip_requirements(), "updated_time": entry["updated_time"]}
                for entry in self.workspace.environment_entries()]

    def status(self) -> dict:
        return {"version": __version__, "workspace": str(self.workspace.path), "docker": _docker_status()}


def _docker_status() -> dict:
    """Ping the engine; a cached client whose engine went away is dropped so the next call reconnects."""
    for _attempt in range(2):
        try:
            docker_client().ping()
            return {"running": True, "message": None}
        except DockerNotRunning as error:
            return {"running": False, "message": str(error)}
        except Exception:
            reset_docker_client()
    return {"running": False, "message": "The Docker engine stopped answering; check `docker info` and restart it."}


def _round(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(value, 2)
