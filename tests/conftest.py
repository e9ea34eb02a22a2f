"""Shared fixtures: a throwaway workspace per test, the real Docker engine (and its swarm) for integration tests,
and the sentiment sample trained once per session.

Under CI=true a missing engine fails the run instead of skipping: integration tests must really run there.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from jupyter_deploy.registry import Workspace

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture
def workspace(tmp_path) -> Workspace:
    return Workspace(tmp_path / "workspace")


@pytest.fixture(scope="session")
def docker_engine():
    from jupyter_deploy.image.docker_engine import docker_client
    from jupyter_deploy.errors import DockerNotRunning

    try:
        return docker_client()
    except DockerNotRunning as error:
        if IN_CI:
            pytest.fail(f"CI needs a running Docker engine: {error}")
        pytest.skip(str(error))


@pytest.fixture(scope="module")
def swarm(docker_engine):
    """This engine in a single-node swarm: `docker swarm init --advertise-addr 127.0.0.1` only when it is not in one,
    and `docker swarm leave --force` at the end of the module only if this fixture was the one that created it."""
    state = (docker_engine.info().get("Swarm") or {}).get("LocalNodeState")
    created = state != "active"
    if created:
        subprocess.run(["docker", "swarm", "init", "--advertise-addr", "127.0.0.1"], check=True, capture_output=True)
    yield docker_engine
    if created:
        for _ in range(5):
            if subprocess.run(["docker", "swarm", "leave", "--force"], capture_output=True).returncode == 0:
                break
            time.sleep(2)


@pytest.fixture(scope="session")
def sentiment_project(tmp_path_factory) -> Path:
    """examples/sentiment copied as a user's project folder (score.py, myenv.yml, the two JSON configurations) with
    the model trained into its `models/` — the folder a user registers, and the layout AZUREML_MODEL_DIR names."""
    for framework in ("tensorflow", "gensim", "tf_keras"):
        pytest.importorskip(framework)
    project = tmp_path_factory.mktemp("sentiment")
    shutil.copytree(EXAMPLES / "sentiment", project, ignore=shutil.ignore_patterns("__pycache__", "make_model*.py"),
                    dirs_exist_ok=True)
    spec = importlib.util.spec_from_file_location("example_sentiment_make_model",
                                                  EXAMPLES / "sentiment" / "make_model.py")
    make_model = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_model)
    make_model.make_sentiment_model(project)
    return project


@pytest.fixture
def services(workspace, docker_engine):
    """Deployed services of the test's workspace are deleted afterwards, whatever happened."""
    from jupyter_deploy import LocalWebservice

    yield workspace
    for service in LocalWebservice.list(workspace):
        service.delete()


@pytest.fixture
def nb(workspace, tmp_path, monkeypatch):
    """A real IPython shell with the extension freshly loaded, cwd in a notebook folder, the test's workspace,
    and a record of any traceback the shell would have shown (there must be none from our code)."""
    from IPython.core.interactiveshell import InteractiveShell

    from jupyter_deploy import load_ipython_extension

    folder = tmp_path / "notebook"
    folder.mkdir()
    monkeypatch.setenv("JUPYTER_DEPLOY_HOME", str(workspace.path))
    monkeypatch.chdir(folder)
    # IPython installs its user module as sys.modules['__main__']; put the real one back afterwards, since
    # multiprocessing's spawn (used by other tests in this process) imports __main__ by its __spec__.
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])
    shell = InteractiveShell.instance()
    shell.reset()
    load_ipython_extension(shell)
    tracebacks: list = []
    monkeypatch.setattr(shell, "showtraceback", lambda *args, **kwargs: tracebacks.append(args))
    monkeypatch.setattr(shell, "showsyntaxerror", lambda *args, **kwargs: tracebacks.append(args))
    yield SimpleNamespace(shell=shell, folder=folder, workspace=workspace, tracebacks=tracebacks)
    shell.reset()


@pytest.fixture
def eventually():
    return wait_until


def wait_until(probe, timeout: float = 15.0, interval: float = 0.05):
    """Poll `probe()` until it returns something truthy (log lines reach Docker a few milliseconds after the
    request they describe); fail with the last value if it never does. A wait, not a timing assertion."""
    deadline = time.monotonic() + timeout
    value = probe()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = probe()
    assert value, f"still not true after {timeout:.0f} s: {value!r}"
    return value
