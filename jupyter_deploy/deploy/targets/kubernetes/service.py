"""KubernetesWebservice: a Deployment + Service (+ keys Secret, + autoscaler) on a cluster, with the surface of
`SwarmWebservice`.

Deploying builds (or reuses) the environment image and the models layer as the swarm target does, pushes it to
the target's registry (`push.py`) and applies the objects through the target's kubeconfig (`apply.py`); if the
apply fails, what it created is deleted again. A service that exists on the same target is updated in place:
the Deployment rolls one new pod in before an old one goes (maxSurge 1, maxUnavailable 0) and, if the new pods
never get ready, the previous objects are applied again. State, logs and keys are read from the cluster; the
scoring URI is the Service's load-balancer address when the cluster gave it one — a ClusterIP service has no
address reachable from here, and `run()` says how to reach it with `kubectl port-forward`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Optional

from ....environment import save_environment
from ....errors import ClusterError, DeploymentFailed
from ....image import docker_client
from ....registry import Model, Workspace
from ....runtime.settings import EXIT_LOAD_FAILED
from ....shapes import ServiceShape
from ...inference_config import InferenceConfig
from ...keys import generate_keys, regenerated
from ...prepare import build_image, build_service_image, check_deployment
from ...progress import Progress, reporter
from ...records import delete_record, save_record
from ..aks_config import AksServiceDeploymentConfiguration
from ..cluster_service import ClusterWebservice
from .apply import Cluster
from .manifests import SERVICE_LABEL, render_manifests
from .push import push_service_image, remove_tags

PULL_FAILURES = {"ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull"}
POD_FAILURES = PULL_FAILURES | {"CrashLoopBackOff", "CreateContainerConfigError", "CreateContainerError",
                                "RunContainerError"}


class KubernetesWebservice(ClusterWebservice):
    """A deployed Kubernetes service; `KubernetesWebservice(ws, name)` re-attaches to it."""

    target_type = "kubernetes"
    target_title = "Kubernetes"
    poll_seconds = 1.0  # a real API server is shared: read the state once a second

    def __init__(self, workspace: Workspace, name: str):
        super().__init__(workspace, name)
        self._cluster_client: Optional[Cluster] = None
        self._address: Optional[str] = None
        self._waiting_for = ""

    namespace = property(lambda self: self._record["cluster"]["namespace"])
    port = property(lambda self: None)  # nothing listens on this host

    @property
    def scoring_uri(self) -> Optional[str]:
        """http://<load-balancer address>/score, or None (a ClusterIP service: see `run()`)."""
        if self._record.get("failure"):
            return None
        self._address = ingress_address(self._cluster().read("Service", self.name))
        return f"http://{self._address}/score" if self._address else None

    # -- keys -------------------------------------------------------------------------------------------
    def regen_key(self, key: str, timeout_sec: float = 300) -> None:
        """A new Primary or Secondary key: the Secret is replaced and the pods are restarted, new pod first."""
        keys = regenerated(self._record.get("keys"), key, self.name)
        restarted = datetime.now(timezone.utc).isoformat(timespec="seconds")
        cluster = self._cluster()
        objects = render_manifests(self.name, self._record["pushedImage"], self.deployment_config, keys,
                                   self.namespace, restarted_at=restarted)
        cluster.apply(objects)
        self._record.update(keys=keys, restartedAt=restarted)  # the Secret holds them now, whatever the rollout does
        save_record(self.workspace, self._record)
        failure = wait_for_rollout(cluster, self.name, timeout_sec)
        if failure:
            raise DeploymentFailed(f"The new keys of '{self.name}' are in its Secret, but restarting its pods failed "
                                   f"({failure}); read `jupyter-deploy service logs -n {self.name}`.")

    # -- live state ------------------------------------------------------------------------------------
    @property
    def state(self) -> str:
        self._refresh_record()
        if self._record.get("failure"):
            return "Failed"
        cluster = self._cluster()
        deployment = cluster.read("Deployment", self.name)
        if deployment is None:
            self._mark_failed(f"The Deployment '{self.name}' no longer exists in namespace '{self.namespace}'; "
                              "redeploy the service.")
            return "Failed"
        assessment = assess(deployment, cluster.pods(self.name))
        self._waiting_for = assessment.detail
        if assessment.state == "Failed":
            self._mark_failed(self._failure_sentence(assessment))
        return assessment.state

    def get_logs(self, num_lines: int = 5000) -> str:
        """The log of every pod, each line prefixed with its pod's name (a failed service: the saved log)."""
        if self._record.get("failure"):
            return self._record.get("savedLogs", "")
        cluster = self._cluster()
        lines = []
        for pod in sorted(cluster.pods(self.name), key=lambda p: p.metadata.name):
            try:
                text = cluster.pod_log(pod.metadata.name, num_lines)
            except ClusterError:  # a pod not started yet has no log
                continue
            lines.extend(f"{pod.metadata.name} | {line}" for line in text.splitlines())
        return "\n".join(lines) + ("\n" if lines else "")

    # -- changing it -----------------------------------------------------------------------------------
    def update(self, models: list[Model | str] | None = None, inference_config: InferenceConfig | None = None,
               show_output: bool = False, progress: Progress | None = None, timeout_sec: float = 300, **_azure_only) -> None:
        """A new image pushed and the objects replaced: a rolling update, rolled back if the new pods never get ready."""
        deploy_kubernetes(self.workspace, self.name, models if models is not None else self._record["models"],
                          inference_config or self.inference_config, self.deployment_config,
                          self._record["computeTarget"], self._record["cluster"], overwrite=True,
                          show_output=show_output, progress=progress, timeout_sec=timeout_sec)
        self._refresh_record()

    def delete(self) -> None:
        """Delete the autoscaler, Service, Deployment (its pods go with it) and Secret, untag the images this host
        made for the service, then forget it. The pushed image stays in the registry."""
        try:
            self._cluster().delete_service(self.name)
        except ClusterError:
            if not self._record.get("failure"):  # a failed service has nothing left on the cluster to lose track of
                raise
        try:
            remove_tags(docker_client(), [self._record.get("pushedImage"), self._record.get("serviceImage"),
                                          *self._record.get("staleImages", [])])
        except Exception:  # no engine: the tags are only local names
            pass
        delete_record(self.workspace, self.name)

    def shape(self) -> ServiceShape:
        """A cluster that does not answer makes this service Unhealthy with the reason, not every listing fail."""
        try:
            state, uri, error = self.state, self.scoring_uri, self._record.get("failure")
        except ClusterError as unreachable:
            state, uri, error = "Unhealthy", None, str(unreachable)
        return self._shape(state=state, scoring_uri=uri,
                           swagger_uri=None if uri is None else uri[: -len("/score")] + "/swagger.json",
                           port=None, image_id=self._record["pushedImage"], error=error)

    # -- internals -------------------------------------------------------------------------------------
    def _cluster(self) -> Cluster:
        if self._cluster_client is None:
            self._cluster_client = Cluster.of(self._record["cluster"])
        return self._cluster_client

    def _running_message(self) -> str:
        where = self._address or f"service/{self.name} in namespace '{self.namespace}'"
        return f"Kubernetes service is running {self.num_replicas} replica(s) at {where}"

    def _pending_reason(self) -> str:
        return f", {self._waiting_for}" if self._waiting_for else ""

    def _no_address_sentence(self) -> str:
        return (f"Service '{self.name}' has no address reachable from here (its Kubernetes Service is a ClusterIP "
                f"inside the cluster); run `kubectl port-forward service/{self.name} 8080:80 -n {self.namespace}` "
                f"and send requests to http://127.0.0.1:8080/score with the key from get_keys().")

    def _repr_uri(self) -> Optional[str]:
        return f"http://{self._address}/score" if self._address else None

    def _failure_sentence(self, assessment: "Assessment") -> str:
        if assessment.cause == "init":
            return (f"Service '{self.name}' failed: importing the entry script or running its init() raised an error "
                    f"in every replica. Last lines of its log:\n{self._log_tail()}")
        if assessment.cause == "pull":
            return (f"Service '{self.name}' failed: the cluster's nodes cannot pull {self._record['pushedImage']} "
                    f"({assessment.detail}); make sure they can reach the registry {self._record['cluster']['registry']} "
                    "and may pull from it, then deploy again.")
        return (f"Service '{self.name}' failed: {assessment.detail}; read "
                f"`kubectl describe deployment/{self.name} -n {self.namespace}`, then deploy again.")

    def _log_tail(self) -> str:
        try:
            return super()._log_tail()
        except ClusterError:
            return "(the pods' logs could not be read)"

    def _mark_failed(self, reason: str) -> None:
        """Nothing half-done stays: the objects go, the record keeps the reason and the last log."""
        try:
            self._record["savedLogs"] = self.get_logs()
        except ClusterError:
            self._record["savedLogs"] = ""
        self._cluster().delete_service(self.name)
        self._record.update(failure=reason)
        save_record(self.workspace, self._record)


# -- reading a Deployment's state --------------------------------------------------------------------------
@dataclass
class Assessment:
    state: str  # Healthy | Transitioning | Failed
    detail: str = ""  # what is wrong, or what the rollout waits for
    fatal: bool = False  # something that will not get better by waiting (even if older pods still serve)
    cause: Optional[str] = None  # init | pull | pod | rollout | replicas


def assess(deployment, pods: list) -> Assessment:
    """Healthy once the rollout of the current generation is complete and every replica is ready; Failed when
    something cannot recover and no replica is ready; Transitioning otherwise, saying what it waits for."""
    desired = 1 if deployment.spec.replicas is None else deployment.spec.replicas
    status = deployment.status
    observed = (status.observed_generation if status else None) or 0
    ready = (status.ready_replicas if status else None) or 0
    updated = (status.updated_replicas if status else None) or 0
    total = (status.replicas if status else None) or 0
    if observed >= (deployment.metadata.generation or 0) and ready == updated == total == desired:
        return Assessment("Healthy")
    problem = _pod_problem(pods) or _deployment_problem(status)
    if problem is not None and problem.fatal:
        return Assessment("Failed" if ready == 0 else "Transitioning", problem.detail, True, problem.cause)
    if problem is not None:
        return Assessment("Transitioning", problem.detail)
    if observed < (deployment.metadata.generation or 0):
        return Assessment("Transitioning", "the cluster has not started the rollout of the new version yet")
    return Assessment("Transitioning", f"{ready} of {desired} replica(s) ready, {updated} updated")


def _pod_problem(pods: list) -> Optional[Assessment]:
    unschedulable = None
    for pod in sorted(pods, key=lambda p: p.metadata.name):
        if pod.metadata.deletion_timestamp or pod.status is None:
            continue
        name = pod.metadata.name
        for container in pod.status.container_statuses or []:
            waiting = container.state.waiting if container.state else None
            last = container.last_state.terminated if container.last_state else None
            if last is not None and last.exit_code == EXIT_LOAD_FAILED and (
                    (waiting is not None and waiting.reason == "CrashLoopBackOff") or (container.restart_count or 0) >= 2):
                return Assessment("Failed", f"pod {name}: init() failed (exit code {EXIT_LOAD_FAILED})", True, "init")
            if waiting is not None and waiting.reason in POD_FAILURES:
                detail = f"pod {name}: {waiting.reason}" + (f": {waiting.message}" if waiting.message else "")
                return Assessment("Failed", detail, True, "pull" if waiting.reason in PULL_FAILURES else "pod")
        for condition in pod.status.conditions or []:
            if condition.type == "PodScheduled" and condition.status == "False" and unschedulable is None:
                unschedulable = Assessment("Transitioning", f"pod {name} cannot be scheduled ({condition.reason}: "
                                                            f"{condition.message})")
    return unschedulable


def _deployment_problem(status) -> Optional[Assessment]:
    for condition in (status.conditions if status else None) or []:
        if condition.type == "Progressing" and condition.status == "False":
            return Assessment("Failed", f"the rollout stopped ({condition.reason}: {condition.message})", True, "rollout")
        if condition.type == "ReplicaFailure" and condition.status == "True":
            return Assessment("Failed", f"the cluster cannot create its pods ({condition.reason}: {condition.message})",
                              True, "replicas")
    return None


def ingress_address(service) -> Optional[str]:
    """The load balancer's IP or hostname, when the cluster gave the Service one."""
    balancer = service.status.load_balancer if service is not None and service.status else None
    for ingress in (balancer.ingress if balancer else None) or []:
        if ingress.ip or ingress.hostname:
            return ingress.ip or ingress.hostname
    return None


def wait_for_rollout(cluster: Cluster, name: str, timeout_sec: float, poll_seconds: float = 1.0) -> Optional[str]:
    """None once the Deployment is Healthy, else why it will not be (a clause for a sentence)."""
    deadline = time.monotonic() + timeout_sec
    while True:
        deployment = cluster.read("Deployment", name)
        if deployment is None:
            return "its Deployment was deleted meanwhile"
        assessment = assess(deployment, cluster.pods(name))
        if assessment.state == "Healthy":
            return None
        if assessment.fatal:
            return assessment.detail
        if time.monotonic() > deadline:
            return f"it was not done after {timeout_sec:.0f} s: {assessment.detail}"
        time.sleep(poll_seconds)


# -- deployment ------------------------------------------------------------------------------------------
def deploy_kubernetes(workspace: Workspace, name: str, models: list[Model | str], inference_config: InferenceConfig,
                      deployment_config: AksServiceDeploymentConfiguration, target_name: str, cluster: dict, *,
                      overwrite: bool = False, show_output: bool = False, progress: Progress | None = None,
                      timeout_sec: float = 300,
                      retire: Optional[Callable[[dict], None]] = None) -> KubernetesWebservice:
    """Create the service on the cluster, or roll the one of the same name on this target to the new version.

    `cluster` is the target's {kubeconfig, context, namespace, registry}; the configuration's namespace, if set,
    wins. `retire(record)` removes a service of the same name that runs elsewhere (flow.py knows every target)."""
    report = reporter(show_output, progress)
    report("validating", f"Checking the deployment of '{name}'")
    checked = check_deployment(workspace, name, models, inference_config, overwrite=overwrite)
    config = checked.inference_config
    namespace = deployment_config.namespace or cluster.get("namespace") or "default"
    where = {"kubeconfig": cluster.get("kubeconfig"), "context": cluster.get("context"), "namespace": namespace,
             "registry": cluster["registry"]}
    kube = Cluster.of(where)
    report("validating", f"Reaching the Kubernetes API server at {kube.server}")
    kube.check()  # before a build: a cluster that does not answer is one sentence in a second, not after minutes
    image = build_image(checked, report)
    service_image = build_service_image(checked, image, report)
    client = docker_client()
    pushed = push_service_image(client, service_image, where["registry"], name, report)
    existing = checked.existing
    record = {
        "name": name, "computeType": "AKS", "targetType": "kubernetes", "computeTarget": target_name, "cluster": where,
        "image": image.tag, "serviceImage": service_image, "pushedImage": pushed.reference, "digest": pushed.digest,
        "models": [m.id for m in checked.models], "inference_config": config.to_dict(),
        "deployment_config": deployment_config.to_dict(),
        "created_time": datetime.now(timezone.utc).isoformat(timespec="seconds"), "failure": None,
    }
    if (existing is not None and existing.get("targetType") == "kubernetes" and not existing.get("failure")
            and existing.get("computeTarget") == target_name and existing.get("cluster", {}).get("namespace") == namespace):
        return _roll(workspace, kube, record, existing, deployment_config, client, report, timeout_sec)
    if existing is not None:  # elsewhere (another target, namespace, or a failed one): remove it first
        images = {tag: client.images.get(tag).id for tag in (service_image, pushed.reference)}
        (retire or (lambda old: delete_record(workspace, old["name"])))(existing)
        for tag, image_id in images.items():  # the old service may have untagged the same content
            _retag(client, image_id, tag)
    keys = generate_keys() if deployment_config.auth_enabled else None
    objects = render_manifests(name, pushed.reference, deployment_config, keys, namespace)
    report("container", f"Applying {', '.join(obj.kind for obj in objects)} '{name}' in namespace '{namespace}'")
    created = kube.apply(objects)  # a failure deletes what it created
    try:
        kube.prune(name, objects)
        record["keys"] = keys
        save_record(workspace, record)
    except BaseException:
        for kind, object_name in reversed(created):
            kube.delete(kind, object_name, quiet=True)
        raise
    workspace.record_script(config.entry_script_path, source="service")
    save_environment(workspace, config.environment)
    report("init", f"Pods starting; waiting for init() (`kubectl get pods -n {namespace} -l {SERVICE_LABEL}={name}`)")
    return KubernetesWebservice(workspace, name)


def _roll(workspace: Workspace, kube: Cluster, record: dict, existing: dict,
          deployment_config: AksServiceDeploymentConfiguration, client, report: Progress,
          timeout_sec: float) -> KubernetesWebservice:
    """Replace the objects of a running service; if the new pods never get ready, apply the previous ones again."""
    name, namespace = record["name"], record["cluster"]["namespace"]
    keys = (existing.get("keys") or generate_keys()) if deployment_config.auth_enabled else None
    restarted = existing.get("restartedAt")
    objects = render_manifests(name, record["pushedImage"], deployment_config, keys, namespace, restarted_at=restarted)
    previous = render_manifests(name, existing["pushedImage"],
                                AksServiceDeploymentConfiguration.from_dict(existing["deployment_config"]),
                                existing.get("keys"), namespace, restarted_at=restarted)
    report("container", f"Rolling update of '{name}' in namespace '{namespace}' (a new pod ready before an old one stops)")
    try:
        kube.apply(objects)
        kube.prune(name, objects)
    except ClusterError:  # part of it may have been replaced: put the previous version back, then say why
        _restore(kube, name, previous)
        raise
    failure = wait_for_rollout(kube, name, timeout_sec)
    if failure:
        report("container", f"Rolling '{name}' back to the previous version")
        _restore(kube, name, previous)
        raise DeploymentFailed(f"Updating '{name}' failed ({failure}), so the previous version was applied again and "
                               f"keeps serving; read `jupyter-deploy service logs -n {name}`.")
    stale = [tag for tag in [*existing.get("staleImages", []), existing.get("serviceImage"), existing.get("pushedImage")]
             if tag and tag not in (record["serviceImage"], record["pushedImage"])]
    record.update(keys=keys, restartedAt=restarted, created_time=existing["created_time"], staleImages=[])
    remove_tags(client, stale)
    save_record(workspace, record)
    return KubernetesWebservice(workspace, name)


def _restore(kube: Cluster, name: str, previous: list) -> None:
    """Apply the previous version's objects again, as `kubectl rollout undo` would (best effort: the cluster
    may be what failed)."""
    try:
        kube.apply(previous)
        kube.prune(name, previous)
    except ClusterError:
        pass


def _retag(client, image_id: str, reference: str) -> None:
    repository, tag = reference.rsplit(":", 1)
    try:
        client.images.get(reference)
    except Exception:
        client.images.get(image_id).tag(repository, tag)
