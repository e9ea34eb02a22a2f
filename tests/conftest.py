"""Shared fixtures: a throwaway workspace per test, and the real Docker engine for integration tests.

Under CI=true a missing engine fails the run instead of skipping: integration tests must really run there.
"""

from __future__ import annotations

import os
import sys
import time
from types import SimpleNamespace

import pytest

from jupyter_deploy.registry import Workspace

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


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
