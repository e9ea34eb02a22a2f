"""Existing Azure scripts run unchanged: @rawhttp without azureml packages, and azureml-core's Model.get_model_path."""

from __future__ import annotations

import textwrap

import pytest
import requests

from jupyter_deploy import CondaDependencies, Environment, InferenceConfig, LocalWebservice, Model

pytestmark = pytest.mark.docker

RAWHTTP_SCRIPT = textwrap.dedent("""
    import json
    from azureml.contrib.services.aml_request import AMLRequest, rawhttp
    from azureml.contrib.services.aml_response import AMLResponse

    PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000185d3a2e50000000049454e44ae426082")

    def init():
        pass

    @rawhttp
    def run(request):
        if request.method == "GET":
            return AMLResponse(PNG, 200, {"Content-Type": "image/png"})
        if request.files:
            upload = request.files["file"]
            return AMLResponse(json.dumps({"name": upload.filename, "size": len(upload.read()),
                                           "tag": request.form.get("tag")}), 200, {"Content-Type": "application/json"})
        if request.headers.get("X-Fail"):
            return AMLResponse("nope", 418)
        return {"method": request.method, "body": request.get_data(as_text=True), "q": request.args.get("q")}
""")

GET_MODEL_PATH_SCRIPT = textwrap.dedent("""
    import os
    from azureml.core.model import Model

    def init():
        global text
        path = Model.get_model_path("greeter")
        with open(os.path.join(path, "greeting.txt")) as handle:
            text = handle.read()

    def run(data):
        return {"text": text, "path": Model.get_model_path("greeter")}
""")


@pytest.fixture
def greeter(workspace, tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "greeting.txt").write_text("hi")
    return Model.register(workspace, folder, "greeter")


def deploy(workspace, tmp_path, name, script, model, env):
    source = tmp_path / name
    source.mkdir()
    (source / "score.py").write_text(script)
    service = Model.deploy(workspace, name, [model], InferenceConfig("score.py", environment=env, source_directory=source),
                           LocalWebservice.deploy_configuration())
    service.wait_for_deployment()
    return service


def test_rawhttp_script_without_azureml_packages(services, greeter, tmp_path, workspace):
    service = deploy(workspace, tmp_path, "rawhttp", RAWHTTP_SCRIPT, greeter, Environment("plain"))
    image = requests.get(service.scoring_uri, timeout=30)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    upload = requests.post(service.scoring_uri, files={"file": ("photo.bin", b"\x00\x01\x02")}, data={"tag": "t"}, timeout=30)
    assert upload.json() == {"name": "photo.bin", "size": 3, "tag": "t"}
    echoed = requests.post(service.scoring_uri + "?q=1", data="raw body", timeout=30)
    assert echoed.json() == {"method": "POST", "body": "raw body", "q": "1"}
    teapot = requests.post(service.scoring_uri, data="x", headers={"X-Fail": "1"}, timeout=30)
    assert teapot.status_code == 418 and teapot.content == b"nope"


def test_azureml_core_get_model_path(services, greeter, tmp_path, workspace):
    env = Environment("azureml-core-env")
    env.python.conda_dependencies = CondaDependencies.create(pip_packages=["azureml-defaults", "azureml-core"])
    service = deploy(workspace, tmp_path, "azcore", GET_MODEL_PATH_SCRIPT, greeter, env)
    answer = service.run("{}")
    assert answer["text"] == "hi"
    assert answer["path"].rstrip("/").endswith("azureml-models/greeter/1/models")
