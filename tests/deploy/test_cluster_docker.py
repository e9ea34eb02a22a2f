"""Key auth on a local container, and a real single-node swarm: 2 replicas, keys as secrets, rolling reload.

The swarm fixture (tests/conftest.py) runs `docker swarm init --advertise-addr 127.0.0.1` only when the engine is
not in a swarm, and leaves the swarm at the end only if it created it. Services, secrets, networks and the gateway are removed
by id through `service.delete()`.
"""

from __future__ import annotations

import textwrap
import threading

import pytest
import requests

from jupyter_deploy import AksWebservice, ComputeTarget, Environment, InferenceConfig, LocalWebservice, Model
from jupyter_deploy.deploy import attach_service, list_services

pytestmark = pytest.mark.docker

SCRIPT = textwrap.dedent("""
    import json, os, socket

    def init():
        global greeting
        with open(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "./models/greeting.txt")) as handle:
            greeting = handle.read().strip()

    def run(data):
        return {"reply": greeting + " " + json.loads(data)["text"], "version": VERSION, "host": socket.gethostname()}

    VERSION = 1
""")


@pytest.fixture
def greeting_model(workspace, tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "greeting.txt").write_text("hello")
    return Model.register(workspace, model_path=folder, model_name="greeter")


def _config(tmp_path, script=SCRIPT):
    source = tmp_path / "src"
    source.mkdir(exist_ok=True)
    (source / "score.py").write_text(script)
    return InferenceConfig(entry_script="score.py", environment=Environment("light"), source_directory=source)


@pytest.fixture
def cluster_services(workspace, docker_engine):
    yield workspace
    for service in list_services(workspace):
        service.delete()


def test_local_key_auth(cluster_services, greeting_model, tmp_path):
    ws = cluster_services
    service = Model.deploy(ws, "authed", [greeting_model], _config(tmp_path),
                           LocalWebservice.deploy_configuration(auth_enabled=True))
    service.wait_for_deployment()
    primary, secondary = service.get_keys()
    refused = requests.post(service.scoring_uri, json={"text": "x"}, timeout=10)
    assert refused.status_code == 401 and "message" in refused.json()
    assert requests.get(service.scoring_uri.replace("/score", "/"), timeout=10).status_code == 200
    assert requests.get(service.swagger_uri, timeout=10).status_code == 401
    for key in (primary, secondary):
        ok = requests.post(service.scoring_uri, json={"text": "x"}, headers={"Authorization": f"Bearer {key}"}, timeout=10)
        assert ok.status_code == 200
    assert service.run({"text": "you"})["reply"] == "hello you"  # run() sends the key itself
    service.regen_key("Primary")
    new_primary, same_secondary = LocalWebservice(ws, "authed").get_keys()
    assert new_primary != primary and same_secondary == secondary
    old = requests.post(service.scoring_uri, json={"text": "x"}, headers={"Authorization": f"Bearer {primary}"}, timeout=10)
    assert old.status_code == 401
    assert LocalWebservice(ws, "authed").run({"text": "again"})["reply"] == "hello again"


def test_swarm_two_replicas_keys_and_rolling_reload(swarm, cluster_services, greeting_model, tmp_path):
    ws = cluster_services
    target = ComputeTarget.attach_swarm(ws, "local-swarm")
    config = _config(tmp_path)
    deployment = AksWebservice.deploy_configuration(num_replicas=2, period_seconds=1, cpu_cores=1, memory_gb=0.5)
    service = Model.deploy(ws, "swarmed", [greeting_model], config, deployment, deployment_target=target)
    service.wait_for_deployment(timeout_sec=300)
    assert service.scoring_uri.startswith("http://127.0.0.1:")
    assert requests.post(service.scoring_uri, json={"text": "x"}, timeout=10).status_code == 401
    hosts = set()
    for _ in range(200):  # the gateway re-resolves the replicas every 0.5 s: the second may join a moment later
        hosts.add(service.run({"text": "you"})["host"])
        if len(hosts) == 2:
            break
    assert len(hosts) == 2  # both replicas answer through the gateway
    assert attach_service(ws, "swarmed").serialize()["state"] == "Healthy"
    assert "Listening on" in service.get_logs()

    # a rolling reload while a client keeps sending (a new connection per request): no request fails
    (tmp_path / "src" / "score.py").write_text(SCRIPT.replace("VERSION = 1", "VERSION = 2"))
    failures, answers, stop = [], [], threading.Event()
    headers = service.auth_headers()

    def client():
        while not stop.is_set():
            try:
                response = requests.post(service.scoring_uri, json={"text": "x"}, headers={**headers, "Connection": "close"},
                                         timeout=30)
                (answers if response.status_code == 200 else failures).append(response.status_code)
                if response.status_code == 200:
                    answers[-1] = response.json()["version"]
            except requests.RequestException as error:
                failures.append(repr(error))

    thread = threading.Thread(target=client)
    thread.start()
    try:
        service.reload()
    finally:
        stop.set()
        thread.join()
    assert failures == [], f"{len(failures)} failed of {len(failures) + len(answers)}: {failures[:5]}"
    assert answers and answers[-1] == 2
    assert {service.run({"text": "y"})["version"] for _ in range(6)} == {2}

    primary, _ = service.get_keys()
    service.regen_key("Primary")
    assert service.get_keys()[0] != primary
    assert service.run({"text": "z"})["reply"] == "hello z"
    with pytest.raises(Exception, match="still runs swarmed"):
        target.detach()
    layers = [service._record["serviceImage"], *service._record.get("staleImages", [])]
    service.delete()
    for tag in layers:
        assert not swarm.images.list(name=tag)  # the thin layers of this service are gone too
    assert swarm.services.list(filters={"label": f"jupyter-deploy.workspace={ws.path}"}) == []
    assert swarm.networks.list(filters={"label": f"jupyter-deploy.workspace={ws.path}"}) == []
    assert swarm.secrets.list(filters={"label": f"jupyter-deploy.workspace={ws.path}"}) == []
    target.detach()


def test_swarm_refuses_autoscale(swarm, cluster_services, greeting_model, tmp_path):
    target = ComputeTarget.attach_swarm(cluster_services, "local-swarm")
    with pytest.raises(Exception, match="does not autoscale"):
        Model.deploy(cluster_services, "scaled", [greeting_model], _config(tmp_path),
                     AksWebservice.deploy_configuration(autoscale_enabled=True), deployment_target=target)
