"""Key auth middleware (runtime/auth.py), driven as an ASGI app in process."""

import asyncio
import json
import os

from jupyter_deploy.runtime.auth import ENV_KEYS_FILE, KeyAuth, with_key_auth


async def _inner(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"inner"})


def _call(app, path, headers=(), method="POST"):
    sent = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    asyncio.run(app({"type": "http", "path": path, "method": method, "headers": list(headers)}, receive, send))
    return sent[0]["status"], sent[1]["body"]


def _keys(tmp_path, primary="p-key", secondary="s-key"):
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"primaryKey": primary, "secondaryKey": secondary}))
    return path


def test_score_needs_a_key_and_accepts_either(tmp_path):
    app = KeyAuth(_inner, str(_keys(tmp_path)))
    status, body = _call(app, "/score")
    assert status == 401 and "Bearer" in json.loads(body)["message"]
    assert _call(app, "/score", [(b"authorization", b"Bearer p-key")]) == (200, b"inner")
    assert _call(app, "/score", [(b"authorization", b"bearer s-key")]) == (200, b"inner")
    assert _call(app, "/score", [(b"authorization", b"Bearer wrong")])[0] == 401
    assert _call(app, "/score", [(b"authorization", b"Basic p-key")])[0] == 401
    assert _call(app, "/swagger.json", method="GET")[0] == 401


def test_health_routes_stay_open(tmp_path):
    app = KeyAuth(_inner, str(_keys(tmp_path)))
    assert _call(app, "/", method="GET") == (200, b"inner")
    assert _call(app, "/ready", method="GET") == (200, b"inner")


def test_a_replaced_keys_file_takes_effect(tmp_path):
    path = _keys(tmp_path)
    app = KeyAuth(_inner, str(path))
    replacement = tmp_path / "new.json"
    replacement.write_text(json.dumps({"primaryKey": "new-key", "secondaryKey": "s-key"}))
    os.replace(replacement, path)
    assert _call(app, "/score", [(b"authorization", b"Bearer p-key")])[0] == 401
    assert _call(app, "/score", [(b"authorization", b"Bearer new-key")])[0] == 200


def test_missing_keys_file_refuses_everything(tmp_path):
    app = KeyAuth(_inner, str(tmp_path / "absent.json"))
    assert _call(app, "/score", [(b"authorization", b"Bearer anything")])[0] == 401


def test_without_the_variable_the_app_is_unwrapped():
    assert with_key_auth(_inner, {}) is _inner
    assert isinstance(with_key_auth(_inner, {ENV_KEYS_FILE: "/x"}), KeyAuth)
