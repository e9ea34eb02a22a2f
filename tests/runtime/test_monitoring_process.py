"""The real runtime process with two workers: /metrics counts every worker's requests, SIGTERM flushes capture."""

from __future__ import annotations

import json
import signal
import time

from jupyter_deploy.monitor.metrics import parse_metrics, total

from test_process import services, start, write_script  # noqa: F401  (the fixture)


def test_two_workers_share_metrics_and_a_clean_stop_writes_every_row(tmp_path, services):  # noqa: F811
    write_script(tmp_path / "app", "def init(): pass\ndef run(data): return 'ok'\n")
    data = tmp_path / "data"
    data.mkdir()
    service = start(tmp_path / "app", env={"WORKER_COUNT": "2", "JUPYTER_DEPLOY_DATA_DIR": str(data),
                                           "AML_MODEL_DC_STORAGE_ENABLED": "true"})
    services.append(service)
    service.wait_until(lambda ready: ready.get("status") == "ready")
    statuses = [service.request("POST", "/score", b'{"a": 1}')[0] for _ in range(40)]  # new connections each
    # /ready answered from one worker; the other may still be in init() on a loaded machine (503, still counted)
    assert set(statuses) <= {200, 503} and 200 in statuses
    # each worker folds its /score tallies into the shared files a few times a second (monitoring/metrics.py)
    deadline = time.monotonic() + 5
    while total(parse_metrics(service.request("GET", "/metrics")[2].decode()), "jupyter_deploy_requests_total",
                route="/score") != 40.0:
        assert time.monotonic() < deadline, "the workers' tallies never reached /metrics"
        time.sleep(0.05)
    seen = set()
    for _ in range(20):
        status, _, body = service.request("GET", "/metrics")
        assert status == 200
        seen.add(total(parse_metrics(body.decode()), "jupyter_deploy_requests_total", route="/score"))
    assert seen == {40.0}, "every worker's /metrics answers for all workers"
    service.process.send_signal(signal.SIGTERM)
    service.process.wait(15)
    lines = [json.loads(line) for path in data.rglob("*.jsonl") for line in path.read_text().splitlines()]
    assert len(lines) == 40 and all(row["designation"] == "request" for row in lines)
