"""CORS per AML_CORS_ORIGINS (issue 10.2), in-process: the middleware around the scoring app."""

from __future__ import annotations

import asyncio

import httpx

from jupyter_deploy.runtime.cors import parse_origins, wrap
from test_app import ECHO, make_app


def call(app, method, path, **kwargs):
    async def go():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(go())


def test_without_origins_the_app_is_not_wrapped(tmp_path):
    app = make_app(tmp_path, ECHO)
    assert wrap(app, parse_origins("")) is app


def test_a_listed_origin_is_echoed_on_simple_requests_and_others_get_nothing(tmp_path):
    app = wrap(make_app(tmp_path, ECHO), parse_origins("https://a.example, https://b.example"))
    allowed = call(app, "POST", "/score", content=b"x", headers={"Origin": "https://b.example"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://b.example"
    assert allowed.headers["vary"] == "Origin"
    other = call(app, "POST", "/score", content=b"x", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    assert "access-control-allow-origin" not in call(app, "POST", "/score", content=b"x").headers


def test_preflight_gets_methods_and_the_requested_headers(tmp_path):
    app = wrap(make_app(tmp_path, ECHO), parse_origins("*"))
    preflight = call(app, "OPTIONS", "/score", headers={
        "Origin": "https://any.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, authorization",
    })
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert preflight.headers["access-control-allow-methods"] == "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
    assert preflight.headers["access-control-allow-headers"] == "content-type, authorization"
    assert call(app, "GET", "/", headers={"Origin": "https://x"}).headers["access-control-allow-origin"] == "*"
