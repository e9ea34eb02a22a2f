"""The monitoring part of the container contract: switch variables (Azure's names), the data mount, its layout.

The host side (monitor/, the local target) imports these constants from here, like runtime/settings.py.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Mapping, Optional, Tuple

# Azure's own variable names: ModelDataCollector checked AML_MODEL_DC_STORAGE_ENABLED, the server AML_APP_INSIGHTS_ENABLED.
ENV_COLLECT_MODEL_DATA = "AML_MODEL_DC_STORAGE_ENABLED"
ENV_APP_INSIGHTS = "AML_APP_INSIGHTS_ENABLED"
ENV_DATA_DIR = "JUPYTER_DEPLOY_DATA_DIR"  # where the service's data folder is mounted (read-write)
ENV_MODEL_IDS = "JUPYTER_DEPLOY_MODEL_IDS"  # "name:version,name:version", the models the service serves
ENV_METRICS = "JUPYTER_DEPLOY_METRICS"  # "0" turns request metrics off (benchmarks' reference only)
ENV_CAPTURE_MAX_BYTES = "JUPYTER_DEPLOY_CAPTURE_MAX_BYTES"  # the whole store, oldest files deleted beyond it
ENV_CAPTURE_FILE_BYTES = "JUPYTER_DEPLOY_CAPTURE_FILE_BYTES"  # one file, rotated beyond it
ENV_MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's own name

CONTAINER_DATA_DIR = "/var/azureml-data"
MODELDATA_FOLDER = "modeldata"  # <data>/modeldata/<model>/<version>/<designation>/<yyyy>/<mm>/<dd>/<file>.jsonl
SWITCHES_FILE = "switches.json"  # {"collectModelData": bool, "appInsightsEnabled": bool}; overrides the variables
REQUEST_DESIGNATION = "request"  # the automatic capture of every /score request
TELEMETRY_DESIGNATION = "telemetry"  # enable_app_insights: one row per request without bodies
DEFAULT_CAPTURE_MAX_BYTES = 512 * 1024 * 1024
DEFAULT_CAPTURE_FILE_BYTES = 16 * 1024 * 1024
UNKNOWN_MODEL = ("unknown", "0")


def truthy(text: Optional[str]) -> bool:
    return (text or "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class MonitoringSettings:
    data_dir: Optional[str]
    collect_model_data: bool
    app_insights: bool
    metrics: bool
    model_ids: Tuple[str, ...]
    service_name: str
    max_store_bytes: int
    max_file_bytes: int

    @property
    def partition_model(self) -> Tuple[str, str]:
        """The automatic capture is filed under the first model (all of them are in the row's model_ids)."""
        if not self.model_ids:
            return UNKNOWN_MODEL
        name, _, version = self.model_ids[0].partition(":")
        return name, version or "0"


def load_monitoring_settings(environ: Mapping[str, str] = os.environ, service_name: str = "ML service") -> MonitoringSettings:
    ids = tuple(part.strip() for part in environ.get(ENV_MODEL_IDS, "").split(",") if part.strip())
    return MonitoringSettings(
        data_dir=environ.get(ENV_DATA_DIR) or None,
        collect_model_data=truthy(environ.get(ENV_COLLECT_MODEL_DATA)),
        app_insights=truthy(environ.get(ENV_APP_INSIGHTS)),
        metrics=environ.get(ENV_METRICS, "1").strip() != "0",
        model_ids=ids,
        service_name=service_name,
        max_store_bytes=_int(environ.get(ENV_CAPTURE_MAX_BYTES), DEFAULT_CAPTURE_MAX_BYTES),
        max_file_bytes=_int(environ.get(ENV_CAPTURE_FILE_BYTES), DEFAULT_CAPTURE_FILE_BYTES),
    )


def read_switches(data_dir: Optional[str]) -> Optional[dict]:
    """The switches file the host writes for `service.update(collect_model_data=...)`, or None."""
    if not data_dir:
        return None
    try:
        with open(os.path.join(data_dir, SWITCHES_FILE), encoding="utf-8") as handle:
            value = json.load(handle)
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _int(text: Optional[str], default: int) -> int:
    try:
        return max(1, int(text)) if text else default
    except ValueError:
        return default
