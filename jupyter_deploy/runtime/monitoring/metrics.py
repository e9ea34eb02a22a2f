"""The service's Prometheus metrics (prometheus_client), one process or several.

With WORKER_COUNT > 1 the supervisor points PROMETHEUS_MULTIPROC_DIR at a fresh folder before forking (see
``prepare_workers``), so every worker's values live in memory-mapped files and ``GET /metrics`` on any worker
answers for all of them through prometheus_client's MultiProcessCollector. Import this module only after that
(prometheus_client picks its value class when it is first imported).
"""

from __future__ import annotations

import os
import shutil
from bisect import bisect_left as _bisect_left
import tempfile
from typing import Dict, Tuple

from .contract import ENV_MULTIPROC_DIR

ROUTES = frozenset({"/score", "/", "/ready", "/swagger.json", "/metrics"})
# Scoring latencies from a trivial script (~100 µs) to a big model (tens of seconds).
DURATION_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def prepare_workers(worker_count: int) -> None:
    """In the supervisor, before forking: a fresh multiprocess folder when several workers share /metrics."""
    if worker_count <= 1 or os.environ.get(ENV_MULTIPROC_DIR):
        return
    folder = tempfile.mkdtemp(prefix="jupyter-deploy-metrics-")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    os.environ[ENV_MULTIPROC_DIR] = folder


class ServiceMetrics:
    """The metric objects and a cache of their labelled children (a label lookup takes a lock)."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.multiprocess = bool(os.environ.get(ENV_MULTIPROC_DIR))
        # Multiprocess values are written to files and read back by a MultiProcessCollector: register nowhere.
        self.registry = None if self.multiprocess else CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.requests = Counter("jupyter_deploy_requests", "HTTP requests answered, by route and status",
                                ["route", "status"], registry=registry)
        self.duration = Histogram("jupyter_deploy_request_duration_seconds", "Time to answer a request, by route",
                                  ["route"], buckets=DURATION_BUCKETS, registry=registry)
        self.run_failures = Counter("jupyter_deploy_run_failures", "/score requests whose run() raised or timed out",
                                    registry=registry)
        self.in_flight = Gauge("jupyter_deploy_in_flight_requests", "Requests being answered right now",
                               registry=registry, multiprocess_mode="livesum")
        self.init_duration = Gauge("jupyter_deploy_init_duration_seconds", "Seconds the last import + init() took",
                                   registry=registry, multiprocess_mode="max")
        self.collection_enabled = Gauge("jupyter_deploy_data_collection_enabled", "1 when model data is captured",
                                        registry=registry, multiprocess_mode="min")
        self.captured = Counter("jupyter_deploy_capture_rows", "Rows written to the data store", ["designation"],
                                registry=registry)
        self.capture_failures = Counter("jupyter_deploy_capture_failures",
                                        "Rows lost because the data store could not be written", registry=registry)
        self.capture_dropped = Counter("jupyter_deploy_capture_dropped",
                                       "Rows dropped because the capture queue was full", registry=registry)
        self._requests: Dict[Tuple[str, int], object] = {}
        self._durations: Dict[str, object] = {}
        # /score, the hot route, is tallied in plain Python and folded into the series above by `fold()`: a
        # few times a second by the server's housekeeping, and before /metrics renders. Updating the
        # prometheus_client series per request (a lock per value, a Python loop over the buckets) cost 9 % of
        # the trivial script's requests a second at 32 clients.
        self._score_bounds = tuple(DURATION_BUCKETS) + (float("inf"),)
        self._score_statuses: Dict[int, int] = {}
        self._score_buckets = [0] * len(self._score_bounds)
        self._score_seconds = 0.0
        self._score_count = 0

    def observe(self, path: str, status: int, seconds: float) -> None:
        route = path if path in ROUTES else "other"
        self._counter(route, status).inc()
        histogram = self._durations.get(route)
        if histogram is None:
            histogram = self._durations[route] = self.duration.labels(route)
        histogram.observe(seconds)

    def _counter(self, route: str, status: int):
        key = (route, status)
        counter = self._requests.get(key)
        if counter is None:
            counter = self._requests[key] = self.requests.labels(route, str(status))
        return counter

    def observe_score(self, status: int, seconds: float) -> None:
        """``observe("/score", ...)`` for the hot path, tallied until the next `fold()`."""
        statuses = self._score_statuses
        statuses[status] = statuses.get(status, 0) + 1
        self._score_buckets[_bisect_left(self._score_bounds, seconds)] += 1  # prometheus's bucket: first bound >= it
        self._score_seconds += seconds
        self._score_count += 1

    def fold(self) -> None:
        """Add the /score tallies to the prometheus_client series (and so, with several workers, to the
        shared files the other workers' /metrics read).

        A histogram has no public way to add many observations at once; its buckets and sum are
        prometheus_client's value objects (``_buckets``, ``_sum``), the ones ``observe()`` increments.
        tests/runtime/test_monitoring.py checks the folded histogram against ``observe()``'s."""
        if not self._score_count:
            return
        statuses, buckets, seconds = self._score_statuses, self._score_buckets, self._score_seconds
        self._score_statuses, self._score_buckets = {}, [0] * len(self._score_bounds)
        self._score_seconds, self._score_count = 0.0, 0
        for status, count in statuses.items():
            self._counter("/score", status).inc(count)
        if 500 in statuses:
            self.run_failures.inc(statuses[500])
        histogram = self._durations.get("/score")
        if histogram is None:
            histogram = self._durations["/score"] = self.duration.labels("/score")
        histogram._sum.inc(seconds)
        for index, count in enumerate(buckets):
            if count:
                histogram._buckets[index].inc(count)

    def render(self) -> Tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

        self.fold()
        registry = self.registry
        if registry is None:
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
