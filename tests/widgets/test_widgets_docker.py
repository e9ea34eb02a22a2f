"""The panels against the real Docker engine: deploy from the form, score from the tester, delete.

The environment is the light one the other integration tests use, so its image is usually cached already.
"""

from __future__ import annotations

import textwrap

import pytest

from jupyter_deploy import Environment, LocalWebservice, Model
from jupyter_deploy.widgets import DeployPanel, EndpointTester, RegistryBrowser
from jupyter_deploy.environment import save_environment

pytestmark = pytest.mark.docker

ECHO_SCRIPT = textwrap.dedent("""
    import json, os

    def init():
        global greeting
        with open(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "greeting.txt")) as handle:
            greeting = handle.read().strip()

    def run(data):
        return {"reply": f"{greeting}: {json.loads(data)['text']}"}
""")


def test_deploy_panel_then_endpoint_tester(services, tmp_path, monkeypatch):
    workspace = services
    (tmp_path / "greeting.txt").write_text("hello")
    Model.register(workspace, tmp_path / "greeting.txt", "greeter")
    save_environment(workspace, Environment("light"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "score.py").write_text(ECHO_SCRIPT)

    panel = DeployPanel(workspace)
    panel.models.value = ("greeter:1",)
    panel.environment.value = "light"
    panel.service_name.value = "panel-echo"
    panel.deploy_button.click()
    assert panel.thread is not None
    panel.thread.join(timeout=600)
    assert not panel.thread.is_alive()

    assert panel.service is not None, panel.status.value
    assert panel.service.state == "Healthy"
    assert 'data-state="Healthy"' in panel.status.value and panel.service.scoring_uri in panel.status.value
    assert panel.progress.bar.value == panel.progress.bar.max and panel.progress.bar.bar_style == "success"
    assert not panel.deploy_button.disabled

    # Deploying again under the same name without Overwrite is refused, in the panel.
    panel.deploy_button.click()
    panel.thread.join(timeout=600)
    assert "already exists" in panel.status.value and panel.progress.bar.bar_style == "danger"

    tester = EndpointTester("panel-echo", workspace=workspace)
    tester.send_button.click()
    assert tester.last_result.status == 200
    assert tester.last_result.body == {"reply": "hello: Today is a great day!"}
    assert "HTTP 200" in tester.response.value and "hello: Today is a great day!" in tester.response.value

    # While the service runs, its model cannot be deleted from the browser.
    browser = RegistryBrowser(workspace)
    browser.models.value = "greeter:1"
    browser.delete_button.click()
    assert "used by service &#x27;panel-echo&#x27;" in browser.message.value

    LocalWebservice(workspace, "panel-echo").delete()
    assert LocalWebservice.list(workspace) == []
    browser.delete_button.click()
    assert Model.list(workspace) == [] and "Deleted model greeter:1" in browser.message.value
