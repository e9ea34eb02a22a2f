"""Monitoring inside the container: /metrics (prometheus_client), request capture, the collectors' store.

Import ``metrics`` only through ``monitored_app`` (after ``prepare_workers``): prometheus_client chooses its
multiprocess value class when first imported.
"""

from .metrics import prepare_workers  # imports no prometheus_client at module level

__all__ = ["prepare_workers", "monitored_app"]


def monitored_app(settings):
    from .middleware import monitored_app as build

    return build(settings)
