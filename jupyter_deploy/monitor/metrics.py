"""A service's ``GET /metrics`` as a dict (prometheus_client's own text parser)."""

from __future__ import annotations

import requests

from ..errors import MetricsUnavailable


def parse_metrics(text: str) -> dict:
    """Sample name → a float (no labels) or a list of ``{label: value, ..., "value": float}``."""
    from prometheus_client.parser import text_string_to_metric_families

    result: dict = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.labels:
                result.setdefault(sample.name, []).append({**sample.labels, "value": float(sample.value)})
            else:
                result[sample.name] = float(sample.value)
    return result


def fetch_metrics(port: int, service_name: str, timeout: float = 5) -> dict:
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        response = requests.get(url, timeout=timeout)
    except requests.RequestException:
        raise MetricsUnavailable(f"Service '{service_name}' did not answer {url}; is it running?") from None
    if response.status_code != 200:
        raise MetricsUnavailable(
            f"Service '{service_name}' answered HTTP {response.status_code} for /metrics; redeploy it to get metrics."
        )
    return parse_metrics(response.text)


def total(metrics: dict, name: str, **labels: str) -> float:
    """Sum of a sample over the series matching ``labels`` (0.0 when absent)."""
    value = metrics.get(name)
    if value is None:
        return 0.0
    if isinstance(value, float):
        return value
    return sum(s["value"] for s in value if all(s.get(k) == v for k, v in labels.items()))
