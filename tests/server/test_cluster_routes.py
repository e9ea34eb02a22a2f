"""REST routes of issue 13: keys of a service, compute targets, deploying to a target, where a service runs."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from jupyter_deploy import ComputeTarget, Model
from jupyter_deploy.deploy import AksServiceDeploymentConfiguration, LocalWebserviceDeploymentConfiguration
from jupyter_deploy.deploy.keys import generate_keys
from jupyter_deploy.deploy.records import save_record
from jupyter_deploy.errors import DeploymentFailed
from jupyter_deploy.server import service as server_service
from jupyter_deploy.server.requests import MAX_REPLICAS, DeployRequest
from jupyter_deploy.shapes import ServiceShape


async def test_keys_of_an_unknown_service(api):
    answer = await api("GET", "services", "nothing", "keys")
    assert answer.status == 404 and "No service named 'nothing'" in answer.json["message"]


async def test_keys_of_a_service_without_auth(api, workspace):
    save_record(workspace, {"name": "ghost", "container_id": None, "port": 45678, "image": "x", "models": [],
                            "inference_config": {"entryScript": "score.py"}, "created_time": "now", "failure": None})
    answer = await api("GET", "services", "ghost", "keys")
    assert answer.status == 400 and "key auth off" in answer.json["message"]
    bad = await api("POST", "services", "ghost", "keys", body={"keyType": "Third"})
    assert bad.status == 400 and "keyType" in bad.json["message"]


async def test_keys_are_read_from_the_record(api, workspace):
    keys = generate_keys()
    save_record(workspace, {"name": "ghost", "container_id": None, "port": 45678, "image": "x", "models": [],
                            "inference_config": {"entryScript": "score.py"}, "created_time": "now", "failure": None,
                            "keys": keys})
    assert (await api("GET", "services", "ghost", "keys")).json == keys


async def test_compute_targets(api, workspace):
    assert (await api("GET", "computeTargets")).json == []
    ComputeTarget.attach_kubernetes(workspace, "kube", registry="registry.example.com")
    targets = (await api("GET", "computeTargets")).json
    assert [t["name"] for t in targets] == ["kube"] and targets[0]["type"] == "kubernetes"


# -- the panel's part (issue 13 item 7): deploying to a target, where a service runs, Test with key auth ------------

SCORE = "def init():\n    pass\n\ndef run(data):\n    return data\n"
TO_TARGET = {"serviceName": "echo", "models": ["greeter"], "entryScript": "score.py", "computeTarget": "kube"}


@pytest.fixture
def deployable(workspace, jp_root_dir, tmp_path):
    """A model, an entry script in the root folder and an attached target (attaching only records it)."""
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "greeting.txt").write_text("hello")
    Model.register(workspace, folder, "greeter")
    (jp_root_dir / "score.py").write_text(SCORE)
    ComputeTarget.attach_kubernetes(workspace, "kube", registry="registry.example.com")
    return jp_root_dir


@pytest.mark.parametrize("changes, status, fragment", [
    ({"computeTarget": None, "replicas": 2}, 400, "replicas needs computeTarget"),
    ({"replicas": 0}, 400, "replicas: Input should be greater than or equal to 1"),
    ({"replicas": MAX_REPLICAS + 1}, 400, f"replicas: Input should be less than or equal to {MAX_REPLICAS}"),
    ({"replicas": "2"}, 400, "replicas: Input should be a valid integer"),
    ({"authEnabled": "yes"}, 400, "authEnabled: Input should be a valid boolean"),
    ({"computeTarget": "nowhere"}, 404, "No compute target named 'nowhere'"),
    ({"port": 8080}, 400, "port is for a Local Docker service; compute target 'kube'"),
    ({"collectModelData": True}, 400, "collectModelData captures the requests of a Local Docker service only"),
])
async def test_deploy_request_to_a_target_is_validated(api, deployable, changes, status, fragment):
    answer = await api("POST", "deployments", body={**TO_TARGET, **changes})
    assert answer.status == status, answer
    assert fragment in answer.json["message"]
    assert (await api("GET", "deployments")).json == []


@pytest.mark.parametrize("changes, target, kind, replicas, auth", [
    ({}, "kube", AksServiceDeploymentConfiguration, 1, True),  # Azure's defaults on a cluster: 1 replica, key auth on
    ({"replicas": 3, "authEnabled": False}, "kube", AksServiceDeploymentConfiguration, 3, False),
    ({"computeTarget": None}, None, LocalWebserviceDeploymentConfiguration, None, False),
    ({"computeTarget": None, "authEnabled": True}, None, LocalWebserviceDeploymentConfiguration, None, True),
])
def test_the_request_picks_the_target_and_its_configuration(monkeypatch, workspace, deployable, changes, target, kind,
                                                              replicas, auth):
    seen = {}

    def deploy(workspace, name, models, inference_config, deployment_config, **options):
        chosen = options["deployment_target"]
        seen.update(config=deployment_config, target=chosen.name if chosen else None)
        raise DeploymentFailed("stopped by the test")

    monkeypatch.setattr(server_service, "docker_client", lambda: None)
    monkeypatch.setattr(server_service.Model, "deploy", staticmethod(deploy))
    service = server_service.DeployService(workspace, deployable)
    job = service.start_deployment(DeployRequest.parse(json.dumps({**TO_TARGET, **changes})))
    deadline = time.monotonic() + 10
    while service.get_deployment(job["id"])["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert service.get_deployment(job["id"])["error"] == "stopped by the test"
    assert isinstance(seen["config"], kind) and seen["config"].auth_enabled is auth
    assert getattr(seen["config"], "num_replicas", None) == replicas
    assert seen["target"] == target


class FakeClusterService:
    """What a cluster target's `shape()` answers; the REST API passes it on as it is."""

    def shape(self) -> ServiceShape:
        return ServiceShape(name="sentiment", state="Healthy", compute_type="AKS", models=["sentiment:1"],
                            compute_target="local-swarm", replicas=3, auth_enabled=True)


async def test_a_cluster_service_says_where_it_runs(api, monkeypatch):
    monkeypatch.setattr(server_service, "list_services", lambda workspace: [FakeClusterService()])
    [listed] = (await api("GET", "services")).json
    assert (listed["computeType"], listed["computeTarget"], listed["replicas"], listed["authEnabled"]) == (
        "AKS", "local-swarm", 3, True)


@pytest.fixture
def key_checking_endpoint():
    """A stand-in scoring endpoint: 200 to `Authorization: Bearer <primary key>` only, 401 to anything else."""
    keys = generate_keys()

    class Endpoint(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            authorized = self.headers.get("Authorization") == f"Bearer {keys['primaryKey']}"
            body = json.dumps({"authorized": authorized}).encode()
            self.send_response(200 if authorized else 401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], keys
    server.shutdown()
    server.server_close()


async def test_the_test_route_sends_the_key_of_a_service_with_key_auth(api, workspace, key_checking_endpoint):
    port, keys = key_checking_endpoint
    save_record(workspace, {"name": "ghost", "container_id": None, "port": port, "image": "x", "models": [],
                            "inference_config": {"entryScript": "score.py"}, "created_time": "now", "failure": None,
                            "keys": keys})
    listed = (await api("GET", "services", "ghost")).json
    assert listed["authEnabled"] is True and "computeTarget" not in listed and "replicas" not in listed
    answer = await api("POST", "services", "ghost", "test", body={"body": '{"text": "hi"}'})
    assert answer.status == 200, answer
    assert (answer.json["status"], answer.json["body"]) == (200, {"authorized": True})
