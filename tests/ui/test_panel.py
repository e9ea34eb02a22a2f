"""The Deployments side panel in a real browser, on a real JupyterLab server, deploying to the real Docker engine.

A model is registered from Python and an echo `score.py` written before the browser opens; then, as a user
would: open the panel from the command palette, see the model, deploy it from the Deploy dialog, wait for the
Healthy badge, send `{"text": "world"}` from the Test dialog, reload, read the logs, undeploy. A second test
picks an attached swarm in the Deploy dialog's Target (issue 13). Screenshots of every step go to
tests/ui/screenshots/.
"""

from __future__ import annotations

import re
import secrets
import textwrap

import pytest

from jupyter_deploy import LocalWebservice, Model, Workspace

pytestmark = [pytest.mark.docker, pytest.mark.browser, pytest.mark.timeout(900)]

ECHO_SCRIPT = textwrap.dedent("""
    import json
    import os


    def init():
        global greeting
        path = os.path.join(os.getenv('AZUREML_MODEL_DIR'), './models/greeting.txt')
        with open(path) as handle:
            greeting = handle.read().strip()


    def run(data):
        return {"reply": greeting + " " + json.loads(data)["text"]}
""")

PANEL = "#jupyter-deploy-panel"
DEPLOY_TIMEOUT_MS = 600_000


@pytest.fixture
def echo_setup(lab_server):
    """The greeting model in the server's workspace and score.py in its root; services removed afterwards."""
    workspace = Workspace(lab_server.deploy_home)
    models = lab_server.root_dir / "models"
    models.mkdir()
    (models / "greeting.txt").write_text("hello\n")
    model = Model.register(workspace=workspace, model_path=str(models), model_name="greeting",
                           tags={"purpose": "ui-test"}, description="says hello")
    (lab_server.root_dir / "score.py").write_text(ECHO_SCRIPT)
    try:
        yield workspace, model
    finally:
        for service in LocalWebservice.list(workspace):
            service.delete()


def open_panel(page, lab_server):
    """Open JupyterLab, then the Deployments panel from the command palette; answers the panel."""
    page.goto(lab_server.lab_url())
    page.wait_for_selector("#jp-main-dock-panel", timeout=90_000)
    # The side bar has the panel's tab even before it is opened.
    page.wait_for_selector(f'.jp-SideBar .lm-TabBar-tab[data-id="{PANEL[1:]}"]')
    page.keyboard.press("Control+Shift+C")
    palette = page.locator("#command-palette")
    palette.locator("input").fill("Open Deployments")
    palette.locator(".lm-CommandPalette-item", has_text="Open Deployments").first.click()
    panel = page.locator(PANEL)
    panel.wait_for(state="visible")
    return panel


def test_deploy_test_and_undeploy_from_the_panel(lab_server, echo_setup, browser_page, screenshot):
    workspace, model = echo_setup
    page = browser_page
    service_name = f"ui-echo-{secrets.token_hex(3)}"

    panel = open_panel(page, lab_server)
    palette = page.locator("#command-palette")

    # The registered model, its version, tags and files.
    model_node = panel.locator('[data-model="greeting"]')
    model_node.wait_for()
    model_node.locator(".jp-Deploy-treeRow").first.click()
    version_node = panel.locator(f'[data-model-version="{model.id}"]')
    version_node.locator(".jp-Deploy-treeRow").click()
    version_node.locator(".jp-Deploy-files", has_text="greeting.txt").wait_for()
    assert "purpose=ui-test" in version_node.inner_text()
    panel.get_by_text("No service running").wait_for()
    screenshot("01-panel-models")

    # Deploy from the dialog: the model, the entry script, a name; follow the progress and the log.
    panel.locator(".jp-Deploy-deployButton").click()
    dialog = page.locator(".jp-Deploy-dialog")
    dialog.wait_for()
    dialog.locator(f'input[name="models"][value="{model.id}"]').check()
    dialog.locator('input[name="entry_script"]').fill("score.py")
    dialog.locator('input[name="service_name"]').fill(service_name)
    screenshot("02-deploy-dialog")
    dialog.locator('button[type="submit"]').click()
    progress = dialog.locator(".jp-Deploy-progress")
    progress.wait_for()
    page.wait_for_function(
        "() => { const p = document.querySelector('.jp-Deploy-dialog .jp-Deploy-progress');"
        " return p && p.dataset.status !== 'running'; }", timeout=DEPLOY_TIMEOUT_MS)
    screenshot("03-deploy-finished")
    status = progress.get_attribute("data-status")
    assert status == "succeeded", (
        f"deployment {status}: {dialog.locator('.jp-Deploy-error').all_inner_texts()}\n"
        f"{dialog.locator('.jp-Deploy-log').inner_text()}\n{lab_server.log_tail()}")
    assert progress.locator('[role="progressbar"]').get_attribute("aria-valuenow") == "100"
    assert dialog.locator(".jp-Deploy-log").inner_text().strip() != ""

    # Deploying again under the same name without Overwrite: refused, the API's sentence shown inline.
    dialog.locator('button[type="submit"]').click()
    refusal = dialog.locator(".jp-Deploy-form > .jp-Deploy-error")
    refusal.wait_for()
    refusal_text = refusal.inner_text()
    assert service_name in refusal_text and "Traceback" not in refusal_text and "<html" not in refusal_text
    dialog.locator(".jp-mod-reject").click()
    dialog.wait_for(state="detached")

    # The service's badge turns Healthy (services are polled while the panel is visible).
    item = panel.locator(f'[data-service="{service_name}"]')
    item.locator('.jp-Deploy-badge[data-state="Healthy"]').wait_for(timeout=120_000)
    assert model.id in item.inner_text()
    screenshot("04-service-healthy")
    screenshot("04-panel", of=panel.locator(".jp-Deploy-panelContent"))

    # Test: send {"text": "world"}, see 200, the pretty response and the latency.
    item.get_by_role("button", name="Test").click()
    tester = page.locator(".jp-Deploy-dialog")
    body = tester.locator('textarea[name="body"]')
    assert body.input_value() == '{"text": "Today is a great day!"}'
    body.fill('{"text": "world"}')
    tester.locator('button[type="submit"]').click()
    result = tester.locator(".jp-Deploy-testResult")
    result.wait_for(timeout=60_000)
    assert result.get_attribute("data-status") == "200"
    assert result.locator(".jp-Deploy-httpStatus").inner_text() == "HTTP 200"
    assert "hello world" in result.locator(".jp-Deploy-response").inner_text()
    assert re.search(r"\d+(\.\d+)? ms", result.locator(".jp-Deploy-testSummary").inner_text())
    screenshot("05-test-response")
    # The dialog next to the panel, for the README (docs/panel.png is a copy of this one).
    box = tester.locator(".jp-Dialog-content").bounding_box()
    width = page.viewport_size["width"] - (box["x"] - 16)
    screenshot("05-test-response-and-panel",
               clip={"x": box["x"] - 16, "y": 0, "width": width, "height": box["y"] + box["height"] + 24})
    tester.locator(".jp-mod-reject").click()
    tester.wait_for(state="detached")

    # Reload shows the seconds it took.
    item.get_by_role("button", name="Reload").click()
    reloaded = item.locator("[data-reload]")
    reloaded.wait_for(timeout=60_000)
    assert reloaded.get_attribute("data-reload") == "ok", reloaded.inner_text()
    assert re.search(r"Reloaded in \d+\.\d+ s", reloaded.inner_text())

    # Logs open in the main area.
    item.get_by_role("button", name="Logs").click()
    logs = page.locator(f'.jp-Deploy-logs[data-service="{service_name}"]')
    logs.wait_for()
    page.wait_for_function(
        "name => { const l = document.querySelector(`.jp-Deploy-logs[data-service=\"${name}\"]`);"
        " return l && l.textContent !== 'Reading…'; }", arg=service_name)
    assert page.locator(".jp-Deploy-logsContent .jp-Deploy-error").count() == 0
    screenshot("06-logs")

    # The same panel in the dark theme (colours come from the theme's variables).
    page.keyboard.press("Control+Shift+C")
    palette.locator("input").fill("JupyterLab Dark")
    palette.locator(".lm-CommandPalette-item", has_text="Use Theme: JupyterLab Dark").first.click()
    page.wait_for_selector('body[data-jp-theme-light="false"]', state="attached")
    page.wait_for_timeout(500)
    screenshot("07-dark-theme", of=panel.locator(".jp-Deploy-panelContent"))

    # Undeploy, confirmed: the service leaves the panel and the engine.
    item.get_by_role("button", name="Undeploy").click()
    confirm = page.locator(".jp-Dialog")
    confirm.get_by_text(f"Undeploy {service_name}?").wait_for()
    confirm.locator("button.jp-mod-warn").click()
    item.wait_for(state="detached", timeout=60_000)
    panel.get_by_text("No service running").wait_for()
    screenshot("08-undeployed")
    assert [service.name for service in LocalWebservice.list(workspace)] == []

    assert not [error for error in page.console_errors if "jupyter-deploy" in error], page.console_errors


def test_the_deploy_dialog_offers_an_attached_swarm(lab_server, browser_page, screenshot):
    """Issue 13: a swarm target recorded in the workspace (no swarm is needed to offer it) is in the Target picker;
    choosing it swaps Local Docker's Port and Collect model data for Replicas and Key auth (on by default)."""
    with Workspace(lab_server.deploy_home).catalogue.write() as sql:
        sql.insert_compute_target("local-swarm", "swarm", {"swarmId": "ui-test", "nodeAddr": "127.0.0.1"})
    page = browser_page
    panel = open_panel(page, lab_server)
    panel.locator(".jp-Deploy-deployButton").click()
    dialog = page.locator(".jp-Deploy-dialog")
    target = dialog.locator('select[name="compute_target"]')
    target.locator('option[value="local-swarm"]').wait_for(state="attached")
    assert target.input_value() == ""
    assert [text.strip() for text in target.locator("option").all_inner_texts()] == [
        "Local Docker (one container on this machine)", "local-swarm (swarm)"]
    assert dialog.locator('input[name="port"]').count() == 1 and dialog.locator('input[name="replicas"]').count() == 0

    target.select_option("local-swarm")
    replicas = dialog.locator('input[name="replicas"]')
    replicas.wait_for()
    assert replicas.input_value() == "1"
    assert dialog.locator('input[name="auth_enabled"]').is_checked()
    assert dialog.locator('input[name="port"]').count() == 0
    assert dialog.locator('input[name="collect_model_data"]').count() == 0
    replicas.fill("0")
    dialog.get_by_text("Replicas must be a whole number from 1 to 64.").wait_for()
    replicas.fill("2")
    screenshot("09-deploy-dialog-swarm-target")
    assert not [error for error in page.console_errors if "jupyter-deploy" in error], page.console_errors
