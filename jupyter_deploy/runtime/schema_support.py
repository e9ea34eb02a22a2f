"""Optional inference-schema integration: detection, schemas for swagger, and forgetting a reloaded script.

inference-schema records every decorated function in process-wide dicts keyed ``"<module>.<function>"``
and refuses a second output schema for the same key. Each load imports the script again as
``entry_module``, so stale entries must be dropped first or a re-import (reload, or a second app in
one test process) would fail or still look decorated after the decorators were removed.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, List

try:
    from inference_schema import schema_util as _schema_util
except ImportError:  # the runtime still serves undecorated scripts without it
    _schema_util = None

ALL_SWAGGER_VERSIONS = ["2.0", "3.0", "3.1"]
EMPTY_SCHEMA = {"type": "object", "example": {}}


def available() -> bool:
    return _schema_util is not None


def is_schema_decorated(function: Callable) -> bool:
    return _schema_util is not None and _schema_util.is_schema_decorated(function)


def input_schema(function: Callable) -> Any:
    return _schema_util.get_input_schema(function) if is_schema_decorated(function) else dict(EMPTY_SCHEMA)


def output_schema(function: Callable) -> Any:
    return _schema_util.get_output_schema(function) if is_schema_decorated(function) else dict(EMPTY_SCHEMA)


def supported_versions(function: Callable) -> List[str]:
    if _schema_util is None:
        return list(ALL_SWAGGER_VERSIONS)
    return list(_schema_util.get_supported_versions(function))


def forget_modules(module_names: Iterable[str]) -> None:
    """Drop inference-schema's records for functions defined in ``module_names``."""
    if _schema_util is None:
        return
    prefixes = tuple(f"{name}." for name in module_names)
    if not prefixes:
        return
    for registry in (_schema_util.__functions_schema__, _schema_util.__versions__):
        for key in [key for key in registry if key.startswith(prefixes)]:
            del registry[key]
