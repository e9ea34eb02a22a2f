"""Issue 12's switches in Azure's names, the host-side store reader and `since` values (no Docker)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from jupyter_deploy import LocalWebservice
from jupyter_deploy.cli import main
from jupyter_deploy.deploy import load_deployment_config
from jupyter_deploy.errors import InvalidSince
from jupyter_deploy.monitor import parse_since, read_collected_data, row_count, service_data_dir


def test_deploy_configuration_and_deployment_config_json(tmp_path):
    config = LocalWebservice.deploy_configuration(port=None, collect_model_data=True, enable_app_insights=True)
    assert config.to_dict()["dataCollection"] == {"storageEnabled": True} and config.to_dict()["appInsightsEnabled"]
    path = tmp_path / "deploymentConfig.json"
    path.write_text(json.dumps({"computeType": "LOCAL", "dataCollection": {"storageEnabled": True},
                                "appInsightsEnabled": True}))
    loaded = load_deployment_config(path)
    assert loaded.collect_model_data and loaded.enable_app_insights
    assert not LocalWebservice.deploy_configuration().collect_model_data


def test_since_values():
    assert parse_since(None) is None
    assert abs((datetime.now(timezone.utc) - parse_since("1h")) - timedelta(hours=1)) < timedelta(seconds=5)
    assert parse_since("2026-01-02T03:04:05Z") == datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    with pytest.raises(InvalidSince):
        parse_since("yesterday-ish")


def _write(workspace, name, designation, rows, day="2026/12/02"):
    folder = service_data_dir(workspace, name) / "modeldata" / "m" / "1" / designation / day
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "data-1.jsonl", "a") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
        handle.write('{"time": "cut by a kill')  # a torn last line is not a row


def test_store_reader_filters_and_skips_torn_lines(workspace):
    now = datetime.now(timezone.utc)
    day = now.strftime("%Y/%m/%d")
    _write(workspace, "svc", "request", [{"time": (now - timedelta(hours=3)).isoformat(), "request_id": "old",
                                          "designation": "request", "data": {"x": 1}, "status": 200},
                                         {"time": now.isoformat(), "request_id": "new", "designation": "request",
                                          "data": {"x": 2}, "status": 200}], day)
    _write(workspace, "svc", "inputs", [{"time": now.isoformat(), "request_id": "new", "designation": "inputs",
                                         "data": [1, 2]}], day)
    frame = read_collected_data(workspace, "svc")
    assert frame["request_id"].iloc[0] == "old"
    assert len(frame) == 3 and {"time", "request_id", "designation", "data", "output", "status", "latency_ms"} <= set(frame)
    assert list(read_collected_data(workspace, "svc", designation="inputs")["data"]) == [[1, 2]]
    assert list(read_collected_data(workspace, "svc", since=parse_since("1h"))["request_id"]) == ["new", "new"]
    assert row_count(workspace, "svc") == 3


def test_cli_data_without_a_service_is_one_sentence(workspace, capsys):
    assert main(["service", "data", "-n", "nothere", "-w", str(workspace.path)]) == 1
    assert "nothere" in capsys.readouterr().err
    assert main(["service", "delete-data", "-n", "nothere", "-w", str(workspace.path)]) == 0
