"""Issue 13's promise with the sentiment sample, through the CLI as a user runs it: the same model, the sample's
unchanged inferenceConfig.json, first `--dc deploymentConfig.json` (one local container), then only
`--dc aksDeploymentConfig.json --ct local-swarm` (two swarm replicas with key auth).

The environment image is built once (the local deploy builds it; the swarm deploy adds only the thin models
layer on top). The load stays light: this machine has two CPUs and each replica may use one.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests

from jupyter_deploy import ComputeTarget
from jupyter_deploy.deploy import attach_service
from jupyter_deploy.errors import ServiceNotFound

pytestmark = pytest.mark.docker

LOCAL_NAME, SWARM_NAME, TARGET_NAME = "sentiment-local", "sentiment-swarm", "local-swarm"
SENTENCES = ("Today is a great day!", "This is the worst, I hate it.")
HEADERS = {"Content-Type": "application/json"}


@pytest.fixture
def cli(workspace, sentiment_project):
    """`jupyter-deploy ARGS -w WORKSPACE` run in the project folder; afterwards the two services are deleted by
    name and the target detached, whatever happened (the test itself does it through the CLI first)."""
    def run(*args):
        result = subprocess.run([sys.executable, "-m", "jupyter_deploy.cli", *args, "-w", str(workspace.path)],
                                cwd=sentiment_project, capture_output=True, text=True, timeout=1200)
        assert result.returncode == 0, result.stderr + result.stdout
        return result.stdout

    yield run
    for name in (SWARM_NAME, LOCAL_NAME):
        try:
            attach_service(workspace, name).delete()
        except ServiceNotFound:
            pass
    for target in ComputeTarget.list(workspace):
        target.detach()


def score(uri: str, text: str, headers: dict | None = None) -> requests.Response:
    return requests.post(uri, data=json.dumps({"text": text}), headers={**HEADERS, **(headers or {})}, timeout=120)


def test_only_the_deployment_configuration_moves_the_sample_to_a_two_replica_swarm(swarm, cli, workspace):
    registered = json.loads(cli("model", "register", "-p", "./models", "-n", "sentiment", "-o", "json"))

    local = json.loads(cli("model", "deploy", "-n", LOCAL_NAME, "-m", registered["id"], "--ic", "inferenceConfig.json",
                           "--dc", "deploymentConfig.json", "-q", "-o", "json"))
    assert (local["state"], local["computeType"], local["authEnabled"]) == ("Healthy", "Local", False)
    assert "computeTarget" not in local and "replicas" not in local
    local_answers = {}
    for text in SENTENCES:
        answer = score(local["scoringUri"], text)
        assert answer.status_code == 200, answer.text
        local_answers[text] = answer.json()
    assert [local_answers[text]["label"] for text in SENTENCES] == ["POSITIVE", "NEGATIVE"]

    cli("compute", "attach-swarm", "-n", TARGET_NAME)
    swarmed = json.loads(cli("model", "deploy", "-n", SWARM_NAME, "-m", registered["id"],
                             "--ic", "inferenceConfig.json", "--dc", "aksDeploymentConfig.json", "--ct", TARGET_NAME,
                             "-q", "-o", "json"))
    assert (swarmed["state"], swarmed["computeType"], swarmed["computeTarget"], swarmed["replicas"],
            swarmed["authEnabled"]) == ("Healthy", "AKS", TARGET_NAME, 2, True)
    # one environment image for both: the swarm service is only a thin models layer on top of it
    images = attach_service(workspace, SWARM_NAME).image, attach_service(workspace, LOCAL_NAME).image
    assert images[0] == images[1]

    tasks = swarm.services.get(swarmed["containerId"]).tasks(filters={"desired-state": "running"})
    assert [task["Status"]["State"] for task in tasks] == ["running", "running"]

    refused = score(swarmed["scoringUri"], SENTENCES[0])
    assert refused.status_code == 401 and "message" in refused.json()
    keys = json.loads(cli("service", "get-keys", "-n", SWARM_NAME, "-o", "json"))
    for key in (keys["primaryKey"], keys["secondaryKey"]):
        answer = score(swarmed["scoringUri"], SENTENCES[0], {"Authorization": f"Bearer {key}"})
        assert answer.status_code == 200, answer.text
    for text in SENTENCES:  # the same model and environment answer the same, wherever they run
        answer = score(swarmed["scoringUri"], text, {"Authorization": f"Bearer {keys['primaryKey']}"}).json()
        assert answer["label"] == local_answers[text]["label"]
        assert answer["score"] == pytest.approx(local_answers[text]["score"], abs=1e-6)

    for name in (SWARM_NAME, LOCAL_NAME):
        cli("service", "delete", "-n", name)
    assert json.loads(cli("service", "list", "-o", "json")) == []
    label = f"jupyter-deploy.workspace={workspace.path}"
    assert swarm.services.list(filters={"label": label}) == []
    assert swarm.secrets.list(filters={"label": label}) == []
    assert swarm.networks.list(filters={"label": label}) == []
    cli("compute", "detach", "-n", TARGET_NAME)
    assert json.loads(cli("compute", "list", "-o", "json")) == []
