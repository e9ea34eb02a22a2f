"""Issue 12 on the real engine: /metrics, capture with request ids, Azure's collectors, switches, delete keeps data."""

from __future__ import annotations

import json
import textwrap

import pytest
import requests

from jupyter_deploy import Environment, InferenceConfig, LocalWebservice, Model
from jupyter_deploy.monitor.metrics import total

pytestmark = pytest.mark.docker

SCRIPT = textwrap.dedent("""
    import json
    from azureml.monitoring import ModelDataCollector
    from azureml.ai.monitoring import Collector

    def init():
        global inputs, outputs
        inputs = ModelDataCollector("watched", designation="inputs", feature_names=["a", "b"])
        outputs = Collector(name="model_outputs")

    def run(data):
        rows = json.loads(data)["data"]
        inputs.collect(rows)
        answer = [a + b for a, b in rows]
        outputs.collect([{"sum": value} for value in answer])
        return answer
""")


@pytest.fixture
def watched(services, tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "weights.txt").write_text("1")
    model = Model.register(services, model_path=folder, model_name="watched")
    source = tmp_path / "src"
    source.mkdir()
    (source / "score.py").write_text(SCRIPT)
    config = InferenceConfig(entry_script="score.py", environment=Environment("light"), source_directory=source)
    return services, model, config


def post(service, body, **headers):
    return requests.post(service.scoring_uri, data=json.dumps(body), timeout=30,
                         headers={"Content-Type": "application/json", **headers})


def test_collection_on_metrics_capture_collectors_and_delete_keeps_data(watched, eventually):
    workspace, model, config = watched
    service = Model.deploy(workspace, "watched", [model], config,
                           LocalWebservice.deploy_configuration(collect_model_data=True))
    service.wait_for_deployment()
    answers = [post(service, {"data": [[i, 1], [2, 3]]}) for i in range(5)]
    assert [a.json() for a in answers][0] == [1, 5]
    ids = [a.headers["x-request-id"] for a in answers]

    metrics = service.get_metrics()
    assert total(metrics, "jupyter_deploy_requests_total", route="/score", status="200") == 5
    assert metrics["jupyter_deploy_init_duration_seconds"] > 0
    assert total(metrics, "jupyter_deploy_request_duration_seconds_count", route="/score") == 5

    eventually(lambda: len(service.get_collected_data()) == 15)
    frame = service.get_collected_data()
    requests_only = service.get_collected_data(designation="request")
    assert list(requests_only["request_id"]) == ids
    assert requests_only["data"].iloc[0] == {"data": [[0, 1], [2, 3]]}
    assert set(frame["designation"]) == {"request", "inputs", "model_outputs"}
    inputs = service.get_collected_data(designation="inputs")
    assert inputs["data"].iloc[0] == [{"a": 0, "b": 1}, {"a": 2, "b": 3}]
    assert set(inputs["request_id"]) == set(ids)

    post(service, {"data": [[9, 9]]})
    service.delete()  # SIGTERM first: the last row is written, and the data stays
    kept = LocalWebserviceData(workspace, "watched")
    assert len(kept) == 18
    from jupyter_deploy.monitor import delete_collected_data

    assert delete_collected_data(workspace, "watched")
    assert len(LocalWebserviceData(workspace, "watched")) == 0


def LocalWebserviceData(workspace, name):
    from jupyter_deploy.monitor import read_collected_data

    return read_collected_data(workspace, name)


def test_update_switches_collection_on_a_running_service_without_a_restart(watched, eventually):
    workspace, model, config = watched
    service = Model.deploy(workspace, "switched", [model], config, LocalWebservice.deploy_configuration())
    service.wait_for_deployment()
    container = service.container_id
    post(service, {"data": [[1, 1]]})
    assert len(service.get_collected_data()) == 0
    service.update(collect_model_data=True)
    assert service.container_id == container
    eventually(lambda: service.get_metrics().get("jupyter_deploy_data_collection_enabled") == 1.0)
    answer = post(service, {"data": [[1, 2]]})
    eventually(lambda: len(service.get_collected_data(designation="request")) == 1)
    frame = service.get_collected_data(designation="request")
    assert frame["request_id"].iloc[0] == answer.headers["x-request-id"]
    assert LocalWebservice(workspace, "switched").collect_model_data
