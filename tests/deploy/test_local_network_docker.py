"""Issue 9.7, 9.1 and 11.4 on the real engine: a service on the host's network (this engine shares ours) or,
when asked, on a network of its own; either way reachable from 127.0.0.1 only; its worker restarts shown.

Every test uses the `services` fixture, which deletes what the test deployed.
"""

from __future__ import annotations

import textwrap

import docker.errors
import pytest
import requests

from jupyter_deploy import Environment, InferenceConfig, LocalWebservice, Model
from jupyter_deploy.display.cards import service_html, service_text
from jupyter_deploy.deploy.targets.local.network import ENV_NETWORK
from jupyter_deploy.errors import DeploymentFailed, InvalidSetting
from jupyter_deploy.image import docker_client
from loopback import assert_loopback_only

pytestmark = pytest.mark.docker

SCRIPT = textwrap.dedent("""
    import json, os

    def init():
        pass

    def run(data):
        if json.loads(data).get("crash"):
            os._exit(1)
        return {"pid": os.getpid()}
""")

BROKEN = "def init():\n    raise RuntimeError('no model here')\n\ndef run(data):\n    return data\n"


@pytest.fixture
def model(workspace, tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "greeting.txt").write_text("hello")
    return Model.register(workspace, model_path=folder, model_name="greeter")


def deploy(workspace, model, tmp_path, name, script=SCRIPT, wait=True):
    source = tmp_path / "src"
    source.mkdir(exist_ok=True)
    (source / "score.py").write_text(script)
    config = InferenceConfig(entry_script="score.py", environment=Environment("light"), source_directory=source)
    service = Model.deploy(workspace, name, [model], config, LocalWebservice.deploy_configuration(), overwrite=True)
    if wait:
        service.wait_for_deployment()
    return service


def networks_of(container_id: str) -> dict:
    return docker_client().containers.get(container_id).attrs["NetworkSettings"]["Networks"]


def network_exists(network_id: str) -> bool:
    try:
        docker_client().networks.get(network_id)
    except docker.errors.NotFound:
        return False
    return True


@pytest.fixture
def own_bridge(monkeypatch):
    monkeypatch.setenv(ENV_NETWORK, "bridge")


def test_by_default_the_service_is_on_the_host_network_listening_on_loopback_only(services, model, tmp_path, workspace,
                                                                                  monkeypatch):
    monkeypatch.delenv(ENV_NETWORK, raising=False)
    service = deploy(workspace, model, tmp_path, "hostnet")
    container = docker_client().containers.get(service.container_id)
    assert container.attrs["HostConfig"]["NetworkMode"] == "host"  # this engine shares our network namespace
    assert container.labels["jupyter-deploy.port"] == str(service.port)
    assert not docker_client().networks.list(names=[container.name])  # no network of its own to leave behind
    assert_loopback_only(container, service.port)
    assert service.run('{"text": "hi"}')["pid"] > 0
    assert LocalWebservice(workspace, "hostnet").scoring_uri == service.scoring_uri  # the port is found again


def test_a_network_setting_that_is_not_a_choice_is_one_sentence(services, model, tmp_path, workspace, monkeypatch):
    monkeypatch.setenv(ENV_NETWORK, "overlay")
    with pytest.raises(InvalidSetting, match=r"JUPYTER_DEPLOY_NETWORK='overlay' is not one of auto, host, bridge"):
        deploy(workspace, model, tmp_path, "wrongnet")
    assert LocalWebservice.list(workspace) == []
    assert not docker_client().containers.list(all=True, filters={"name": f"jupyter-deploy-wrongnet-{workspace.id}"})


def test_service_is_on_a_network_of_its_own_removed_with_it(services, model, tmp_path, workspace, own_bridge):
    service = deploy(workspace, model, tmp_path, "isolated")
    container = docker_client().containers.get(service.container_id)
    networks = networks_of(container.id)
    assert list(networks) == [container.name]  # its own network, no endpoint on the default bridge
    assert "bridge" not in networks
    network = docker_client().networks.get(networks[container.name]["NetworkID"])
    assert network.attrs["Driver"] == "bridge"
    assert network.attrs["Labels"]["jupyter-deploy.service"] == "isolated"
    assert network.attrs["Labels"]["jupyter-deploy.workspace"] == str(workspace.path)
    assert list(network.attrs["Containers"]) == [container.id]  # nothing else on it
    bridge = docker_client().networks.get("bridge")
    assert container.id not in (bridge.attrs.get("Containers") or {})  # unreachable from the default bridge
    assert_loopback_only(container, service.port)
    assert service.run('{"text": "hi"}')["pid"] > 0  # still served on 127.0.0.1

    replaced = deploy(workspace, model, tmp_path, "isolated")  # a replacing deploy: the old network goes
    assert not network_exists(network.id)
    new_network_id = networks_of(replaced.container_id)[container.name]["NetworkID"]
    replaced.delete()
    assert not network_exists(new_network_id)


def test_failed_deploy_leaves_no_network(services, model, tmp_path, workspace, own_bridge):
    service = deploy(workspace, model, tmp_path, "broken", script=BROKEN, wait=False)
    network_id = networks_of(service.container_id)[f"jupyter-deploy-broken-{workspace.id}"]["NetworkID"]
    with pytest.raises(DeploymentFailed):
        service.wait_for_deployment(timeout_sec=120)
    assert not network_exists(network_id)
    assert not docker_client().networks.list(names=[f"jupyter-deploy-broken-{workspace.id}"])


def test_worker_restarts_are_counted_and_shown(services, model, tmp_path, workspace, eventually):
    service = deploy(workspace, model, tmp_path, "recovering")
    assert service.serialize()["workers"]["restarts"] == 0
    with pytest.raises(requests.RequestException):
        requests.post(service.scoring_uri, data='{"crash": true}', timeout=30)
    shown = eventually(lambda: (lambda s: s if s["state"] == "Healthy" and (s.get("workers") or {}).get("restarts")
                                else None)(LocalWebservice(workspace, "recovering").serialize()), timeout=60)
    assert shown["workers"]["restarts"] >= 1
    assert "exit" in shown["workers"]["lastDeath"]["cause"]
    assert service.run('{"text": "again"}')["pid"] > 0
    assert "worker restarts" in service_text(shown) and "exit" in service_text(shown)
    assert "worker restarts" in service_html(shown)
