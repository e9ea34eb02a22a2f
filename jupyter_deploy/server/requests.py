"""The bodies the REST API accepts, as pydantic models: the request half of the contract in docs/rest-api.md.

camelCase on the wire like every answer (`shapes.py`); snake_case names are accepted too.
"""

from __future__ import annotations

from typing import Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from ..deploy.probe import MAX_REPEAT
from ..errors import InvalidRequest

MAX_REPLICAS = 64  # the panel's form has the same limit (labextension/src/deployForm.ts)


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, alias_generator=to_camel, populate_by_name=True)

    @classmethod
    def parse(cls, body: Union[bytes, str]):
        """Validate a raw JSON body; every problem becomes one `InvalidRequest` sentence naming the field."""
        try:
            return cls.model_validate_json(body or b"")
        except ValidationError as error:
            first = error.errors()[0]
            if first["type"] == "json_invalid":
                raise InvalidRequest(f"The request body is not valid JSON ({first['msg']}); send a JSON object.") from None
            where = ".".join(str(part) for part in first["loc"]) or "the body"
            count = error.error_count()
            more = f" (and {count - 1} more problem{'s' if count > 2 else ''})" if count > 1 else ""
            raise InvalidRequest(f"Invalid request: {where}: {first['msg']}{more}.") from None


class DeployRequest(_Request):
    """`DeployRequest` of the contract; paths are relative to the server's root folder."""

    service_name: str
    models: list[str]
    entry_script: str
    source_directory: Optional[str] = None
    environment: Optional[str] = None
    conda_file: Optional[str] = None
    requirements_file: Optional[str] = None
    port: Optional[int] = None  # 1024–65535, checked by the core's deployment configuration (one sentence)
    overwrite: bool = False
    compute_target: Optional[str] = None  # issue 13: an attached target (AKS settings)
    replicas: Optional[int] = Field(default=None, ge=1, le=MAX_REPLICAS)  # compute target only; default 1
    auth_enabled: Optional[bool] = None  # key auth; default on for a compute target, off for Local Docker (Azure's)
    collect_model_data: bool = False  # issue 12: capture every /score request (local target)


class EndpointTestRequest(_Request):
    body: str
    repeat: int = Field(default=1, ge=1, le=MAX_REPEAT)
