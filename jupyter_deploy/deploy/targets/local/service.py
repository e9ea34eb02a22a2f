"""LocalWebservice: a deployed model running in a local Docker container, with Azure SDK v1 names."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone
from typing import Any

import requests

from ....display.cards import service_html, service_text
from ....environment import save_environment
from ....errors import DeploymentFailed, PortInUse, ServiceNotFound, WebserviceError
from ....image import docker_client
from ....registry import Model, Workspace, resolve_model
from ....shapes import ServiceShape, WorkersShape
from ...inference_config import InferenceConfig
from ...prepare import build_image, check_deployment
from ...progress import Progress, reporter
from ...records import delete_record, load_record, save_record, saved_log_path, service_names
from .config import LocalWebserviceDeploymentConfiguration
from ....runtime.settings import EXIT_LOAD_FAILED, EXIT_PORT_IN_USE
from ...keys import auth_headers, generate_keys, key_pair, regenerated
from .container import (copy_app_into, copy_keys_into, create_container, exit_reason, get_container, keep_running,
                        port_is_free, published_port, remove_container, stop_container)
from .network import choose_network
from .monitoring import ServiceMonitoring, container_monitoring, monitoring_record

STARTUP_GRACE_SECONDS = 60.0
RESTART_GRACE_SECONDS = 10.0  # an exited container younger than this may be mid-`docker restart`


class LocalWebservice(ServiceMonitoring):
    """A deployed service. `LocalWebservice(ws, name)` re-attaches to one deployed earlier (e.g. after a kernel restart)."""

    def __init__(self, workspace: Workspace, name: str):
        self.workspace = workspace
        self.name = name
        self._record = load_record(workspace, name)
        if self._record is None:
            raise ServiceNotFound(
                f"No service named '{name}' in {workspace.path}; `jupyter-deploy service list` shows the deployed ones."
            )

    @staticmethod
    def deploy_configuration(port: int | None = None, memory_gb: float | None = None, workers: int | None = None,
                             collect_model_data: bool = False, enable_app_insights: bool = False,
                             auth_enabled: bool = False, **_azure_only) -> LocalWebserviceDeploymentConfiguration:
        return LocalWebserviceDeploymentConfiguration(port=port, memory_gb=memory_gb, workers=workers,
                                                      collect_model_data=collect_model_data,
                                                      enable_app_insights=enable_app_insights,
                                                      auth_enabled=auth_enabled)

    # -- keys (only with auth_enabled=True) ------------------------------------------------------------
    def get_keys(self) -> tuple[str, str]:
        return key_pair(self._record.get("keys"), self.name)

    def regen_key(self, key: str) -> None:
        keys = regenerated(self._record.get("keys"), key, self.name)
        copy_keys_into(self._running_container(), keys)
        self._record["keys"] = keys
        save_record(self.workspace, self._record)

    def auth_headers(self) -> dict:
        return auth_headers(self._record.get("keys"))

    @classmethod
    def list(cls, workspace: Workspace) -> list["LocalWebservice"]:
        services = []
        for name in service_names(workspace):
            try:
                services.append(cls(workspace, name))
            except ServiceNotFound:  # deleted (by a notebook, the CLI) while we were listing
                continue
        return services

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
        self._last_ready = None
        container = self._container()
        if container is None:
            if not self._record.get("failure"):
                self._mark_failed("the service's container no longer exists; redeploy it.", logs="")
            return "Failed"
        status = container.status
        if status in ("created", "restarting"):
            return "Transitioning"
        if status != "running":
            # Only a script that cannot load is final (its container is removed: nothing half-done stays). Any
            # other exit may be the engine restarting it (`docker restart`, a crash under the restart policy):
            # the container is kept, and only delete() or a replacing deploy removes it.
            exit_code = container.attrs.get("State", {}).get("ExitCode")
            final = exit_code in (EXIT_LOAD_FAILED, EXIT_PORT_IN_USE)  # starting again cannot help
            if final or self._record.get("failure"):
                self._capture_failure(container, remove=final)
                return "Failed"
            if _seconds_since(container.attrs.get("State", {}).get("FinishedAt", "")) < RESTART_GRACE_SECONDS:
                return "Transitioning"
            self._capture_failure(container, remove=False)
            return "Failed"
        self._follow_port(container)
        ready = self._probe_ready()
        self._last_ready = ready
        if ready is not None:
            if ready.get("status") == "ready":
                self._now_serving(container)
                return "Healthy"
            return "Transitioning"
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
        saved = saved_log_path(self.workspace, self.name)
        if saved.exists():
            return "\n".join(saved.read_text(encoding="utf-8", errors="replace").splitlines()[-num_lines:]) + "\n"
        return ""

    # -- talking to it ---------------------------------------------------------------------------------
    def run(self, input_data: Any) -> Any:
        """POST `input_data` (a JSON string, or anything JSON-serialisable) to the scoring URI; returns the decoded answer."""
        body = input_data if isinstance(input_data, (str, bytes)) else json.dumps(input_data)
        try:
            response = requests.post(self.scoring_uri, data=body, headers={"Content-Type": "application/json", **self.auth_headers()},
                                     timeout=600)
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
        copy_app_into(container, config)
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
               show_output: bool = False, progress: Progress | None = None, collect_model_data: bool | None = None,
               enable_app_insights: bool | None = None, **_azure_only) -> None:
        """Redeploy under the same name and port with new models and/or a new config (rebuilds only if the environment changed).

        `collect_model_data` / `enable_app_insights` alone switch a running service, without a rebuild or restart.
        """
        if collect_model_data is not None or enable_app_insights is not None:
            self._apply_switches(collect_model_data, enable_app_insights)
            if models is None and inference_config is None:
                return
        new_models = models if models is not None else self._record["models"]
        new_config = inference_config or self.inference_config
        deploy_local(self.workspace, self.name, new_models, new_config,
                     LocalWebserviceDeploymentConfiguration(self.port, memory_gb=self._record.get("memory_gb"),
                                                            workers=self._record.get("workers"),
                                                            collect_model_data=self.collect_model_data,
                                                            enable_app_insights=self.enable_app_insights,
                                                            auth_enabled=bool(self._record.get("keys"))),
                     overwrite=True,
                     show_output=show_output, progress=progress)
        self._refresh_record()

    def delete(self) -> None:
        """Stop the container (letting it write its captured rows), remove it (by id) and forget the service.

        The captured data stays; `delete_collected_data()` removes it.
        """
        _remove_service(self.workspace, self._record)

    def serialize(self) -> dict:
        """The service's JSON (`shapes.ServiceShape`), its state probed live before the failure reason is read."""
        return self.shape().dump()

    def shape(self) -> ServiceShape:
        state = self.state
        return ServiceShape(
            name=self.name, state=state, compute_type="Local", scoring_uri=self.scoring_uri,
            swagger_uri=self.swagger_uri, port=self.port, image_id=self.image, models=list(self._record["models"]),
            entry_script=self._record["inference_config"]["entryScript"], created_time=self.created_time,
            error=self._record.get("failure"), container_id=self.container_id,
            workers=_workers_shape(getattr(self, "_last_ready", None)), auth_enabled=bool(self._record.get("keys")))

    def __repr__(self) -> str:
        return f"LocalWebservice(name={self.name!r}, scoring_uri={self.scoring_uri!r}, image={self.image!r})"

    def __str__(self) -> str:
        return service_text(self.serialize())

    def _repr_html_(self) -> str:
        return service_html(self.serialize())

    # -- internals -------------------------------------------------------------------------------------
    def _refresh_record(self) -> None:
        record = load_record(self.workspace, self.name)
        if record is None:
            raise ServiceNotFound(f"Service '{self.name}' has been deleted.")
        self._record = record

    def _container(self):
        return get_container(self._record.get("container_id"))

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

    def _capture_failure(self, container, remove: bool = True) -> None:
        """The container stopped: keep its log and a readable reason; remove it only when its script cannot load."""
        logs = container.logs().decode("utf-8", "replace")
        container.reload()
        exit_code = container.attrs.get("State", {}).get("ExitCode")
        tail = "\n".join(logs.strip().splitlines()[-12:])
        reason = f"Service '{self.name}' failed: {exit_reason(exit_code)}. Last lines of its log:\n{tail}"
        if self._record.get("failure") == reason and not remove:
            return
        self._mark_failed(reason, logs=logs, forget_container=remove)
        if remove:
            remove_container(container.id)  # its own network goes with it

    def _mark_failed(self, reason: str, logs: str, forget_container: bool = True) -> None:
        if logs:
            saved_log_path(self.workspace, self.name).write_text(logs, encoding="utf-8")
        self._record["failure"] = reason
        if forget_container:
            self._record["container_id"] = None
        save_record(self.workspace, self._record)

    def _follow_port(self, container) -> None:
        """The record never keeps a stale port: whatever the engine publishes now is written back."""
        port = published_port(container)
        if port is not None and port != self._record.get("port"):
            self._record["port"] = port
            save_record(self.workspace, self._record)

    def _now_serving(self, container) -> None:
        """Healthy (again): clear a failure seen while it restarted, and let the engine restart it from now on."""
        changed = False
        if self._record.get("failure"):
            self._record["failure"] = None
            changed = True
        if not self._record.get("serving_policy"):
            try:
                keep_running(container)
                self._record["serving_policy"] = True
                changed = True
            except Exception:  # the engine refused the update: the starting policy still restarts crashes
                pass
        if changed:
            save_record(self.workspace, self._record)


# -- deployment ------------------------------------------------------------------------------------------
def deploy_local(workspace: Workspace, name: str, models: list[Model | str], inference_config: InferenceConfig,
                 deployment_config: LocalWebserviceDeploymentConfiguration | None = None, *, overwrite: bool = False,
                 show_output: bool = False, progress: Progress | None = None) -> LocalWebservice:
    """Validate everything cheap first, build (or reuse) the image, then start one container."""
    deployment_config = deployment_config or LocalWebserviceDeploymentConfiguration()
    report = reporter(show_output, progress)
    report("validating", f"Checking the deployment of '{name}'")
    checked = check_deployment(workspace, name, models, inference_config, overwrite=overwrite)
    existing = checked.existing
    config = checked.inference_config
    client = docker_client()
    network = choose_network(client)  # before any build: a wrong JUPYTER_DEPLOY_NETWORK is one sentence
    port = deployment_config.port
    if port is not None and not (existing and existing.get("port") == port) and not port_is_free(port):
        raise PortInUse(
            f"Port {port} on 127.0.0.1 is already in use; choose another port or leave it unset to get a free one."
        )
    image = build_image(checked, report)
    if existing is not None:
        _remove_service(workspace, existing)
    switches = monitoring_record(deployment_config)
    keys = None
    if deployment_config.auth_enabled:
        keys = (existing or {}).get("keys") or generate_keys()
    container = create_container(client, workspace, name, checked.models, config, image.tag, port,
                                 container_monitoring(workspace, name, checked.models, switches),
                                 memory_gb=deployment_config.memory_gb, workers=deployment_config.workers,
                                 auth=bool(keys), network=network)
    try:
        copy_app_into(container, config)
        if keys:
            copy_keys_into(container, keys)
        report("container", f"Starting container {container.short_id}")
        container.start()
        container.reload()
        host_port = published_port(container)
    except BaseException as error:
        remove_container(container.id)
        if "port is already allocated" in str(error) or "address already in use" in str(error):
            raise PortInUse(f"Port {port} on 127.0.0.1 is already in use; choose another port or leave it unset.") from None
        raise
    record = {
        "name": name, "container_id": container.id, "port": host_port, "image": image.tag,
        "models": [m.id for m in checked.models], "inference_config": config.to_dict(),
        "created_time": datetime.now(timezone.utc).isoformat(timespec="seconds"), "failure": None,
        "memory_gb": deployment_config.memory_gb, "workers": deployment_config.workers,
        "monitoring": switches, "keys": keys,
    }
    save_record(workspace, record)
    workspace.record_script(config.entry_script_path, source="service")
    save_environment(workspace, config.environment)
    report("init", f"Container running; waiting for init() at http://127.0.0.1:{host_port}/")
    return LocalWebservice(workspace, name)


def _remove_service(workspace: Workspace, record: dict) -> None:
    if (record.get("monitoring") or {}).get("collectModelData"):
        stop_container(record.get("container_id"))  # SIGTERM first: the runtime writes its queued rows
    remove_container(record.get("container_id"))
    delete_record(workspace, record["name"])


def _workers_shape(ready: dict | None) -> WorkersShape | None:
    """The `workers` of a /ready answer (read by `state` just before), or None when it is absent or malformed."""
    workers = (ready or {}).get("workers") if isinstance(ready, dict) else None
    if not isinstance(workers, dict):
        return None
    try:
        return WorkersShape.model_validate(workers)
    except ValueError:
        return None


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
