"""Every REST route through a real Jupyter server (jp_fetch), with its bad inputs; no container is started here.

Models and services are created through the Python API on the same workspace, as a notebook would, so these
tests also show the panel sees what a notebook did without any caching in between.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from jupyter_deploy import Environment, Model, __version__
from jupyter_deploy.image.docker_engine import reset_docker_client
from jupyter_deploy.deploy.records import save_record as _save_record
from jupyter_deploy.environment import save_environment

SCORE = textwrap.dedent("""
    def init():
        pass

    def run(data):
        return data
""")


@pytest.fixture
def model_folder(tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "greeting.txt").write_text("hello")
    return folder


@pytest.fixture
def score_script(jp_root_dir):
    path = jp_root_dir / "src" / "score.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SCORE)
    return path


@pytest.fixture
def docker_down(monkeypatch):
    """Point the Docker SDK at nothing; the next real test reconnects because the cached client is dropped."""
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")
    reset_docker_client()
    yield
    reset_docker_client()


@pytest.fixture
def vanished_service(workspace, model_folder, score_script):
    """What a deployment leaves in the workspace after its container was removed from outside: no Docker needed."""
    model = Model.register(workspace, model_folder, "greeter")
    record = {
        "name": "ghost", "container_id": None, "port": 45678, "image": "jupyter-deploy/env:0000",
        "models": [model.id], "created_time": "2024-01-01T00:00:00+00:00", "failure": None,
        "inference_config": {"entryScript": "score.py", "entryScriptPath": str(score_script),
                             "sourceDirectory": None, "environment": Environment("light").to_dict(),
                             "description": None},
    }
    _save_record(workspace, record)
    return model


async def test_status(api, workspace):
    answer = await api("GET", "status")
    assert answer.status == 200
    assert answer.json["version"] == __version__
    assert answer.json["workspace"] == str(workspace.path)
    assert isinstance(answer.json["docker"]["running"], bool)


async def test_status_and_deploy_when_docker_is_down(api, docker_down, score_script, workspace, model_folder):
    Model.register(workspace, model_folder, "greeter")
    status = await api("GET", "status")
    assert status.status == 200
    assert status.json["docker"]["running"] is False
    assert "tcp://127.0.0.1:9" in status.json["docker"]["message"]

    answer = await api("POST", "deployments", body={"serviceName": "echo", "models": ["greeter"],
                                                    "entryScript": "src/score.py"})
    assert answer.status == 503
    assert "Docker engine is not running" in answer.json["message"]
    # Azure's habit (entry script relative to source_directory) passes every check before Docker is needed.
    azure_style = await api("POST", "deployments", body={**GOOD, "entryScript": "score.py", "sourceDirectory": "src"})
    assert azure_style.status == 503, azure_style
    assert (await api("GET", "deployments")).json == []


async def test_models(api, workspace, model_folder):
    assert (await api("GET", "models")).json == []

    Model.register(workspace, model_folder, "zeta")
    first = Model.register(workspace, model_folder, "alpha", description="v1", tags={"area": "nlp"},
                           model_framework="Keras")
    (model_folder / "extra.txt").write_text("more")
    Model.register(workspace, model_folder, "alpha")

    answer = await api("GET", "models")
    assert answer.status == 200
    assert [group["name"] for group in answer.json] == ["alpha", "zeta"]
    alpha = answer.json[0]
    assert alpha["latestVersion"] == 2
    assert [v["id"] for v in alpha["versions"]] == ["alpha:2", "alpha:1"]
    assert alpha["versions"][1] == first.serialize()  # one shape for a model, everywhere
    assert {k: alpha["versions"][1][k] for k in ("id", "name", "version", "description", "tags", "framework",
                                                 "createdTime")} == {
        "id": "alpha:1", "name": "alpha", "version": 1, "description": "v1", "tags": {"area": "nlp"},
        "framework": "Keras", "createdTime": first.created_time,
    }

    one = await api("GET", "models", "alpha")
    assert one.status == 200 and one.json == alpha

    detail = await api("GET", "models", "alpha", "2")
    assert detail.status == 200
    assert detail.json["id"] == "alpha:2"
    assert detail.json["properties"] == {} and detail.json["frameworkVersion"] is None
    files = {f["path"]: f for f in detail.json["files"]}
    assert set(files) == {"models/extra.txt", "models/greeting.txt"}
    assert files["models/extra.txt"]["size"] == 4 and len(files["models/extra.txt"]["sha256"]) == 64


async def test_model_lookups_that_fail(api, workspace, model_folder):
    Model.register(workspace, model_folder, "alpha")
    unknown = await api("GET", "models", "nope")
    assert unknown.status == 404 and "No model named 'nope'" in unknown.json["message"]
    assert (await api("GET", "models", "alpha", "7")).status == 404
    assert (await api("GET", "models", "alpha", "latest")).status == 404
    assert (await api("DELETE", "models", "alpha", "7")).status == 404
    bad_name = await api("GET", "models", "-bad")
    assert bad_name.status == 400 and "Invalid model name" in bad_name.json["message"]


async def test_delete_model_version(api, workspace, model_folder):
    Model.register(workspace, model_folder, "alpha")
    Model.register(workspace, model_folder, "alpha")
    assert (await api("DELETE", "models", "alpha", "1")).status == 204
    assert [v["version"] for v in (await api("GET", "models", "alpha")).json["versions"]] == [2]
    assert (await api("GET", "models", "alpha", "1")).status == 404


async def test_model_in_use_cannot_be_deleted(api, vanished_service):
    answer = await api("DELETE", "models", "greeter", "1")
    assert answer.status == 409
    assert "used by service 'ghost'" in answer.json["message"]


async def test_services_show_live_state(api, vanished_service):
    listed = await api("GET", "services")
    assert listed.status == 200
    assert [s["name"] for s in listed.json] == ["ghost"]
    ghost = listed.json[0]
    assert set(ghost) == {"name", "state", "computeType", "scoringUri", "swaggerUri", "port", "imageId", "models",
                          "entryScript", "createdTime", "error", "containerId", "authEnabled"}
    assert ghost["state"] == "Failed" and "no longer exists" in ghost["error"]
    assert ghost["scoringUri"] == "http://127.0.0.1:45678/score" and ghost["computeType"] == "Local"
    assert ghost["authEnabled"] is False  # issue 13: no computeTarget or replicas on Local Docker
    assert ghost["models"] == ["greeter:1"] and ghost["entryScript"] == "score.py"
    assert (await api("GET", "services", "ghost")).json == ghost

    logs = await api("GET", "services", "ghost", "logs", params={"lines": "10"})
    assert logs.status == 200 and logs.json == {"name": "ghost", "logs": ""}

    assert (await api("DELETE", "services", "ghost")).status == 204
    assert (await api("GET", "services")).json == []


async def test_unknown_service(api):
    for method, path in [("GET", ()), ("DELETE", ()), ("GET", ("logs",)), ("POST", ("reload",))]:
        answer = await api(method, "services", "nothing", *path)
        assert answer.status == 404, (method, path, answer)
        assert "No service named 'nothing'" in answer.json["message"]
    test = await api("POST", "services", "nothing", "test", body={"body": "{}"})
    assert test.status == 404


@pytest.mark.parametrize("body, fragment", [
    ("{not json", "not valid JSON"),
    ({}, "body: Field required"),
    ({"body": {"text": "hi"}}, "body: Input should be a valid string"),
    ({"body": "{}", "repeat": 0}, "repeat: Input should be greater than or equal to 1"),
    ({"body": "{}", "extra": 1}, "extra: Extra inputs are not permitted"),
])
async def test_endpoint_test_bad_bodies(api, body, fragment):
    answer = await api("POST", "services", "nothing", "test", body=body)
    assert answer.status == 400
    assert fragment in answer.json["message"]


async def test_bad_query_arguments(api):
    lines = await api("GET", "services", "nothing", "logs", params={"lines": "many"})
    assert lines.status == 400 and "lines='many'" in lines.json["message"]
    since = await api("GET", "deployments", "abc", params={"since": "-1"})
    assert since.status == 400 and "since" in since.json["message"]


async def test_unknown_deployment(api):
    assert (await api("GET", "deployments")).json == []
    answer = await api("GET", "deployments", "0123456789ab")
    assert answer.status == 404 and "No deployment '0123456789ab'" in answer.json["message"]


DROP = object()
GOOD = {"serviceName": "echo", "models": ["greeter"], "entryScript": "src/score.py"}


@pytest.mark.parametrize("changes, status, fragment", [
    (None, 400, "not valid JSON"),
    ({"serviceName": DROP}, 400, "serviceName: Field required"),
    ({"serviceName": 7}, 400, "serviceName: Input should be a valid string"),
    ({"models": "greeter"}, 400, "models: Input should be a valid array"),
    ({"port": 70000}, 400, "Port 70000 cannot be used for a service; use a number from 1024 to 65535"),
    ({"port": 1}, 400, "ports below 1024 are privileged"),
    ({"port": "8080"}, 400, "port: Input should be a valid integer"),
    ({"entryScript": "src/score.py\x00.txt"}, 400, "entryScript contains a NUL byte"),
    ({"sourceDirectory": "src\x00"}, 400, "sourceDirectory contains a NUL byte"),
    ({"entryScript": "a" * 5000 + ".py"}, 400, "entryScript cannot be used as a path (File name too long)"),
    ({"entryScript": "src/" + "b" * 300 + ".py"}, 400, "File name too long"),
    ({"serviceName": "Bad_Name"}, 400, "Invalid service name"),
    ({"models": ["unknown"]}, 404, "No model named 'unknown'"),
    ({"models": ["greeter:9"]}, 404, "has no version 9"),
    ({"entryScript": "../outside.py"}, 400, "outside the Jupyter root folder"),
    ({"entryScript": "/etc/passwd"}, 400, "outside the Jupyter root folder"),
    ({"entryScript": "src/missing.py"}, 400, "does not exist"),
    ({"sourceDirectory": "../.."}, 400, "sourceDirectory '../..' is outside"),
    ({"condaFile": "../env.yml"}, 400, "condaFile '../env.yml' is outside"),
    ({"environment": "nowhere"}, 400, "No environment named 'nowhere'"),
    ({"environment": "light", "requirementsFile": "req.txt"}, 400, "Give only one environment"),
    ({"unknownField": 1}, 400, "unknownField: Extra inputs are not permitted"),
])
async def test_deploy_request_is_validated_before_anything_starts(api, workspace, model_folder, score_script,
                                                                 changes, status, fragment):
    Model.register(workspace, model_folder, "greeter")
    save_environment(workspace, Environment("light"))
    body = "{not json" if changes is None else {k: v for k, v in {**GOOD, **changes}.items() if v is not DROP}
    answer = await api("POST", "deployments", body=body)
    assert answer.status == status, answer
    assert fragment in answer.json["message"]
    assert (await api("GET", "deployments")).json == []


async def test_scripts_lists_known_scripts_inside_the_root(api, workspace, score_script, tmp_path):
    outside = tmp_path / "elsewhere.py"
    outside.write_text(SCORE)
    workspace.record_script(score_script, source="score_script")
    workspace.record_script(outside, source="service")
    answer = await api("GET", "scripts")
    assert answer.status == 200
    assert [(s["path"], s["source"]) for s in answer.json] == [("src/score.py", "score_script")]
    assert answer.json[0]["modifiedTime"].endswith("+00:00")


async def test_environments(api, workspace):
    assert (await api("GET", "environments")).json == []
    env = Environment("tools")
    env.python.conda_dependencies.add_pip_package("requests==2.31.0")
    save_environment(workspace, env)
    answer = await api("GET", "environments")
    assert answer.status == 200
    [listed] = answer.json
    assert listed["name"] == "tools"
    assert listed["pipRequirements"] == ["requests==2.31.0"]
    assert "pythonVersion" in listed and listed["updatedTime"]


async def test_requests_without_the_token_are_refused(http_server_client, jp_base_url, jp_serverapp):
    base = f"{jp_base_url}jupyter-deploy/api"
    for method, path, body in [("GET", "models", None), ("GET", "status", None), ("DELETE", "services/x", None),
                               ("POST", "deployments", json.dumps(GOOD)), ("POST", "services/x/test", "{}")]:
        response = await http_server_client.fetch(f"{base}/{path}", method=method, body=body, raise_error=False)
        assert response.code in (401, 403), (method, path, response.code)
