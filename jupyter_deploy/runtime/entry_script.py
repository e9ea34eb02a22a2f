"""Import the entry script fresh and decide how run() is called — Azure's UserScript.load_script rules.

The script is compiled from the bytes we hash (no __pycache__ involved), so ``entry_script_sha256`` is
exactly what runs and an edit copied in within the same second is never masked by a stale .pyc. Modules
living under the app root are dropped from sys.modules first, so sibling modules are re-imported too.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import linecache
import os
import sys
import sysconfig
from dataclasses import dataclass
from types import ModuleType
from typing import Callable, List, Optional, Union

from . import aml_shims, log, schema_support
from .input_modes import JsonStringInput, ObjectInput, RawRequestInput
from .settings import RuntimeSettings
from .swagger import SwaggerDocuments

ENTRY_MODULE_NAME = "entry_module"  # Azure's name for the imported entry script
_PACKAGE_DIRS = ("site-packages", "dist-packages")

InputMode = Union[JsonStringInput, ObjectInput, RawRequestInput]


class EntryScriptError(Exception):
    """The script imported but cannot be served (no init/run, unusable run() signature, ...)."""


class EntryScriptImportError(Exception):
    """The script (or a module it imports) raised while being imported; the cause holds the user's error."""


@dataclass(frozen=True)
class LoadedScript:
    path: str
    sha256: str
    module: ModuleType
    init: Callable[[], object]
    run: Callable[..., object]
    input_mode: InputMode
    passes_request_headers: bool
    swagger: SwaggerDocuments


def import_entry_script(settings: RuntimeSettings) -> LoadedScript:
    """Import (not init) the entry script as a fresh ``entry_module`` and analyse its run()."""
    path = settings.entry_script
    with open(path, "rb") as file:
        source = file.read()
    _ensure_on_sys_path(settings.app_root)
    if settings.source_dir:
        _ensure_on_sys_path(settings.source_dir)
    dropped = drop_app_modules(_app_dirs(settings))
    schema_support.forget_modules([ENTRY_MODULE_NAME, *dropped])
    aml_shims.reset_rawhttp_flag()
    importlib.invalidate_caches()
    linecache.checkcache()

    spec = importlib.util.spec_from_file_location(ENTRY_MODULE_NAME, path)
    module = importlib.util.module_from_spec(spec)
    try:
        code = compile(source, path, "exec", dont_inherit=True)
        exec(code, module.__dict__)
    except BaseException as error:
        raise EntryScriptImportError(f"Failed to import the entry script {path}") from error

    init, run = _find_init_and_run(module)
    input_mode, passes_request_headers = analyse_run(run)
    swagger = SwaggerDocuments(
        settings.app_root,
        run,
        service_name=settings.service_name,
        service_version=settings.service_version,
        path_prefix=settings.service_path_prefix,
    )
    return LoadedScript(
        path=path,
        sha256=hashlib.sha256(source).hexdigest(),
        module=module,
        init=init,
        run=run,
        input_mode=input_mode,
        passes_request_headers=passes_request_headers,
        swagger=swagger,
    )


def _find_init_and_run(module: ModuleType):
    location = getattr(module, "__file__", ENTRY_MODULE_NAME)
    if not hasattr(module, "init"):
        raise EntryScriptError(f"User script at {location} does not have a init() function defined.")
    if not hasattr(module, "run"):
        raise EntryScriptError(f"User script at {location} does not have a run() function defined.")
    # SDK-generated driver scripts expose the real score script as `driver_module`; Azure calls its run()
    # directly (the driver's run() mishandles inference-schema arguments) but keeps the driver's init().
    driver = getattr(module, "driver_module", None)
    if isinstance(driver, ModuleType) and hasattr(driver, "run"):
        log.info(f"Found driver script at {location} and the score script at {getattr(driver, '__file__', '?')}")
        return module.init, driver.run
    log.info(f"Found user script at {location}")
    return module.init, module.run


def analyse_run(run: Callable) -> "tuple[InputMode, bool]":
    """Azure's _analyze_run: reject unusable signatures, pick the input mode, note request_headers."""
    parameters = list(inspect.signature(run).parameters.values())
    if any(p.kind not in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters):
        raise EntryScriptError("run() cannot accept positional-only arguments, *args, or **kwargs.")
    passes_request_headers = any(p.name == "request_headers" for p in parameters)
    parameters = [p for p in parameters if p.name != "request_headers"]
    if not parameters:
        if passes_request_headers:
            raise EntryScriptError('run() needs to accept an argument other than "request_headers".')
        raise EntryScriptError("run() needs to accept an argument for input data.")

    raw = aml_shims.rawhttp_requested()
    decorated = schema_support.is_schema_decorated(run)
    if raw and decorated:
        raise EntryScriptError("run() cannot be decorated with both @rawhttp and @input_schema")
    mode: InputMode
    if raw:
        mode = RawRequestInput(parameters[0].name)
    elif decorated:
        mode = ObjectInput(parameters)
    else:
        mode = JsonStringInput(parameters[0].name)
    return mode, passes_request_headers


def _ensure_on_sys_path(directory: str) -> None:
    # Azure appends (not prepends): an installed package wins over a same-named file in the app root.
    if directory not in sys.path:
        sys.path.append(directory)


def _app_dirs(settings: RuntimeSettings) -> List[str]:
    dirs = {os.path.realpath(settings.app_root), os.path.realpath(os.path.dirname(settings.entry_script))}
    if settings.source_dir:
        dirs.add(os.path.realpath(settings.source_dir))
    return sorted(dirs)


def drop_app_modules(directories: List[str]) -> List[str]:
    """Remove from sys.modules every module whose file lives under ``directories`` (installed packages and
    this runtime excepted); returns their names."""
    roots = tuple(os.path.join(directory, "") for directory in directories)
    protected = _protected_roots()
    dropped = []
    for name, module in list(sys.modules.items()):
        location = _module_file(module)
        if not location:
            continue
        if location.startswith(roots) and not location.startswith(protected):
            if any(part in location.split(os.sep) for part in _PACKAGE_DIRS):
                continue
            del sys.modules[name]
            dropped.append(name)
    return dropped


def _protected_roots() -> "tuple[str, ...]":
    """This runtime, the shims and the interpreter's own library dirs are never re-imported."""
    paths = {os.path.dirname(os.path.realpath(__file__))}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            paths.add(os.path.realpath(path))
    return tuple(os.path.join(path, "") for path in paths)


def _module_file(module: Optional[ModuleType]) -> Optional[str]:
    location = getattr(module, "__file__", None)
    if not isinstance(location, str):
        return None
    try:
        return os.path.realpath(location)
    except (OSError, ValueError):
        return None
