"""The side panel's whole path against the real Docker engine: deploy in the background, watch it, use it, remove it.

Every test uses the `services` fixture, which deletes what the test deployed.
"""

from __future__ import annotations

import asyncio
import json
import textwrap
import time

import pytest

from jupyter_deploy import Environment, Model
from jupyter_deploy.environment import save_environment

pytestmark = pytest.mark.docker

ECHO_SCRIPT = textwrap.dedent("""
    import json, os

    def init():
        global greeting
        with open(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "./models/greeting.txt")) as handle:
            greeting = handle.read().strip()

    def run(data):
        return {"reply": f"{greeting} {json.loads(data)['text']}", "version": VERSION}

    VERSION = 1
""")

FAILING_SCRIPT = textwrap.dedent("""
    def init():
        raise RuntimeError("the model file is corrupt")

    def run(data):
        return data
""")


@pytest.fixture
def greeter(workspace, tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "greeting.txt").write_text("hello")
    save_environment(workspace, Environment("light"))  # the light image the integration tests build, if present
    return Model.register(workspace, folder, "greeter")


def write_script(root, text: str):
    path = root / "src" / "score.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


async def follow(api, deployment_id: str, deadline_s: float = 600) -> tuple[dict, list[dict], list[str]]:
    """Poll as the panel does, asking only for new log lines; returns the last answer, every answer, and the log."""
    seen: list[dict] = []
    log: list[str] = []
    give_up = time.monotonic() + deadline_s
    while True:
        answer = await api("GET", "deployments", deployment_id, params={"since": str(len(log))})
        assert answer.status == 200, answer
        assert answer.json["logStart"] == len(log)
        log.extend(answer.json["log"])
        assert answer.json["logTotal"] == len(log)
        seen.append(answer.json)
        if answer.json["status"] != "running":
            return answer.json, seen, log
        assert time.monotonic() < give_up, f"deployment still running: {answer.json}"
        await asyncio.sleep(0.2)


async def test_deploy_use_reload_and_remove(api, services, greeter, jp_root_dir):
    script = write_script(jp_root_dir, ECHO_SCRIPT)
    request = {"serviceName": "panel-echo", "models": ["greeter"], "entryScript": "src/score.py",
               "sourceDirectory": "src", "environment": "light"}

    started = await api("POST", "deployments", body=request)
    assert started.status == 202, started
    deployment = started.json
    assert deployment["serviceName"] == "panel-echo" and deployment["startedTime"]
    assert deployment["status"] in ("running", "succeeded") and deployment["error"] is None

    # A second deployment of the same name is refused whether the first is still running or already done.
    again = await api("POST", "deployments", body=request)
    assert again.status == 409, again

    final, seen, log = await follow(api, deployment["id"])
    assert final["status"] == "succeeded", final
    assert final["phase"] == "ready" and final["progress"] == 1.0 and final["error"] is None
    assert "Preparing the environment image" in log
    assert any(line.startswith("Starting container") for line in log)
    assert log[-1].startswith("Service 'panel-echo' is Healthy at http://127.0.0.1:")
    progress = [answer["progress"] for answer in seen]
    assert progress == sorted(progress)
    assert final["service"]["state"] == "Healthy" and final["service"]["models"] == ["greeter:1"]

    full = await api("GET", "deployments", deployment["id"])
    assert full.json["log"] == log and full.json["logStart"] == 0
    assert [d["id"] for d in (await api("GET", "deployments")).json] == [deployment["id"]]

    exists = await api("POST", "deployments", body=request)
    assert exists.status == 409 and "already exists" in exists.json["message"]

    [listed] = (await api("GET", "services")).json
    assert listed["name"] == "panel-echo" and listed["state"] == "Healthy"
    assert listed["entryScript"] == "score.py" and listed["error"] is None
    assert listed["scoringUri"] == f"http://127.0.0.1:{listed['port']}/score"

    tested = await api("POST", "services", "panel-echo", "test", body={"body": json.dumps({"text": "world"})})
    assert tested.status == 200, tested
    assert tested.json["status"] == 200 and tested.json["errors"] == 0 and tested.json["repeat"] == 1
    assert tested.json["body"] == {"reply": "hello world", "version": 1}
    assert tested.json["latencyMs"] > 0 and "content-type" in {k.lower() for k in tested.json["headers"]}

    burst = await api("POST", "services", "panel-echo", "test", body={"body": json.dumps({"text": "x"}), "repeat": 5})
    assert burst.json["repeat"] == 5 and burst.json["errors"] == 0
    assert burst.json["p50Ms"] <= burst.json["p90Ms"] <= burst.json["p99Ms"]

    for _ in range(100):  # log lines reach Docker a few milliseconds after their request: wait, do not time
        logs = await api("GET", "services", "panel-echo", "logs", params={"lines": "50"})
        if "/score" in logs.json["logs"]:
            break
        await asyncio.sleep(0.1)
    assert logs.status == 200 and "/score" in logs.json["logs"]

    in_use = await api("DELETE", "models", "greeter", "1")
    assert in_use.status == 409 and "panel-echo" in in_use.json["message"]

    script.write_text(ECHO_SCRIPT.replace("VERSION = 1", "VERSION = 2"))
    reloaded = await api("POST", "services", "panel-echo", "reload")
    assert reloaded.status == 200 and reloaded.json["name"] == "panel-echo" and reloaded.json["seconds"] > 0
    after = await api("POST", "services", "panel-echo", "test", body={"body": json.dumps({"text": "x"})})
    assert after.json["body"]["version"] == 2

    script.write_text(ECHO_SCRIPT.replace("VERSION = 1", "VERSION = 1/0"))
    broken = await api("POST", "services", "panel-echo", "reload")
    assert broken.status == 409 and "ZeroDivisionError" in broken.json["message"]
    still = await api("POST", "services", "panel-echo", "test", body={"body": json.dumps({"text": "x"})})
    assert still.json["body"]["version"] == 2

    assert (await api("DELETE", "services", "panel-echo")).status == 204
    assert (await api("GET", "services")).json == []
    assert (await api("GET", "services", "panel-echo")).status == 404
    assert (await api("DELETE", "models", "greeter", "1")).status == 204
    assert (await api("GET", "models")).json == []


async def test_a_failing_init_ends_the_deployment_with_the_reason(api, services, greeter, jp_root_dir):
    write_script(jp_root_dir, FAILING_SCRIPT)
    started = await api("POST", "deployments", body={"serviceName": "panel-broken", "models": ["greeter:1"],
                                                     "entryScript": "src/score.py", "environment": "light"})
    assert started.status == 202, started

    final, _seen, log = await follow(api, started.json["id"])
    assert final["status"] == "failed"
    assert "the model file is corrupt" in final["error"]
    assert final["service"]["state"] == "Failed" and "the model file is corrupt" in final["service"]["error"]
    assert "the model file is corrupt" in "\n".join(log)

    # A failed service may be replaced without overwrite, as the core allows.
    write_script(jp_root_dir, ECHO_SCRIPT)
    retry = await api("POST", "deployments", body={"serviceName": "panel-broken", "models": ["greeter:1"],
                                                   "entryScript": "src/score.py", "environment": "light"})
    assert retry.status == 202, retry
    final, _seen, _log = await follow(api, retry.json["id"])
    assert final["status"] == "succeeded", final
