"""Stand-in for ``azureml.contrib.services.aml_request`` so @rawhttp scripts run without azureml packages.

``rawhttp`` behaves as Azure's: applying it anywhere sets a module-level flag that the server reads after
importing the entry script. ``AMLRequest`` is werkzeug's ``Request`` — Azure's server hands run() flask's
request object, itself a werkzeug Request — so ``files``, ``form``, ``args``, ``headers``, ``get_data()``,
``stream`` and ``json`` are the very objects scripts saw on Azure. The server builds the WSGI environ from
the ASGI scope and the body it has already read in full.
"""

from __future__ import annotations

import io
from typing import Any, Dict, Iterable, Optional, Tuple
from urllib.parse import quote

from werkzeug.datastructures import FileStorage, Headers, MultiDict  # noqa: F401  (re-exported for scripts)
from werkzeug.exceptions import BadRequest, UnsupportedMediaType  # noqa: F401  (what get_json() raises)
from werkzeug.wrappers import Request

_rawHttpRequested = False


def rawhttp(func):
    """Attribute applied to run() in score.py to receive the raw HTTP request (an AMLRequest)."""
    global _rawHttpRequested
    _rawHttpRequested = True
    return func


def build_environ(
    method: str = "GET",
    path: str = "/",
    query_string: bytes = b"",
    headers: Iterable[Tuple[str, str]] = (),
    body: bytes = b"",
    scheme: str = "http",
    server: Optional[Tuple[str, Optional[int]]] = None,
    remote_addr: Optional[str] = None,
    root_path: str = "",
) -> Dict[str, Any]:
    """The WSGI environ a WSGI server (gunicorn, for Azure) would have built for this request."""
    host, port = (server[0], str(server[1] or "")) if server else ("localhost", "80")
    environ: Dict[str, Any] = {
        "REQUEST_METHOD": method.upper(),
        "SCRIPT_NAME": quote(root_path),
        "PATH_INFO": path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": query_string.decode("latin-1"),
        "SERVER_NAME": host,
        "SERVER_PORT": port,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": remote_addr or "",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.input_terminated": True,  # the body is complete: chunked uploads read to the end too
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in headers:
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


class AMLRequest(Request):
    """The raw HTTP request handed to a @rawhttp run(): a werkzeug Request.

    ``AMLRequest(environ)`` as werkzeug's; the keyword form (``method=``, ``path=``, ``headers=``, ``body=``...)
    builds the environ first (the server and tests use it).
    """

    def __init__(self, environ: Optional[Dict[str, Any]] = None, populate_request: bool = True,
                 shallow: bool = False, **pieces: Any):
        super().__init__(environ if environ is not None else build_environ(**pieces), populate_request, shallow)
