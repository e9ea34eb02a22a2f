"""The runtime's monitoring middleware in-process: /metrics, the capture store, the collectors, faults."""

from __future__ import annotations

import asyncio
import json
import os
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from jupyter_deploy.monitor.metrics import parse_metrics, total
from jupyter_deploy.runtime.monitoring.middleware import monitored_app
from jupyter_deploy.runtime.settings import load_settings


def make(tmp_path: Path, source: str, **environ: str):
    root = tmp_path / "app"
    root.mkdir(parents=True, exist_ok=True)
    (root / "score.py").write_text(textwrap.dedent(source))
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    env = {"AML_APP_ROOT": str(root), "JUPYTER_DEPLOY_DATA_DIR": str(data), "JUPYTER_DEPLOY_MODEL_IDS": "iris:2",
           "SERVICE_NAME": "svc", **environ}
    app = monitored_app(load_settings(env), env)
    app.lifecycle.load_blocking()
    return app, data


def requests_(app, calls):
    async def go():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return [await client.request(*call[:2], **(call[2] if len(call) > 2 else {})) for call in calls]

    return asyncio.run(go())


def rows(data: Path):
    found = []
    for path in sorted(data.rglob("*.jsonl")):
        found += [(path.relative_to(data).parts, json.loads(line)) for line in path.read_text().splitlines()]
    return found


ECHO = """
    def init(): pass
    def run(data):
        import json
        if json.loads(data).get("fail"):
            raise ValueError("boom")
        return {"echo": json.loads(data)}
"""


def test_metrics_count_requests_failures_and_init(tmp_path):
    app, _ = make(tmp_path, ECHO)
    answers = requests_(app, [("POST", "/score", {"content": '{"x": 1}'}), ("POST", "/score", {"content": '{"fail": 1}'}),
                              ("GET", "/"), ("GET", "/metrics")])
    assert [a.status_code for a in answers] == [200, 500, 200, 200]
    metrics = parse_metrics(answers[-1].text)
    assert total(metrics, "jupyter_deploy_requests_total", route="/score", status="200") == 1
    assert total(metrics, "jupyter_deploy_requests_total", route="/score", status="500") == 1
    assert total(metrics, "jupyter_deploy_run_failures_total") == 1
    assert total(metrics, "jupyter_deploy_request_duration_seconds_count", route="/score") == 2
    assert "jupyter_deploy_in_flight_requests" in metrics and "jupyter_deploy_init_duration_seconds" in metrics
    app.close()


def test_capture_stores_every_score_request_with_its_request_id(tmp_path):
    app, data = make(tmp_path, ECHO, AML_MODEL_DC_STORAGE_ENABLED="true")
    answers = requests_(app, [("POST", "/score", {"content": '{"x": %d}' % i}) for i in range(3)]
                        + [("POST", "/score", {"content": '{"fail": 1}', "headers": {"x-request-id": "mine"}})])
    app.close()
    found = rows(data)
    assert len(found) == 4
    parts, first = found[0]
    assert parts[:4] == ("modeldata", "iris", "2", "request")
    ids = [row["request_id"] for _, row in found]
    assert ids == [a.headers["x-request-id"] for a in answers]
    assert ids[-1] == "mine"
    assert first["data"] == {"x": 0} and first["output"] == {"echo": {"x": 0}} and first["status"] == 200
    assert found[-1][1]["status"] == 500 and first["latency_ms"] >= 0 and first["model_ids"] == ["iris:2"]


def test_collectors_write_to_the_same_store_with_the_request_id(tmp_path):
    app, data = make(tmp_path, """
        from azureml.monitoring import ModelDataCollector
        from azureml.ai.monitoring import Collector
        import pandas as pd
        def init():
            global inputs, outputs, v2
            inputs = ModelDataCollector("iris", designation="inputs", feature_names=["a", "b"])
            outputs = ModelDataCollector("iris", designation="predictions")
            v2 = Collector(name="model_inputs")
        def run(data):
            inputs.collect([[1, 2], [3, 4]])
            outputs.collect([0, 1])
            context = v2.collect(pd.DataFrame({"a": [5]}))
            return context.id
    """, AML_MODEL_DC_STORAGE_ENABLED="true")
    answer, = requests_(app, [("POST", "/score", {"content": "{}"})])
    app.close()
    by_designation = {parts[3]: row for parts, row in rows(data)}
    assert set(by_designation) == {"request", "inputs", "predictions", "model_inputs"}
    assert by_designation["inputs"]["data"] == [{"a": 1, "b": 2}, {"a": 3, "b": 4}]
    assert by_designation["model_inputs"]["data"] == [{"a": 5}]
    assert answer.json() == answer.headers["x-request-id"]
    assert {row["request_id"] for row in by_designation.values()} == {answer.headers["x-request-id"]}


def test_collection_off_writes_nothing_and_switches_file_turns_it_on(tmp_path):
    app, data = make(tmp_path, ECHO)
    requests_(app, [("POST", "/score", {"content": "{}"})])
    assert rows(data) == []
    (data / "switches.json").write_text('{"collectModelData": true}')
    app.writer.poll_switches()
    requests_(app, [("POST", "/score", {"content": "{}"})])
    app.close()
    assert len(rows(data)) == 1


def test_no_writer_thread_runs_until_the_switches_turn_capture_on(tmp_path, monkeypatch):
    from jupyter_deploy.runtime.monitoring import capture

    monkeypatch.setattr(capture, "SWITCH_POLL_S", 0.0)
    app, data = make(tmp_path, ECHO)
    writer = app.writer
    assert writer._thread is None  # nothing captured: no thread waking every 100 ms to take the GIL from run()
    writer.tick()
    assert writer._thread is None
    (data / "switches.json").write_text('{"collectModelData": true}')
    writer.tick()  # what the server's housekeeping does a few times a second on the event loop
    assert writer._thread is not None and writer._thread.is_alive()
    requests_(app, [("POST", "/score", {"content": "{}"})])
    deadline = time.monotonic() + 5
    while not rows(data) and time.monotonic() < deadline:  # written by the thread, not at close
        time.sleep(0.05)
    assert len(rows(data)) == 1
    app.close()
    assert not writer._thread.is_alive()


def test_an_unwritable_store_never_fails_a_request(tmp_path, capsys):
    app, data = make(tmp_path, ECHO, AML_MODEL_DC_STORAGE_ENABLED="true")
    (data / "modeldata").write_text("a file where the folder should be")
    answers = requests_(app, [("POST", "/score", {"content": "{}"})] * 3)
    app.writer.drain()
    assert [a.status_code for a in answers] == [200] * 3
    metrics = parse_metrics(requests_(app, [("GET", "/metrics")])[0].text)
    assert total(metrics, "jupyter_deploy_capture_failures_total") == 3
    app.close()


def test_rotation_and_the_store_bound(tmp_path):
    app, data = make(tmp_path, ECHO, AML_MODEL_DC_STORAGE_ENABLED="true", JUPYTER_DEPLOY_CAPTURE_FILE_BYTES="400",
                     JUPYTER_DEPLOY_CAPTURE_MAX_BYTES="2000")
    for _ in range(10):
        requests_(app, [("POST", "/score", {"content": '{"x": "%s"}' % ("y" * 100)})] * 3)
        app.writer.drain()
    app.close()
    files = list(data.rglob("*.jsonl"))
    assert len(files) > 1
    assert sum(f.stat().st_size for f in files) <= 2000 + 400


def test_folded_score_tallies_render_as_the_same_observations_made_one_by_one():
    """The /score hot path tallies and folds (metrics.py); the result is what prometheus_client's own
    observe() and inc() give, bucket by bucket, and nothing is counted twice by a second fold."""
    from jupyter_deploy.runtime.monitoring.metrics import ServiceMetrics

    samples = [(200, 0.0001), (200, 0.0005), (200, 0.0007), (500, 0.02), (404, 3.0), (200, 120.0)]
    tallied, direct = ServiceMetrics(), ServiceMetrics()
    for status, seconds in samples:
        tallied.observe_score(status, seconds)
        direct.observe("/score", status, seconds)
        if status == 500:
            direct.run_failures.inc()
    tallied.fold()
    tallied.fold()
    def lines(metrics):
        return [line for line in metrics.render()[0].decode().splitlines() if "_created" not in line]  # timestamps

    assert lines(tallied) == lines(direct)
    assert 'jupyter_deploy_request_duration_seconds_bucket{le="0.0005",route="/score"} 2.0' in lines(tallied)
