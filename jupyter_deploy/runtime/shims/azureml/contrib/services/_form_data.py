"""Parse HTML form bodies (urlencoded and multipart) into werkzeug-like ``form`` and ``files``.

Scripts written for Azure's @rawhttp read uploads through ``request.files``; werkzeug is not available in
the service image, so the body (already fully read and size-limited by the server) is parsed here.
"""

from __future__ import annotations

import io
from email.message import Message
from email.utils import collapse_rfc2231_value
from typing import Dict, List, Optional, Tuple
from urllib.parse import parse_qsl

from ._datastructures import FileStorage, Headers, MultiDict, parse_options_header  # noqa: F401 (re-exported)

FORM_MIMETYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def parse_form_data(mimetype: str, options: Dict[str, str], body: bytes) -> Tuple[MultiDict, MultiDict]:
    """Return ``(form, files)`` for a form body; both empty for any other mimetype."""
    if mimetype == "application/x-www-form-urlencoded":
        text = body.decode("utf-8", "replace")
        return MultiDict(parse_qsl(text, keep_blank_values=True)), MultiDict()
    if mimetype == "multipart/form-data" and options.get("boundary"):
        return _parse_multipart(body, options["boundary"].encode("latin-1"))
    return MultiDict(), MultiDict()


def _parse_multipart(body: bytes, boundary: bytes) -> Tuple[MultiDict, MultiDict]:
    form = MultiDict()
    files = MultiDict()
    delimiter = b"--" + boundary
    chunks = body.split(delimiter)
    # chunks[0] is the preamble; a chunk starting with b"--" is the closing delimiter's epilogue.
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        part = _strip_part_framing(chunk)
        head, separator, content = part.partition(b"\r\n\r\n")
        if not separator:
            continue
        headers = Headers(_parse_part_headers(head))
        disposition = headers.get("content-disposition", "")
        name, filename = _disposition_name_and_filename(disposition)
        if name is None:
            continue
        if filename is None:
            _, part_options = parse_options_header(headers.get("content-type"))
            charset = part_options.get("charset", "utf-8")
            try:
                form.add(name, content.decode(charset, "replace"))
            except LookupError:
                form.add(name, content.decode("utf-8", "replace"))
        else:
            files.add(name, FileStorage(io.BytesIO(content), filename=filename, name=name, headers=headers))
    return form, files


def _strip_part_framing(chunk: bytes) -> bytes:
    if chunk.startswith(b"\r\n"):
        chunk = chunk[2:]
    elif chunk.startswith(b"\n"):
        chunk = chunk[1:]
    if chunk.endswith(b"\r\n"):
        return chunk[:-2]
    if chunk.endswith(b"\n"):
        return chunk[:-1]
    return chunk


def _parse_part_headers(head: bytes) -> List[Tuple[str, str]]:
    pairs = []
    for line in head.split(b"\r\n"):
        name, colon, value = line.partition(b":")
        if colon:
            # Browsers send non-ASCII file names as raw UTF-8.
            pairs.append((name.decode("latin-1").strip(), value.decode("utf-8", "replace").strip()))
    return pairs


def _disposition_name_and_filename(disposition: str) -> Tuple[Optional[str], Optional[str]]:
    message = Message()
    message["content-disposition"] = disposition
    name = message.get_param("name", header="content-disposition")
    if isinstance(name, tuple):
        name = collapse_rfc2231_value(name)
    filename = message.get_filename()
    if filename is None and 'filename=""' in disposition.replace(" ", ""):
        filename = ""
    return name, filename
