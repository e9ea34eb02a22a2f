"""``GET /swagger.json`` documents, built once per load the way Azure's swagger.py builds them.

Per version (2, 3, 3.1): a user file in the app root wins (``swagger.json``/``swagger2.json``,
``swagger3.json``, ``swagger3.1.json``); otherwise a document is generated from the inference-schema
input/output schemas (empty-object schemas for an undecorated run(), as Azure does), unless the schema's
types do not support that version.
"""

from __future__ import annotations

import json
import os
from typing import Callable, Dict, List, Optional, Tuple

from . import schema_support


class SwaggerUnavailable(Exception):
    """Answered with 404 and this message, as Azure does."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# (version, aliases accepted in ?version=, user files checked in the app root)
_BUILDS: List[Tuple[str, Tuple[str, ...], Tuple[str, ...]]] = [
    ("2", ("2", "2.0"), ("swagger.json", "swagger2.json")),
    ("3", ("3", "3.0"), ("swagger3.json",)),
    ("3.1", ("3.1",), ("swagger3.1.json",)),
]
VALID_VERSIONS = {alias for _, aliases, _ in _BUILDS for alias in aliases}

_ERROR_SCHEMA = {"type": "object", "properties": {"message": {"type": "string"}}}
_DEFAULT_SERVICE_INPUT = {
    "type": "object",
    "properties": {"param": {"type": "object", "additionalProperties": {"type": "object"}}},
}
_DEFAULT_SERVICE_OUTPUT = {"type": "object", "additionalProperties": {"type": "object"}}
_BEARER = {"type": "apiKey", "name": "Authorization", "in": "header", "description": "For example: Bearer abc123"}
_HEALTH_DESCRIPTION = "Simple health check endpoint to ensure the service is up at any given point."
_HEALTHY_DESCRIPTION = "If service is up and running, this response will be returned with the content 'Healthy'"
_SCORE_DESCRIPTION = "Run web service's model and get the prediction output"
_PAYLOAD_DESCRIPTION = "The input payload for executing the real-time machine learning service."
_OK_DESCRIPTION = "The service processed the input correctly and provided a result prediction, if applicable."
_FAILED_DESCRIPTION = "The service failed to execute due to an error."


class SwaggerDocuments:
    def __init__(
        self,
        app_root: str,
        run_function: Callable,
        *,
        service_name: str = "ML service",
        service_version: str = "1.0",
        path_prefix: str = "",
    ):
        self._documents: Dict[str, dict] = {}
        self.supported_versions: List[str] = []
        schema_versions = schema_support.supported_versions(run_function)
        prefix = f"/{path_prefix.strip('/')}" if path_prefix else ""
        for version, aliases, user_files in _BUILDS:
            document = _read_user_swagger(app_root, user_files)
            if document is None and any(alias in schema_versions for alias in aliases):
                inputs = schema_support.input_schema(run_function)
                outputs = schema_support.output_schema(run_function)
                build = _swagger2 if version == "2" else _openapi3
                document = build(service_name, service_version, prefix, inputs, outputs)
                if version == "3.1":
                    document["openapi"] = "3.1.0"
            if document:
                self.supported_versions.append(version)
                for alias in aliases:
                    self._documents[alias] = document

    def get(self, version: str) -> dict:
        supported = ", ".join(sorted(self.supported_versions))
        if version not in VALID_VERSIONS:
            raise SwaggerUnavailable(f"Swagger version [{version}] is not valid. Supported versions: [{supported}].")
        document = self._documents.get(version)
        if not document:
            raise SwaggerUnavailable(
                f"Swagger version [{version}] is not supported for the scoring script. "
                f"Supported swagger versions: [{supported}]."
            )
        return document


def _read_user_swagger(app_root: str, names: Tuple[str, ...]) -> Optional[dict]:
    for name in names:
        path = os.path.join(app_root, name)
        try:
            with open(path, "r", encoding="utf-8") as file:
                return json.load(file)
        except FileNotFoundError:
            continue
    return None


def _info(service_name: str, service_version: str) -> dict:
    return {
        "title": service_name,
        "description": f"API specification for the Azure Machine Learning service {service_name}",
        "version": service_version,
    }


def _swagger2(service_name: str, service_version: str, prefix: str, inputs: object, outputs: object) -> dict:
    error_ref = {"description": _FAILED_DESCRIPTION, "schema": {"$ref": "#/definitions/ErrorResponse"}}
    return {
        "swagger": "2.0",
        "info": _info(service_name, service_version),
        "schemes": ["https"],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "securityDefinitions": {"Bearer": dict(_BEARER)},
        "paths": {
            f"{prefix}/": {
                "get": {
                    "operationId": "ServiceHealthCheck",
                    "description": _HEALTH_DESCRIPTION,
                    "responses": {
                        "200": {
                            "description": _HEALTHY_DESCRIPTION,
                            "schema": {"type": "string"},
                            "examples": {"application/json": "Healthy"},
                        },
                        "default": dict(error_ref),
                    },
                }
            },
            f"{prefix}/score": {
                "post": {
                    "operationId": "RunMLService",
                    "description": _SCORE_DESCRIPTION,
                    "security": [{"Bearer": []}],
                    "parameters": [
                        {
                            "name": "serviceInputPayload",
                            "in": "body",
                            "description": _PAYLOAD_DESCRIPTION,
                            "schema": {"$ref": "#/definitions/ServiceInput"},
                        }
                    ],
                    "responses": {
                        "200": {"description": _OK_DESCRIPTION, "schema": {"$ref": "#/definitions/ServiceOutput"}},
                        "default": dict(error_ref),
                    },
                }
            },
            f"{prefix}/swagger.json": {
                "get": {
                    "operationId": "GetSwaggerSpec",
                    "description": "Get the Swagger specification.",
                    "parameters": [
                        {"name": "version", "in": "query", "required": False, "type": "integer", "enum": [2, 3]}
                    ],
                    "responses": {
                        "200": {"description": "The Swagger specification.", "schema": {"type": "string"}},
                        "default": dict(error_ref),
                    },
                }
            },
        },
        "definitions": {
            "ServiceInput": inputs if inputs is not None else dict(_DEFAULT_SERVICE_INPUT),
            "ServiceOutput": outputs if outputs is not None else dict(_DEFAULT_SERVICE_OUTPUT),
            "ErrorResponse": json.loads(json.dumps(_ERROR_SCHEMA)),
        },
    }


def _openapi3(service_name: str, service_version: str, prefix: str, inputs: object, outputs: object) -> dict:
    def json_content(ref: str) -> dict:
        return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}

    error_ref = {"description": _FAILED_DESCRIPTION, "content": json_content("ErrorResponse")}
    return {
        "openapi": "3.0.3",
        "info": _info(service_name, service_version),
        "security": [{"Bearer": []}],
        "paths": {
            f"{prefix}/": {
                "get": {
                    "operationId": "ServiceHealthCheck",
                    "description": _HEALTH_DESCRIPTION,
                    "responses": {
                        "200": {
                            "description": _HEALTHY_DESCRIPTION,
                            "content": {"text/plain": {"schema": {"type": "string", "example": "Healthy"}}},
                        },
                        "default": dict(error_ref),
                    },
                }
            },
            f"{prefix}/score": {
                "post": {
                    "operationId": "RunMLService",
                    "description": _SCORE_DESCRIPTION,
                    "security": [{"Bearer": []}],
                    "requestBody": {"description": _PAYLOAD_DESCRIPTION, "content": json_content("ServiceInput")},
                    "responses": {
                        "200": {"description": _OK_DESCRIPTION, "content": json_content("ServiceOutput")},
                        "default": dict(error_ref),
                    },
                }
            },
            f"{prefix}/swagger.json": {
                "get": {
                    "operationId": "GetSwaggerSpec",
                    "description": "Get the Swagger specification.",
                    "parameters": [
                        {
                            "name": "version",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "enum": [2, 3]},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The Swagger specification.",
                            "content": {"text/plain": {"schema": {"type": "string"}}},
                        },
                        "default": dict(error_ref),
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "ServiceInput": inputs if inputs is not None else dict(_DEFAULT_SERVICE_INPUT),
                "ServiceOutput": outputs if outputs is not None else dict(_DEFAULT_SERVICE_OUTPUT),
                "ErrorResponse": json.loads(json.dumps(_ERROR_SCHEMA)),
            },
            "securitySchemes": {"Bearer": dict(_BEARER)},
        },
    }
