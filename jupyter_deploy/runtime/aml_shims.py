"""Make the bundled azureml stand-ins importable and expose what the server needs from them.

In the image the builder puts ``shims/`` on PYTHONPATH; on the host (tests, in-kernel dry run) we add it to
sys.path here, so `from azureml.contrib.services.aml_request import rawhttp` works in both places and the
script and the server share one module (and so one @rawhttp flag).
"""

from __future__ import annotations

import os
import sys
from typing import Any

SHIMS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "shims")

if SHIMS_DIR not in sys.path:
    sys.path.insert(0, SHIMS_DIR)

from azureml.contrib.services import aml_request, aml_response  # noqa: E402

AMLRequest = aml_request.AMLRequest
AMLResponse = aml_response.AMLResponse

# A real azureml-inference-server-http keeps its own flag; honour it if a script imported that package.
_REAL_SERVER_REQUEST_MODULE = "azureml_inference_server_http.api.aml_request"


def reset_rawhttp_flag() -> None:
    aml_request._rawHttpRequested = False
    real = sys.modules.get(_REAL_SERVER_REQUEST_MODULE)
    if real is not None and hasattr(real, "_rawHttpRequested"):
        real._rawHttpRequested = False


def rawhttp_requested() -> bool:
    """True when @rawhttp was applied while importing the entry script (Azure's global-flag semantics)."""
    real = sys.modules.get(_REAL_SERVER_REQUEST_MODULE)
    return bool(aml_request._rawHttpRequested or getattr(real, "_rawHttpRequested", False))


def is_http_response(value: Any) -> bool:
    """Our AMLResponse, or a flask/werkzeug Response from a real azureml package (Azure accepts both)."""
    if isinstance(value, AMLResponse):
        return True
    kind = type(value)
    return hasattr(kind, "get_data") and hasattr(value, "status_code") and hasattr(value, "headers")
