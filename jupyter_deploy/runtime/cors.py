"""CORS per ``AML_CORS_ORIGINS``, as Azure's server does it (flask-cors with ``origins=`` that list).

An ASGI middleware that only adds headers: a request whose ``Origin`` is listed (or any, with ``*``) gets
``Access-Control-Allow-Origin`` (the origin itself and ``Vary: Origin``, or ``*``); a preflight (OPTIONS with
``Access-Control-Request-Method``) also gets flask-cors' default ``Access-Control-Allow-Methods`` and the
requested headers echoed in ``Access-Control-Allow-Headers``. The status and body stay the route's own, as
with flask-cors. Hand-written because flask-cors needs flask; this is its default policy and nothing more.
"""

from __future__ import annotations

from typing import Iterable, Optional, Tuple

ALLOW_METHODS = b"DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"  # flask-cors' default


def parse_origins(text: Optional[str]) -> Tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


class CorsMiddleware:
    def __init__(self, app, origins: Iterable[str]):
        self.app = app
        self.origins = frozenset(origin.encode("latin-1") for origin in origins)
        self.any_origin = b"*" in self.origins

    def __getattr__(self, name):  # the wrapped ScoringApp's attributes (lifecycle, timer...) stay reachable
        return getattr(self.app, name)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        origin = None
        requested_method = requested_headers = None
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value
            elif name == b"access-control-request-method":
                requested_method = value
            elif name == b"access-control-request-headers":
                requested_headers = value
        if origin is None or not (self.any_origin or origin in self.origins):
            return await self.app(scope, receive, send)
        added = [(b"access-control-allow-origin", b"*")] if self.any_origin else [
            (b"access-control-allow-origin", origin),
            (b"vary", b"Origin"),
        ]
        if scope["method"] == "OPTIONS" and requested_method is not None:
            added.append((b"access-control-allow-methods", ALLOW_METHODS))
            if requested_headers:
                added.append((b"access-control-allow-headers", requested_headers))

        async def send_with_cors(message):
            if message["type"] == "http.response.start":
                kept = [(n, v) for n, v in message.get("headers", []) if not n.lower().startswith(b"access-control-")]
                message = dict(message, headers=kept + added)
            await send(message)

        await self.app(scope, receive, send_with_cors)


def wrap(app, origins: Tuple[str, ...]):
    """``app`` itself when no origin is configured (no cost per request), else the middleware around it."""
    return CorsMiddleware(app, origins) if origins else app
