"""A Jupyter server with the extension enabled on a throwaway workspace and root folder, and a JSON client for it.

The pytest-jupyter fixtures are imported here rather than through `pytest_plugins`, so they (and their autouse
event-loop fixtures) apply to this folder only.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F401,F403

from jupyter_deploy.image import cache_dir

# Read before `jp_environ` points HOME at a temporary folder: image builds must reuse the real wheel cache.
DEPENDENCY_CACHE = str(cache_dir())


@pytest.fixture
def jp_server_config(workspace):
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_deploy": True}},
        "JupyterDeployApp": {"workspace_path": str(workspace.path)},
    }


@pytest.fixture(autouse=True)
def dependency_cache(monkeypatch):
    monkeypatch.setenv("JUPYTER_DEPLOY_CACHE", DEPENDENCY_CACHE)


class Answer:
    """Status and decoded JSON of one API call (4xx/5xx included, so tests can look at them)."""

    def __init__(self, status: int, body: bytes):
        self.status = status
        self.json: Any = json.loads(body) if body else None

    def __repr__(self) -> str:
        return f"Answer({self.status}, {self.json!r})"


@pytest.fixture
def api(jp_fetch):
    """`await api("GET", "models", "greeter")` → Answer; `body` may be a dict (sent as JSON) or raw text."""

    async def call(method: str, *path: str, body: Any = None, params: dict | None = None) -> Answer:
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        if body is None and method in ("POST", "PUT", "PATCH"):
            body = ""
        response = await jp_fetch("jupyter-deploy", "api", *path, method=method, body=body, params=params,
                                  raise_error=False)
        return Answer(response.code, response.body)

    return call
