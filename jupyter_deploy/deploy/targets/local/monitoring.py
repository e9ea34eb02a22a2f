"""Issue 12 on the local target: what a container gets for monitoring, and the service's monitoring calls.

Kept out of service.py/container.py so those stay small: ``LocalWebservice`` inherits ``ServiceMonitoring``,
``deploy_local`` passes ``container_monitoring(...)`` to ``create_container``.
"""

from __future__ import annotations

from ....monitor import (delete_collected_data, fetch_metrics, parse_since, prepare_data_dir, read_collected_data,
                         row_count, write_switches)
from ....registry import Model, Workspace
from ....runtime.monitoring.contract import (CONTAINER_DATA_DIR, ENV_APP_INSIGHTS, ENV_COLLECT_MODEL_DATA,
                                             ENV_DATA_DIR, ENV_MODEL_IDS)


def monitoring_record(deployment_config) -> dict:
    return {"collectModelData": bool(getattr(deployment_config, "collect_model_data", False)),
            "appInsightsEnabled": bool(getattr(deployment_config, "enable_app_insights", False))}


def container_monitoring(workspace: Workspace, name: str, models: list[Model], switches: dict) -> tuple[dict, dict]:
    """Environment variables (Azure's switch names) and the data mount; the switches file wins over both."""
    folder = prepare_data_dir(workspace, name)
    write_switches(workspace, name, collect_model_data=switches["collectModelData"],
                   app_insights=switches["appInsightsEnabled"])
    environment = {
        ENV_COLLECT_MODEL_DATA: "true" if switches["collectModelData"] else "false",
        ENV_APP_INSIGHTS: "true" if switches["appInsightsEnabled"] else "false",
        ENV_DATA_DIR: CONTAINER_DATA_DIR,
        ENV_MODEL_IDS: ",".join(model.id for model in models),
    }
    return environment, {str(folder): {"bind": CONTAINER_DATA_DIR, "mode": "rw"}}


class ServiceMonitoring:
    """`get_metrics()`, `get_collected_data()`, `delete_collected_data()` and the switches of a running service."""

    workspace: Workspace
    name: str
    _record: dict

    @property
    def collect_model_data(self) -> bool:
        return bool((self._record.get("monitoring") or {}).get("collectModelData"))

    @property
    def enable_app_insights(self) -> bool:
        return bool((self._record.get("monitoring") or {}).get("appInsightsEnabled"))

    def get_metrics(self) -> dict:
        """The service's Prometheus metrics: sample name → value, or a list of labelled values."""
        return fetch_metrics(self.port, self.name)

    def get_collected_data(self, designation: str | None = None, since=None):
        """Captured rows as a pandas DataFrame (`time`, `request_id`, `designation`, `data`, `output`, ...)."""
        return read_collected_data(self.workspace, self.name, designation, parse_since(since))

    def collected_row_count(self) -> int:
        return row_count(self.workspace, self.name)

    def delete_collected_data(self) -> bool:
        """Remove the captured data; `delete()` keeps it, this is the separate, explicit step."""
        return delete_collected_data(self.workspace, self.name)

    def _apply_switches(self, collect_model_data: bool | None, enable_app_insights: bool | None) -> None:
        """Switch collection on a running service: the runtime polls the switches file, no rebuild, no restart."""
        from ...records import save_record

        switches = {"collectModelData": self.collect_model_data, "appInsightsEnabled": self.enable_app_insights}
        if collect_model_data is not None:
            switches["collectModelData"] = bool(collect_model_data)
        if enable_app_insights is not None:
            switches["appInsightsEnabled"] = bool(enable_app_insights)
        write_switches(self.workspace, self.name, collect_model_data=switches["collectModelData"],
                       app_insights=switches["appInsightsEnabled"])
        self._record["monitoring"] = switches
        save_record(self.workspace, self._record)
