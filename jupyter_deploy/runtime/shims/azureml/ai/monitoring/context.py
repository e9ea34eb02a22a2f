"""azureml.ai.monitoring.context.BasicCorrelationContext, as the real package has it."""

from __future__ import annotations

import uuid
from typing import Optional


class BasicCorrelationContext:
    def __init__(self, id: Optional[str] = None, timestamp: Optional[int] = None, headers: Optional[dict] = None):
        self.id = id or str(uuid.uuid4())
        self.timestamp = timestamp
        self.headers = headers or {}

    def get_id(self) -> str:
        return self.id
