"""Azure's request-id headers: echo or mint ``x-request-id``, derive ``x-ms-request-id``, cap lengths at 100.

Minted ids are uuid4-shaped: a random per-process prefix and a counter (starting at a random value) in
the last 48 bits. Unique per worker and cheap (one format instead of a getrandom syscall and a UUID
object per request); they identify requests in logs and are not secrets. Forked workers draw a new prefix.
"""

from __future__ import annotations

import os
from typing import Dict, List, Optional, Tuple

HEADER_LIMIT = 100
_ID_HEADERS = frozenset({b"x-request-id", b"x-ms-request-id", b"x-ms-client-request-id", b"traceid"})

_prefix = b""
_counter = 0


def _new_prefix() -> None:
    global _prefix, _counter
    h = os.urandom(16).hex()
    _prefix = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-".encode()
    _counter = int(h[20:], 16)


_new_prefix()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_prefix)


def new_request_id() -> bytes:
    global _counter
    _counter = (_counter + 1) & 0xFFFFFFFFFFFF
    return _prefix + b"%012x" % _counter


class RequestIdTooLong(Exception):
    """Answered with 431; ``echo`` holds headers Azure still sends with that error."""

    def __init__(self, message: str, echo: List[Tuple[bytes, bytes]]):
        super().__init__(message)
        self.message = message
        self.echo = echo


def request_id_headers(header_map: Dict[bytes, bytes], server_version: Optional[bytes]) -> List[Tuple[bytes, bytes]]:
    """Response headers for the ids (and TraceId / x-ms-server-version), as Azure's before/after_request."""
    if not _ID_HEADERS.intersection(header_map):  # the common case: the client sent no ids
        request_id = new_request_id()
        headers = [(b"x-request-id", request_id), (b"x-ms-request-id", request_id)]
        if server_version:
            headers.append((b"x-ms-server-version", server_version))
        return headers
    request_id = header_map.get(b"x-request-id")
    if request_id is None:
        request_id = new_request_id()
    elif len(request_id) > HEADER_LIMIT:
        raise RequestIdTooLong(f"x-request-id must not exceed {HEADER_LIMIT} characters", [])

    legacy = header_map.get(b"x-ms-request-id", b"")
    client = header_map.get(b"x-ms-client-request-id", b"")
    if legacy:
        # Deprecated by Azure in favour of x-ms-client-request-id; it still stands in for it when absent.
        if not client:
            client = legacy
    else:
        legacy = client or request_id

    headers: List[Tuple[bytes, bytes]] = []
    if request_id:
        headers.append((b"x-request-id", request_id))
    if len(legacy) > HEADER_LIMIT or len(client) > HEADER_LIMIT:
        raise RequestIdTooLong(
            f"x-ms-request-id and x-ms-client-request-id must not exceed {HEADER_LIMIT} characters", headers
        )
    if legacy:
        headers.append((b"x-ms-request-id", legacy))
    if client:
        headers.append((b"x-ms-client-request-id", client))
    trace_id = header_map.get(b"traceid")
    if trace_id is not None:
        headers.append((b"TraceId", trace_id))
    if server_version:
        headers.append((b"x-ms-server-version", server_version))
    return headers
