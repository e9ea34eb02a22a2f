"""The swarm objects of one service, all labelled and named after it: overlay network, keys secret, the
replicated service (dnsrr, health-checked on /ready, start-first rolling updates) and the gateway container.

The gateway is a plain container on the attachable overlay network rather than a swarm service: swarm cannot
publish a port on 127.0.0.1 only (its ports bind every interface), and the house rule is 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import time
from pathlib import Path

from ....image import kernel_python_version, resolve_base_image
from ....runtime.auth import ENV_KEYS_FILE, KEYS_FILE_NAME
from ....runtime.settings import CONTAINER_PORT, CONTAINER_UID, ENV_SCORING_TIMEOUT_MS
from ...keys import keys_file_bytes
from ..aks_config import AksServiceDeploymentConfiguration

SERVICE_LABEL = "jupyter-deploy.service"
WORKSPACE_LABEL = "jupyter-deploy.workspace"
GATEWAY_REPOSITORY = "jupyter-deploy/gateway"
GATEWAY_PORT = 8080
PROXY_SOURCE = Path(__file__).with_name("proxy.py")
SECRETS_DIR = "/run/secrets"


def engine_name(workspace, service_name: str) -> str:
    return f"jupyter-deploy-{service_name}-{workspace.id}"


def labels(workspace, service_name: str) -> dict:
    return {SERVICE_LABEL: service_name, WORKSPACE_LABEL: str(workspace.path)}


def create_network(client, workspace, name: str):
    return client.networks.create(engine_name(workspace, name), driver="overlay", attachable=True,
                                  labels=labels(workspace, name))


def create_keys_secret(client, workspace, name: str, keys: dict):
    data = keys_file_bytes(keys)
    suffix = hashlib.sha256(data).hexdigest()[:8]
    return client.secrets.create(name=f"{engine_name(workspace, name)}-keys-{suffix}", data=data,
                                 labels=labels(workspace, name))


def service_spec(workspace, name: str, image: str, network_id: str, config: AksServiceDeploymentConfiguration,
                 secret=None) -> dict:
    """The keyword arguments of `client.services.create` (and, less the name, of an update)."""
    from docker.types import (EndpointSpec, Healthcheck, Resources, RestartPolicy, SecretReference, ServiceMode,
                              UpdateConfig)

    probe = config.probe()
    second = 1_000_000_000
    env = {}
    secrets = []
    if secret is not None:
        env[ENV_KEYS_FILE] = f"{SECRETS_DIR}/{KEYS_FILE_NAME}"
        secrets.append(SecretReference(secret.id, secret.name, filename=KEYS_FILE_NAME, uid=str(CONTAINER_UID),
                                       gid=str(CONTAINER_UID), mode=0o400))
    if config.scoring_timeout_ms:
        env[ENV_SCORING_TIMEOUT_MS] = str(config.scoring_timeout_ms)
    ready = (f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{CONTAINER_PORT}/ready', "
             f"timeout={probe['timeoutSeconds']})")
    resources = Resources(cpu_limit=int(config.cpu_cores * second) if config.cpu_cores else None,
                          mem_limit=int(config.memory_gb * 1024 ** 3) if config.memory_gb else None)
    rolling = UpdateConfig(parallelism=1, delay=0, order="start-first", failure_action="rollback", monitor=2 * second)
    return dict(
        image=image, name=engine_name(workspace, name), labels=labels(workspace, name),
        container_labels=labels(workspace, name), env=[f"{k}={v}" for k, v in env.items()],
        networks=[network_id], endpoint_spec=EndpointSpec(mode="dnsrr"),
        mode=ServiceMode("replicated", replicas=config.num_replicas),
        healthcheck=Healthcheck(test=["CMD", "python", "-c", ready], interval=probe["periodSeconds"] * second,
                                timeout=probe["timeoutSeconds"] * second, retries=probe["failureThreshold"],
                                start_period=probe["initialDelaySeconds"] * second),
        resources=resources, secrets=secrets,
        restart_policy=RestartPolicy(condition="on-failure", delay=second, max_attempts=3),
        update_config=rolling, rollback_config=rolling, stop_grace_period=30 * second,
    )


def ensure_gateway_image(client, on_log=None) -> str:
    """`jupyter-deploy/gateway:<hash>`: the base Python image plus `proxy.py`, built once."""
    import docker.errors

    base = resolve_base_image(client, kernel_python_version())
    source = PROXY_SOURCE.read_bytes()
    dockerfile = (f"FROM {base}\nCOPY proxy.py /gateway.py\nUSER 65534:65534\nEXPOSE {GATEWAY_PORT}\n"
                  f'LABEL jupyter-deploy.kind="gateway"\nCMD ["python3", "-u", "/gateway.py"]\n').encode()
    tag = f"{GATEWAY_REPOSITORY}:{hashlib.sha256(client.images.get(base).id.encode() + dockerfile + source).hexdigest()[:12]}"
    try:
        client.images.get(tag)
        return tag
    except docker.errors.ImageNotFound:
        pass
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for arcname, data in (("Dockerfile", dockerfile), ("proxy.py", source)):
            info = tarfile.TarInfo(arcname)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    if on_log:
        on_log(f"Building the gateway image {tag}")
    client.images.build(fileobj=buffer, custom_context=True, tag=tag, rm=True, pull=False)
    return tag


def create_gateway(client, workspace, name: str, network, port: int | None):
    """The gateway container on the service's network, published on 127.0.0.1 only (port None: a free one)."""
    container = client.containers.run(
        ensure_gateway_image(client), name=f"jupyter-deploy-gw-{name}-{workspace.id}", detach=True,
        environment={"BACKEND_HOST": engine_name(workspace, name), "BACKEND_PORT": str(CONTAINER_PORT),
                     "LISTEN_PORT": str(GATEWAY_PORT)},
        network=network.name, ports={f"{GATEWAY_PORT}/tcp": ("127.0.0.1", port)},
        labels={**labels(workspace, name), "jupyter-deploy.kind": "gateway"}, restart_policy={"Name": "unless-stopped"})
    container.reload()
    return container


def gateway_port(container) -> int:
    return int(container.attrs["NetworkSettings"]["Ports"][f"{GATEWAY_PORT}/tcp"][0]["HostPort"])


def remove_objects(client, *, gateway_id=None, service_id=None, network_id=None, secret_ids=(), timeout_s: float = 60) -> None:
    """Remove what one service created, by id, in the order the engine allows; anything already gone is fine."""
    import docker.errors

    def quietly(action):
        try:
            action()
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError:
            pass

    if gateway_id:
        quietly(lambda: client.containers.get(gateway_id).remove(force=True))
    if service_id:
        quietly(lambda: client.api.remove_service(service_id))
        deadline = time.monotonic() + timeout_s  # the network and secrets stay busy until the tasks are gone
        while time.monotonic() < deadline:
            # the low-level list: no inspect per container, which races the engine removing them
            if not client.api.containers(all=True, quiet=True,
                                         filters={"label": f"com.docker.swarm.service.id={service_id}"}):
                break
            time.sleep(0.2)
    for secret_id in secret_ids:
        if secret_id:
            quietly(lambda: client.api.remove_secret(secret_id))
    if network_id:
        deadline = time.monotonic() + 20
        while True:
            try:
                client.api.remove_network(network_id)
                break
            except docker.errors.NotFound:
                break
            except docker.errors.APIError:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.3)
