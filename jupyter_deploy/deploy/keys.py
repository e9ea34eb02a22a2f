"""Service keys: Azure's primary/secondary pair, generated here and kept in the service record.

The runtime reads them from a keys file (`runtime/auth.py`); every client of ours (`service.run()`,
`%%test_endpoint`, the panel's Test, the REST test route) sends the primary key itself through `auth_headers`.
"""

from __future__ import annotations

import json
import secrets
from typing import Optional

from ..errors import AuthKeyError

KEY_NAMES = {"primary": "primaryKey", "secondary": "secondaryKey"}


def generate_keys() -> dict:
    """Two fresh keys, 32 URL-safe characters each, as Azure's were."""
    return {"primaryKey": secrets.token_urlsafe(24), "secondaryKey": secrets.token_urlsafe(24)}


def regenerated(keys: Optional[dict], key: str, service_name: str) -> dict:
    """`keys` with `key` ("Primary" or "Secondary") replaced by a fresh one."""
    if not keys:
        raise AuthKeyError(f"Service '{service_name}' has key auth off, so it has no keys; deploy it with auth_enabled=True.")
    field = KEY_NAMES.get(str(key).lower())
    if field is None:
        raise AuthKeyError(f"regen_key takes \"Primary\" or \"Secondary\", not {key!r}.")
    return {**keys, field: secrets.token_urlsafe(24)}


def key_pair(keys: Optional[dict], service_name: str) -> tuple[str, str]:
    """`get_keys()`: (primary, secondary), as Azure returned them."""
    if not keys:
        raise AuthKeyError(f"Service '{service_name}' has key auth off, so it has no keys; deploy it with auth_enabled=True.")
    return keys["primaryKey"], keys["secondaryKey"]


def auth_headers(keys: Optional[dict]) -> dict:
    """The header our own clients send: the primary key, or nothing when auth is off."""
    return {"Authorization": f"Bearer {keys['primaryKey']}"} if keys else {}


def keys_file_bytes(keys: dict) -> bytes:
    """What the runtime reads (`runtime.auth`): only the two keys."""
    return json.dumps({"primaryKey": keys["primaryKey"], "secondaryKey": keys["secondaryKey"]}).encode()
