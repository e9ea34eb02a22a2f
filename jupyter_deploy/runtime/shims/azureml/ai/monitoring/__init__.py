"""Stand-in for azureml-ai-monitoring's Collector (newer entry scripts), writing to the service's store.

``Collector(name="model_inputs").collect(dataframe)`` stores the frame's rows under the designation ``name``
and returns a correlation context whose id is the request's id, so inputs and outputs join up again.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import _jupyter_deploy_capture as _capture

from .context import BasicCorrelationContext

__all__ = ["Collector", "BasicCorrelationContext"]


class Collector:
    def __init__(self, *, name: str, on_error: Optional[Callable[[Exception], Any]] = None, **_azure_only: Any):
        self.name = name
        self.on_error = on_error

    def collect(self, data: Any, correlation_context: Optional[BasicCorrelationContext] = None) -> BasicCorrelationContext:
        context = correlation_context or BasicCorrelationContext(id=_capture.current_request_id.get())
        try:
            rows = data.to_dict(orient="records") if hasattr(data, "to_dict") else data
            _capture.collect(model=None, designation=self.name, data=rows, correlation_id=context.id)
        except Exception as error:  # Azure's collector never breaks scoring; it reports through on_error
            if self.on_error is not None:
                self.on_error(error)
        return context
