"""Shared fixtures: a throwaway workspace per test, and the real Docker engine for integration tests.

Under CI=true a missing engine fails the run instead of skipping: integration tests must really run there.
"""

from __future__ import annotations

import os

import pytest

from jupyter_deploy.workspace import Workspace

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture
def workspace(tmp_path) -> Workspace:
    return Workspace(tmp_path / "workspace")


@pytest.fixture(scope="session")
def docker_engine():
    from jupyter_deploy.engine import docker_client
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
    from jupyter_deploy.webservice import LocalWebservice

    yield workspace
    for service in LocalWebservice.list(workspace):
        service.delete()
