"""The whole walkthrough against real Docker, as users run it: Python API and CLI with the keras + gensim
sentiment model, an inference-schema scikit-learn script, and a multi-model deployment.

The client is exactly what Azure's samples use: `requests.post(scoring_uri, data=json.dumps(...), headers=...)`.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from jupyter_deploy import Environment, InferenceConfig, LocalWebservice, Model

pytestmark = pytest.mark.docker

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HEADERS = {"Content-Type": "application/json"}


def load_module(path: Path):
    spec = importlib.util.spec_from_file_location(f"example_{path.parent.name}_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def copy_project(name: str, target: Path) -> Path:
    shutil.copytree(EXAMPLES / name, target, ignore=shutil.ignore_patterns("__pycache__", "make_model*.py"), dirs_exist_ok=True)
    return target


def assert_sentiment(scoring_uri: str) -> None:
    positive = requests.post(scoring_uri, data=json.dumps({"text": "Today is a great day!"}), headers=HEADERS, timeout=120)
    assert positive.status_code == 200, positive.text
    body = positive.json()
    assert body["label"] == "POSITIVE", body
    assert 0.7 < body["score"] <= 1 and "elapsed_time" in body
    negative = requests.post(scoring_uri, data=json.dumps({"text": "This is the worst, I hate it."}), headers=HEADERS, timeout=120)
    assert negative.json()["label"] == "NEGATIVE", negative.text


def test_sentiment_with_the_python_api(services, sentiment_project, workspace):
    model = Model.register(workspace=workspace, model_path=str(sentiment_project / "models"), model_name="sentiment",
                           description="Twitter-style sentiment", tags={"area": "nlp"}, model_framework="Keras")
    env = Environment.from_conda_specification(name="sentiment-env", file_path=str(sentiment_project / "myenv.yml"))
    inference_config = InferenceConfig(entry_script=str(sentiment_project / "score.py"), environment=env)
    deployment_config = LocalWebservice.deploy_configuration()
    service = Model.deploy(workspace, "sentiment-api", [model], inference_config, deployment_config)
    service.wait_for_deployment(show_output=True)
    assert service.state == "Healthy"
    assert_sentiment(service.scoring_uri)
    assert service.run(json.dumps({"text": "Today is a great day!"}))["label"] == "POSITIVE"
    service.delete()


def test_sentiment_with_the_cli(services, sentiment_project, workspace):
    def cli(*args):
        result = subprocess.run([sys.executable, "-m", "jupyter_deploy.cli", *args, "-w", str(workspace.path)],
                                cwd=sentiment_project, capture_output=True, text=True, timeout=1800)
        assert result.returncode == 0, result.stderr + result.stdout
        return result.stdout

    registered = json.loads(cli("model", "register", "-p", "./models", "-n", "sentiment", "--tag", "area=nlp", "-o", "json"))
    cli("model", "deploy", "-n", "sentiment-cli", "-m", registered["id"], "--ic", "inferenceConfig.json",
        "--dc", "deploymentConfig.json")
    shown = json.loads(cli("service", "show", "-n", "sentiment-cli", "-o", "json"))
    assert shown["state"] == "Healthy"
    assert_sentiment(shown["scoringUri"])
    answer = json.loads(cli("service", "run", "-n", "sentiment-cli", "-d", json.dumps({"text": "Today is a great day!"})))
    assert answer["label"] == "POSITIVE"
    assert "sentiment-cli" in cli("service", "list")
    assert cli("service", "logs", "-n", "sentiment-cli")
    cli("service", "delete", "-n", "sentiment-cli")
    assert json.loads(cli("service", "list", "-o", "json")) == []


def test_inference_schema_scikit_learn(services, tmp_path, workspace):
    project = copy_project("sklearn_schema", tmp_path / "sklearn")
    model_file = load_module(EXAMPLES / "sklearn_schema" / "make_model.py").make_sklearn_model(project)
    model = Model.register(workspace, model_file, "sklearn-regression", model_framework="ScikitLearn")
    env = Environment.from_conda_specification("sklearn-env", project / "myenv.yml")
    service = Model.deploy(workspace, "sklearn-schema", [model], InferenceConfig("score.py", environment=env, source_directory=project))
    service.wait_for_deployment()
    sample = json.loads((project / "sample_request.json").read_text())
    response = requests.post(service.scoring_uri, data=json.dumps(sample), headers=HEADERS, timeout=60)
    assert response.status_code == 200, response.text
    assert len(response.json()) == len(sample["data"])
    swagger = requests.get(service.swagger_uri, timeout=30)
    assert swagger.status_code == 200 and swagger.json()["swagger"] == "2.0"
    assert "ServiceInput" in json.dumps(swagger.json())
    swagger3 = requests.get(service.swagger_uri + "?version=3", timeout=30).json()
    assert swagger3["openapi"].startswith("3.")
    bad = requests.post(service.scoring_uri, data=json.dumps({"wrong": 1}), headers=HEADERS, timeout=60)
    assert bad.status_code in (400, 500)


def test_multi_model_deployment(services, tmp_path, workspace):
    project = copy_project("multi_model", tmp_path / "multi")
    made = load_module(EXAMPLES / "multi_model" / "make_model.py").make_models(tmp_path / "model-files")
    models = [Model.register(workspace, path, name) for name, path in made.items()]
    env = Environment.from_pip_requirements("multi-env", project / "requirements.txt")
    service = Model.deploy(workspace, "multi", models, InferenceConfig("score.py", environment=env, source_directory=project))
    service.wait_for_deployment()
    answer = service.run(json.loads((project / "sample_request.json").read_text()))
    assert isinstance(answer, dict) and answer, answer
    container = service._container()
    assert container.exec_run("printenv AZUREML_MODEL_DIR").output.decode().strip() == "azureml-models"
