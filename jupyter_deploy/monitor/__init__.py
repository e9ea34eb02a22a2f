"""After deploy: the service's captured data (store), its /metrics (metrics), and `since` values.

Reads what the runtime's monitoring (``runtime/monitoring``) writes; owns no Docker and no front end.
"""

from .drift import drift_report, feature_frame
from .history import MetricsHistory
from .metrics import fetch_metrics, parse_metrics
from .since import parse_since
from .store import (delete_collected_data, prepare_data_dir, read_collected_data, row_count, service_data_dir,
                    write_switches)

__all__ = [
    "MetricsHistory", "delete_collected_data", "drift_report", "feature_frame", "fetch_metrics", "parse_metrics", "parse_since", "prepare_data_dir",
    "read_collected_data", "row_count", "service_data_dir", "write_switches",
]
