"""Runtime settings read from Azure's environment variable names, so existing deployment configs carry over.

Precedence: command-line flag, then environment variable, then Azure's default. Names follow
azureml-inference-server-http where it has one; `AZUREML_MAX_REQUEST_BYTES` is ours (Azure has no limit).

This module also owns the container contract — where the app lives, which port and user it runs as, where
models are mounted, which exit code means "the script failed to load". The host side (image build, local
target) imports these constants from here; the runtime never imports anything from the host side.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping, Optional

# -- the container contract ------------------------------------------------------------------------------------
DEFAULT_APP_ROOT = "/var/azureml-app"  # Azure's app root: the entry script and its source folder are copied here
MODELS_FOLDER = "azureml-models"  # under the app root: <model name>/<version>/, as Azure's LocalWebservice had it
CONTAINER_PORT = 5001  # the port the runtime listens on inside the container (Azure's)
CONTAINER_UID = 1000  # the non-root user (and group) the service runs as
EXIT_LOAD_FAILED = 3  # exit code when importing the script or its init() fails (gunicorn's boot-error code)
EXIT_PORT_IN_USE = 4  # exit code when the port to listen on is taken (host networking: by another program)
RUNTIME_PACKAGE = "jupyter_deploy_runtime"  # the name this package has inside the image

DEFAULT_HOST = "0.0.0.0"
DEFAULT_PORT = CONTAINER_PORT
DEFAULT_SCORING_TIMEOUT_MS = 3600 * 1000
DEFAULT_MAX_REQUEST_BYTES = 100 * 1024 * 1024
DEFAULT_WORKER_COUNT = 1
DEFAULT_HEADER_TIMEOUT_MS = 10_000  # from connect (or a request's first byte) to the end of its headers
DEFAULT_KEEPALIVE_TIMEOUT_MS = 15_000  # idle time allowed between requests on one connection
DEFAULT_MAX_CONNECTIONS = 1000  # per worker; beyond it idle connections are shed, then only probes are served
DEFAULT_BODY_GRACE_MS = 10_000  # a body may arrive at any pace for this long ...
DEFAULT_MIN_BODY_BYTES_PER_S = 1024  # ... then must average at least this rate (slow-drip bodies are cut off)
DEFAULT_ACCESS_LINES_PER_S = 1000  # per worker; the requests beyond it in a second are summed up in one line

ENV_APP_ROOT = "AML_APP_ROOT"
ENV_ENTRY_SCRIPT = "AZUREML_ENTRY_SCRIPT"
ENV_SOURCE_DIRECTORY = "AZUREML_SOURCE_DIRECTORY"
ENV_MODEL_DIR = "AZUREML_MODEL_DIR"
ENV_SCORING_TIMEOUT_MS = "SCORING_TIMEOUT_MS"
ENV_MAX_REQUEST_BYTES = "AZUREML_MAX_REQUEST_BYTES"
ENV_HOST = "SERVER_HOST"  # ours (Azure's server always listens on all interfaces); host networking sets 127.0.0.1
ENV_PORT = "SERVER_PORT"
ENV_PORT_ALIAS = "AZUREML_SERVER_PORT"
ENV_WORKER_COUNT = "WORKER_COUNT"
ENV_CORS_ORIGINS = "AML_CORS_ORIGINS"
ENV_HEADER_TIMEOUT_MS = "AZUREML_HEADER_TIMEOUT_MS"
ENV_KEEPALIVE_TIMEOUT_MS = "AZUREML_KEEPALIVE_TIMEOUT_MS"
ENV_MAX_CONNECTIONS = "AZUREML_MAX_CONNECTIONS"
ENV_BODY_GRACE_MS = "AZUREML_BODY_GRACE_MS"
ENV_MIN_BODY_BYTES_PER_S = "AZUREML_MIN_BODY_BYTES_PER_S"
ENV_SERVICE_NAME = "SERVICE_NAME"
ENV_SERVICE_VERSION = "SERVICE_VERSION"
ENV_SERVICE_PATH_PREFIX = "SERVICE_PATH_PREFIX"
ENV_SERVER_VERSION_HEADER = "HTTP_X_MS_SERVER_VERSION"
ENV_ACCESS_LINES_PER_S = "JUPYTER_DEPLOY_ACCESS_LINES_PER_S"  # ours
ENV_INLINE_SCORING = "JUPYTER_DEPLOY_INLINE_SCORING"  # ours: 0 sends every request through the ASGI app


class SettingsError(ValueError):
    """An environment variable or flag holds a value the runtime cannot use."""


@dataclass(frozen=True)
class RuntimeSettings:
    app_root: str
    entry_script: str  # absolute path of the script to import
    source_dir: Optional[str]  # absolute; appended to sys.path like Azure's AZUREML_SOURCE_DIRECTORY
    model_dir: str
    scoring_timeout_ms: int
    max_request_bytes: int
    host: str
    port: int
    worker_count: int
    service_name: str = "ML service"
    service_version: str = "1.0"
    service_path_prefix: str = ""
    server_version_header: str = ""
    header_timeout_ms: int = DEFAULT_HEADER_TIMEOUT_MS
    keepalive_timeout_ms: int = DEFAULT_KEEPALIVE_TIMEOUT_MS
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    body_grace_ms: int = DEFAULT_BODY_GRACE_MS
    min_body_bytes_per_s: int = DEFAULT_MIN_BODY_BYTES_PER_S
    cors_origins: str = ""  # AML_CORS_ORIGINS, comma-separated; empty: no CORS headers
    access_lines_per_s: int = DEFAULT_ACCESS_LINES_PER_S
    inline_scoring: bool = True  # plain POST /score answered from the protocol (inline_scoring.py)


def resolve_entry_script(app_root: str, entry_script: Optional[str]) -> str:
    """Azure joins the entry script onto the app root (an absolute path stays absolute).

    Without AZUREML_ENTRY_SCRIPT Azure imports ``main``; we take ``main.py`` when the app root has one (SDK v1
    generated driver scripts) and ``score.py`` otherwise.
    """
    if not entry_script:
        entry_script = "main.py" if os.path.isfile(os.path.join(app_root, "main.py")) else "score.py"
    return os.path.abspath(os.path.join(app_root, entry_script.replace("/", os.sep)))


def load_settings(
    environ: Mapping[str, str] = os.environ,
    *,
    app_root: Optional[str] = None,
    entry_script: Optional[str] = None,
    model_dir: Optional[str] = None,
    host: Optional[str] = None,
    port: Optional[int] = None,
    worker_count: Optional[int] = None,
) -> RuntimeSettings:
    """Build settings from flags (keyword arguments) over environment variables over defaults."""
    root = os.path.abspath(app_root or environ.get(ENV_APP_ROOT) or DEFAULT_APP_ROOT)
    source_dir = environ.get(ENV_SOURCE_DIRECTORY)
    port_text = environ.get(ENV_PORT) or environ.get(ENV_PORT_ALIAS)
    settings = RuntimeSettings(
        app_root=root,
        entry_script=resolve_entry_script(root, entry_script or environ.get(ENV_ENTRY_SCRIPT)),
        source_dir=os.path.join(root, source_dir) if source_dir else None,
        model_dir=model_dir if model_dir is not None else environ.get(ENV_MODEL_DIR, ""),
        scoring_timeout_ms=_integer(environ, ENV_SCORING_TIMEOUT_MS, DEFAULT_SCORING_TIMEOUT_MS, minimum=0),
        max_request_bytes=_integer(environ, ENV_MAX_REQUEST_BYTES, DEFAULT_MAX_REQUEST_BYTES, minimum=0),
        host=host or environ.get(ENV_HOST) or DEFAULT_HOST,
        port=port if port is not None else _parse_int(ENV_PORT, port_text, DEFAULT_PORT, minimum=0),
        worker_count=(
            worker_count
            if worker_count is not None
            else _integer(environ, ENV_WORKER_COUNT, DEFAULT_WORKER_COUNT, minimum=1)
        ),
        service_name=environ.get(ENV_SERVICE_NAME, "ML service"),
        service_version=environ.get(ENV_SERVICE_VERSION, "1.0"),
        service_path_prefix=environ.get(ENV_SERVICE_PATH_PREFIX, ""),
        server_version_header=environ.get(ENV_SERVER_VERSION_HEADER, ""),
        header_timeout_ms=_integer(environ, ENV_HEADER_TIMEOUT_MS, DEFAULT_HEADER_TIMEOUT_MS, minimum=1),
        keepalive_timeout_ms=_integer(environ, ENV_KEEPALIVE_TIMEOUT_MS, DEFAULT_KEEPALIVE_TIMEOUT_MS, minimum=1),
        max_connections=_integer(environ, ENV_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS, minimum=1),
        body_grace_ms=_integer(environ, ENV_BODY_GRACE_MS, DEFAULT_BODY_GRACE_MS, minimum=0),
        min_body_bytes_per_s=_integer(environ, ENV_MIN_BODY_BYTES_PER_S, DEFAULT_MIN_BODY_BYTES_PER_S, minimum=0),
        cors_origins=environ.get(ENV_CORS_ORIGINS, ""),
        access_lines_per_s=_integer(environ, ENV_ACCESS_LINES_PER_S, DEFAULT_ACCESS_LINES_PER_S, minimum=1),
        inline_scoring=_flag(environ, ENV_INLINE_SCORING, True),
    )
    if settings.worker_count < 1:
        raise SettingsError(f"{ENV_WORKER_COUNT} must be at least 1, got {settings.worker_count}")
    return settings


def _flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    text = environ.get(name, "").strip().lower()
    if not text:
        return default
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be 1 or 0, got {text!r}")


def _integer(environ: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    return _parse_int(name, environ.get(name), default, minimum=minimum)


def _parse_int(name: str, text: Optional[str], default: int, *, minimum: int) -> int:
    if text is None or not text.strip():
        return default
    try:
        value = int(text.strip())
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {text!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value
