"""The live monitor driven from Python with fake /metrics snapshots, and the history's arithmetic."""

from __future__ import annotations

from types import SimpleNamespace

from jupyter_deploy.monitor import MetricsHistory
from jupyter_deploy.monitor.history import quantile
from jupyter_deploy.widgets.service_monitor import ServiceMonitor


def snapshot(ok: float, failed: float, buckets: dict) -> dict:
    return {"jupyter_deploy_requests_total": [{"route": "/score", "status": "200", "value": ok},
                                              {"route": "/score", "status": "500", "value": failed}],
            "jupyter_deploy_request_duration_seconds_bucket": [{"route": "/score", "le": le, "value": v}
                                                               for le, v in buckets.items()]}


def test_history_rates_and_quantiles():
    history = MetricsHistory()
    assert history.add(snapshot(0, 0, {"0.01": 0, "0.1": 0, "+Inf": 0}), at=100.0) is None
    point = history.add(snapshot(90, 10, {"0.01": 50, "0.1": 100, "+Inf": 100}), at=110.0)
    assert point["rate"] == 10.0 and point["error_rate"] == 0.1
    assert point["p50_ms"] == 10.0 and 90 < point["p99_ms"] <= 100
    assert quantile(0.5, {}) is None


def test_monitor_widget_draws_after_two_samples():
    snapshots = iter([snapshot(0, 0, {"0.01": 0, "+Inf": 0}), snapshot(20, 0, {"0.01": 20, "+Inf": 20})])
    monitor = ServiceMonitor(SimpleNamespace(name="svc"), fetch=lambda: next(snapshots))
    assert monitor.sample() is None and bytes(monitor.picture.value) == b""
    point = monitor.sample()
    assert point is not None and bytes(monitor.picture.value).startswith(b"\x89PNG")
    assert "req/s" in monitor.status.value
