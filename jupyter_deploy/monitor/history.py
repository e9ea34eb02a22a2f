"""Request rate, error rate and p50/p99 latency over time, from successive /metrics snapshots.

Each new snapshot is compared with the previous one: the counters' difference over the seconds between them
gives the rates, and the difference of the duration histogram's cumulative buckets gives the quantiles
(linear inside a bucket, as Prometheus' histogram_quantile does).
"""

from __future__ import annotations

import math
import time
from collections import deque

from .metrics import total

REQUESTS = "jupyter_deploy_requests_total"
BUCKETS = "jupyter_deploy_request_duration_seconds_bucket"


def _buckets(metrics: dict, route: str) -> dict[float, float]:
    found: dict[float, float] = {}
    for sample in metrics.get(BUCKETS, []) or []:
        if sample.get("route") == route:
            bound = math.inf if sample["le"] in ("+Inf", "inf") else float(sample["le"])
            found[bound] = found.get(bound, 0.0) + sample["value"]
    return found


def quantile(q: float, buckets: dict[float, float]) -> float | None:
    """histogram_quantile over cumulative bucket counts {upper bound: count}."""
    bounds = sorted(buckets)
    if not bounds or buckets[bounds[-1]] <= 0:
        return None
    rank = q * buckets[bounds[-1]]
    lower, below = 0.0, 0.0
    for bound in bounds:
        count = buckets[bound]
        if count >= rank:
            if math.isinf(bound):
                return lower
            inside = count - below
            return lower + (bound - lower) * ((rank - below) / inside if inside else 1.0)
        lower, below = bound, count
    return lower


class MetricsHistory:
    def __init__(self, window: int = 150, route: str = "/score"):
        self.route = route
        self.points: deque = deque(maxlen=window)  # dicts: time, rate, error_rate, p50_ms, p99_ms
        self._last: tuple[float, dict] | None = None

    def add(self, metrics: dict, at: float | None = None) -> dict | None:
        at = time.time() if at is None else at
        previous, self._last = self._last, (at, metrics)
        if previous is None or at <= previous[0]:
            return None
        seconds = at - previous[0]
        before = previous[1]
        count = total(metrics, REQUESTS, route=self.route) - total(before, REQUESTS, route=self.route)
        errors = sum(total(metrics, REQUESTS, route=self.route, status=str(s)) - total(before, REQUESTS, route=self.route, status=str(s))
                     for s in range(500, 600))
        now_buckets, old_buckets = _buckets(metrics, self.route), _buckets(before, self.route)
        delta = {bound: now_buckets[bound] - old_buckets.get(bound, 0.0) for bound in now_buckets}
        p50, p99 = quantile(0.5, delta), quantile(0.99, delta)
        point = {"time": at, "rate": max(count, 0) / seconds, "error_rate": (errors / count) if count > 0 else 0.0,
                 "p50_ms": p50 * 1000 if p50 is not None else None, "p99_ms": p99 * 1000 if p99 is not None else None}
        self.points.append(point)
        return point
