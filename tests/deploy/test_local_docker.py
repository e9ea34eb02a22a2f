"""Deploying to the real Docker engine with a light environment: lifecycle, reload, failures, bad input.

Every test uses the `services` fixture, which deletes what the test deployed.
"""

from __future__ import annotations

import json
import socket
import textwrap

import pytest
import requests

from jupyter_deploy import Environment, InferenceConfig, LocalWebservice, Model
from jupyter_deploy.errors import (DeploymentFailed, DockerNotRunning, ModelInUse, PortInUse, ServiceExists,
                                   WebserviceError)
from loopback import assert_loopback_only

pytestmark = pytest.mark.docker

ECHO_SCRIPT = textwrap.dedent("""
    import json, os

    def init():
        global greeting
        model_dir = os.getenv("AZUREML_MODEL_DIR")
        with open(os.path.join(model_dir, "./models/greeting.txt")) as handle:
            greeting = handle.read().strip()

    def run(data):
        text = json.loads(data)["text"]
        return {"reply": f"{greeting} {text}", "version": VERSION, "uid": os.getuid(), "cwd": os.getcwd(),
                "model_dir": os.getenv("AZUREML_MODEL_DIR"), "flag": os.getenv("MY_FLAG")}

    VERSION = 1
""")


@pytest.fixture
def greeting_model(workspace, tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "greeting.txt").write_text("hello")
    return Model.register(workspace, model_path=folder, model_name="greeter", tags={"kind": "test"})


@pytest.fixture
def light_env():
    env = Environment("light")
    env.environment_variables = {"MY_FLAG": "on"}
    return env


def deploy_echo(workspace, model, env, tmp_path, name="echo", port=None, overwrite=False, script=ECHO_SCRIPT):
    source = tmp_path / "src"
    source.mkdir(exist_ok=True)
    (source / "score.py").write_text(script)
    config = InferenceConfig(entry_script="score.py", environment=env, source_directory=source)
    service = Model.deploy(workspace, name, [model], config, LocalWebservice.deploy_configuration(port=port),
                           overwrite=overwrite)
    service.wait_for_deployment()
    return service


def test_lifecycle(services, greeting_model, light_env, tmp_path, eventually):
    workspace = services
    service = deploy_echo(workspace, greeting_model, light_env, tmp_path)
    assert service.state == "Healthy"
    assert service.scoring_uri.startswith("http://127.0.0.1:") and service.scoring_uri.endswith("/score")

    response = requests.post(service.scoring_uri, data=json.dumps({"text": "world"}),
                             headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 200
    body = response.json()
    assert body["reply"] == "hello world"
    assert body["uid"] != 0, "the service must not run as root"
    assert body["cwd"] == "/var/azureml-app"
    assert body["model_dir"] == "azureml-models/greeter/1"
    assert body["flag"] == "on"
    assert service.run({"text": "again"})["reply"] == "hello again"
    assert requests.get(service.scoring_uri.replace("/score", "/"), timeout=10).text.strip('"') == "Healthy"

    # Reachable on loopback only (host network here: the runtime listens on 127.0.0.1; else a loopback binding).
    container = service._container()
    assert_loopback_only(container, service.port)

    # Re-attach as a restarted kernel would.
    again = LocalWebservice(workspace, "echo")
    assert again.scoring_uri == service.scoring_uri and again.state == "Healthy"
    assert [s.name for s in LocalWebservice.list(workspace)] == ["echo"]
    eventually(lambda: "POST /score 200" in service.get_logs())

    # Reload an edited script: no rebuild, new code serving.
    (tmp_path / "src" / "score.py").write_text(ECHO_SCRIPT.replace("VERSION = 1", "VERSION = 2"))
    service.reload()
    assert service.run({"text": "x"})["version"] == 2

    # A broken edit keeps the old code serving and says why.
    (tmp_path / "src" / "score.py").write_text(ECHO_SCRIPT.replace("VERSION = 1", "VERSION = 1/0"))
    with pytest.raises(DeploymentFailed, match="ZeroDivisionError"):
        service.reload()
    assert service.run({"text": "x"})["version"] == 2

    # The model is in use: it cannot be deleted.
    with pytest.raises(ModelInUse, match="used by service 'echo'"):
        greeting_model.delete()

    container_id = service.container_id
    service.delete()
    assert LocalWebservice.list(workspace) == []
    import docker.errors
    with pytest.raises(docker.errors.NotFound):
        container.client.containers.get(container_id)
    greeting_model.delete()


def test_name_in_use_overwrite_and_update(services, greeting_model, light_env, tmp_path, workspace):
    service = deploy_echo(workspace, greeting_model, light_env, tmp_path, name="twice")
    with pytest.raises(ServiceExists, match="overwrite=True"):
        deploy_echo(workspace, greeting_model, light_env, tmp_path, name="twice")
    replaced = deploy_echo(workspace, greeting_model, light_env, tmp_path, name="twice", overwrite=True)
    assert replaced.run({"text": "a"})["reply"] == "hello a"
    assert replaced.container_id != service.container_id

    folder = tmp_path / "models2"
    folder.mkdir()
    (folder / "greeting.txt").write_text("bonjour")
    new_model = Model.register(workspace, model_path=folder, model_name="greeter")
    # a folder registered under another name keeps that name: point the script at it
    script = ECHO_SCRIPT.replace("./models/greeting.txt", "./models2/greeting.txt")
    (tmp_path / "src" / "score.py").write_text(script)
    replaced.update(models=[new_model], inference_config=InferenceConfig("score.py", environment=light_env,
                                                                       source_directory=tmp_path / "src"))
    replaced.wait_for_deployment()
    assert replaced.run({"text": "a"})["reply"] == "bonjour a"
    assert replaced.run({"text": "a"})["model_dir"] == "azureml-models/greeter/2"


def test_init_failure_reports_the_traceback_and_leaves_no_container(services, greeting_model, light_env, tmp_path, workspace):
    broken = ECHO_SCRIPT.replace("greeting = handle.read().strip()", "raise RuntimeError('model file is corrupt')")
    with pytest.raises(DeploymentFailed) as failure:
        deploy_echo(workspace, greeting_model, light_env, tmp_path, name="broken", script=broken)
    message = str(failure.value)
    assert "RuntimeError: model file is corrupt" in message
    assert "did your init fail" not in message.lower()
    service = LocalWebservice(workspace, "broken")
    assert service.state == "Failed"
    assert service.container_id is None
    assert "model file is corrupt" in service.get_logs()
    # fix and deploy again under the same name without overwrite: a failed service does not block it
    fixed = deploy_echo(workspace, greeting_model, light_env, tmp_path, name="broken")
    assert fixed.state == "Healthy"


def test_port_in_use_is_refused_before_building(services, greeting_model, light_env, tmp_path, workspace):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortInUse, match=f"Port {port} on 127.0.0.1 is already in use"):
            deploy_echo(workspace, greeting_model, light_env, tmp_path, name="porty", port=port)
    assert LocalWebservice.list(workspace) == []


def test_fixed_port_is_used(services, greeting_model, light_env, tmp_path, workspace):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    service = deploy_echo(workspace, greeting_model, light_env, tmp_path, name="fixed", port=port)
    assert service.scoring_uri == f"http://127.0.0.1:{port}/score"


def test_run_error_is_reported(services, greeting_model, light_env, tmp_path, workspace):
    service = deploy_echo(workspace, greeting_model, light_env, tmp_path, name="errs")
    with pytest.raises(WebserviceError, match="HTTP 500"):
        service.run("not json")
    response = requests.post(service.scoring_uri, data="not json", timeout=30)
    assert response.status_code == 500
    assert response.headers["x-ms-run-function-failed"] == "True"
    assert service.state == "Healthy"


def test_docker_not_running_says_how_to_start_it(monkeypatch):
    from jupyter_deploy.image import docker_engine as engine

    monkeypatch.setenv("DOCKER_HOST", "unix:///tmp/no-docker-here.sock")
    engine.reset_docker_client()
    try:
        with pytest.raises(DockerNotRunning, match="dockerd"):
            engine.docker_client()
    finally:
        monkeypatch.delenv("DOCKER_HOST")
        engine.reset_docker_client()
