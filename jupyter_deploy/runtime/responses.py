"""Turn what the server or run() produced into status, header list and body bytes for ASGI.

Bodies and headers follow Azure: JSON answers are ``json.dumps`` output typed ``application/json`` and
carry ``x-ms-run-function-failed``; a response object returned by run() is sent as given, except that the
server owns framing (Content-Length) and the request-id headers.
"""

from __future__ import annotations

import json
import json.encoder
from typing import Any, Callable, List, Tuple

HeaderList = List[Tuple[bytes, bytes]]

JSON_TYPE = (b"content-type", b"application/json")
HTML_TYPE = (b"content-type", b"text/html; charset=utf-8")
NOT_FAILED = (b"x-ms-run-function-failed", b"False")
FAILED = (b"x-ms-run-function-failed", b"True")

NOT_FOUND_MESSAGE = (
    "The requested URL was not found on the server. If you entered the URL manually please check your "
    "spelling and try again."
)
METHOD_NOT_ALLOWED_MESSAGE = "The method is not allowed for the requested URL."
INTERNAL_ERROR_MESSAGE = "An unexpected internal error occurred. Check the logs for more info."
RUN_FAILED_MESSAGE = "An unexpected error occurred in scoring script. Check the logs for more info."

# Framing is the server's job; ids are set by the server after run(), as Azure's after_request does.
_SERVER_OWNED = frozenset({b"content-length", b"transfer-encoding", b"x-request-id", b"x-ms-request-id"})


def _make_json_dumps() -> Callable[[Any], str]:
    """``json.dumps`` with default settings, minus its per-call encoder construction (it is on every
    /score response). Falls back to json.dumps where the C encoder is unavailable or behaves differently."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return json.dumps
    try:
        reference = json.JSONEncoder()
        encode = make(
            None, reference.default, json.encoder.encode_basestring_ascii, None, ": ", ", ", False, False, True
        )
        sample = {"a": [1, 2.5, None, True, "é\n"], "b": {"c": float("inf")}}
        if "".join(encode(sample, 0)) != json.dumps(sample):
            return json.dumps
    except Exception:
        return json.dumps
    join = "".join
    return lambda value: join(encode(value, 0))


json_dumps = _make_json_dumps()


class InvalidResponse(Exception):
    """run() returned a response object whose status or headers cannot be sent."""


def error_parts(status: int, message: str, run_function_failed: bool = False) -> "tuple[int, HeaderList, bytes]":
    """Azure's ErrorResponse: ``{"message": ...}`` JSON."""
    body = json.dumps({"message": message}).encode("utf-8")
    return status, [JSON_TYPE, FAILED if run_function_failed else NOT_FAILED], body


def response_object_parts(response: Any, client_id_set: bool) -> "tuple[int, HeaderList, bytes]":
    """Status, headers and body of an AMLResponse (or a flask Response from a real azureml package)."""
    try:
        status = int(response.status_code)
        body = response.get_data()
        pairs = list(response.headers.items())
    except Exception as error:  # a half-built or foreign object
        raise InvalidResponse(f"run() returned an unusable response object: {error!r}") from error
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not 100 <= status <= 999:
        raise InvalidResponse(f"run() returned a response with invalid status code {status}")
    headers: HeaderList = []
    for name, value in pairs:
        raw_name = _header_bytes(name)
        lowered = raw_name.lower()
        if lowered in _SERVER_OWNED or (client_id_set and lowered == b"x-ms-client-request-id"):
            continue
        if status >= 500 and lowered == b"x-ms-run-function-failed":
            continue
        headers.append((raw_name, _header_bytes(value)))
    if status >= 500:
        headers.append(FAILED)
    return status, headers, bytes(body)


def _header_bytes(value: Any) -> bytes:
    text = value if isinstance(value, str) else str(value)
    if "\r" in text or "\n" in text:
        raise InvalidResponse(f"header {text!r} contains a line break")
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")
