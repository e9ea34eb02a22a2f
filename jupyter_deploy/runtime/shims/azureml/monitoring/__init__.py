"""Stand-in for azureml-monitoring's ModelDataCollector (SDK v1 entry scripts), writing to the service's store.

Same constructor and collect() as Azure's; rows land in the store the automatic capture uses, partitioned by
model/version/designation/day, and come back on the host from ``service.get_collected_data()``.
"""

from __future__ import annotations

import uuid
from typing import Any, List, Optional

import _jupyter_deploy_capture as _capture

__all__ = ["ModelDataCollector"]


class ModelDataCollector:
    def __init__(self, model_name: str, identifier: Optional[str] = None, feature_names: Optional[List[str]] = None,
                 model_version: Optional[str] = None, designation: Optional[str] = None, **_azure_only: Any):
        self.model_name = model_name
        self.identifier = identifier
        self.feature_names = list(feature_names) if feature_names else None
        self.model_version = str(model_version) if model_version is not None else None
        self.designation = designation or identifier or "default"

    def collect(self, input_data: Any, user_correlation_id: Optional[str] = None) -> str:
        """Store ``input_data`` (one row or a list of rows); returns the correlation id, as Azure's did."""
        correlation = user_correlation_id or _capture.current_request_id.get() or str(uuid.uuid4())
        _capture.collect(model=(self.model_name, self.model_version), designation=self.designation,
                         data=self._rows(input_data), correlation_id=correlation)
        return correlation

    def _rows(self, data: Any) -> Any:
        data = data.tolist() if hasattr(data, "tolist") else data
        if hasattr(data, "to_dict"):
            return data.to_dict(orient="records")
        if not self.feature_names or not isinstance(data, (list, tuple)):
            return data
        rows = data if data and isinstance(data[0], (list, tuple)) else [data]
        return [dict(zip(self.feature_names, row)) for row in rows]
