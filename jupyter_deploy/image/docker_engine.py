"""The one place that connects to the Docker engine, so every front end fails the same way when it is down."""

from __future__ import annotations

import os
import threading

from ..errors import DockerNotRunning

# A ping must answer quickly; a build or a silent `pip install` inside one may not stream anything for minutes.
PING_TIMEOUT_SECONDS = 10
REQUEST_TIMEOUT_SECONDS = 1800

_client = None
_client_lock = threading.Lock()


def _engine_address() -> str:
    return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def _not_running_message() -> str:
    return (
        f"The Docker engine is not running (cannot reach {_engine_address()}). "
        "Start it with `sudo systemctl start docker` or, without systemd, "
        "`sudo dockerd > /var/log/dockerd.log 2>&1 &`; `bash scripts/setup.sh` installs and starts it."
    )


def docker_client():
    """Return a pinged `docker.DockerClient`, created once per process.

    Raises `DockerNotRunning` when the SDK is missing or the engine does not answer.
    """
    global _client
    with _client_lock:
        if _client is not None:
            return _client
        try:
            import docker
        except ImportError as error:
            raise DockerNotRunning(
                f"The Docker SDK for Python cannot be imported ({error}); install it with "
                "`python -m pip install docker` and make sure the engine is running (`bash scripts/setup.sh`)."
            ) from None
        try:
            client = docker.from_env(timeout=PING_TIMEOUT_SECONDS)
            client.ping()
        except Exception:  # DockerException, or requests/urllib3 connection errors surfacing unwrapped
            raise DockerNotRunning(_not_running_message()) from None
        client.api.timeout = REQUEST_TIMEOUT_SECONDS
        _client = client
        return client


def reset_docker_client() -> None:
    """Forget the cached client (after the engine restarted, or in tests)."""
    global _client
    with _client_lock:
        if _client is not None:
            try:
                _client.close()
            except Exception:
                pass
        _client = None
