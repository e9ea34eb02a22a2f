"""The Kubernetes target against a fake API server on 127.0.0.1 (`fake_kubernetes.py`), with a kubeconfig per test.

No cluster exists on this machine: these tests check what we send and how we read the answers, the way the real
API server answers (201/409/404/422, resourceVersion, immutable clusterIP, Status bodies). The image build and the
push are replaced by stubs here; `test_kubernetes_push_docker.py` does them for real against a local registry.
"""

from __future__ import annotations

import base64
import json
import socket
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("kubernetes")

from fake_kubernetes import FakeKubernetes  # noqa: E402
from greeter import greeter_inputs  # noqa: E402
from kubernetes import client as k8s  # noqa: E402

from jupyter_deploy import AksWebservice, ComputeTarget, Environment, InferenceConfig, Model  # noqa: E402
from jupyter_deploy.deploy import attach_service  # noqa: E402
from jupyter_deploy.deploy.keys import generate_keys  # noqa: E402
from jupyter_deploy.deploy.records import load_record  # noqa: E402
from jupyter_deploy.deploy.targets.kubernetes import KubernetesWebservice  # noqa: E402
from jupyter_deploy.deploy.targets.kubernetes import service as kube_service  # noqa: E402
from jupyter_deploy.deploy.targets.kubernetes.apply import Cluster  # noqa: E402
from jupyter_deploy.deploy.targets.kubernetes.manifests import RESTARTED_AT, render_manifests  # noqa: E402
from jupyter_deploy.deploy.targets.kubernetes.push import (PushedImage, push_failure_sentence,  # noqa: E402
                                                           registry_reference)
from jupyter_deploy.deploy.targets.kubernetes.service import assess  # noqa: E402
from jupyter_deploy.errors import (ClusterError, DeploymentFailed, JupyterDeployError,  # noqa: E402
                                   WebserviceError)

LABELS = {"app.kubernetes.io/name": "greeter"}


@pytest.fixture
def fake():
    server = FakeKubernetes().start()
    yield server
    server.stop()


@pytest.fixture
def kubeconfig(fake, tmp_path):
    return str(fake.write_kubeconfig(tmp_path / "kubeconfig", context="fake", namespace="ml"))


@pytest.fixture
def cluster(kubeconfig):
    return Cluster(kubeconfig, "fake", "ml")


def _one_sentence(error: BaseException) -> str:
    text = str(error)
    assert isinstance(error, JupyterDeployError)
    assert "\n" not in text and "Traceback" not in text and "HTTP response headers" not in text, text
    return text


# -- apply: create, re-apply, prune, delete -------------------------------------------------------------------
def test_create_then_reapply_keeps_what_the_cluster_owns(cluster, fake):
    config = AksWebservice.deploy_configuration(autoscale_enabled=True, autoscale_max_replicas=5)
    created = cluster.apply(render_manifests("greeter", "reg.test/greeter:1", config, generate_keys(), "ml"))
    assert created == [("Secret", "greeter-keys"), ("Deployment", "greeter"), ("Service", "greeter"),
                       ("HorizontalPodAutoscaler", "greeter")]
    service = fake.get("services", "greeter")
    cluster_ip, version = service["spec"]["clusterIP"], service["metadata"]["resourceVersion"]
    fake.set_spec("deployments", "greeter", "replicas", 4)  # what the autoscaler did meanwhile

    # re-apply (409 → read → replace): nothing is created, the Service keeps its clusterIP, the count stays
    assert cluster.apply(render_manifests("greeter", "reg.test/greeter:2", config, generate_keys(), "ml")) == []
    service = fake.get("services", "greeter")
    assert service["spec"]["clusterIP"] == cluster_ip and service["metadata"]["resourceVersion"] != version
    deployment = fake.get("deployments", "greeter")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "reg.test/greeter:2"
    assert deployment["spec"]["replicas"] == 4 and deployment["metadata"]["generation"] == 2
    assert ("PUT", "/api/v1/namespaces/ml/services/greeter") in fake.calls


def test_prune_then_delete_everything_twice(cluster, fake):
    with_all = render_manifests("greeter", "img:1", AksWebservice.deploy_configuration(autoscale_enabled=True),
                                generate_keys(), "ml")
    cluster.apply(with_all)
    fake.add_pod("greeter-abc", LABELS, log="hello\n")
    plain = render_manifests("greeter", "img:1", AksWebservice.deploy_configuration(auth_enabled=False), None, "ml")
    cluster.apply(plain)
    cluster.prune("greeter", plain)  # autoscaling and auth are off now
    assert fake.names("horizontalpodautoscalers") == [] and fake.names("secrets") == []
    cluster.delete_service("greeter")
    assert fake.names("deployments") == fake.names("services") == fake.names("pods") == []
    cluster.delete_service("greeter")  # all 404 now: fine


def test_a_refused_object_deletes_what_the_apply_created(cluster, fake):
    fake.refuse[("POST", "services")] = 403
    with pytest.raises(ClusterError) as raised:
        cluster.apply(render_manifests("greeter", "img:1", AksWebservice.deploy_configuration(), generate_keys(), "ml"))
    text = _one_sentence(raised.value)
    assert "may not create the Service 'greeter' in namespace 'ml' (403 Forbidden" in text
    assert fake.names("secrets") == [] and fake.names("deployments") == []


# -- errors: one sentence each ---------------------------------------------------------------------------------
def test_unreachable_api_server(fake, tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = fake.write_kubeconfig(tmp_path / "gone", server=f"http://127.0.0.1:{port}")
    with pytest.raises(ClusterError) as raised:
        Cluster(str(path), None, "ml").check()
    text = _one_sentence(raised.value)
    assert f"Cannot reach the Kubernetes API server at http://127.0.0.1:{port}" in text and "connection refused" in text


def test_wrong_credentials_missing_namespace_bad_kubeconfig_missing_context(fake, tmp_path, kubeconfig):
    with pytest.raises(ClusterError) as raised:
        Cluster(str(fake.write_kubeconfig(tmp_path / "k", token="wrong")), None, "ml").check()
    assert "(401 Unauthorized)" in _one_sentence(raised.value)
    with pytest.raises(ClusterError) as raised:
        Cluster(kubeconfig, "fake", "nowhere").apply(
            render_manifests("greeter", "img:1", AksWebservice.deploy_configuration(auth_enabled=False), None, "nowhere"))
    assert "`kubectl create namespace nowhere`" in _one_sentence(raised.value)
    with pytest.raises(ClusterError) as raised:
        Cluster(kubeconfig, "prod", "ml")
    assert "Context 'prod' is not in kubeconfig" in _one_sentence(raised.value)
    (tmp_path / "broken").write_text("clusters: [unclosed\n")
    with pytest.raises(ClusterError) as raised:
        Cluster(str(tmp_path / "broken"), None, "ml")
    assert "is not a usable kubeconfig" in _one_sentence(raised.value)


def test_registry_reference():
    assert registry_reference("127.0.0.1:5000/team/", "greeter", "jupyter-deploy/service:greeter-0123abcd4567") == (
        "127.0.0.1:5000/team/greeter", "0123abcd4567")


def test_push_errors_are_sentences():
    ref, host = "127.0.0.1:5000/team/greeter:abc", "127.0.0.1:5000"
    denied = push_failure_sentence("unauthorized: authentication required", ref, host)
    assert "`docker login 127.0.0.1:5000`" in denied
    refused = push_failure_sentence('Get "http://127.0.0.1:5000/v2/": dial tcp 127.0.0.1:5000: connect: connection refused',
                                    ref, host)
    assert "cannot be reached" in refused
    assert "insecure-registries" in push_failure_sentence("http: server gave HTTP response to HTTPS client", ref, host)


# -- reading the state -------------------------------------------------------------------------------------------
def _deployment(generation=1, observed=1, replicas=2, ready=2, updated=2, total=2, conditions=None):
    return k8s.V1Deployment(
        metadata=k8s.V1ObjectMeta(name="greeter", generation=generation),
        spec=k8s.V1DeploymentSpec(replicas=replicas, selector=k8s.V1LabelSelector(match_labels=LABELS),
                                  template=k8s.V1PodTemplateSpec()),
        status=k8s.V1DeploymentStatus(observed_generation=observed, ready_replicas=ready, updated_replicas=updated,
                                      replicas=total, conditions=conditions))


def _pod(name="greeter-1", waiting=None, message=None, last_exit=None, restarts=0, unschedulable=False):
    state = k8s.V1ContainerState(waiting=k8s.V1ContainerStateWaiting(reason=waiting, message=message)) if waiting else None
    last = (k8s.V1ContainerState(terminated=k8s.V1ContainerStateTerminated(exit_code=last_exit))
            if last_exit is not None else None)
    conditions = ([k8s.V1PodCondition(type="PodScheduled", status="False", reason="Unschedulable",
                                      message="0/3 nodes are available: 3 Insufficient cpu.")] if unschedulable else None)
    return k8s.V1Pod(metadata=k8s.V1ObjectMeta(name=name), status=k8s.V1PodStatus(
        conditions=conditions, container_statuses=[k8s.V1ContainerStatus(
            name="score", image="img", image_id="", ready=False, restart_count=restarts, state=state,
            last_state=last)] if (state or last) else None))


def test_state_mapping():
    assert assess(_deployment(), []).state == "Healthy"
    assert assess(_deployment(generation=2, observed=1), []).state == "Transitioning"  # the new spec not seen yet
    rolling = assess(_deployment(ready=1, updated=1), [])
    assert rolling.state == "Transitioning" and rolling.detail == "1 of 2 replica(s) ready, 1 updated"
    pull = assess(_deployment(ready=0, updated=2), [_pod(waiting="ImagePullBackOff", message="Back-off pulling image")])
    assert (pull.state, pull.cause, pull.fatal) == ("Failed", "pull", True) and "ImagePullBackOff" in pull.detail
    crash = assess(_deployment(ready=0), [_pod(waiting="CrashLoopBackOff", last_exit=3, restarts=3)])
    assert (crash.state, crash.cause) == ("Failed", "init")
    # an update whose new pods fail while the old ones still serve: not Failed, but fatal (the update rolls back)
    update = assess(_deployment(generation=2, observed=2, ready=2, updated=1, total=3),
                    [_pod(waiting="ErrImagePull")])
    assert update.state == "Transitioning" and update.fatal
    stuck = assess(_deployment(ready=0), [_pod(unschedulable=True)])
    assert stuck.state == "Transitioning" and "Insufficient cpu" in stuck.detail
    deadline = assess(_deployment(ready=0, conditions=[k8s.V1DeploymentCondition(
        type="Progressing", status="False", reason="ProgressDeadlineExceeded", message="took too long")]), [])
    assert deadline.state == "Failed" and "ProgressDeadlineExceeded" in deadline.detail


# -- the service, deployed through Model.deploy with the build and the push stubbed -----------------------------
SCRIPT = textwrap.dedent("""
    import json

    def init():
        pass

    def run(data):
        return {"reply": json.loads(data)["text"]}
""")


class _Images:
    def __init__(self):
        self.removed = []

    def get(self, tag):
        return SimpleNamespace(id=f"sha256:{abs(hash(tag))}", tag=lambda repository, tag: True)

    def remove(self, tag):
        self.removed.append(tag)


@pytest.fixture
def stubbed_build(monkeypatch):
    """The environment image, its models layer and the push, as if they had run: the rest is real."""
    pushes = []
    engine = SimpleNamespace(images=_Images())

    def push(client, local_tag, registry, name, report):
        version = len(pushes) + 1
        pushes.append(local_tag)
        report("image", f"Pushed {registry}/{name}:v{version}")
        return PushedImage(f"{registry}/{name}:v{version}", f"sha256:{version:064d}", True)

    monkeypatch.setattr(kube_service, "build_image", lambda checked, report: SimpleNamespace(tag="env:1", built=False))
    monkeypatch.setattr(kube_service, "build_service_image",
                        lambda checked, image, report: f"jupyter-deploy/service:{checked.name}-{len(pushes) + 1}")
    monkeypatch.setattr(kube_service, "push_service_image", push)
    monkeypatch.setattr(kube_service, "docker_client", lambda: engine)
    return SimpleNamespace(pushes=pushes, engine=engine)


@pytest.fixture
def inputs(workspace, tmp_path, kubeconfig, fake, stubbed_build):
    model, config = greeter_inputs(workspace, tmp_path, SCRIPT)
    target = ComputeTarget.attach_kubernetes(workspace, "kube", kubeconfig=kubeconfig, context="fake", namespace="ml",
                                             registry="127.0.0.1:5999/team")
    return SimpleNamespace(model=model, config=config, target=target,
                           deployment=AksWebservice.deploy_configuration(num_replicas=2))


@pytest.fixture
def deployed(workspace, inputs):
    inputs.service = Model.deploy(workspace, "greeter", [inputs.model], inputs.config, inputs.deployment,
                                  deployment_target=inputs.target)
    return inputs


def test_a_deploy_the_cluster_refuses_leaves_nothing(workspace, inputs, fake):
    fake.refuse[("POST", "services")] = 403
    with pytest.raises(ClusterError) as raised:
        Model.deploy(workspace, "greeter", [inputs.model], inputs.config, inputs.deployment,
                     deployment_target=inputs.target)
    assert "403 Forbidden" in _one_sentence(raised.value)
    assert fake.names("secrets") == fake.names("deployments") == fake.names("services") == []
    assert load_record(workspace, "greeter") is None


def test_deploy_records_applies_and_becomes_healthy(deployed, workspace, fake):
    service = deployed.service
    assert isinstance(service, KubernetesWebservice)
    record = load_record(workspace, "greeter")
    assert record["targetType"] == "kubernetes"
    assert record["cluster"] == {"kubeconfig": deployed.target.config["kubeconfig"], "context": "fake",
                                 "namespace": "ml", "registry": "127.0.0.1:5999/team"}
    container = fake.get("deployments", "greeter")["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "127.0.0.1:5999/team/greeter:v1" == record["pushedImage"]
    secret = json.loads(base64.b64decode(fake.get("secrets", "greeter-keys")["data"]["jupyter-deploy-keys.json"]))
    assert secret == dict(zip(("primaryKey", "secondaryKey"), service.get_keys()))
    service.wait_for_deployment(timeout_sec=5)
    attached = attach_service(workspace, "greeter")
    assert isinstance(attached, KubernetesWebservice)
    shape = attached.serialize()
    assert (shape["state"], shape["computeType"], shape["scoringUri"], shape["imageId"]) == (
        "Healthy", "AKS", None, "127.0.0.1:5999/team/greeter:v1")
    assert (shape["computeTarget"], shape["replicas"], shape["authEnabled"]) == ("kube", 2, True)
    assert "KubernetesWebservice(name='greeter'" in repr(attached)


def test_run_without_an_address_says_how_to_port_forward(deployed, fake):
    with pytest.raises(WebserviceError) as raised:
        deployed.service.run({"text": "hi"})
    assert "`kubectl port-forward service/greeter 8080:80 -n ml`" in _one_sentence(raised.value)
    service = fake.get("services", "greeter")
    fake.set_status("services", "greeter", {"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}]}})
    assert service["spec"]["type"] == "ClusterIP"
    assert deployed.service.scoring_uri == "http://203.0.113.7/score"
    assert deployed.service.swagger_uri == "http://203.0.113.7/swagger.json"


def test_get_logs_from_every_pod(deployed, fake):
    fake.add_pod("greeter-a", LABELS, log="one\ntwo\nthree\n")
    fake.add_pod("greeter-b", LABELS, log="four\n")
    fake.add_pod("greeter-c", LABELS)  # still starting: no log yet
    fake.add_pod("other-x", {"app.kubernetes.io/name": "other"}, log="not ours\n")
    assert deployed.service.get_logs(num_lines=2) == "greeter-a | two\ngreeter-a | three\ngreeter-b | four\n"


def test_regen_key_replaces_the_secret_and_restarts_the_pods(deployed, workspace, fake):
    primary, secondary = deployed.service.get_keys()
    deployed.service.regen_key("Primary")
    new_primary, same_secondary = KubernetesWebservice(workspace, "greeter").get_keys()
    assert new_primary != primary and same_secondary == secondary
    secret = json.loads(base64.b64decode(fake.get("secrets", "greeter-keys")["data"]["jupyter-deploy-keys.json"]))
    assert secret["primaryKey"] == new_primary
    deployment = fake.get("deployments", "greeter")
    assert RESTARTED_AT in deployment["spec"]["template"]["metadata"]["annotations"]
    assert deployment["metadata"]["generation"] == 2


def test_update_rolls_and_a_failed_rollout_is_rolled_back(deployed, workspace, fake, stubbed_build):
    deployed.service.update()  # the controller reports the rollout complete at once
    assert fake.get("deployments", "greeter")["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":v2")
    assert "jupyter-deploy/service:greeter-1" in stubbed_build.engine.images.removed  # the earlier layer's tag
    ip = fake.get("services", "greeter")["spec"]["clusterIP"]

    fake.controller = False  # the new pods never get ready: their image cannot be pulled
    fake.add_pod("greeter-new", LABELS, status={"phase": "Pending", "containerStatuses": [{
        "name": "score", "image": "x", "imageID": "", "ready": False, "restartCount": 0,
        "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}}}]})
    with pytest.raises(DeploymentFailed) as raised:
        KubernetesWebservice(workspace, "greeter").update(timeout_sec=5)
    assert "previous version was applied again" in _one_sentence(raised.value)
    container = fake.get("deployments", "greeter")["spec"]["template"]["spec"]["containers"][0]
    assert container["image"].endswith(":v2") and fake.get("services", "greeter")["spec"]["clusterIP"] == ip
    assert load_record(workspace, "greeter")["pushedImage"].endswith(":v2")


def test_failed_pods_mark_the_service_failed_and_remove_its_objects(deployed, workspace, fake):
    fake.set_status("deployments", "greeter", {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2})
    fake.add_pod("greeter-a", LABELS, log="Traceback: init() raised\n", status={"phase": "Running", "containerStatuses": [{
        "name": "score", "image": "x", "imageID": "", "ready": False, "restartCount": 3,
        "state": {"waiting": {"reason": "CrashLoopBackOff"}}, "lastState": {"terminated": {"exitCode": 3}}}]})
    service = KubernetesWebservice(workspace, "greeter")
    with pytest.raises(DeploymentFailed) as raised:
        service.wait_for_deployment(timeout_sec=5)
    assert "init() raised an error in every replica" in str(raised.value)
    assert "init() raised" in service.get_logs()  # the saved log
    assert fake.names("deployments") == fake.names("services") == fake.names("secrets") == []
    service.delete()
    assert load_record(workspace, "greeter") is None


def test_transitioning_times_out_with_what_it_waits_for(deployed, workspace, fake):
    fake.set_status("deployments", "greeter", {"observedGeneration": 1, "replicas": 2, "readyReplicas": 1,
                                               "updatedReplicas": 2})
    with pytest.raises(DeploymentFailed) as raised:
        KubernetesWebservice(workspace, "greeter").wait_for_deployment(timeout_sec=0.5)
    assert "(state Transitioning, 1 of 2 replica(s) ready, 2 updated)" in str(raised.value)


def test_delete_removes_everything_and_a_gone_cluster_is_a_sentence(deployed, workspace, fake, stubbed_build):
    fake.stop()
    shape = deployed.service.serialize()  # a listing still works: this service is Unhealthy, with the reason
    assert shape["state"] == "Unhealthy" and "Cannot reach the Kubernetes API server" in shape["error"]
    with pytest.raises(ClusterError) as raised:
        deployed.service.delete()
    assert "Cannot reach the Kubernetes API server" in _one_sentence(raised.value)
    assert load_record(workspace, "greeter") is not None  # kept: the objects may still be on the cluster
    fake.start()  # back, on another port: the kubeconfig says where
    fake.write_kubeconfig(Path(deployed.target.config["kubeconfig"]), context="fake", namespace="ml")
    KubernetesWebservice(workspace, "greeter").delete()
    assert load_record(workspace, "greeter") is None
    assert fake.names("deployments") == fake.names("services") == fake.names("secrets") == []
    assert "127.0.0.1:5999/team/greeter:v1" in stubbed_build.engine.images.removed


def test_deploy_refuses_before_any_build_when_the_cluster_is_unreachable(workspace, tmp_path, fake, kubeconfig,
                                                                          stubbed_build, monkeypatch):
    built = []
    monkeypatch.setattr(kube_service, "build_image", lambda checked, report: built.append(1))
    target = ComputeTarget.attach_kubernetes(workspace, "kube", kubeconfig=kubeconfig, context="fake",
                                             registry="127.0.0.1:5999/team")
    source = tmp_path / "src"
    source.mkdir()
    (source / "score.py").write_text(SCRIPT)
    fake.stop()
    with pytest.raises(ClusterError) as raised:
        Model.deploy(workspace, "greeter", [], InferenceConfig(entry_script="score.py", environment=Environment("light"),
                                                               source_directory=source),
                     AksWebservice.deploy_configuration(), deployment_target=target)
    assert "Cannot reach the Kubernetes API server" in _one_sentence(raised.value)
    assert built == [] and load_record(workspace, "greeter") is None
