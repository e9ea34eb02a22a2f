"""Stand-in for ``azureml.contrib.services.aml_response``: a response run() can return to be sent as given.

Same constructor and header rules as Azure's (a flask Response there): ``json_str=True`` JSON-encodes the
message, otherwise str/bytes are sent as-is with a text/html default type; every response carries
``x-ms-run-function-failed``; a comma in a header value means "repeat the header".
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any, Mapping, Optional

from ._datastructures import ContentTypeMixin, Headers

DEFAULT_CONTENT_TYPE = "text/html; charset=utf-8"
JSON_CONTENT_TYPE = "application/json"


class AMLResponse(ContentTypeMixin):
    """An HTTP response returned by run(); the server sends its status, headers and bytes unchanged."""

    def __init__(
        self,
        message: Any,
        status_code: int = 200,
        response_headers: Optional[Mapping[str, Any]] = None,
        json_str: bool = False,
        run_function_failed: bool = False,
    ):
        self.status_code = int(status_code)
        self.headers = Headers()
        response_headers = dict(response_headers or {})
        if message is None:
            self._data = b"{}"
            self.headers.set("Content-Type", JSON_CONTENT_TYPE)
        elif json_str:
            self._data = json.dumps(message).encode("utf-8")
            self.headers.set("Content-Type", JSON_CONTENT_TYPE)
        else:
            self._data = _body_bytes(message)
            if not any(name.lower() == "content-type" for name in response_headers):
                self.headers.set("Content-Type", DEFAULT_CONTENT_TYPE)
        self.headers.set("x-ms-run-function-failed", str(bool(run_function_failed)))
        for name, value in response_headers.items():
            for part in str(value).split(","):
                self.headers.add(name, part.strip())

    @property
    def status(self) -> str:
        try:
            return f"{self.status_code} {HTTPStatus(self.status_code).phrase.upper()}"  # werkzeug style
        except ValueError:
            return f"{self.status_code} UNKNOWN"

    @property
    def data(self) -> bytes:
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        self.set_data(value)

    def get_data(self, as_text: bool = False) -> Any:
        return self._data.decode("utf-8", "replace") if as_text else self._data

    def set_data(self, value: Any) -> None:
        self._data = _body_bytes(value)

    @property
    def content_length(self) -> int:
        return len(self._data)

    @property
    def is_json(self) -> bool:
        mimetype = self.mimetype
        return mimetype == JSON_CONTENT_TYPE or (mimetype.startswith("application/") and mimetype.endswith("+json"))

    @property
    def json(self) -> Any:
        return json.loads(self._data) if self.is_json else None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {len(self._data)} bytes [{self.status}]>"


def _body_bytes(message: Any) -> bytes:
    """str → UTF-8, bytes-like as given, any other iterable joined (werkzeug iterates response bodies)."""
    if isinstance(message, bytes):
        return message
    if isinstance(message, str):
        return message.encode("utf-8")
    if isinstance(message, (bytearray, memoryview)):
        return bytes(message)
    return b"".join(item.encode("utf-8") if isinstance(item, str) else bytes(item) for item in message)
