"""Model.package: the image runs with plain `docker run`; the saved context builds with plain `docker build`."""

from __future__ import annotations

import subprocess
import time

import pytest
import requests

from greeter import greeter_inputs

from jupyter_deploy import Model
from jupyter_deploy.image import resolve_base_image

pytestmark = pytest.mark.docker

SCRIPT = """
import json, os

def init():
    global greeting
    with open(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "./models/greeting.txt")) as handle:
        greeting = handle.read().strip()

def run(data):
    return {"reply": greeting + " " + json.loads(data)["text"]}
"""


@pytest.fixture
def packaged_inputs(workspace, tmp_path):
    return greeter_inputs(workspace, tmp_path, SCRIPT)


def _run_and_score(image: str) -> dict:
    container = subprocess.run(["docker", "run", "-d", "--rm", "--label", "jupyter-deploy.test=package",
                                "-p", "127.0.0.1::5001", image], check=True, capture_output=True, text=True).stdout.strip()
    try:
        port = subprocess.run(["docker", "port", container, "5001/tcp"], check=True, capture_output=True,
                              text=True).stdout.split(":")[-1].strip()
        for _ in range(300):
            try:
                if requests.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.1)
        return requests.post(f"http://127.0.0.1:{port}/score", json={"text": "there"}, timeout=10).json()
    finally:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True)


def test_package_image_runs_with_plain_docker_run(workspace, docker_engine, packaged_inputs):
    model, config = packaged_inputs
    package = Model.package(workspace, [model], config, image_name="greeter-pkg")
    package.wait_for_creation()
    try:
        assert _run_and_score(package.location) == {"reply": "hello there"}
    finally:
        docker_engine.images.remove(package.location, force=True)


def test_dockerfile_package_builds_with_plain_docker_build(workspace, docker_engine, packaged_inputs, tmp_path):
    model, config = packaged_inputs
    package = Model.package(workspace, [model], config, generate_dockerfile=True, image_name="greeter-ctx")
    folder = package.save(tmp_path / "context")
    assert (folder / "Dockerfile").read_text().startswith("ARG BASE_IMAGE=python:3.")
    assert (folder / "models" / "greeter" / "1" / "models" / "greeting.txt").is_file()
    tag = "jupyter-deploy/test-package-context:1"
    base = resolve_base_image(docker_engine)  # no registry here: the local base stands in for python:X.Y-slim
    subprocess.run(["docker", "build", "-q", "--build-arg", f"BASE_IMAGE={base}", "-t", tag, str(folder)], check=True,
                   capture_output=True)
    try:
        assert _run_and_score(tag) == {"reply": "hello there"}
    finally:
        docker_engine.images.remove(tag, force=True)
