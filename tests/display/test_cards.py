"""HTML and text summaries: user text is escaped, states have their colours, plain forms read well in a terminal."""

from __future__ import annotations

import textwrap

import pytest

from jupyter_deploy import Environment, InferenceConfig, Model
from jupyter_deploy.display.cards import environment_html, environment_text, model_html, model_text, service_html, service_text
from jupyter_deploy.display.html import STATE_COLOURS, format_size, state_badge

SCRIPT = "def init():\n    pass\n\ndef run(data):\n    return data\n"


@pytest.fixture
def model(workspace, tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "weights.bin").write_bytes(b"\0" * 2048)
    (folder / "<vocab>.txt").write_text("a b c")
    return Model.register(workspace, folder, "sentiment", description="tweets & <b>bold</b>",
                          tags={"area": "nlp", "evil": "<script>alert(1)</script>"}, model_framework="Keras",
                          model_framework_version="2.15")


def service_summary(**overrides) -> dict:
    """The shape `LocalWebservice.serialize()` returns (and `jupyter-deploy service show -o json` prints)."""
    summary = {"name": "echo", "state": "Healthy", "scoringUri": "http://127.0.0.1:32768/score",
               "swaggerUri": "http://127.0.0.1:32768/swagger.json", "port": 32768,
               "imageId": "jupyter-deploy/env:abc123", "models": ["greeter:1"], "entryScript": "score.py",
               "containerId": "f00", "createdTime": "2024-05-01T10:00:00+00:00", "error": None}
    summary.update(overrides)
    return summary


def test_model_card_escapes_user_text_and_lists_files(model):
    card = model_html(model)
    assert "<script>" not in card
    assert "evil: &lt;script&gt;alert(1)&lt;/script&gt;" in card
    assert "tweets &amp; &lt;b&gt;bold&lt;/b&gt;" in card
    assert "models/&lt;vocab&gt;.txt" in card
    assert card.count('class="jd-chip"') == 2
    weights = next(f for f in model.files if f["path"] == "models/weights.bin")
    assert weights["sha256"][:12] in card and f'title="{weights["sha256"]}"' in card
    assert "2.0 KB" in card and "Keras 2.15" in card and model.created_time in card
    assert model._repr_html_() == card


def test_model_text_form(model):
    text = str(model)
    assert text.splitlines()[0] == "Model sentiment:1"
    assert "evil=<script>alert(1)</script>" in text  # a terminal shows text as it is
    assert "2 files, 2.0 KB" in text
    assert any(line.strip().startswith("models/weights.bin") and "2.0 KB" in line for line in text.splitlines())
    assert model_text(model.serialize()) == text


@pytest.mark.parametrize("state, colour", [("Healthy", "#388e3c"), ("Transitioning", "#ffb300"),
                                           ("Unhealthy", "#f57c00"), ("Failed", "#d32f2f")])
def test_state_badge_colours(state, colour):
    badge = state_badge(state)
    assert f'data-state="{state}"' in badge and f">{state}</span>" in badge
    assert colour in badge and STATE_COLOURS[state][0] in badge
    assert all(other[0] not in badge for name, other in STATE_COLOURS.items() if name != state)


def test_healthy_service_card_links_uris_and_has_no_failure():
    card = service_html(service_summary())
    assert '<a href="http://127.0.0.1:32768/score"' in card
    assert '<a href="http://127.0.0.1:32768/swagger.json"' in card
    assert STATE_COLOURS["Healthy"][0] in card
    assert "greeter:1" in card and "jupyter-deploy/env:abc123" in card and "32768" in card
    assert "<pre" not in card


def test_failed_service_card_shows_the_escaped_failure():
    failure = "Service 'echo' failed: init() raised.\nKeyError: '<model>'"
    card = service_html(service_summary(state="Failed", error=failure))
    assert STATE_COLOURS["Failed"][0] in card
    assert '<pre class="jd-failure"' in card
    assert "KeyError: &#x27;&lt;model&gt;&#x27;" in card
    assert "<model>" not in card


def test_service_card_never_links_a_non_http_uri():
    card = service_html(service_summary(scoringUri='javascript:alert("x")'))
    assert "href=\"javascript" not in card and "javascript:alert(&quot;x&quot;)" in card


def test_service_text_form():
    text = service_text(service_summary(state="Failed", error="boom\nsecond line"))
    lines = text.splitlines()
    assert lines[0] == "Service echo  [Failed]"
    assert any("scoring URI" in line and "http://127.0.0.1:32768/score" in line for line in lines)
    assert lines[-2].split() == ["error", "boom"] and lines[-1].strip() == "second line"
    assert "error" not in service_text(service_summary())


def test_environment_card_and_text(tmp_path):
    spec = tmp_path / "myenv.yml"
    spec.write_text(textwrap.dedent("""
        name: myenv
        dependencies:
          - python=3.11
          - pip:
            - requests<3
            - numpy==1.26.4
    """))
    env = Environment.from_conda_specification("my<env>", str(spec))
    card = environment_html(env)
    assert "my&lt;env&gt;" in card and "requests&lt;3" in card and "numpy==1.26.4" in card
    assert "3.11" in card and "pip packages (2)" in card
    assert env._repr_html_() == card
    text = environment_text(env)
    assert text.splitlines()[0] == "Environment my<env>"
    assert "requests<3" in text and "numpy==1.26.4" in text and str(env) == text


def test_empty_environment_says_runtime_only():
    assert "none (runtime only)" in environment_html(Environment("bare"))
    assert "none (runtime only)" in str(Environment("bare"))


def test_inference_config_shows_script_and_environment(tmp_path):
    (tmp_path / "score.py").write_text(SCRIPT)
    config = InferenceConfig(entry_script="score.py", environment=Environment("light"), source_directory=tmp_path)
    card = config._repr_html_()
    assert "score.py" in card and "jd-environment" in card and "light" in card
    assert str(config).splitlines()[0] == "Inference config score.py"
    assert "Environment light" in str(config)


@pytest.mark.parametrize("size, shown", [(0, "0 B"), (1023, "1023 B"), (1024, "1.0 KB"), (5 * 1024 ** 2, "5.0 MB"),
                                         (3 * 1024 ** 3, "3.0 GB")])
def test_format_size(size, shown):
    assert format_size(size) == shown


def test_service_card_shows_worker_restarts_only_after_one():
    quiet = service_summary(workers={"count": 1, "ready": 1, "restarts": 0, "lastDeath": None})
    assert "worker restarts" not in service_text(quiet) and "worker restarts" not in service_html(quiet)
    assert "worker restarts" not in service_text(service_summary())  # no workers known (not answering /ready)
    crashed = service_summary(workers={"count": 1, "ready": 1, "restarts": 2, "lastDeath": {
        "worker": 1, "cause": "worker 1 exited with code 1 <oops>", "at": 1.0, "stderrTail": []}})
    assert "worker restarts  2 (last: worker 1 exited with code 1 <oops>)" in service_text(crashed)
    card = service_html(crashed)
    assert "worker restarts" in card and "&lt;oops&gt;" in card and "<oops>" not in card


def test_service_shape_takes_the_runtime_workers_and_omits_them_while_unknown():
    from jupyter_deploy.deploy.targets.local.service import _workers_shape
    from jupyter_deploy.shapes import ServiceShape

    ready = {"status": "ready", "workers": {"count": 2, "ready": 1, "restarts": 1, "last_death": {
        "worker": 2, "cause": "exited with code 1", "at": 5.0, "stderr_tail": ["boom"]}}}
    shape = ServiceShape(name="echo", state="Healthy", workers=_workers_shape(ready)).dump()
    assert shape["workers"] == {"count": 2, "ready": 1, "restarts": 1, "lastDeath": {
        "worker": 2, "cause": "exited with code 1", "at": 5.0, "stderrTail": ["boom"]}}
    for absent in (None, {"status": "ready"}, {"workers": "garbage"}, {"workers": {"restarts": "many"}}, []):
        assert "workers" not in ServiceShape(name="echo", state="Healthy", workers=_workers_shape(absent)).dump()
