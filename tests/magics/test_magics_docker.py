"""The magics against the real Docker engine: deploy, test, list, logs, reload, undeploy — and Docker down."""

from __future__ import annotations


import docker.errors
import pytest

from jupyter_deploy import LocalWebservice
from jupyter_deploy.image import docker_engine as engine

pytestmark = pytest.mark.docker

SCRIPT = """
import json, os

def init():
    global greeting
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "greeting.txt")) as handle:
        greeting = handle.read().strip()

def run(data):
    return {"reply": greeting + " " + json.loads(data)["text"], "version": VERSION}

VERSION = 1
"""


@pytest.fixture(autouse=True)
def greeting_file(nb):
    (nb.folder / "greeting.txt").write_text("hello")


def run(nb, code: str):
    result = nb.shell.run_cell(code)
    assert result.error_in_exec is None and result.error_before_exec is None
    assert nb.tracebacks == []
    return result.result


def prepare(nb, capsys):
    run(nb, "%register_model greeter greeting.txt")
    dry = run(nb, f"%%score_script --dry-run greeter --sample '{{\"text\": \"dry\"}}'\n{SCRIPT}")
    assert dry.body == {"reply": "hello dry", "version": 1}
    assert run(nb, "%%environment light\n# only the runtime\n").pip_requirements() == []
    capsys.readouterr()


def test_deploy_test_list_logs_reload_undeploy(nb, services, docker_engine, capsys, eventually):
    prepare(nb, capsys)
    service = run(nb, "svc = %deploy magic-echo -m greeter:1\nsvc")
    progress = capsys.readouterr().out
    assert "Deploying service 'magic-echo'" in progress and "[image]" in progress and "[container]" in progress
    assert isinstance(service, LocalWebservice) and service.state == "Healthy"
    assert service.models[0].id == "greeter:1" and service.deploy_seconds > 0
    card = service._repr_html_()
    assert service.scoring_uri in card and service.swagger_uri in card and "deployed in" in card

    single = run(nb, '%%test_endpoint magic-echo\n{"text": "there"}')
    assert single.status == 200 and single.body == {"reply": "hello there", "version": 1}
    assert single.latency_ms > 0

    burst = run(nb, '%%test_endpoint magic-echo --repeat 50 --concurrency 4\n{"text": "again"}')
    assert burst.status_counts == {200: 50} and burst.errors == {} and len(burst.latencies_ms) == 50
    assert burst.percentile(50) <= burst.percentile(99)
    assert "<svg" in burst._repr_html_()

    listed = run(nb, "%services")
    assert [s.name for s in listed] == ["magic-echo"] and listed.rows[0]["state"] == "Healthy"
    assert "magic-echo" in listed._repr_html_()

    logs = eventually(lambda: (text := run(nb, "%service_logs magic-echo -n 100")) and "POST /score 200" in text and text)
    assert isinstance(logs, str)

    run(nb, "%%score_script\n" + SCRIPT.replace("VERSION = 1", "VERSION = 2"))
    reloaded = run(nb, "%reload magic-echo")
    assert reloaded.name == "magic-echo"
    assert run(nb, '%%test_endpoint magic-echo\n{"text": "new"}').body == {"reply": "hello new", "version": 2}

    container_id = service.container_id
    capsys.readouterr()
    assert run(nb, "%undeploy magic-echo") is None
    assert "Deleted service 'magic-echo'" in capsys.readouterr().out
    assert LocalWebservice.list(nb.workspace) == []
    with pytest.raises(docker.errors.NotFound):
        docker_engine.containers.get(container_id)


def test_deploy_with_docker_unreachable_says_how_to_start_it(nb, docker_engine, capsys, monkeypatch):
    prepare(nb, capsys)
    with monkeypatch.context() as patch:
        patch.setenv("DOCKER_HOST", "unix:///tmp/no-docker-here.sock")
        engine.reset_docker_client()
        try:
            result = nb.shell.run_cell("%deploy no-docker -m greeter")
        finally:
            engine.reset_docker_client()
    captured = capsys.readouterr()
    assert result.error_in_exec is None and result.result is None and nb.tracebacks == []
    message = captured.err.strip()
    assert "Docker engine is not running" in message and "systemctl start docker" in message
    assert "Traceback" not in captured.err + captured.out
    assert LocalWebservice.list(nb.workspace) == []
    assert docker_engine.containers.list(all=True, filters={"label": "jupyter-deploy.service=no-docker"}) == []
