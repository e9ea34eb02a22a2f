"""The notebook panels, driven from Python as ipywidgets' own tests do: set values, click, read the state.

No Docker here: services are catalogue records (what a deploy leaves), and the endpoint tester talks to a
small local HTTP server standing where a service's port would be.
"""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from jupyter_deploy import Environment, LocalWebservice, Model
from jupyter_deploy.deploy.records import save_record as _save_record
from jupyter_deploy.widgets import DeployPanel, DeployProgress, EndpointTester, RegistryBrowser
from jupyter_deploy.widgets.deploy_panel import RUNTIME_ONLY
from jupyter_deploy.widgets.progress import LOG_LINES_KEPT
from jupyter_deploy.environment import save_environment, stored_environments

SCRIPT = "def init():\n    pass\n\ndef run(data):\n    return data\n"


def register(workspace, tmp_path, name, filename, text, **kwargs) -> Model:
    path = tmp_path / f"{name}-{text}" / filename
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return Model.register(workspace, path, name, **kwargs)


def record_service(workspace, name, models, port=1, container_id=None) -> LocalWebservice:
    """A service as the catalogue knows it, pinning its models; no container behind it."""
    _save_record(workspace, {
        "name": name, "container_id": container_id, "port": port, "image": "jupyter-deploy/env:test",
        "models": [m.id for m in models], "created_time": "2024-05-01T10:00:00+00:00", "failure": None,
        "inference_config": {"entryScript": "score.py", "entryScriptPath": "/nowhere/score.py",
                             "sourceDirectory": None, "environment": Environment("light").to_dict(),
                             "description": None},
    })
    return LocalWebservice(workspace, name)


@pytest.fixture
def registry(workspace, tmp_path):
    register(workspace, tmp_path, "greeter", "greeting.txt", "hello", tags={"kind": "test"})
    register(workspace, tmp_path, "greeter", "greeting.txt", "bonjour", tags={"kind": "test"})
    register(workspace, tmp_path, "sentiment", "vocab.txt", "good bad", tags={"area": "nlp"},
             description="tweets", model_framework="Keras")
    return workspace


def option_ids(select) -> list[str]:
    return [value for _label, value in select.options]


# -- RegistryBrowser ---------------------------------------------------------------------------------------------
def test_browser_lists_versions_under_their_name(registry):
    browser = RegistryBrowser(registry)
    assert option_ids(browser.models) == ["greeter:2", "greeter:1", "sentiment:1"]
    labels = [label for label, _value in browser.models.options]
    assert labels[0].startswith("greeter") and "greeter" not in labels[1] and labels[1].strip().endswith("v1")
    assert browser.models.value == "greeter:2"
    assert "greeter" in browser.detail.value and not browser.delete_button.disabled


def test_filter_narrows_the_list(registry):
    browser = RegistryBrowser(registry)
    browser.filter.value = "area=nlp"
    assert option_ids(browser.models) == ["sentiment:1"]
    assert browser.models.value == "sentiment:1" and "tweets" in browser.detail.value
    browser.filter.value = "KERAS"
    assert option_ids(browser.models) == ["sentiment:1"]
    browser.filter.value = "nothing-like-this"
    assert option_ids(browser.models) == [] and browser.models.value is None
    assert "No model matches" in browser.detail.value and browser.delete_button.disabled
    browser.filter.value = ""
    assert len(option_ids(browser.models)) == 3


def test_selecting_a_version_shows_its_files_and_tags(registry):
    browser = RegistryBrowser(registry)
    browser.models.value = "sentiment:1"
    assert "vocab.txt" in browser.detail.value and "area: nlp" in browser.detail.value
    assert "greeting.txt" not in browser.detail.value
    browser.models.value = "greeter:1"
    assert "greeting.txt" in browser.detail.value and "version 1" in browser.detail.value


def test_delete_removes_the_selected_version(registry):
    browser = RegistryBrowser(registry)
    browser.models.value = "greeter:1"
    browser.delete_button.click()
    assert [m.id for m in Model.list(registry)] == ["greeter:2", "sentiment:1"]
    assert option_ids(browser.models) == ["greeter:2", "sentiment:1"]
    assert "Deleted model greeter:1" in browser.message.value


def test_delete_of_a_model_in_use_shows_why_and_keeps_it(registry):
    record_service(registry, "echo", [Model(registry, "greeter", version=2)])
    browser = RegistryBrowser(registry)
    browser.models.value = "greeter:2"
    browser.delete_button.click()  # must not raise
    assert "used by service &#x27;echo&#x27;" in browser.message.value
    assert "greeter:2" in option_ids(browser.models) and browser.models.value == "greeter:2"
    assert Model(registry, "greeter", version=2).version == 2


def test_refresh_shows_what_was_registered_meanwhile(registry, tmp_path):
    browser = RegistryBrowser(registry)
    browser.models.value = "greeter:1"
    register(registry, tmp_path, "later", "weights.txt", "w")
    assert "later:1" not in option_ids(browser.models)
    browser.refresh_button.click()
    assert "later:1" in option_ids(browser.models) and browser.models.value == "greeter:1"


# -- DeployPanel -------------------------------------------------------------------------------------------------
@pytest.fixture
def panel(registry, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "score.py").write_text(SCRIPT)
    panel = DeployPanel(registry)
    panel.models.value = ("greeter:2",)
    panel.service_name.value = "echo"
    return panel


def assert_refused(panel, *fragments):
    panel.deploy_button.click()
    assert panel.thread is None and panel.service is None
    assert "jd-error" in panel.status.value
    for fragment in fragments:
        assert fragment in panel.status.value


def test_panel_lists_models_and_stored_environments(registry):
    save_environment(registry, Environment("light"))
    panel = DeployPanel(registry)
    assert list(panel.models.options) == ["greeter:2", "greeter:1", "sentiment:1"]
    assert list(panel.environment.options) == [RUNTIME_ONLY, "light"]
    assert panel.environment.value == RUNTIME_ONLY and panel.script.value == "score.py" and panel.port.value == 0


def test_panel_refuses_without_a_model(panel):
    panel.models.value = ()
    assert_refused(panel, "Select at least one model")


@pytest.mark.parametrize("name", ["", "My_Service", "x", "-echo"])
def test_panel_refuses_a_bad_service_name(panel, name):
    panel.service_name.value = name
    assert_refused(panel, "Invalid service name")


def test_panel_refuses_a_missing_script(panel):
    panel.script.value = "missing.py"
    assert_refused(panel, "missing.py", "does not exist")


def test_panel_refuses_a_script_without_run(panel, tmp_path):
    (tmp_path / "score.py").write_text("def init():\n    pass\n")
    assert_refused(panel, "no run() function")


def test_panel_refuses_a_bad_port(panel):
    panel.port.value = 70000
    assert_refused(panel, "70000", "cannot be used for a service")


def test_panel_refuses_a_stored_environment_and_a_file_together(panel, registry, tmp_path):
    save_environment(registry, Environment("light"))
    panel.refresh_button.click()
    panel.environment.value = "light"
    panel.environment_file.value = "requirements.txt"
    assert_refused(panel, "either the stored environment &#x27;light&#x27;")


def test_panel_refuses_a_missing_environment_file(panel):
    panel.environment_file.value = "nowhere.yml"
    assert_refused(panel, "nowhere.yml", "does not exist")


def test_panel_refuses_an_environment_deleted_after_the_list_was_filled(panel, registry):
    save_environment(registry, Environment("light"))
    panel.refresh_button.click()
    panel.environment.value = "light"
    with registry.catalogue.write() as sql:
        sql.db.execute("DELETE FROM environments WHERE name='light'")
    assert_refused(panel, "No environment named &#x27;light&#x27;")


# -- EndpointTester ----------------------------------------------------------------------------------------------
class _EchoHandler(http.server.BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(body)
        answer = json.dumps({"you said": json.loads(body)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def answering_service(registry):
    """A service record whose port has a real HTTP server behind it."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
    _EchoHandler.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield record_service(registry, "echo", [Model(registry, "greeter")], port=server.server_address[1])
    server.shutdown()
    server.server_close()


def test_tester_refuses_invalid_json_and_sends_nothing(answering_service):
    tester = EndpointTester(answering_service)
    assert json.loads(tester.body.value) == {"text": "Today is a great day!"}
    tester.body.value = '{"text": "unterminated}'
    tester.send_button.click()
    assert "not valid JSON" in tester.response.value and "line 1, column 10" in tester.response.value
    assert tester.last_result is None and _EchoHandler.received == []


def test_tester_sends_and_shows_status_answer_and_latency(answering_service, registry):
    tester = EndpointTester("echo", workspace=registry)
    tester.send_button.click()
    assert _EchoHandler.received == [b'{"text": "Today is a great day!"}']
    assert tester.last_result.status == 200 and tester.last_result.latency_ms > 0
    assert "HTTP 200" in tester.response.value and " ms</span>" in tester.response.value
    assert "&quot;you said&quot;: {\n    &quot;text&quot;: &quot;Today is a great day!&quot;" in tester.response.value


def test_tester_shows_an_unreachable_service_as_a_message(registry):
    service = record_service(registry, "gone", [Model(registry, "greeter")], port=1)
    tester = EndpointTester(service)
    tester.send_button.click()
    assert "jd-error" in tester.response.value and "Service &#x27;gone&#x27; did not answer" in tester.response.value
    assert tester.last_result.status is None


# -- DeployProgress ----------------------------------------------------------------------------------------------
def test_progress_outside_a_kernel_prints_plain_lines(capsys):
    progress = DeployProgress("echo")
    assert progress.widgets is False and progress.widget is None
    progress.display()
    progress("image", "Preparing the environment image")
    progress("build", "Step 1/3 : FROM base\n")
    progress("build", "Successfully built 123")
    progress("container", "Starting container abc")
    progress.failed("init() raised KeyError")
    assert capsys.readouterr().out.splitlines() == [
        "Deploying service 'echo'",
        "[image] Preparing the environment image",
        "Step 1/3 : FROM base",
        "Successfully built 123",
        "[container] Starting container abc",
        "[failed] init() raised KeyError",
    ]


def test_progress_widgets_follow_the_phases_and_keep_the_build_log():
    progress = DeployProgress("echo", widgets=True)
    progress("image", "Preparing the environment image")
    assert (progress.bar.value, progress.bar.description) == (1, "Image")
    assert progress.label.value == "Preparing the environment image"
    progress("build", "Step 1/3 : FROM base")
    assert (progress.bar.value, progress.bar.description) == (2, "Building")
    assert progress.build_log.value == "Step 1/3 : FROM base"
    assert progress.log_panel.selected_index is None, "the build log starts folded"
    progress("build", "Step 2/3 : COPY wheels")
    progress("image", "Image jupyter-deploy/env:abc built")
    assert progress.bar.value == 2, "the bar never moves back"
    assert progress.build_log.value.splitlines() == ["Step 1/3 : FROM base", "Step 2/3 : COPY wheels"]
    progress("container", "Starting container abc")
    progress("init", "Container running; waiting for init()")
    assert (progress.bar.value, progress.bar.description) == (4, "init()")
    assert progress.label.value == "Container running; waiting for init()"


def test_progress_keeps_only_the_last_build_lines():
    progress = DeployProgress("echo", widgets=True)
    for number in range(LOG_LINES_KEPT + 500):
        progress("build", f"line {number}")
    progress("container", "Starting container abc")
    lines = progress.build_log.value.splitlines()
    assert len(lines) == LOG_LINES_KEPT and lines[0] == "line 500" and lines[-1] == f"line {LOG_LINES_KEPT + 499}"


def test_progress_done_and_failed(registry):
    service = record_service(registry, "echo", [Model(registry, "greeter")], port=40000)
    progress = DeployProgress("echo", widgets=True)
    progress("image", "Preparing the environment image")
    progress.done(service)
    assert progress.bar.value == progress.bar.max and progress.bar.bar_style == "success"
    assert "jd-service" in progress.result.value and "http://127.0.0.1:40000/score" in progress.label.value

    failing = DeployProgress("echo", widgets=True)
    failing("build", "ERROR: No matching distribution for <nothing>")
    failing.failed("Dependency <nothing> cannot be resolved.")
    assert failing.bar.bar_style == "danger" and failing.bar.description == "Failed"
    assert "Dependency &lt;nothing&gt; cannot be resolved." in failing.result.value
    assert failing.log_panel.selected_index == 0, "a failed build unfolds its log"

