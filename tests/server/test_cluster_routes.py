"""REST routes of issue 13: keys of a service, compute targets."""

from jupyter_deploy import ComputeTarget
from jupyter_deploy.deploy.keys import generate_keys
from jupyter_deploy.deploy.records import save_record


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
