"""The Docker side of a local service: its container, what goes into it, and what its exit means.

The image holds only the environment (built once per dependency set); models are bind-mounted read-only from
their immutable version folders and the app source is copied into the container before it starts. That is why
a model-only change redeploys in seconds and `reload()` needs no rebuild at all.
"""

from __future__ import annotations

import io
import signal
import socket
import tarfile
import time
from typing import Optional

from ....image import docker_client
from ....registry import Model, Workspace
from ....runtime.settings import (CONTAINER_PORT, CONTAINER_UID, DEFAULT_APP_ROOT, ENV_APP_ROOT, ENV_ENTRY_SCRIPT,
                                  ENV_HOST, ENV_MODEL_DIR, ENV_PORT, ENV_SERVICE_NAME, ENV_WORKER_COUNT,
                                  EXIT_LOAD_FAILED, EXIT_PORT_IN_USE, MODELS_FOLDER)
from ....runtime.auth import ENV_KEYS_FILE, KEYS_FILE_NAME
from ...inference_config import InferenceConfig
from ...keys import keys_file_bytes
from .network import BRIDGE, HOST

SERVICE_LABEL = "jupyter-deploy.service"
PORT_LABEL = "jupyter-deploy.port"  # on the host's network there is no published port to read it from
WORKSPACE_LABEL = "jupyter-deploy.workspace"
KEYS_DIR = "/tmp"  # writable by the container's user in every image; the file itself is 0400


def container_name(workspace: Workspace, service_name: str) -> str:
    return f"jupyter-deploy-{service_name}-{workspace.id}"


# Until the service is first Healthy a crash restarts it a few times only (a script that cannot start is Failed,
# not restarted forever); once Healthy it is switched to `unless-stopped`, which also survives an engine restart.
STARTING_RESTART_POLICY = {"Name": "on-failure", "MaximumRetryCount": 3}
SERVING_RESTART_POLICY = {"Name": "unless-stopped", "MaximumRetryCount": 0}
PIDS_LIMIT = 512  # a fork bomb in run() stops at this many processes instead of taking the machine down


def create_container(client, workspace: Workspace, name: str, models: list[Model], config: InferenceConfig,
                     image_tag: str, port: Optional[int], monitoring: Optional[tuple] = None, *,
                     memory_gb: Optional[float] = None, workers: Optional[int] = None, auth: bool = False,
                     network: str = BRIDGE):
    """The service's container: host port fixed now (so restarts keep it), hardened, restarted by the engine."""
    environment = {
        ENV_APP_ROOT: DEFAULT_APP_ROOT,
        ENV_ENTRY_SCRIPT: config.entry_script,
        ENV_MODEL_DIR: model_dir_variable(models),
        ENV_SERVICE_NAME: name,
        **{str(k): str(v) for k, v in (config.environment.environment_variables or {}).items()},
        **(monitoring[0] if monitoring else {}),
        **({ENV_KEYS_FILE: f"{KEYS_DIR}/{KEYS_FILE_NAME}"} if auth else {}),
    }
    if workers is not None:
        environment[ENV_WORKER_COUNT] = str(workers)
    limits = {"mem_limit": f"{int(memory_gb * 1024)}m"} if memory_gb else {}
    volumes = {
        str(model.path): {"bind": f"{DEFAULT_APP_ROOT}/{MODELS_FOLDER}/{model.name}/{model.version}", "mode": "ro"}
        for model in models
    }
    volumes.update(monitoring[1] if monitoring else {})  # issue 12: the service's data folder (read-write)
    name_in_engine = container_name(workspace, name)
    labels = {SERVICE_LABEL: name, WORKSPACE_LABEL: str(workspace.path)}
    remove_stale_container(client, name_in_engine)
    remove_stale_network(client, name_in_engine)
    host_port = port if port is not None else free_port()
    hardening = dict(restart_policy=dict(STARTING_RESTART_POLICY), cap_drop=["ALL"],
                     security_opt=["no-new-privileges"], pids_limit=PIDS_LIMIT, **limits)
    if network == HOST:  # see network.py: no userland proxy, still 127.0.0.1 only
        environment.update({ENV_HOST: "127.0.0.1", ENV_PORT: str(host_port)})
        return client.containers.create(
            image_tag, name=name_in_engine, environment=environment, volumes=volumes, network_mode=HOST,
            labels={**labels, PORT_LABEL: str(host_port)}, detach=True, **hardening,
        )
    # Issue 9: a user-defined bridge of its own, so no other container on the engine's default bridge reaches it;
    # the port is still published on 127.0.0.1 only. Removed (by id) with the container.
    network = client.networks.create(name_in_engine, driver="bridge", labels=labels)
    try:
        return client.containers.create(
            image_tag, name=name_in_engine, environment=environment, volumes=volumes,
            ports={f"{CONTAINER_PORT}/tcp": ("127.0.0.1", host_port)},
            labels=labels, network=network.name, detach=True, **hardening,
        )
    except BaseException:
        remove_network(network.id)
        raise


def free_port() -> int:
    """A port free on 127.0.0.1 now, published explicitly: an engine-chosen port changes on every container restart."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def keep_running(container) -> None:
    """Once Healthy: restart on any exit, and after an engine restart too (until deleted)."""
    container.update(restart_policy=dict(SERVING_RESTART_POLICY))


def published_port(container) -> Optional[int]:
    """The host port the engine published the runtime's port on (or it listens on, on the host's network)."""
    if container.attrs.get("HostConfig", {}).get("NetworkMode") == HOST:
        try:
            return int((container.attrs.get("Config", {}).get("Labels") or {})[PORT_LABEL])
        except (KeyError, TypeError, ValueError):
            return None
    bindings = (container.attrs.get("NetworkSettings", {}).get("Ports") or {}).get(f"{CONTAINER_PORT}/tcp") or []
    if not bindings:
        configured = (container.attrs.get("HostConfig", {}).get("PortBindings") or {}).get(f"{CONTAINER_PORT}/tcp") or []
        bindings = configured
    try:
        return int(bindings[0]["HostPort"])
    except (IndexError, KeyError, TypeError, ValueError):
        return None


def model_dir_variable(models: list[Model]) -> str:
    """One model: its version folder; several: the models root — relative to the app root, as Azure's LocalWebservice set it."""
    if len(models) == 1:
        return f"{MODELS_FOLDER}/{models[0].name}/{models[0].version}"
    return MODELS_FOLDER


def get_container(container_id: Optional[str]):
    """The container by id, or None when there is none (or it is gone)."""
    import docker.errors

    if not container_id:
        return None
    try:
        return docker_client().containers.get(container_id)
    except docker.errors.NotFound:
        return None


def stop_container(container_id: Optional[str], timeout: int = 10) -> None:
    """SIGTERM and wait, so the runtime writes its queued captured rows before the container is removed."""
    container = get_container(container_id)
    if container is not None:
        try:
            container.stop(timeout=timeout)
        except Exception:
            pass


def remove_container(container_id: Optional[str]) -> None:
    """Stop and remove a container of ours by id, then its own network; one already gone is fine."""
    container = get_container(container_id)
    if container is not None:
        networks = own_networks(container)
        try:
            container.remove(force=True)
        except Exception:  # removed concurrently (a second delete, the engine restarting)
            pass
        for network_id in networks:
            remove_network(network_id)


def own_networks(container) -> list[str]:
    """Ids of the networks of ours (labelled as a service's) the container is attached to."""
    import docker.errors

    attrs = container.attrs or {}
    references = {n.get("NetworkID") or name
                  for name, n in ((attrs.get("NetworkSettings") or {}).get("Networks") or {}).items()}
    references.add((attrs.get("HostConfig") or {}).get("NetworkMode") or "")
    found = []
    for reference in sorted(r for r in references if r and r not in ("bridge", "host", "none", "default")):
        try:
            network = container.client.networks.get(reference)
        except docker.errors.NotFound:
            continue
        if SERVICE_LABEL in (network.attrs.get("Labels") or {}) and network.id not in found:
            found.append(network.id)
    return found


def remove_network(network_id: Optional[str]) -> None:
    """Remove a service's own network by id; one already gone is fine."""
    import docker.errors

    if not network_id:
        return
    try:
        docker_client().networks.get(network_id).remove()
    except docker.errors.NotFound:
        pass
    except Exception:  # still in use for a moment (the container's removal settling): try once more
        time.sleep(0.2)
        try:
            docker_client().networks.get(network_id).remove()
        except Exception:
            pass


def remove_stale_network(client, name_in_engine: str) -> None:
    """A network of ours under this name left by an interrupted deploy (its container is already gone)."""
    for network in client.networks.list(names=[name_in_engine]):
        if network.name == name_in_engine and SERVICE_LABEL in (network.attrs.get("Labels") or {}):
            remove_network(network.id)


def remove_stale_container(client, name_in_engine: str) -> None:
    """A container of ours under this name with no service record (e.g. the kernel died mid-deploy)."""
    import docker.errors

    try:
        stale = client.containers.get(name_in_engine)
    except docker.errors.NotFound:
        return
    if SERVICE_LABEL in (stale.labels or {}):
        remove_container(stale.id)


def app_archive(config: InferenceConfig) -> bytes:
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


def copy_app_into(container, config: InferenceConfig) -> None:
    container.put_archive(DEFAULT_APP_ROOT, app_archive(config))


def copy_keys_into(container, keys: dict) -> None:
    """The keys file `runtime.auth` reads (again, when it changes: that is how a regenerated key takes effect)."""
    data = keys_file_bytes(keys)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo(KEYS_FILE_NAME)
        info.size, info.mode, info.uid, info.gid, info.mtime = len(data), 0o400, CONTAINER_UID, CONTAINER_UID, time.time()
        archive.addfile(info, io.BytesIO(data))
    container.put_archive(KEYS_DIR, buffer.getvalue())


def exit_reason(exit_code: Optional[int]) -> str:
    """What a container's exit code means, in words."""
    if exit_code == EXIT_LOAD_FAILED:
        return "importing the entry script or running its init() raised an error"
    if exit_code == EXIT_PORT_IN_USE:
        return ("its port on 127.0.0.1 is already in use by another program; deploy again with another port, "
                "or leave the port unset to get a free one")
    if exit_code == 137:
        return "its container was killed with SIGKILL (out of memory, or stopped from outside)"
    if exit_code is not None and exit_code > 128:
        try:
            name = signal.Signals(exit_code - 128).name
        except ValueError:
            name = f"signal {exit_code - 128}"
        return f"its container was ended by {name} (exit code {exit_code})"
    return f"its container exited with code {exit_code}"


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
