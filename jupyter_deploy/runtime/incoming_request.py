"""One scoring request as the input modes see it: ASGI scope, header map and the fully read body.

Everything beyond the raw fields is computed on demand, so the common path (undecorated run, POST JSON)
allocates nothing it does not use.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from .aml_shims import AMLRequest

FORM_MIMETYPE_PREFIXES = (b"multipart/form-data", b"application/x-www-form-urlencoded")


class IncomingRequest:
    __slots__ = ("scope", "header_map", "body")

    def __init__(self, scope: dict, header_map: Dict[bytes, bytes], body: bytes):
        self.scope = scope
        self.header_map = header_map  # lower-case names; the last value wins for repeated headers
        self.body = body

    @property
    def method(self) -> str:
        return self.scope["method"]

    @property
    def query_string(self) -> bytes:
        return self.scope["query_string"]

    @property
    def mimetype(self) -> str:
        content_type = self.header_map.get(b"content-type")
        if not content_type:
            return ""
        return content_type.split(b";", 1)[0].strip().lower().decode("latin-1")

    def is_form(self) -> bool:
        """werkzeug consumes form bodies into request.form, leaving request.data empty (Azure inherits this)."""
        content_type = self.header_map.get(b"content-type")
        return bool(content_type) and content_type.lower().startswith(FORM_MIMETYPE_PREFIXES)

    def werkzeug_header_pairs(self) -> List[Tuple[str, str]]:
        """Header names title-cased as werkzeug derives them from the WSGI environ (``X-Request-Id``)."""
        return [(name.decode("latin-1").title(), value.decode("latin-1")) for name, value in self.scope["headers"]]

    def request_headers(self) -> Dict[str, str]:
        """The ``request_headers`` dict Azure passes to run(): ``dict(request.headers)``, repeats comma-joined."""
        merged: Dict[str, str] = {}
        for name, value in self.werkzeug_header_pairs():
            merged[name] = f"{merged[name]},{value}" if name in merged else value
        return merged

    def aml_request(self) -> AMLRequest:
        scope = self.scope
        client: Optional[Tuple[str, int]] = scope.get("client")
        return AMLRequest(
            method=scope["method"],
            path=scope["path"],
            query_string=scope["query_string"],
            headers=self.werkzeug_header_pairs(),
            body=self.body,
            scheme=scope.get("scheme", "http"),
            server=scope.get("server"),
            remote_addr=client[0] if client else None,
            root_path=scope.get("root_path", ""),
        )
