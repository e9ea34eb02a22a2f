"""Key auth as ASGI middleware around the scoring app, the way Azure's AKS and ACI services did it.

With a keys file (``AZUREML_KEYS_FILE``, JSON ``{"primaryKey": …, "secondaryKey": …}``), ``/score`` and
``/swagger.json`` need ``Authorization: Bearer <primary or secondary key>``; anything else is 401 with a JSON
message. ``GET /`` and ``/ready`` stay open: they are what health checks (Docker, swarm, kubelet) call.

The file is read again whenever it changes (inode, times or size), so a regenerated key takes effect on a running
local container (the host copies the new file in) without restarting it; swarm and Kubernetes mount it as a
secret and roll the replicas instead. Without the variable the app is returned unwrapped: no cost at all.
"""

from __future__ import annotations

import hmac
import json
import os
from typing import Awaitable, Callable, Optional, Tuple

ENV_KEYS_FILE = "AZUREML_KEYS_FILE"  # ours: Azure injected keys through its own front end
KEYS_FILE_NAME = "jupyter-deploy-keys.json"
GUARDED_PATHS = frozenset({"/score", "/swagger.json"})
UNAUTHORIZED_MESSAGE = (
    "Authorization header is missing or its key is wrong; send 'Authorization: Bearer <primary or secondary key>'."
)

Send = Callable[[dict], Awaitable[None]]
Receive = Callable[[], Awaitable[dict]]


class KeyAuth:
    """Wraps an ASGI app; guards ``GUARDED_PATHS`` with the keys in ``keys_file``."""

    def __init__(self, app, keys_file: str):
        self.app = app
        self.keys_file = keys_file
        self._stamp: Optional[Tuple[int, int, int, int]] = None
        self._accepted: Tuple[bytes, ...] = ()
        self._load()

    def __getattr__(self, name: str):  # lifecycle, timer, settings of the wrapped app stay reachable
        return getattr(self.app, name)

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in GUARDED_PATHS and scope["method"] != "OPTIONS":
            if not self._authorized(scope["headers"]):
                body = json.dumps({"message": UNAUTHORIZED_MESSAGE}).encode()
                await send({"type": "http.response.start", "status": 401, "headers": [
                    (b"content-type", b"application/json"), (b"content-length", b"%d" % len(body)),
                    (b"www-authenticate", b'Bearer realm="score"')]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    def _authorized(self, headers) -> bool:
        self._reload_if_changed()
        for name, value in headers:
            if name == b"authorization":
                scheme, _, token = value.partition(b" ")
                if scheme.lower() != b"bearer":
                    return False
                token = token.strip()
                # constant-time comparison against each key, so timing does not leak a prefix
                return any(hmac.compare_digest(token, key) for key in self._accepted)
        return False

    def _reload_if_changed(self) -> None:
        try:
            stat = os.stat(self.keys_file)
        except OSError:
            return  # keep the last keys (a file being replaced); refuse everything if there never were any
        if (stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size) != self._stamp:
            self._load()

    def _load(self) -> None:
        try:
            stat = os.stat(self.keys_file)
            with open(self.keys_file, "rb") as handle:
                document = json.load(handle)
        except (OSError, ValueError):
            return
        keys = [document.get("primaryKey"), document.get("secondaryKey")] if isinstance(document, dict) else []
        self._accepted = tuple(str(key).encode() for key in keys if key)
        self._stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size)


def with_key_auth(app, environ=os.environ):
    """The app behind key auth when ``AZUREML_KEYS_FILE`` is set, else the app itself."""
    keys_file = environ.get(ENV_KEYS_FILE)
    return KeyAuth(app, keys_file) if keys_file else app
