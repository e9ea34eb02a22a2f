"""LocalWebservice: a deployed model running in a local Docker container, with Azure SDK v1 names.

The image holds only the environment (built once per dependency set); models are bind-mounted read-only
from their immutable version folders and the app source is copied into the container before it starts.
That is why a model-only change redeploys in seconds and `reload()` needs no rebuild at all.
"""

from __future__ import annotations

import io
import json
import re
import socket
import sys
import tarfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import requests

from .errors import (DeploymentFailed, EntryScriptError, JupyterDeployError, PortInUse, ServiceExists,
                     ServiceNotFound, WebserviceError)
from .inference_config import InferenceConfig
from .model import Model, resolve_model
from .workspace import Workspace

APP_ROOT = "/var/azureml-app"
MODELS_ROOT = "azureml-models"
CONTAINER_PORT = 5001
CONTAINER_UID = 1000
STARTUP_GRACE_SECONDS = 60.0
EXIT_LOAD_FAILED = 3  # the runtime's exit code when the script's import or init() fails (Azure's, too)
SERVICE_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")

Progress = Callable[[str, str], None]
"""Front ends receive (phase, message): phases are 'image', 'build', 'container', 'init', 'ready'."""


class LocalWebserviceDeploymentConfiguration:
    """Where and how the service runs: only the host port (None: Docker picks a free one)."""

    def __init__(self, port: int | None = None):
        if port is not None and not (isinstance(port, int) and 0 < port < 65536):
            raise PortInUse(f"Port {port!r} is not a valid TCP port; use a number from 1 to 65535 or leave it unset.")
        self.port = port

    def to_dict(self) -> dict:
        return {"computeType": "LOCAL", "port": self.port}


def validate_service_name(name: str) -> str:
    if not isinstance(name, str) or not SERVICE_NAME_PATTERN.match(name):
        raise JupyterDeployError(
            f"Invalid service name {name!r}: use 3 to 32 lowercase letters, digits or '-', starting with a letter "
            "and not ending with '-'."
        )
    return name


class LocalWebservice:
    """A deployed service. `LocalWebservice(ws, name)` re-attaches to one deployed earlier (e.g. after a kernel restart)."""

    def __init__(self, workspace: Workspace, name: str):
        self.workspace = workspace
        self.name = name
        self._record = _load_record(workspace, name)
        if self._record is None:
            raise ServiceNotFound(
                f"No service named '{name}' in {workspace.path}; `jupyter-deploy service list` shows the deployed ones."
            )

    @staticmethod
    def deploy_configuration(port: int | None = None, **_azure_only) -> LocalWebserviceDeploymentConfiguration:
        return LocalWebserviceDeploymentConfiguration(port=port)

    @staticmethod
    def list(workspace: Workspace) -> list["LocalWebservice"]:
        with workspace.catalogue() as db:
            names = [row[0] for row in db.execute("SELECT name FROM services ORDER BY name")]
        return [LocalWebservice(workspace, name) for name in names]

    # -- what the record says --------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._record["port"]

    @property
    def scoring_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}/score"

    @property
    def swagger_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}/swagger.json"

    @property
    def image(self) -> str:
        return self._record["image"]

    @property
    def models(self) -> list[Model]:
        return [resolve_model(self.workspace, model_id) for model_id in self._record["models"]]

    @property
    def inference_config(self) -> InferenceConfig:
        return InferenceConfig.from_dict(self._record["inference_config"])

    @property
    def created_time(self) -> str:
        return self._record["created_time"]

    @property
    def container_id(self) -> str | None:
        return self._record.get("container_id")

    # -- live state ------------------------------------------------------------------------------------
    @property
    def state(self) -> str:
        """Transitioning (starting or running init()), Healthy, Unhealthy (running, not answering) or Failed."""
        self._refresh_record()
        if self._record.get("failure"):
            return "Failed"
        container = self._container()
        if container is None:
            self._mark_failed("the service's container no longer exists; redeploy it.", logs="")
            return "Failed"
        status = container.status
        if status in ("created", "restarting"):
            return "Transitioning"
        if status != "running":
            self._capture_failure(container)
            return "Failed"
        ready = self._probe_ready()
        if ready is not None:
            return "Healthy" if ready.get("status") == "ready" else "Transitioning"
        started = container.attrs.get("State", {}).get("StartedAt", "")
        if _seconds_since(started) < STARTUP_GRACE_SECONDS:
            return "Transitioning"
        return "Unhealthy"

    def wait_for_deployment(self, show_output: bool = False, timeout_sec: float = 600) -> None:
        """Block until Healthy; raise `DeploymentFailed` with the end of the log when the service dies."""
        deadline = time.monotonic() + timeout_sec
        printed = 0
        while True:
            state = self.state
            if show_output:
                logs = self.get_logs()
                if len(logs) > printed:
                    sys.stdout.write(logs[printed:])
                    sys.stdout.flush()
                    printed = len(logs)
            if state == "Healthy":
                if show_output:
                    print(f"Local webservice is running at {self.scoring_uri}")
                return
            if state == "Failed":
                raise DeploymentFailed(self._record["failure"])
            if time.monotonic() > deadline:
                raise DeploymentFailed(
                    f"Service '{self.name}' was not Healthy after {timeout_sec:.0f} s (state {state}); "
                    f"read `jupyter-deploy service logs -n {self.name}` to see what init() is doing."
                )
            time.sleep(0.1)

    def get_logs(self, num_lines: int = 5000) -> str:
        container = self._container()
        if container is not None:
            return container.logs(tail=num_lines).decode("utf-8", "replace")
        saved = self._saved_log_path()
        if saved.exists():
            return "\n".join(saved.read_text(encoding="utf-8", errors="replace").splitlines()[-num_lines:]) + "\n"
        return ""

    # -- talking to it ---------------------------------------------------------------------------------
    def run(self, input_data: Any) -> Any:
        """POST `input_data` (a JSON string, or anything JSON-serialisable) to the scoring URI; returns the decoded answer."""
        body = input_data if isinstance(input_data, (str, bytes)) else json.dumps(input_data)
        try:
            response = requests.post(self.scoring_uri, data=body, headers={"Content-Type": "application/json"}, timeout=600)
        except requests.ConnectionError:
            raise WebserviceError(
                f"Service '{self.name}' is not answering at {self.scoring_uri} (state {self.state}); "
                f"check `jupyter-deploy service logs -n {self.name}`."
            ) from None
        if response.status_code != 200:
            raise WebserviceError(f"Service '{self.name}' answered HTTP {response.status_code}: {_error_message(response)}")
        try:
            return response.json()
        except ValueError:
            return response.text

    def reload(self, timeout_sec: float = 120) -> float:
        """Serve the edited entry script (and source folder) without rebuilding: copy it in, signal, wait.

        Returns the seconds it took until the new code was serving. If the new script fails to import or
        init(), the old one keeps serving and the error is raised here.
        """
        started = time.perf_counter()
        config = self.inference_config
        config.validate()
        container = self._running_container()
        before = self._probe_ready()
        if before is None or before.get("status") != "ready":
            raise WebserviceError(f"Service '{self.name}' is not ready yet, so it cannot reload; wait for it to be Healthy.")
        container.put_archive(APP_ROOT, _app_archive(config))
        container.kill(signal="SIGHUP")
        deadline = time.monotonic() + timeout_sec
        while time.monotonic() < deadline:
            after = self._probe_ready()
            if after is not None and after.get("reloads", 0) > before.get("reloads", 0):
                if after.get("last_reload_error"):
                    raise DeploymentFailed(
                        f"Reloading '{self.name}' failed, so it keeps serving the previous script:\n{after['last_reload_error']}"
                    )
                return time.perf_counter() - started
            time.sleep(0.01)
        raise WebserviceError(f"Service '{self.name}' did not finish reloading within {timeout_sec:.0f} s; check its logs.")

    def update(self, models: list[Model | str] | None = None, inference_config: InferenceConfig | None = None,
               show_output: bool = False, progress: Progress | None = None, **_azure_only) -> None:
        """Redeploy under the same name and port with new models and/or a new config (rebuilds only if the environment changed)."""
        new_models = models if models is not None else self._record["models"]
        new_config = inference_config or self.inference_config
        deploy_local(self.workspace, self.name, new_models, new_config,
                     LocalWebserviceDeploymentConfiguration(self.port), overwrite=True,
                     show_output=show_output, progress=progress)
        self._refresh_record()

    def delete(self) -> None:
        """Stop and remove the container (by id) and forget the service."""
        _remove_service(self.workspace, self._record)

    def serialize(self) -> dict:
        return {
            "name": self.name, "state": self.state, "scoringUri": self.scoring_uri, "swaggerUri": self.swagger_uri,
            "scoring_uri": self.scoring_uri, "port": self.port, "image": self.image, "models": self._record["models"],
            "entryScript": self._record["inference_config"]["entryScript"], "containerId": self.container_id,
            "createdTime": self.created_time, "error": self._record.get("failure"),
        }

    def __repr__(self) -> str:
        return f"LocalWebservice(name={self.name!r}, scoring_uri={self.scoring_uri!r}, image={self.image!r})"

    def _repr_html_(self) -> str:
        from .reprs import service_html
        return service_html(self)

    # -- internals -------------------------------------------------------------------------------------
    def _refresh_record(self) -> None:
        record = _load_record(self.workspace, self.name)
        if record is None:
            raise ServiceNotFound(f"Service '{self.name}' has been deleted.")
        self._record = record

    def _container(self):
        from .engine import docker_client
        import docker.errors

        container_id = self._record.get("container_id")
        if not container_id:
            return None
        try:
            return docker_client().containers.get(container_id)
        except docker.errors.NotFound:
            return None

    def _running_container(self):
        container = self._container()
        if container is None or container.status != "running":
            raise WebserviceError(f"Service '{self.name}' is not running (state {self.state}); redeploy it.")
        return container

    def _probe_ready(self) -> dict | None:
        try:
            response = requests.get(f"http://127.0.0.1:{self.port}/ready", timeout=2)
        except requests.RequestException:
            return None
        try:
            return response.json()
        except ValueError:
            return None

    def _capture_failure(self, container) -> None:
        """The container stopped: keep its log and a readable reason, then remove it (nothing half-done stays)."""
        logs = container.logs().decode("utf-8", "replace")
        container.reload()
        exit_code = container.attrs.get("State", {}).get("ExitCode")
        tail = "\n".join(logs.strip().splitlines()[-12:])
        if exit_code == EXIT_LOAD_FAILED:
            what = "importing the entry script or running its init() raised an error"
        elif exit_code == 137:
            what = "its container was killed (out of memory, or stopped from outside)"
        else:
            what = f"its container exited with code {exit_code}"
        reason = f"Service '{self.name}' failed: {what}. Last lines of its log:\n{tail}"
        self._mark_failed(reason, logs=logs)
        try:
            container.remove(force=True)
        except Exception:
            pass

    def _mark_failed(self, reason: str, logs: str) -> None:
        if logs:
            self._saved_log_path().write_text(logs, encoding="utf-8")
        self._record["failure"] = reason
        self._record["container_id"] = None
        _save_record(self.workspace, self._record)

    def _saved_log_path(self) -> Path:
        return self.workspace.services_dir / f"{self.name}.log"


# -- deployment ------------------------------------------------------------------------------------------
def deploy_local(workspace: Workspace, name: str, models: list[Model | str], inference_config: InferenceConfig,
                 deployment_config: LocalWebserviceDeploymentConfiguration | None = None, *, overwrite: bool = False,
                 show_output: bool = False, progress: Progress | None = None) -> LocalWebservice:
    """Validate everything cheap first, build (or reuse) the image, then start one container."""
    from .engine import docker_client
    from .image import ensure_environment_image

    validate_service_name(name)
    deployment_config = deployment_config or LocalWebserviceDeploymentConfiguration()
    if not isinstance(inference_config, InferenceConfig):
        raise EntryScriptError("inference_config must be an InferenceConfig(entry_script=…, environment=…).")
    resolved = [resolve_model(workspace, model) for model in (models or [])]
    inference_config.validate()
    report = _reporter(show_output, progress)
    existing = _load_record(workspace, name)
    if existing is not None and not overwrite and not existing.get("failure"):
        raise ServiceExists(
            f"A service named '{name}' already exists; pass overwrite=True (CLI: --overwrite) to replace it, or pick another name."
        )
    client = docker_client()
    port = deployment_config.port
    if port is not None and not (existing and existing.get("port") == port) and not _port_is_free(port):
        raise PortInUse(
            f"Port {port} on 127.0.0.1 is already in use; choose another port or leave it unset to get a free one."
        )
    report("image", "Preparing the environment image")
    image = ensure_environment_image(client, inference_config.environment, on_log=lambda line: report("build", line))
    if image.built:
        report("image", f"Built image {image.tag}")
    if existing is not None:
        _remove_service(workspace, existing)
    container = _create_container(client, workspace, name, resolved, inference_config, image.tag, port)
    try:
        container.put_archive(APP_ROOT, _app_archive(inference_config))
        report("container", f"Starting container {container.short_id}")
        container.start()
        container.reload()
        host_port = int(container.attrs["NetworkSettings"]["Ports"][f"{CONTAINER_PORT}/tcp"][0]["HostPort"])
    except BaseException as error:
        try:
            container.remove(force=True)
        except Exception:
            pass
        if "port is already allocated" in str(error) or "address already in use" in str(error):
            raise PortInUse(f"Port {port} on 127.0.0.1 is already in use; choose another port or leave it unset.") from None
        raise
    record = {
        "name": name, "container_id": container.id, "port": host_port, "image": image.tag,
        "models": [m.id for m in resolved], "inference_config": inference_config.to_dict(),
        "created_time": datetime.now(timezone.utc).isoformat(timespec="seconds"), "failure": None,
    }
    _save_record(workspace, record)
    workspace.record_script(inference_config.entry_script_path, source="service")
    workspace.save_environment(inference_config.environment)
    report("init", f"Container running; waiting for init() at http://127.0.0.1:{host_port}/")
    return LocalWebservice(workspace, name)


def _create_container(client, workspace: Workspace, name: str, models: list[Model], config: InferenceConfig,
                      image_tag: str, port: int | None):
    environment = {
        "AML_APP_ROOT": APP_ROOT,
        "AZUREML_ENTRY_SCRIPT": config.entry_script,
        "AZUREML_MODEL_DIR": model_dir_variable(models),
        "SERVICE_NAME": name,
        **{str(k): str(v) for k, v in (config.environment.environment_variables or {}).items()},
    }
    volumes = {
        str(model.path): {"bind": f"{APP_ROOT}/{MODELS_ROOT}/{model.name}/{model.version}", "mode": "ro"}
        for model in models
    }
    container_name = f"jupyter-deploy-{name}-{workspace.id}"
    _remove_stale_container(client, container_name)
    return client.containers.create(
        image_tag, name=container_name, environment=environment, volumes=volumes,
        ports={f"{CONTAINER_PORT}/tcp": ("127.0.0.1", port)},
        labels={"jupyter-deploy.service": name, "jupyter-deploy.workspace": str(workspace.path)},
        detach=True,
    )


def model_dir_variable(models: list[Model]) -> str:
    """One model: its version folder; several: the models root — relative to the app root, as Azure's LocalWebservice set it."""
    if len(models) == 1:
        return f"{MODELS_ROOT}/{models[0].name}/{models[0].version}"
    return MODELS_ROOT


def _remove_stale_container(client, container_name: str) -> None:
    """A container of ours under this name with no service record (e.g. the kernel died mid-deploy)."""
    import docker.errors

    try:
        stale = client.containers.get(container_name)
    except docker.errors.NotFound:
        return
    if "jupyter-deploy.service" in (stale.labels or {}):
        stale.remove(force=True)


def _app_archive(config: InferenceConfig) -> bytes:
    """The app source as a tar owned by the container's user, so scripts may write next to themselves."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for path, arcname in config.app_files():
            info = archive.gettarinfo(str(path), arcname=arcname)
            info.uid = info.gid = CONTAINER_UID
            info.uname = info.gname = ""
            info.mode = info.mode | 0o644
            with open(path, "rb") as handle:
                archive.addfile(info, handle)
    return buffer.getvalue()


def _remove_service(workspace: Workspace, record: dict) -> None:
    from .engine import docker_client
    import docker.errors

    if record.get("container_id"):
        try:
            docker_client().containers.get(record["container_id"]).remove(force=True)
        except docker.errors.NotFound:
            pass
    with workspace.catalogue(write=True) as db:
        db.execute("DELETE FROM service_models WHERE service=?", (record["name"],))
        db.execute("DELETE FROM services WHERE name=?", (record["name"],))
    (workspace.services_dir / f"{record['name']}.log").unlink(missing_ok=True)


def _load_record(workspace: Workspace, name: str) -> dict | None:
    with workspace.catalogue() as db:
        row = db.execute("SELECT record FROM services WHERE name=?", (name,)).fetchone()
    return json.loads(row[0]) if row else None


def _save_record(workspace: Workspace, record: dict) -> None:
    """The record and which model versions it pins (so a model in use cannot be deleted)."""
    with workspace.catalogue(write=True) as db:
        db.execute("INSERT OR REPLACE INTO services (name, record) VALUES (?, ?)", (record["name"], json.dumps(record)))
        db.execute("DELETE FROM service_models WHERE service=?", (record["name"],))
        if not record.get("failure"):
            for model_id in record["models"]:
                model_name, _, version = model_id.partition(":")
                db.execute("INSERT INTO service_models (service, model_name, model_version) VALUES (?, ?, ?)",
                           (record["name"], model_name, int(version)))


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _reporter(show_output: bool, progress: Progress | None) -> Progress:
    def report(phase: str, message: str) -> None:
        if progress is not None:
            progress(phase, message)
        if show_output:
            print(message.rstrip("\n"), flush=True)
    return report


def _error_message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:500]
    if isinstance(body, dict) and "message" in body:
        return str(body["message"])
    return json.dumps(body)[:500]


def _seconds_since(docker_time: str) -> float:
    if not docker_time or docker_time.startswith("0001"):
        return 0.0
    stamp = datetime.fromisoformat(docker_time[:26].rstrip("Z") + "+00:00" if "." in docker_time else docker_time.replace("Z", "+00:00"))
    return (datetime.now(timezone.utc) - stamp).total_seconds()
