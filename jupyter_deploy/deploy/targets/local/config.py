"""How a local service runs: `LocalWebservice.deploy_configuration(port=None)`, Azure's `computeType: LOCAL`."""

from __future__ import annotations

from ....errors import InvalidPort

MIN_PORT, MAX_PORT = 1024, 65535  # unprivileged TCP ports only


class LocalWebserviceDeploymentConfiguration:
    """Where and how the service runs: only the host port (None: a free one)."""

    compute_type = "Local"

    def __init__(self, port: int | None = None):
        if port is not None and not (isinstance(port, int) and not isinstance(port, bool)
                                     and MIN_PORT <= port <= MAX_PORT):
            raise InvalidPort(f"Port {port!r} cannot be used for a service; use a number from {MIN_PORT} to {MAX_PORT} "
                              "(ports below 1024 are privileged) or leave it unset to get a free one.")
        self.port = port

    def to_dict(self) -> dict:
        return {"computeType": "LOCAL", "port": self.port}
