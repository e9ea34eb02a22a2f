"""How a request becomes run()'s keyword arguments — Azure's three input parsers, same messages and codes.

- `JsonStringInput`: undecorated run(data): POST body as a UTF-8 str, GET query as a JSON object string.
- `ObjectInput`: @input_schema run: JSON body (or query) split into keyword arguments.
- `RawRequestInput`: @rawhttp run(request): an AMLRequest, for every routed method.
"""

from __future__ import annotations

import inspect
import json
from typing import Any, Dict, List
from urllib.parse import parse_qsl

from .incoming_request import IncomingRequest


class InputError(Exception):
    """The request cannot be turned into run() arguments; `status` is the HTTP answer."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadInput(InputError):
    status = 400


class UnsupportedInput(InputError):
    status = 415


class UnsupportedMethod(InputError):
    status = 405

    def __init__(self, method: str):
        super().__init__("Method not allowed")
        self.method = method


def _parse_query_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_get_parameters(query_string: bytes) -> Dict[str, Any]:
    """Query parameters as JSON values; a repeated key becomes a list (``?a=1&b=[1,2]&c=x`` → 1, [1,2], "x")."""
    grouped: Dict[str, List[str]] = {}
    for key, value in parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True):
        grouped.setdefault(key, []).append(value)
    return {
        key: _parse_query_value(values[0]) if len(values) == 1 else [_parse_query_value(v) for v in values]
        for key, values in grouped.items()
    }


class JsonStringInput:
    name = "undecorated"
    reads_body_for_every_method = False

    def __init__(self, parameter_name: str):
        self.parameter_name = parameter_name

    def arguments(self, request: IncomingRequest) -> Dict[str, Any]:
        method = request.scope["method"]
        if method == "POST":
            if request.is_form():
                return {self.parameter_name: ""}
            try:
                return {self.parameter_name: request.body.decode("utf-8")}
            except UnicodeDecodeError as error:
                raise BadInput(f"Input cannot be decoded as UTF-8: {error}") from None
        if method == "GET":
            return {self.parameter_name: json.dumps(parse_get_parameters(request.query_string))}
        raise UnsupportedMethod(method)

    def describe(self) -> str:
        return "run() is not decorated. Server will invoke it with the input in JSON string."


class ObjectInput:
    name = "inference-schema"
    reads_body_for_every_method = False

    def __init__(self, parameters: List[inspect.Parameter]):
        self.parameters = parameters

    def arguments(self, request: IncomingRequest) -> Dict[str, Any]:
        method = request.scope["method"]
        if method == "GET":
            return self._extract(parse_get_parameters(request.query_string))
        if method != "POST":
            raise UnsupportedMethod(method)
        mimetype = request.mimetype
        if not (mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))):
            raise UnsupportedInput("Expects Content-Type to be application/json")
        body = request.body
        try:
            json_body = json.loads(body)
        except json.JSONDecodeError as error:
            if body:
                raise BadInput(f"POST body could not be decoded as JSON: {error}") from None
            raise BadInput("POST body is empty. Expecting a JSON dictionary.") from None
        if not isinstance(json_body, dict):
            raise BadInput("POST body should be a JSON dictionary.")
        return self._extract(json_body)

    def _extract(self, body: Dict[str, Any]) -> Dict[str, Any]:
        arguments: Dict[str, Any] = {}
        for parameter in self.parameters:
            value = body.get(parameter.name, parameter.default)
            if value is inspect.Parameter.empty:
                raise BadInput(f"A value is not provided for the {parameter.name!r} parameter.")
            arguments[parameter.name] = value
        return arguments

    def describe(self) -> str:
        names = ", ".join(parameter.name for parameter in self.parameters)
        return f"run() is decorated with @input_schema. Server will invoke it with the following arguments: {names}."


class RawRequestInput:
    name = "rawhttp"
    reads_body_for_every_method = True

    def __init__(self, parameter_name: str):
        self.parameter_name = parameter_name

    def arguments(self, request: IncomingRequest) -> Dict[str, Any]:
        return {self.parameter_name: request.aml_request()}

    def describe(self) -> str:
        return "run() is decorated with @rawhttp. Server will invoke it with the raw request (AMLRequest)."
