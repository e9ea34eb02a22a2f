"""`GET services/{name}/monitor` (issue 12, the panel's sparkline) and the deploy request's `collectModelData`.

The service object is faked where a running container would be needed; the vanished-service case uses a real
record whose container is gone, so it shows a stopped service answers an empty series rather than a 500.
"""

from __future__ import annotations

import pytest

from jupyter_deploy import Environment, Model
from jupyter_deploy.deploy.records import save_record
from jupyter_deploy.errors import MetricsUnavailable
from jupyter_deploy.server import service as server_service
from jupyter_deploy.server.requests import DeployRequest


@pytest.fixture
def vanished_service(workspace, tmp_path):
    """A service record whose container is gone (as in test_handlers): no Docker needed."""
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "greeting.txt").write_text("hello")
    model = Model.register(workspace, folder, "greeter")
    script = tmp_path / "score.py"
    script.write_text("def init():\n    pass\n\ndef run(data):\n    return data\n")
    save_record(workspace, {
        "name": "ghost", "container_id": None, "port": 45678, "image": "jupyter-deploy/env:0000",
        "models": [model.id], "created_time": "2024-01-01T00:00:00+00:00", "failure": None,
        "inference_config": {"entryScript": "score.py", "entryScriptPath": str(script), "sourceDirectory": None,
                             "environment": Environment("light").to_dict(), "description": None},
    })


def _snapshot(requests: float, errors: float, fast: float) -> dict:
    """Cumulative /metrics: `requests` calls to /score, `errors` of them 500s, `fast` under 10 ms, all under 100 ms."""
    return {
        "jupyter_deploy_requests_total": [
            {"route": "/score", "status": "200", "value": requests - errors},
            {"route": "/score", "status": "500", "value": errors},
        ],
        "jupyter_deploy_request_duration_seconds_bucket": [
            {"route": "/score", "le": "0.01", "value": fast},
            {"route": "/score", "le": "0.1", "value": requests},
            {"route": "/score", "le": "+Inf", "value": requests},
        ],
    }


class FakeService:
    def __init__(self, snapshots: list):
        self.snapshots = list(snapshots)
        self.collect_model_data = True

    def collected_row_count(self) -> int:
        return 7

    def get_metrics(self) -> dict:
        item = self.snapshots.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


@pytest.fixture
def fake_service(monkeypatch):
    def install(snapshots):
        fake = FakeService(snapshots)
        monkeypatch.setattr(server_service, "attach_service", lambda workspace, name: fake)
        return fake
    return install


async def test_successive_polls_build_the_series(api, fake_service, monkeypatch):
    clock = iter([1000.0, 1002.0, 1004.0])

    class ClockedHistory(server_service.MetricsHistory):  # the poll times, fixed (no timed assertions)
        def add(self, metrics, at=None):
            return super().add(metrics, at=next(clock))

    monkeypatch.setattr(server_service, "MetricsHistory", ClockedHistory)
    fake_service([_snapshot(0, 0, 0), _snapshot(10, 1, 10), _snapshot(30, 1, 20)])

    first = await api("GET", "services", "sentiment", "monitor")
    assert first.status == 200
    assert first.json == {"rowsCollected": 7, "collectModelData": True, "samples": []}

    await api("GET", "services", "sentiment", "monitor")
    third = await api("GET", "services", "sentiment", "monitor")
    samples = third.json["samples"]
    assert [s["time"] for s in samples] == [1002.0, 1004.0]
    assert [s["requestRate"] for s in samples] == [5.0, 10.0]
    assert samples[0]["errorRate"] == pytest.approx(0.1)
    assert samples[1]["errorRate"] == 0.0
    assert samples[0]["p99Ms"] <= 10.0 < samples[1]["p99Ms"] <= 100.0
    assert set(samples[0]) == {"time", "requestRate", "p50Ms", "p99Ms", "errorRate"}


async def test_unreachable_service_answers_an_empty_series(api, fake_service):
    fake_service([_snapshot(0, 0, 0), _snapshot(5, 0, 5), MetricsUnavailable("no answer")])
    await api("GET", "services", "sentiment", "monitor")
    second = await api("GET", "services", "sentiment", "monitor")
    assert len(second.json["samples"]) == 1
    gone = await api("GET", "services", "sentiment", "monitor")
    assert gone.status == 200
    assert gone.json["samples"] == []


async def test_stopped_service_record_answers_200_with_no_samples(api, vanished_service):
    answer = await api("GET", "services", "ghost", "monitor")
    assert answer.status == 200, answer
    assert answer.json["samples"] == []
    assert answer.json["collectModelData"] is False
    assert answer.json["rowsCollected"] == 0


async def test_unknown_service_is_404(api):
    answer = await api("GET", "services", "nobody", "monitor")
    assert answer.status == 404
    assert "nobody" in answer.json["message"]


def test_deploy_request_collect_model_data():
    base = '{"serviceName": "s", "models": ["m:1"], "entryScript": "score.py"'
    assert DeployRequest.parse(base + "}").collect_model_data is False
    assert DeployRequest.parse(base + ', "collectModelData": true}').collect_model_data is True
    assert DeployRequest.parse(base + ', "collect_model_data": true}').collect_model_data is True
    with pytest.raises(Exception, match="collectModelData"):
        DeployRequest.parse(base + ', "collectModelData": "yes"}')


def test_start_deployment_passes_the_switch(monkeypatch, workspace, tmp_path):
    seen = {}

    class Stop(Exception):
        pass

    def deploy_configuration(**kwargs):
        seen.update(kwargs)
        raise Stop

    monkeypatch.setattr(server_service.LocalWebservice, "deploy_configuration", staticmethod(deploy_configuration))
    service = server_service.DeployService(workspace, tmp_path)
    request = DeployRequest.parse('{"serviceName": "svc", "models": ["m:1"], "entryScript": "score.py", '
                                  '"collectModelData": true}')
    with pytest.raises(Stop):
        service.start_deployment(request)
    assert seen["collect_model_data"] is True
