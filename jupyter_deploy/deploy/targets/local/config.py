"""How a local service runs: `LocalWebservice.deploy_configuration(port=None)`, Azure's `computeType: LOCAL`."""

from __future__ import annotations

from ....errors import ConfigFileError, InvalidPort

MIN_PORT, MAX_PORT = 1024, 65535  # unprivileged TCP ports only


class LocalWebserviceDeploymentConfiguration:
    """Where and how the service runs: the host port (None: a free one), an optional memory limit, the worker count."""

    compute_type = "Local"

    def __init__(self, port: int | None = None, memory_gb: float | None = None, workers: int | None = None,
                 collect_model_data: bool = False, enable_app_insights: bool = False,
                 auth_enabled: bool = False):
        if port is not None and not (isinstance(port, int) and not isinstance(port, bool)
                                     and MIN_PORT <= port <= MAX_PORT):
            raise InvalidPort(f"Port {port!r} cannot be used for a service; use a number from {MIN_PORT} to {MAX_PORT} "
                              "(ports below 1024 are privileged) or leave it unset to get a free one.")
        if memory_gb is not None and (isinstance(memory_gb, bool) or not isinstance(memory_gb, (int, float))
                                      or not 0.0625 <= memory_gb <= 1024):
            raise ConfigFileError(f"memory_gb {memory_gb!r} cannot be used; give a number of GB from 0.0625 to 1024 "
                                  "(e.g. 0.5), or leave it unset for no limit.")
        if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 64):
            raise ConfigFileError(f"workers {workers!r} cannot be used; give a whole number from 1 to 64, or leave it unset.")
        self.port = port
        self.memory_gb = memory_gb
        self.workers = workers
        self.collect_model_data = bool(collect_model_data)  # issue 12: capture every /score request
        self.enable_app_insights = bool(enable_app_insights)
        self.auth_enabled = bool(auth_enabled)  # key auth, off by default locally (as on Azure's LocalWebservice)

    def to_dict(self) -> dict:
        data: dict = {"computeType": "LOCAL", "port": self.port,
                      "dataCollection": {"storageEnabled": self.collect_model_data},
                      "appInsightsEnabled": self.enable_app_insights, "authEnabled": self.auth_enabled}
        if self.memory_gb is not None:
            data["containerResourceRequirements"] = {"memoryInGB": self.memory_gb}
        if self.workers is not None:
            data["workers"] = self.workers
        return data
