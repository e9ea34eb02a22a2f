"""SwarmWebservice: a service with N replicas on this engine's swarm, with the surface of `LocalWebservice`.

Deploying builds (or reuses) the environment image, adds the models and app as a thin layer, and creates the
network, the keys secret, the replicated service and its gateway; if any step fails, everything created so far
is removed by id. `update()` and `reload()` change the service's image in place: swarm starts each new replica,
waits for its health check (`/ready`) and only then stops an old one, so the gateway always has a replica.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

import requests

from ....environment import save_environment
from ....errors import DeploymentConfigError, DeploymentFailed
from ....image import docker_client
from ....registry import Model, Workspace
from ....runtime.settings import EXIT_LOAD_FAILED
from ....shapes import ServiceShape
from ..cluster_service import ClusterWebservice
from ...inference_config import InferenceConfig
from ...keys import generate_keys, regenerated
from ...prepare import build_image, build_service_image, check_deployment
from ...progress import Progress, reporter
from ...records import delete_record, save_record
from ..aks_config import AksServiceDeploymentConfiguration
from ..local.container import remove_container
from .engine import create_gateway, create_keys_secret, create_network, gateway_port, remove_objects, service_spec


class SwarmWebservice(ClusterWebservice):
    """A deployed swarm service; `SwarmWebservice(ws, name)` re-attaches to it."""

    target_type = "swarm"
    target_title = "swarm"

    port = property(lambda self: self._record["port"])

    @property
    def scoring_uri(self) -> str:
        return f"http://{self._record.get('address', '127.0.0.1')}:{self.port}/score"

    # -- keys -------------------------------------------------------------------------------------------
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

    def get_logs(self, num_lines: int = 5000) -> str:
        """The logs of every replica, each line prefixed with its task, as `docker service logs` shows them."""
        client = docker_client()
        try:
            chunks = client.api.service_logs(self._record["serviceId"], stdout=True, stderr=True, tail=num_lines,
                                             details=False)
            return b"".join(chunks).decode("utf-8", "replace")
        except Exception:
            return self._record.get("savedLogs", "")

    # -- changing it -----------------------------------------------------------------------------------
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

    def shape(self) -> ServiceShape:
        state = self.state
        return self._shape(state=state, scoring_uri=self.scoring_uri, swagger_uri=self.swagger_uri, port=self.port,
                           image_id=self._record["serviceImage"], error=self._record.get("failure"),
                           container_id=self._record.get("serviceId"))

    def _running_message(self) -> str:
        return f"Swarm service is running {self.num_replicas} replica(s) at {self.scoring_uri}"

    # -- internals -------------------------------------------------------------------------------------
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
    service_image = build_service_image(checked, image, report)
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
