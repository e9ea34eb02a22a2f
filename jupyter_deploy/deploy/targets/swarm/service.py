"""SwarmWebservice: a service with N replicas on this engine's swarm, with the surface of `LocalWebservice`.

Deploying builds (or reuses) the environment image, adds the models and app as a thin layer, and creates the
network, the keys secret, the replicated service and its gateway; if any step fails, everything created so far
is removed by id. `update()` and `reload()` change the service's image in place: swarm starts each new replica,
waits for its health check (`/ready`) and only then stops an old one, so the gateway always has a replica.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone
from typing import Any

import requests

from ....display.cards import service_html, service_text
from ....environment import save_environment
from ....errors import DeploymentConfigError, DeploymentFailed, ServiceNotFound, WebserviceError
from ....image import docker_client
from ....image.model_layer import LayerContent, ensure_service_image
from ....registry import Model, Workspace, resolve_model
from ....runtime.settings import (ENV_ENTRY_SCRIPT, ENV_MODEL_DIR, ENV_SERVICE_NAME, EXIT_LOAD_FAILED,
                                   MODELS_FOLDER)
from ....shapes import ServiceShape
from ...inference_config import InferenceConfig
from ...keys import auth_headers, generate_keys, key_pair, regenerated
from ...prepare import build_image, check_deployment
from ...progress import Progress, reporter
from ...records import delete_record, load_record, save_record
from ..aks_config import AksServiceDeploymentConfiguration
from ..local.container import remove_container
from .engine import create_gateway, create_keys_secret, create_network, gateway_port, remove_objects, service_spec


class SwarmWebservice:
    """A deployed swarm service; `SwarmWebservice(ws, name)` re-attaches to it."""

    def __init__(self, workspace: Workspace, name: str):
        self.workspace = workspace
        self.name = name
        self._record = load_record(workspace, name)
        if self._record is None or self._record.get("targetType") != "swarm":
            raise ServiceNotFound(f"No swarm service named '{name}' in {workspace.path}; `jupyter-deploy service list` shows them.")

    # -- what the record says --------------------------------------------------------------------------
    port = property(lambda self: self._record["port"])
    image = property(lambda self: self._record["image"])
    created_time = property(lambda self: self._record["created_time"])
    compute_target = property(lambda self: self._record["computeTarget"])

    @property
    def scoring_uri(self) -> str:
        return f"http://{self._record.get('address', '127.0.0.1')}:{self.port}/score"

    @property
    def swagger_uri(self) -> str:
        return f"http://{self._record.get('address', '127.0.0.1')}:{self.port}/swagger.json"

    @property
    def models(self) -> list[Model]:
        return [resolve_model(self.workspace, model_id) for model_id in self._record["models"]]

    @property
    def inference_config(self) -> InferenceConfig:
        return InferenceConfig.from_dict(self._record["inference_config"])

    @property
    def deployment_config(self) -> AksServiceDeploymentConfiguration:
        return AksServiceDeploymentConfiguration.from_dict(self._record["deployment_config"])

    @property
    def num_replicas(self) -> int:
        return self._record["deployment_config"]["numReplicas"]

    # -- keys -------------------------------------------------------------------------------------------
    def get_keys(self) -> tuple[str, str]:
        return key_pair(self._record.get("keys"), self.name)

    def regen_key(self, key: str) -> None:
        """A new Primary or Secondary key: a new swarm secret, rolled out to the replicas start-first."""
        keys = regenerated(self._record.get("keys"), key, self.name)
        client = docker_client()
        old_secret = self._record.get("secretId")
        secret = create_keys_secret(client, self.workspace, self.name, keys)
        try:
            self._roll(client, self._record["serviceImage"], secret)
        except BaseException:
            remove_objects(client, secret_ids=[secret.id])
            raise
        self._record.update(keys=keys, secretId=secret.id)
        save_record(self.workspace, self._record)
        remove_objects(client, secret_ids=[old_secret])

    def auth_headers(self) -> dict:
        return auth_headers(self._record.get("keys"))

    # -- live state ------------------------------------------------------------------------------------
    @property
    def state(self) -> str:
        self._refresh_record()
        if self._record.get("failure"):
            return "Failed"
        client = docker_client()
        tasks = self._tasks(client)
        if tasks is None:
            self._mark_failed("the swarm service no longer exists; redeploy it.")
            return "Failed"
        running = [t for t in tasks if t["DesiredState"] == "running" and t["Status"]["State"] == "running"]
        if len(running) < self.num_replicas:
            failed = [t for t in tasks if (t["Status"].get("ContainerStatus") or {}).get("ExitCode") == EXIT_LOAD_FAILED]
            if len(failed) >= 3 and not running:  # swarm gave up restarting: init() fails every time
                self._mark_failed(f"Service '{self.name}' failed: importing the entry script or running its init() "
                                  f"raised an error in every replica. Last lines of its log:\n{self._log_tail()}")
                return "Failed"
            return "Transitioning"
        ready = self._probe("/ready")
        return "Healthy" if ready is not None and ready.status_code == 200 else "Transitioning"

    def wait_for_deployment(self, show_output: bool = False, timeout_sec: float = 600) -> None:
        deadline = time.monotonic() + timeout_sec
        while True:
            state = self.state
            if state == "Healthy":
                if show_output:
                    print(f"Swarm service is running {self.num_replicas} replica(s) at {self.scoring_uri}")
                return
            if state == "Failed":
                raise DeploymentFailed(self._record["failure"])
            if time.monotonic() > deadline:
                raise DeploymentFailed(f"Service '{self.name}' was not Healthy after {timeout_sec:.0f} s (state {state}); "
                                       f"read `jupyter-deploy service logs -n {self.name}`.")
            time.sleep(0.25)

    def get_logs(self, num_lines: int = 5000) -> str:
        """The logs of every replica, each line prefixed with its task, as `docker service logs` shows them."""
        client = docker_client()
        try:
            chunks = client.api.service_logs(self._record["serviceId"], stdout=True, stderr=True, tail=num_lines,
                                             details=False)
            return b"".join(chunks).decode("utf-8", "replace")
        except Exception:
            return self._record.get("savedLogs", "")

    # -- talking to it ---------------------------------------------------------------------------------
    def run(self, input_data: Any) -> Any:
        body = input_data if isinstance(input_data, (str, bytes)) else json.dumps(input_data)
        try:
            response = requests.post(self.scoring_uri, data=body, timeout=600,
                                     headers={"Content-Type": "application/json", **self.auth_headers()})
        except requests.ConnectionError:
            raise WebserviceError(f"Service '{self.name}' is not answering at {self.scoring_uri}; "
                                  f"check `jupyter-deploy service logs -n {self.name}`.") from None
        if response.status_code != 200:
            try:
                message = response.json().get("message", response.text[:500])
            except ValueError:
                message = response.text[:500]
            raise WebserviceError(f"Service '{self.name}' answered HTTP {response.status_code}: {message}")
        try:
            return response.json()
        except ValueError:
            return response.text

    def reload(self, timeout_sec: float = 300) -> float:
        """Serve the edited entry script: a new service image (one thin layer), rolled out start-first."""
        started = time.perf_counter()
        self.update(timeout_sec=timeout_sec)
        return time.perf_counter() - started

    def update(self, models: list[Model | str] | None = None, inference_config: InferenceConfig | None = None,
               show_output: bool = False, progress: Progress | None = None, timeout_sec: float = 300, **_azure_only) -> None:
        """A rolling update to new models and/or config; if the new replicas never get healthy, swarm rolls back."""
        deploy_swarm(self.workspace, self.name, models if models is not None else self._record["models"],
                     inference_config or self.inference_config, self.deployment_config, self._record["computeTarget"],
                     self._record.get("address", "127.0.0.1"), overwrite=True, show_output=show_output,
                     progress=progress, timeout_sec=timeout_sec)
        self._refresh_record()

    def delete(self) -> None:
        """Remove the gateway, the service, its network, secret and service image (all by id), then the record."""
        client = docker_client()
        remove_objects(client, gateway_id=self._record.get("gatewayId"), service_id=self._record.get("serviceId"),
                       network_id=self._record.get("networkId"), secret_ids=[self._record.get("secretId")])
        for tag in [self._record.get("serviceImage"), *self._record.get("staleImages", [])]:
            try:  # only the thin layers of this service; the environment image stays cached for others
                client.images.remove(tag)
            except Exception:
                pass
        delete_record(self.workspace, self.name)

    def serialize(self) -> dict:
        return self.shape().dump()

    def shape(self) -> ServiceShape:
        state = self.state
        return ServiceShape(name=self.name, state=state, compute_type="AKS", scoring_uri=self.scoring_uri,
                            swagger_uri=self.swagger_uri, port=self.port, image_id=self._record["serviceImage"],
                            models=list(self._record["models"]),
                            entry_script=self._record["inference_config"]["entryScript"],
                            created_time=self.created_time, error=self._record.get("failure"),
                            container_id=self._record.get("serviceId"))

    def __repr__(self) -> str:
        return f"SwarmWebservice(name={self.name!r}, scoring_uri={self.scoring_uri!r}, replicas={self.num_replicas})"

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

    def _tasks(self, client):
        import docker.errors

        try:
            client.api.inspect_service(self._record["serviceId"])
        except docker.errors.NotFound:
            return None
        return client.api.tasks(filters={"service": self._record["serviceId"]})

    def _probe(self, path: str):
        try:
            return requests.get(f"http://127.0.0.1:{self.port}{path}", timeout=2)
        except requests.RequestException:
            return None

    def _log_tail(self) -> str:
        return "\n".join(self.get_logs(num_lines=40).strip().splitlines()[-12:])

    def _mark_failed(self, reason: str) -> None:
        """Nothing half-done stays: the swarm objects go, the record keeps the reason and the log."""
        self._record["savedLogs"] = self.get_logs()
        remove_objects(docker_client(), gateway_id=self._record.get("gatewayId"), service_id=self._record.get("serviceId"),
                       network_id=self._record.get("networkId"), secret_ids=[self._record.get("secretId")])
        self._record.update(failure=reason, serviceId=None, gatewayId=None, networkId=None, secretId=None)
        save_record(self.workspace, self._record)

    def _roll(self, client, image: str, secret, timeout_sec: float = 300) -> None:
        """Update the swarm service's image (and keys secret) and wait for the rolling update to finish."""
        spec = service_spec(self.workspace, self.name, image, self._record["networkId"], self.deployment_config, secret)
        service = client.services.get(self._record["serviceId"])
        service.update(**{k: v for k, v in spec.items() if k != "name"}, force_update=True)
        wait_for_rollout(client, self._record["serviceId"], self.name, timeout_sec)


def wait_for_rollout(client, service_id: str, name: str, timeout_sec: float) -> None:
    deadline = time.monotonic() + timeout_sec
    time.sleep(0.5)
    while time.monotonic() < deadline:
        status = (client.api.inspect_service(service_id).get("UpdateStatus") or {})
        state = status.get("State")
        if state in (None, "completed"):
            return
        if state in ("rollback_completed", "rollback_paused", "paused"):
            raise DeploymentFailed(f"Updating '{name}' failed, so swarm rolled back and the previous version keeps "
                                   f"serving: {status.get('Message', '')}; read `jupyter-deploy service logs -n {name}`.")
        time.sleep(0.3)
    raise DeploymentFailed(f"Updating '{name}' did not finish within {timeout_sec:.0f} s; read its logs.")


# -- deployment ------------------------------------------------------------------------------------------
def deploy_swarm(workspace: Workspace, name: str, models: list[Model | str], inference_config: InferenceConfig,
                 deployment_config: AksServiceDeploymentConfiguration, target_name: str, address: str = "127.0.0.1",
                 *, overwrite: bool = False, show_output: bool = False, progress: Progress | None = None,
                 timeout_sec: float = 300) -> SwarmWebservice:
    """Create the service on the swarm, or roll an existing swarm service of the same name to the new version."""
    if deployment_config.autoscale_enabled:
        raise DeploymentConfigError("Swarm does not autoscale; set num_replicas=N (autoscale_enabled=False), or deploy "
                                    "to a Kubernetes target, whose HorizontalPodAutoscaler does.")
    report = reporter(show_output, progress)
    report("validating", f"Checking the deployment of '{name}'")
    checked = check_deployment(workspace, name, models, inference_config, overwrite=overwrite)
    config = checked.inference_config
    client = docker_client()
    image = build_image(checked, report)
    layer = LayerContent(
        name=name, models=[(m.path, f"{m.name}/{m.version}") for m in checked.models], app_files=config.app_files(),
        environment={ENV_ENTRY_SCRIPT: config.entry_script, ENV_SERVICE_NAME: name,
                     ENV_MODEL_DIR: (f"{MODELS_FOLDER}/{checked.models[0].name}/{checked.models[0].version}"
                                     if len(checked.models) == 1 else MODELS_FOLDER),
                     **{str(k): str(v) for k, v in (config.environment.environment_variables or {}).items()}})
    service_image = ensure_service_image(client, image.tag, layer, on_log=lambda line: report("build", line))
    existing = checked.existing
    record = {
        "name": name, "computeType": "AKS", "targetType": "swarm", "computeTarget": target_name, "address": address,
        "image": image.tag, "serviceImage": service_image, "models": [m.id for m in checked.models],
        "inference_config": config.to_dict(), "deployment_config": deployment_config.to_dict(),
        "created_time": datetime.now(timezone.utc).isoformat(timespec="seconds"), "failure": None,
    }
    if existing is not None and existing.get("targetType") == "swarm" and existing.get("serviceId") \
            and existing.get("computeTarget") == target_name:
        report("container", f"Rolling update of '{name}' ({deployment_config.num_replicas} replica(s), start-first)")
        keys = existing.get("keys") if deployment_config.auth_enabled else None
        keys = keys or (generate_keys() if deployment_config.auth_enabled else None)
        reuse = keys is not None and keys == existing.get("keys") and existing.get("secretId")
        secret = (client.secrets.get(existing["secretId"]) if reuse
                  else create_keys_secret(client, workspace, name, keys) if keys else None)
        service = SwarmWebservice(workspace, name)
        try:
            service._record["deployment_config"] = deployment_config.to_dict()
            service._roll(client, service_image, secret, timeout_sec)
        except BaseException:
            if secret is not None and not reuse:
                remove_objects(client, secret_ids=[secret.id])
            raise
        old_secret = existing.get("secretId")
        record.update(keys=keys, secretId=secret.id if secret else None, serviceId=existing["serviceId"],
                      gatewayId=existing["gatewayId"], networkId=existing["networkId"], port=existing["port"],
                      created_time=existing["created_time"])
        save_record(workspace, record)
        if old_secret and old_secret != record["secretId"]:
            remove_objects(client, secret_ids=[old_secret])
        stale = [tag for tag in existing.get("staleImages", []) + [existing.get("serviceImage")]
                 if tag and tag != service_image]
        record["staleImages"] = []
        for tag in stale:  # earlier thin layers; one may still be held by a stopped task, then delete() retries
            try:
                client.images.remove(tag)
            except Exception:
                record["staleImages"].append(tag)
        save_record(workspace, record)
        return SwarmWebservice(workspace, name)
    if existing is not None:  # another target: remove it first, as the local target does

        _remove_existing(workspace, existing)
    keys = generate_keys() if deployment_config.auth_enabled else None
    created: dict = {}
    try:
        report("container", f"Creating swarm service '{name}' with {deployment_config.num_replicas} replica(s)")
        network = create_network(client, workspace, name)
        created["network_id"] = network.id
        secret = create_keys_secret(client, workspace, name, keys) if keys else None
        created["secret_ids"] = [secret.id] if secret else []
        service = client.services.create(**service_spec(workspace, name, service_image, network.id, deployment_config, secret))
        created["service_id"] = service.id
        gateway = create_gateway(client, workspace, name, network, None)
        created["gateway_id"] = gateway.id
        record.update(keys=keys, secretId=secret.id if secret else None, serviceId=service.id, gatewayId=gateway.id,
                      networkId=network.id, port=gateway_port(gateway))
        save_record(workspace, record)
    except BaseException:
        remove_objects(client, **created)
        raise
    workspace.record_script(config.entry_script_path, source="service")
    save_environment(workspace, config.environment)
    report("init", f"Replicas starting; waiting for init() behind http://127.0.0.1:{record['port']}/")
    return SwarmWebservice(workspace, name)


def _remove_existing(workspace: Workspace, record: dict) -> None:
    if record.get("targetType") == "swarm":
        remove_objects(docker_client(), gateway_id=record.get("gatewayId"), service_id=record.get("serviceId"),
                       network_id=record.get("networkId"), secret_ids=[record.get("secretId")])
    elif record.get("container_id"):
        remove_container(record["container_id"])
    delete_record(workspace, record["name"])
