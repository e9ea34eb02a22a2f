"""Kubernetes manifests from the same AKS configuration, built with the `kubernetes` client's models.

Using the client's typed models (not hand-written YAML) means every field name and type is checked by the
library Kubernetes itself generates; `round_trip` proves a rendered object deserialises back into the same
model. `apply.py` sends them to a cluster; that was tested against a fake API server only (see the README).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import yaml

from ....runtime.auth import ENV_KEYS_FILE, KEYS_FILE_NAME
from ....runtime.settings import CONTAINER_PORT, CONTAINER_UID, ENV_SCORING_TIMEOUT_MS
from ...keys import keys_file_bytes
from ..aks_config import AksServiceDeploymentConfiguration

KEYS_MOUNT = "/var/run/jupyter-deploy"
SERVICE_LABEL = "app.kubernetes.io/name"  # selects a service's pods (and what `apply` lists)
RESTARTED_AT = "jupyter-deploy/restarted-at"  # a pod-template annotation: changing it rolls the pods (regen_key)
KINDS = {"Secret": "V1Secret", "Deployment": "V1Deployment", "Service": "V1Service",
         "HorizontalPodAutoscaler": "V2HorizontalPodAutoscaler"}


def secret_name(name: str) -> str:
    return f"{name}-keys"


def render_manifests(name: str, image: str, config: AksServiceDeploymentConfiguration, keys: Optional[dict],
                     namespace: str = "default", restarted_at: Optional[str] = None) -> list:
    """[Secret (with auth), Deployment, Service, HorizontalPodAutoscaler (with autoscaling)] as client models.

    `restarted_at` goes into the pod template as an annotation, as `kubectl rollout restart` does: a new value
    makes the Deployment replace its pods (new keys in the Secret reach them that way)."""
    from kubernetes import client as k8s

    labels = {SERVICE_LABEL: name, "app.kubernetes.io/managed-by": "jupyter-deploy"}
    meta = lambda kind_name: k8s.V1ObjectMeta(name=kind_name, namespace=namespace, labels=labels)  # noqa: E731
    probe = config.probe()
    env = []
    volumes, mounts, objects = [], [], []
    if keys:
        objects.append(k8s.V1Secret(api_version="v1", kind="Secret", metadata=meta(secret_name(name)), type="Opaque",
                                    string_data={KEYS_FILE_NAME: keys_file_bytes(keys).decode()}))
        env.append(k8s.V1EnvVar(name=ENV_KEYS_FILE, value=f"{KEYS_MOUNT}/{KEYS_FILE_NAME}"))
        volumes.append(k8s.V1Volume(name="keys", secret=k8s.V1SecretVolumeSource(secret_name=secret_name(name),
                                                                                  default_mode=0o400)))
        mounts.append(k8s.V1VolumeMount(name="keys", mount_path=KEYS_MOUNT, read_only=True))
    if config.scoring_timeout_ms:
        env.append(k8s.V1EnvVar(name=ENV_SCORING_TIMEOUT_MS, value=str(config.scoring_timeout_ms)))
    amounts = {}
    if config.cpu_cores:
        amounts["cpu"] = f"{int(config.cpu_cores * 1000)}m"
    if config.memory_gb:
        amounts["memory"] = f"{int(config.memory_gb * 1024)}Mi"
    timing = dict(period_seconds=probe["periodSeconds"], timeout_seconds=probe["timeoutSeconds"],
                  failure_threshold=probe["failureThreshold"])
    container = k8s.V1Container(
        name="score", image=image, ports=[k8s.V1ContainerPort(container_port=CONTAINER_PORT, name="http")],
        env=env or None, volume_mounts=mounts or None,
        resources=k8s.V1ResourceRequirements(requests=amounts or None, limits=amounts or None),
        liveness_probe=k8s.V1Probe(http_get=k8s.V1HTTPGetAction(path="/", port=CONTAINER_PORT),
                                   initial_delay_seconds=probe["initialDelaySeconds"], **timing),
        readiness_probe=k8s.V1Probe(http_get=k8s.V1HTTPGetAction(path="/ready", port=CONTAINER_PORT), **timing),
        security_context=k8s.V1SecurityContext(run_as_user=CONTAINER_UID, run_as_group=CONTAINER_UID,
                                               run_as_non_root=True, allow_privilege_escalation=False))
    objects.append(k8s.V1Deployment(
        api_version="apps/v1", kind="Deployment", metadata=meta(name),
        spec=k8s.V1DeploymentSpec(
            replicas=None if config.autoscale_enabled else config.num_replicas,
            selector=k8s.V1LabelSelector(match_labels={SERVICE_LABEL: name}),
            strategy=k8s.V1DeploymentStrategy(type="RollingUpdate", rolling_update=k8s.V1RollingUpdateDeployment(
                max_surge=1, max_unavailable=0)),  # start-first, as on swarm
            template=k8s.V1PodTemplateSpec(metadata=k8s.V1ObjectMeta(
                labels=labels, annotations={RESTARTED_AT: restarted_at} if restarted_at else None),
                                           spec=k8s.V1PodSpec(containers=[container], volumes=volumes or None)))))
    objects.append(k8s.V1Service(
        api_version="v1", kind="Service", metadata=meta(name),
        spec=k8s.V1ServiceSpec(selector={SERVICE_LABEL: name}, type="ClusterIP",
                               ports=[k8s.V1ServicePort(name="http", port=80, target_port=CONTAINER_PORT)])))
    if config.autoscale_enabled:
        objects.append(k8s.V2HorizontalPodAutoscaler(
            api_version="autoscaling/v2", kind="HorizontalPodAutoscaler", metadata=meta(name),
            spec=k8s.V2HorizontalPodAutoscalerSpec(
                scale_target_ref=k8s.V2CrossVersionObjectReference(api_version="apps/v1", kind="Deployment", name=name),
                min_replicas=config.autoscale_min_replicas, max_replicas=config.autoscale_max_replicas,
                metrics=[k8s.V2MetricSpec(type="Resource", resource=k8s.V2ResourceMetricSource(
                    name="cpu", target=k8s.V2MetricTarget(type="Utilization",
                                                          average_utilization=config.autoscale_target_utilization)))])))
    return objects


def to_dict(obj) -> dict:
    """The manifest as Kubernetes' JSON (camelCase, no nulls)."""
    from kubernetes.client import ApiClient

    return ApiClient().sanitize_for_serialization(obj)


def round_trip(document: dict):
    """A manifest dict back into its client model (raises on a field of the wrong type)."""
    from kubernetes.client import ApiClient

    client, kind = ApiClient(), KINDS[document["kind"]]
    try:  # kubernetes ≥ 35: deserialize(text, type, content_type)
        return client.deserialize(json.dumps(document), kind, "application/json")
    except (TypeError, AttributeError):  # older clients read `.data` off a response object
        class _Response:
            data = json.dumps(document)

        return client.deserialize(_Response(), kind)


def write_manifests(directory: str | Path, objects: list) -> list[Path]:
    """One YAML file per object, named `<kind>.yaml` in `directory`."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for obj in objects:
        document = to_dict(obj)
        path = folder / f"{document['kind'].lower()}.yaml"
        path.write_text(yaml.safe_dump(document, sort_keys=False))
        written.append(path)
    return written
