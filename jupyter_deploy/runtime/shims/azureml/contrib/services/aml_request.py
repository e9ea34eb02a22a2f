"""Stand-in for ``azureml.contrib.services.aml_request`` so @rawhttp scripts run without azureml packages.

``rawhttp`` behaves as Azure's: applying it anywhere sets a module-level flag that the server reads after
importing the entry script. ``AMLRequest`` answers the werkzeug ``Request`` attributes scripts use; the
server builds it from a request whose body it has already read in full.
"""

from __future__ import annotations

import io
import json
from http.cookies import SimpleCookie
from typing import Any, Dict, Iterable, Optional, Tuple
from urllib.parse import parse_qsl, quote

from ._datastructures import ContentTypeMixin, FileStorage, Headers, MultiDict  # noqa: F401  (FileStorage re-exported)
from ._form_data import FORM_MIMETYPES, parse_form_data, parse_options_header

_rawHttpRequested = False


def rawhttp(func):
    """Attribute applied to run() in score.py to receive the raw HTTP request (an AMLRequest)."""
    global _rawHttpRequested
    _rawHttpRequested = True
    return func


class BadRequest(ValueError):
    """The body is not the JSON the script asked for (werkzeug raises its 400 BadRequest here)."""

    code = 400


class UnsupportedMediaType(ValueError):
    """get_json() on a non-JSON request without force/silent (werkzeug raises its 415 here)."""

    code = 415


class AMLRequest(ContentTypeMixin):
    """The raw HTTP request handed to a @rawhttp run(); mirrors the werkzeug Request surface."""

    def __init__(
        self,
        method: str = "GET",
        path: str = "/",
        query_string: bytes = b"",
        headers: Iterable[Tuple[str, str]] = (),
        body: bytes = b"",
        scheme: str = "http",
        server: Optional[Tuple[str, Optional[int]]] = None,
        remote_addr: Optional[str] = None,
        root_path: str = "",
    ):
        self.method = method.upper()
        self.path = path
        self.query_string = query_string
        self.headers = headers if isinstance(headers, Headers) else Headers(headers)
        self.scheme = scheme
        self.server = server
        self.remote_addr = remote_addr
        self.root_path = root_path
        self._body = body
        self._args: Optional[MultiDict] = None
        self._form: Optional[MultiDict] = None
        self._files: Optional[MultiDict] = None
        self._json_cache: Any = _NOT_LOADED

    # -- URL pieces -------------------------------------------------------------------------------------------
    @property
    def script_root(self) -> str:
        return self.root_path

    @property
    def full_path(self) -> str:
        return f"{self.path}?{self.query_string.decode('latin-1')}"

    @property
    def host(self) -> str:
        host = self.headers.get("host")
        if host:
            return host
        if self.server:
            address, port = self.server
            return address if port is None else f"{address}:{port}"
        return ""

    @property
    def host_url(self) -> str:
        return f"{self.scheme}://{self.host}/"

    @property
    def url_root(self) -> str:
        return f"{self.scheme}://{self.host}{self.root_path}/"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}{quote(self.root_path + self.path)}"

    @property
    def url(self) -> str:
        if self.query_string:
            return f"{self.base_url}?{self.query_string.decode('latin-1')}"
        return self.base_url

    @property
    def is_secure(self) -> bool:
        return self.scheme == "https"

    @property
    def args(self) -> MultiDict:
        if self._args is None:
            text = self.query_string.decode("utf-8", "replace")
            self._args = MultiDict(parse_qsl(text, keep_blank_values=True))
        return self._args

    # -- headers-derived ----------------------------------------------------------------------------------------
    @property
    def content_length(self) -> Optional[int]:
        return self.headers.get("content-length", type=int)

    @property
    def content_encoding(self) -> Optional[str]:
        return self.headers.get("content-encoding")

    @property
    def user_agent(self) -> str:
        return self.headers.get("user-agent", "")

    @property
    def cookies(self) -> MultiDict:
        jar: SimpleCookie = SimpleCookie()
        for header in self.headers.getlist("cookie"):
            try:
                jar.load(header)
            except Exception:  # a malformed cookie header is ignored, as werkzeug does
                continue
        return MultiDict((key, morsel.value) for key, morsel in jar.items())

    @property
    def is_json(self) -> bool:
        mimetype = self.mimetype
        return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))

    # -- body -----------------------------------------------------------------------------------------------------
    @property
    def stream(self) -> io.BytesIO:
        return io.BytesIO(self._body)

    input_stream = stream

    def get_data(self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False) -> Any:
        """The raw body; with ``parse_form_data`` a form body reads as empty, as in werkzeug."""
        body = self._body
        if parse_form_data and self.mimetype in FORM_MIMETYPES:
            self._load_form()
            body = b""
        return body.decode("utf-8", "replace") if as_text else body

    @property
    def data(self) -> bytes:
        return self.get_data(parse_form_data=True)

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        if cache and self._json_cache is not _NOT_LOADED:
            return self._json_cache
        if not (force or self.is_json):
            if silent:
                return None
            raise UnsupportedMediaType(
                "Did not attempt to load JSON data because the request Content-Type was not 'application/json'."
            )
        try:
            value = json.loads(self._body)
        except ValueError as error:
            if silent:
                return None
            raise BadRequest(f"Failed to decode JSON object: {error}") from None
        if cache:
            self._json_cache = value
        return value

    @property
    def json(self) -> Any:
        return self.get_json()

    @property
    def form(self) -> MultiDict:
        self._load_form()
        return self._form  # type: ignore[return-value]

    @property
    def files(self) -> MultiDict:
        self._load_form()
        return self._files  # type: ignore[return-value]

    @property
    def values(self) -> MultiDict:
        combined = MultiDict(self.args.items(multi=True))
        if self.method != "GET":
            for key, value in self.form.items(multi=True):
                combined.add(key, value)
        return combined

    def _load_form(self) -> None:
        if self._form is None:
            mimetype, options = parse_options_header(self.content_type)
            self._form, self._files = parse_form_data(mimetype, options, self._body)

    @property
    def environ(self) -> Dict[str, Any]:
        """A WSGI-style environ built on demand for scripts that read it directly."""
        environ: Dict[str, Any] = {
            "REQUEST_METHOD": self.method,
            "SCRIPT_NAME": self.root_path,
            "PATH_INFO": self.path,
            "QUERY_STRING": self.query_string.decode("latin-1"),
            "REMOTE_ADDR": self.remote_addr or "",
            "wsgi.url_scheme": self.scheme,
            "wsgi.input": self.stream,
        }
        if self.server:
            environ["SERVER_NAME"] = self.server[0]
            environ["SERVER_PORT"] = str(self.server[1] or "")
        for name, value in self.headers:
            key = name.upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = "HTTP_" + key
            environ[key] = f"{environ[key]},{value}" if key in environ else value
        return environ

    def __repr__(self) -> str:
        return f"<{type(self).__name__} '{self.url}' [{self.method}]>"


_NOT_LOADED = object()
