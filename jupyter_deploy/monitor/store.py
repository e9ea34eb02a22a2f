"""The service's data folder on the host: the captured rows (read as a DataFrame), its switches, its deletion.

``<workspace>/services/<name>/data`` is bind-mounted read-write into the container at
``runtime.monitoring.contract.CONTAINER_DATA_DIR``; the layout below it is the runtime's (Azure's blob layout):
``modeldata/<model>/<version>/<designation>/<yyyy>/<mm>/<dd>/*.jsonl``. The folder outlives the service:
``service.delete()`` keeps it, ``delete_collected_data`` removes it.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

from ..registry import Workspace
from ..runtime.monitoring.contract import MODELDATA_FOLDER, SWITCHES_FILE
from ..runtime.settings import CONTAINER_UID

COLUMNS = ["time", "request_id", "designation", "data", "output", "status", "latency_ms", "model_ids", "service"]


def service_data_dir(workspace: Workspace, name: str) -> Path:
    return Path(workspace.services_dir) / name / "data"


def prepare_data_dir(workspace: Workspace, name: str) -> Path:
    """Create the folder so the container's non-root user can write it (owned by it when we can, else open)."""
    folder = service_data_dir(workspace, name)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        os.chown(folder, CONTAINER_UID, CONTAINER_UID)
    except (PermissionError, OSError):
        folder.chmod(0o777)
    return folder


def write_switches(workspace: Workspace, name: str, *, collect_model_data: bool, app_insights: bool) -> Path:
    """The switches a running service polls (about twice a second): atomic replace, readable by the container."""
    folder = prepare_data_dir(workspace, name)
    target = folder / SWITCHES_FILE
    staging = folder / (SWITCHES_FILE + ".tmp")
    staging.write_text(json.dumps({"collectModelData": bool(collect_model_data),
                                   "appInsightsEnabled": bool(app_insights)}), encoding="utf-8")
    staging.chmod(0o644)
    os.replace(staging, target)
    return target


def _files(workspace: Workspace, name: str, designation: str | None):
    root = service_data_dir(workspace, name) / MODELDATA_FOLDER
    if not root.is_dir():
        return []
    pattern = f"*/*/{designation}/*/*/*/*.jsonl" if designation else "*/*/*/*/*/*/*.jsonl"
    return sorted(root.glob(pattern))


def _day_of(path: Path):
    try:
        year, month, day = path.parts[-4:-1]
        return datetime(int(year), int(month), int(day), tzinfo=timezone.utc)
    except (ValueError, IndexError):
        return None


def read_rows(workspace: Workspace, name: str, designation: str | None = None, since: datetime | None = None) -> list[dict]:
    rows = []
    since_day = since.replace(hour=0, minute=0, second=0, microsecond=0) if since else None
    for path in _files(workspace, name, designation):
        day = _day_of(path)
        if since_day is not None and day is not None and day < since_day:
            continue  # the day partition is older than asked: skip the file without reading it
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if not line.endswith("\n"):
                    break  # a row being written right now (or cut by a kill): not a row yet
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    continue
    return rows


def read_collected_data(workspace: Workspace, name: str, designation: str | None = None, since: datetime | None = None):
    """All captured rows as a DataFrame sorted by time (columns `COLUMNS`, `time` as UTC timestamps)."""
    import pandas as pd

    frame = pd.DataFrame(read_rows(workspace, name, designation, since))
    for column in COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    frame = frame[COLUMNS + [c for c in frame.columns if c not in COLUMNS]]
    frame["time"] = pd.to_datetime(frame["time"], utc=True, format="ISO8601")
    if since is not None:
        frame = frame[frame["time"] >= pd.Timestamp(since)]
    return frame.sort_values("time", kind="stable").reset_index(drop=True)


def row_count(workspace: Workspace, name: str) -> int:
    """Captured rows of every designation (complete lines), cheaply for the panel."""
    count = 0
    for path in _files(workspace, name, None):
        with open(path, "rb") as handle:
            count += sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    return count


def delete_collected_data(workspace: Workspace, name: str) -> bool:
    """Remove the service's captured data (the explicit, separate step after `delete()`); True if there was some."""
    folder = service_data_dir(workspace, name)
    if not folder.exists():
        return False
    shutil.rmtree(folder / MODELDATA_FOLDER, ignore_errors=True)
    (folder / SWITCHES_FILE).unlink(missing_ok=True)
    try:
        folder.rmdir()
        folder.parent.rmdir()
    except OSError:
        pass
    return True
