"""Azure's article copied verbatim (unpinned myenv.yml without tf-keras, a tokenizer pickled from tf_keras) stops
before any build, with the tf-keras sentence, through the Python API and the CLI — against the real engine."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from jupyter_deploy import Environment, InferenceConfig, LocalWebservice, Model
from jupyter_deploy.deploy import prepare
from jupyter_deploy.errors import ModelDependencyMissing

pytestmark = pytest.mark.docker

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "azure_verbatim"
SENTENCE = "models/tokenizer.pkl needs the module tf_keras; add tf-keras to the environment."


@pytest.fixture(scope="module")
def verbatim_project(tmp_path_factory):
    project = tmp_path_factory.mktemp("verbatim")
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", "make_model.py"), dirs_exist_ok=True)
    spec = importlib.util.spec_from_file_location("verbatim_make_model", EXAMPLE / "make_model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.make_verbatim_model(project)
    return project


def _images_labelled(docker_engine, environment_name: str) -> list:
    return docker_engine.images.list(filters={"label": f"jupyter-deploy.environment={environment_name}"})


def test_python_api_stops_before_the_build(services, docker_engine, verbatim_project, workspace, monkeypatch):
    built = []
    real = prepare.ensure_environment_image
    monkeypatch.setattr(prepare, "ensure_environment_image", lambda *a, **k: built.append(a) or real(*a, **k))
    model = Model.register(workspace=workspace, model_path=str(verbatim_project / "models"), model_name="sentiment")
    name = f"verbatim-{uuid.uuid4().hex[:6]}"
    env = Environment.from_conda_specification(name=f"{name}-env", file_path=str(verbatim_project / "myenv.yml"))
    config = InferenceConfig(entry_script=str(verbatim_project / "score.py"), environment=env)
    with pytest.raises(ModelDependencyMissing) as raised:
        Model.deploy(workspace, name, [model], config, LocalWebservice.deploy_configuration())
    assert str(raised.value) == SENTENCE
    assert built == []  # the image step was never reached
    assert _images_labelled(docker_engine, f"{name}-env") == []
    assert LocalWebservice.list(workspace) == []


def test_cli_stops_before_the_build_with_one_line(services, docker_engine, verbatim_project, workspace):
    def cli(*args):
        return subprocess.run([sys.executable, "-m", "jupyter_deploy.cli", *args, "-w", str(workspace.path)],
                              cwd=verbatim_project, capture_output=True, text=True, timeout=600)

    assert cli("model", "register", "-p", "./models", "-n", "sentiment").returncode == 0
    name = f"verbatim-cli-{uuid.uuid4().hex[:6]}"
    result = cli("model", "deploy", "-n", name, "-m", "sentiment:1", "--ic", "inferenceConfig.json",
                 "--dc", "deploymentConfig.json")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].endswith(SENTENCE)
    assert "Traceback" not in result.stderr
    assert "Building" not in result.stdout + result.stderr
    assert _images_labelled(docker_engine, f"{name}-env") == []
    assert LocalWebservice.list(workspace) == []


def test_cli_deploys_once_tf_keras_is_added(services, docker_engine, verbatim_project, workspace, tmp_path):
    """The second half of issue 11's verbatim case: the user adds what the sentence names (and numpy<2.4, which
    the article's float() on a 1-element array needs) and the same command deploys and scores."""
    project = tmp_path / "fixed"
    shutil.copytree(verbatim_project, project)
    spec = project / "myenv.yml"
    spec.write_text(spec.read_text().replace("    - gensim\n", "    - gensim\n    - tf-keras\n    - numpy<2.4\n"))

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "jupyter_deploy.cli", *args, "-w", str(workspace.path)],
                              cwd=project, capture_output=True, text=True, timeout=1200)

    assert cli("model", "register", "-p", "./models", "-n", "sentiment").returncode == 0
    name = f"verbatim-fixed-{uuid.uuid4().hex[:6]}"
    images_before = {image.id for image in docker_engine.images.list()}
    built = None
    result = cli("model", "deploy", "-n", name, "-m", "sentiment:1", "--ic", "inferenceConfig.json",
                 "--dc", "deploymentConfig.json")
    try:
        assert result.returncode == 0, result.stderr[-2000:]
        service = LocalWebservice(workspace, name)
        built = docker_engine.images.get(service.image).id
        assert service.state == "Healthy"
        answer = service.run(json.dumps({"text": "Today is a great day!"}))
        assert answer["label"] in {"POSITIVE", "NEGATIVE", "NEUTRAL"} and 0.0 <= answer["score"] <= 1.0
    finally:
        cli("service", "delete", "-n", name)
        if built is not None and built not in images_before:  # the environment image this test built, by id
            docker_engine.images.remove(built, force=True)
