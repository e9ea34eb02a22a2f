"""Where the azureml collector stand-ins hand their rows to the runtime's capture writer.

A neutral module both sides import: the runtime sets ``sink`` (a callable) when collection is on, and the
middleware sets ``current_request_id`` around each /score call so collector rows carry the request's id.
Without a runtime (an in-kernel dry run) ``sink`` stays None and collecting is a no-op, as in Azure when
collection is disabled.
"""

from __future__ import annotations

import contextvars
from typing import Any, Callable, Optional

sink: Optional[Callable[..., bool]] = None
current_request_id: "contextvars.ContextVar[Optional[str]]" = contextvars.ContextVar("jd_request_id", default=None)


def collect(*, model: Optional[tuple], designation: str, data: Any, correlation_id: Optional[str]) -> bool:
    """Hand one row to the writer; False (and nothing written) when collection is off."""
    target = sink
    if target is None:
        return False
    return target(model=model, designation=designation, data=data,
                  correlation_id=correlation_id or current_request_id.get())
