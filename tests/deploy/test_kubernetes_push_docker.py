"""The Kubernetes target's push against a real registry: Debian's `docker-registry` on 127.0.0.1, started and
stopped by the test, storing in a temporary folder (the engine pushes to 127.0.0.0/8 over plain HTTP by default).

Then a whole `Model.deploy` to a Kubernetes target whose registry is that registry and whose kubeconfig points at
the fake API server (`fake_kubernetes.py`): the image is really built, really pushed, and the Deployment the fake
server stored names exactly what the registry holds. No cluster ran anything: there is none on this machine.
Images the test created are removed by id; the environment image only when this test built it.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import tarfile
import textwrap
import time
import uuid

import docker.errors
import pytest
import requests

from fake_kubernetes import FakeKubernetes
from greeter import greeter_inputs

from jupyter_deploy import AksWebservice, ComputeTarget, Model
from jupyter_deploy.deploy import list_services
from jupyter_deploy.deploy.records import load_record
from jupyter_deploy.deploy.targets.kubernetes.push import push_service_image
from jupyter_deploy.errors import RegistryPushError

pytestmark = pytest.mark.docker

MANIFEST_TYPES = ", ".join(["application/vnd.docker.distribution.manifest.v2+json",
                            "application/vnd.oci.image.manifest.v1+json"])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def registry(tmp_path, docker_engine):
    """`host:port` of a registry process this test owns (stopped by its pid at the end)."""
    executable = shutil.which("docker-registry")
    if executable is None:
        missing = "docker-registry is not installed; run `bash scripts/setup.sh` (apt-get install docker-registry)."
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):  # under CI the docker tests must really run
            pytest.fail(missing)
        pytest.skip(missing)
    port = _free_port()
    config = tmp_path / "registry.yml"
    config.write_text(textwrap.dedent(f"""\
        version: 0.1
        log:
          level: warn
        storage:
          filesystem:
            rootdirectory: {tmp_path / "registry-storage"}
          delete:
            enabled: true
        http:
          addr: 127.0.0.1:{port}
    """))
    log = open(tmp_path / "registry.log", "wb")
    process = subprocess.Popen([executable, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/v2/", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"docker-registry did not start: {(tmp_path / 'registry.log').read_text()}")
            time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def tiny_image(docker_engine):
    """A one-file image FROM scratch, tagged like a service image; removed by id afterwards."""
    suffix = uuid.uuid4().hex[:8]
    tag = f"jupyter-deploy/service:pushtest-{suffix}"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in (("Dockerfile", b"FROM scratch\nCOPY hello.txt /hello.txt\n"), ("hello.txt", b"hello\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    image, _ = docker_engine.images.build(fileobj=buffer, custom_context=True, tag=tag, rm=True, pull=False)
    yield tag, suffix, image.id
    docker_engine.images.remove(image.id, force=True)  # every tag of it, the registry ones included


def test_push_reaches_the_registry(registry, tiny_image, docker_engine):
    tag, suffix, image_id = tiny_image
    lines = []
    pushed = push_service_image(docker_engine, tag, f"{registry}/team", "pushtest", lambda phase, line: lines.append(line))
    assert pushed.reference == f"{registry}/team/pushtest:{suffix}" and pushed.created_tag
    assert pushed.digest and pushed.digest.startswith("sha256:")
    assert docker_engine.images.get(pushed.reference).id == image_id
    assert any(line.startswith("Pushed ") for line in lines) and any(": Pushed" in line for line in lines)
    tags = requests.get(f"http://{registry}/v2/team/pushtest/tags/list", timeout=10).json()
    assert tags == {"name": "team/pushtest", "tags": [suffix]}
    manifest = requests.get(f"http://{registry}/v2/team/pushtest/manifests/{suffix}", timeout=10,
                            headers={"Accept": MANIFEST_TYPES})
    assert manifest.status_code == 200 and manifest.headers["Docker-Content-Digest"] == pushed.digest

    again = push_service_image(docker_engine, tag, f"{registry}/team", "pushtest", lambda phase, line: lines.append(line))
    assert again.reference == pushed.reference and not again.created_tag  # same content: nothing new


def test_an_unreachable_registry_is_one_sentence(tiny_image, docker_engine):
    tag, suffix, _ = tiny_image
    port = _free_port()  # nothing listens there
    with pytest.raises(RegistryPushError) as raised:
        push_service_image(docker_engine, tag, f"127.0.0.1:{port}/team", "pushtest", lambda phase, line: None)
    text = str(raised.value)
    assert f"The registry 127.0.0.1:{port} cannot be reached" in text and "\n" not in text
    assert f"127.0.0.1:{port}/team/pushtest:{suffix}" not in {t for i in docker_engine.images.list() for t in i.tags}


SCRIPT = textwrap.dedent("""
    import json, os

    def init():
        global greeting
        with open(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "greeting.txt")) as handle:
            greeting = handle.read().strip()

    def run(data):
        return {"reply": greeting + " " + json.loads(data)["text"], "version": VERSION}

    VERSION = 1
""")


@pytest.fixture
def fake_cluster():
    server = FakeKubernetes().start()
    yield server
    server.stop()


def test_model_deploy_pushes_and_the_deployment_names_the_pushed_image(registry, fake_cluster, workspace, tmp_path,
                                                                       docker_engine):
    before = {image.id for image in docker_engine.images.list()}
    name = f"kube-{uuid.uuid4().hex[:6]}"
    model, config = greeter_inputs(workspace, tmp_path, SCRIPT)
    kubeconfig = fake_cluster.write_kubeconfig(tmp_path / "kubeconfig", context="fake", namespace="ml")
    target = ComputeTarget.attach_kubernetes(workspace, "kube", kubeconfig=str(kubeconfig), context="fake",
                                             namespace="ml", registry=f"{registry}/team")
    made_tags, made_ids = set(), []  # service layers first, the environment image last (it is their parent)

    def remember(record):
        made_tags.update({record["serviceImage"], record["pushedImage"]})
        made_ids.insert(0, docker_engine.images.get(record["serviceImage"]).id)
        environment = docker_engine.images.get(record["image"]).id
        if environment not in made_ids:
            made_ids.append(environment)

    try:
        service = Model.deploy(workspace, name, [model], config, AksWebservice.deploy_configuration(num_replicas=2),
                               deployment_target=target)
        record = load_record(workspace, name)
        remember(record)
        pushed_repository, pushed_tag = record["pushedImage"].rsplit(":", 1)
        assert pushed_repository == f"{registry}/team/{name}"
        deployment = fake_cluster.get("deployments", name)
        assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == record["pushedImage"]
        assert deployment["spec"]["replicas"] == 2
        tags = requests.get(f"http://{registry}/v2/team/{name}/tags/list", timeout=10).json()
        assert tags["tags"] == [pushed_tag]
        service.wait_for_deployment(timeout_sec=10)  # the fake reports the rollout complete
        assert service.state == "Healthy"

        # an edited entry script: a new layer, pushed under a new tag, rolled out by replacing the Deployment
        (tmp_path / "src" / "score.py").write_text(SCRIPT.replace("VERSION = 1", "VERSION = 2"))
        service.reload(timeout_sec=30)
        record = load_record(workspace, name)
        remember(record)
        assert record["pushedImage"] != f"{pushed_repository}:{pushed_tag}"
        deployment = fake_cluster.get("deployments", name)
        assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == record["pushedImage"]
        assert deployment["metadata"]["generation"] == 2
        tags = requests.get(f"http://{registry}/v2/team/{name}/tags/list", timeout=10).json()
        assert sorted(tags["tags"]) == sorted([pushed_tag, record["pushedImage"].rsplit(":", 1)[1]])

        service.delete()
        assert fake_cluster.names("deployments") == fake_cluster.names("services") == []
        local_tags = {tag for image in docker_engine.images.list() for tag in image.tags}
        assert not local_tags & made_tags  # delete() untagged what it made on this engine
    finally:
        for service in list_services(workspace):
            service.delete()
        for image_id in made_ids:
            if image_id not in before:  # built by this test
                try:
                    docker_engine.images.remove(image_id, force=True)
                except docker.errors.ImageNotFound:
                    pass
