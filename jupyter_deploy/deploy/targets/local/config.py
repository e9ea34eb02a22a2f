"""How a local service runs: `LocalWebservice.deploy_configuration(port=None)`, Azure's `computeType: LOCAL`."""

from __future__ import annotations

from ....errors import InvalidPort


class LocalWebserviceDeploymentConfiguration:
    """Where and how the service runs: only the host port (None: a free one)."""

    compute_type = "Local"

    def __init__(self, port: int | None = None, auth_enabled: bool = False):
        if port is not None and not (isinstance(port, int) and not isinstance(port, bool) and 0 < port < 65536):
            raise InvalidPort(f"Port {port!r} is not a valid TCP port; use a number from 1 to 65535 or leave it unset.")
        self.port = port
        self.auth_enabled = bool(auth_enabled)  # key auth, off by default locally (as on Azure's LocalWebservice)

    def to_dict(self) -> dict:
        return {"computeType": "LOCAL", "port": self.port, "authEnabled": self.auth_enabled}
