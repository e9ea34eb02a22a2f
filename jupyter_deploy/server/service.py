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

from .._version import __version__
from ..deploy import (AksServiceDeploymentConfiguration, AksWebservice, ComputeTarget, InferenceConfig, LocalWebservice,
                      LocalWebserviceDeploymentConfiguration, Model, attach_service, list_services, validate_service_name)
from ..deploy.probe import call_endpoint
from ..environment import resolve_environment, stored_environments
from ..errors import DockerNotRunning, InvalidRequest, JupyterDeployError, PathOutsideRoot, ServiceExists, ServiceNotFound
from ..image import docker_client, reset_docker_client
from ..monitor import MetricsHistory
from ..registry import Workspace, parse_model_id, resolve_model
from ..shapes import (DockerStatusShape, EnvironmentShape, LogsShape, ModelGroupShape, MonitorSampleShape, MonitorShape,
                      ReloadShape, ScriptShape, StatusShape)
from .deployments import DeploymentJobs
from .requests import DeployRequest, EndpointTestRequest


def _iso_mtime(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")


def _model_group(name: str, versions: list[Model]) -> dict:
    return ModelGroupShape(name=name, latest_version=versions[0].version, versions=[m.shape() for m in versions]).dump()


class DeployService:
    """The one object behind the REST API: models, services, deployments, scripts, environments, status."""

    def __init__(self, workspace: Workspace, root_dir: Union[str, os.PathLike], *, deploy_timeout_s: float = 600,
                 log: Optional[logging.Logger] = None):
        self.workspace = workspace
        self.root_dir = Path(root_dir).expanduser().resolve()
        self.log = log or logging.getLogger(__name__)
        self.histories: dict[str, MetricsHistory] = {}  # per service: successive polls of /monitor build its series
        self.deployments = DeploymentJobs(self._describe_service, timeout_s=deploy_timeout_s, log=self.log)

    # -- models ----------------------------------------------------------------------------------------
    def list_models(self) -> list[dict]:
        groups: dict[str, list[Model]] = {}
        for model in Model.list(self.workspace):  # sorted by name, newest version first
            groups.setdefault(model.name, []).append(model)
        return [_model_group(name, versions) for name, versions in sorted(groups.items())]

    def get_model(self, name: str) -> dict:
        versions = Model.list(self.workspace, name=name)
        if not versions:
            Model(self.workspace, name)  # raises ModelNotFound (or InvalidModelName) with the core's sentence
        return _model_group(name, versions)

    def get_model_version(self, name: str, version: str) -> dict:
        return self._model(name, version).serialize()

    def delete_model(self, name: str, version: str) -> None:
        self._model(name, version).delete()

    def _model(self, name: str, version: str) -> Model:
        model_name, number = parse_model_id(f"{name}:{version}")
        return Model(self.workspace, model_name, version=number)

    # -- services --------------------------------------------------------------------------------------
    def list_services(self) -> list[dict]:
        answers = []
        for service in list_services(self.workspace):
            try:
                answers.append(service.shape().dump())
            except ServiceNotFound:  # deleted (by a notebook, the CLI) while we were listing
                continue
        return answers

    def get_service(self, name: str) -> dict:
        return attach_service(self.workspace, name).shape().dump()

    def delete_service(self, name: str) -> None:
        service = attach_service(self.workspace, name)
        self.deployments.refuse_if_running(name)
        service.delete()

    def service_logs(self, name: str, lines: int = 200) -> dict:
        return LogsShape(name=name, logs=attach_service(self.workspace, name).get_logs(num_lines=lines)).dump()

    def reload_service(self, name: str) -> dict:
        seconds = attach_service(self.workspace, name).reload()
        return ReloadShape(name=name, seconds=round(seconds, 3)).dump()

    def test_service(self, name: str, request: EndpointTestRequest) -> dict:
        return call_endpoint(attach_service(self.workspace, name), request.body, repeat=request.repeat).shape().dump()

    def service_keys(self, name: str) -> dict:
        primary, secondary = attach_service(self.workspace, name).get_keys()
        return {"primaryKey": primary, "secondaryKey": secondary}

    def regen_service_key(self, name: str, key_type: str) -> dict:
        attach_service(self.workspace, name).regen_key(key_type)
        return self.service_keys(name)

    def service_monitor(self, name: str) -> dict:
        """Rows collected and a request-rate / latency series from the service's /metrics, one point per poll.

        A stopped or unreachable service answers an empty series (and its history restarts), never an error.
        """
        service = attach_service(self.workspace, name)
        collect = bool(getattr(service, "collect_model_data", False))
        try:
            rows = int(service.collected_row_count()) if hasattr(service, "collected_row_count") else 0
        except (JupyterDeployError, OSError, ValueError):
            rows = 0
        history = self.histories.setdefault(name, MetricsHistory(window=60))
        try:
            history.add(service.get_metrics())
        except (JupyterDeployError, OSError, ValueError, AttributeError, TypeError):
            self.histories.pop(name, None)  # stopped, unreachable or no /metrics: no series
            history = None
        samples = [] if history is None else [
            MonitorSampleShape(time=point["time"], request_rate=point["rate"], p50_ms=point["p50_ms"],
                               p99_ms=point["p99_ms"], error_rate=point["error_rate"]) for point in history.points]
        return MonitorShape(rows_collected=rows, collect_model_data=collect, samples=samples).dump()

    def list_compute_targets(self) -> list[dict]:
        return [target.serialize() for target in ComputeTarget.list(self.workspace)]

    def _describe_service(self, name: str) -> Optional[dict]:
        try:
            return self.get_service(name)
        except ServiceNotFound:
            return None

    # -- deployments -----------------------------------------------------------------------------------
    def start_deployment(self, request: DeployRequest) -> dict:
        """Check everything that can be checked without building (400/404/409/503), then deploy in the background."""
        name = validate_service_name(request.service_name)
        target, deployment_config = self._deployment_config(request)
        models = [resolve_model(self.workspace, model_id) for model_id in request.models]
        environment = resolve_environment(
            self.workspace, name, stored=request.environment,
            conda_file=self._optional_path(request.conda_file, "condaFile"),
            requirements_file=self._optional_path(request.requirements_file, "requirementsFile"))
        config = InferenceConfig(self._entry_script(request), environment=environment,
                                 source_directory=self._optional_path(request.source_directory, "sourceDirectory"))
        docker_client()
        self.deployments.refuse_if_running(name)
        if not request.overwrite:
            self._refuse_existing(name)
        job = self.deployments.start(name, lambda progress: Model.deploy(
            self.workspace, name, models, config, deployment_config, overwrite=request.overwrite, progress=progress,
            deployment_target=target))
        return job.to_json()

    def list_deployments(self) -> list[dict]:
        return [job.to_json() for job in self.deployments.all()]

    def get_deployment(self, deployment_id: str, since: int = 0) -> dict:
        return self.deployments.get(deployment_id).to_json(since=since)

    def _deployment_config(self, request: DeployRequest) -> tuple[
            Optional[ComputeTarget], Union[LocalWebserviceDeploymentConfiguration, AksServiceDeploymentConfiguration]]:
        """Local Docker, or the attached target with Azure's AKS configuration (key auth on unless turned off).

        A field that only one of the two can use is refused for the other, one sentence each, rather than ignored.
        """
        if not request.compute_target:
            if request.replicas is not None:
                raise InvalidRequest("replicas needs computeTarget (an attached swarm); a local service has one container.")
            return None, LocalWebservice.deploy_configuration(port=request.port, auth_enabled=bool(request.auth_enabled),
                                                              collect_model_data=request.collect_model_data)
        target = ComputeTarget(self.workspace, request.compute_target)
        if request.port is not None:
            raise InvalidRequest(f"port is for a Local Docker service; compute target '{target.name}' picks the service's "
                                 "address itself, so leave port out.")
        if request.collect_model_data:
            raise InvalidRequest("collectModelData captures the requests of a Local Docker service only; leave it out "
                                 f"for compute target '{target.name}'.")
        return target, AksWebservice.deploy_configuration(num_replicas=request.replicas or 1,
                                                          auth_enabled=request.auth_enabled is not False)

    def _refuse_existing(self, name: str) -> None:
        """The core's rule, checked before answering 202: a failed service may be replaced, a live one needs overwrite."""
        try:
            existing = attach_service(self.workspace, name)
        except ServiceNotFound:
            return
        if existing.state != "Failed":
            raise ServiceExists(
                f"A service named '{name}' already exists; deploy with overwrite to replace it, or pick another name."
            )

    def _entry_script(self, request: DeployRequest) -> Path:
        """Relative to the root folder; with a source folder, a path relative to that folder (Azure's habit) works too."""
        script = self._path(request.entry_script, "entryScript")
        if request.source_directory is not None:
            source = self._path(request.source_directory, "sourceDirectory")
            if not script.is_relative_to(source):
                inside = self._path(os.path.join(request.source_directory, request.entry_script), "entryScript")
                if inside.is_file():
                    return inside
        return script

    def _optional_path(self, text: Optional[str], field: str) -> Optional[Path]:
        return None if text is None else self._path(text, field)

    def _path(self, text: str, field: str) -> Path:
        """A path from a request, resolved against the root folder (symlinks too) and refused if it leaves it."""
        if "\x00" in text:
            raise InvalidRequest(f"{field} contains a NUL byte; give a plain path relative to the Jupyter root folder.")
        try:
            resolved = (self.root_dir / text).resolve()
            resolved.exists()  # a name too long for the file system fails here, as one sentence
        except (OSError, RuntimeError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            raise InvalidRequest(f"{field} cannot be used as a path ({reason}); give a shorter, plain path.") from None
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
            answers.append(ScriptShape(path=path.relative_to(self.root_dir).as_posix(), source=script["source"],
                                       modified_time=_iso_mtime(path)).dump())
        return answers

    def list_environments(self) -> list[dict]:
        return [EnvironmentShape(name=entry["name"], python_version=entry["environment"].python_version,
                                 pip_requirements=entry["environment"].pip_requirements(),
                                 updated_time=entry["updated_time"]).dump()
                for entry in stored_environments(self.workspace)]

    def status(self) -> dict:
        return StatusShape(version=__version__, workspace=str(self.workspace.path), docker=_docker_status()).dump()


def _docker_status() -> DockerStatusShape:
    """Ping the engine; a cached client whose engine went away is dropped so the next call reconnects."""
    for _attempt in range(2):
        try:
            docker_client().ping()
            return DockerStatusShape(running=True)
        except DockerNotRunning as error:
            return DockerStatusShape(running=False, message=str(error))
        except Exception:
            reset_docker_client()
    return DockerStatusShape(running=False,
                             message="The Docker engine stopped answering; check `docker info` and restart it.")
