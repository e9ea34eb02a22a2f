"""The small subset of werkzeug's data structures that Azure scoring scripts touch on requests and responses.

On Azure, AMLRequest/AMLResponse are werkzeug objects; scripts call `request.headers.get(...)`,
`request.args.getlist(...)`, `request.files["image"].read()`. These classes answer the same calls without
werkzeug, which the service image does not install.
"""

from __future__ import annotations

import io
import shutil
from email.message import Message
from email.utils import collapse_rfc2231_value
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple


def parse_options_header(value: Optional[str]) -> Tuple[str, Dict[str, str]]:
    """Split ``text/html; charset=utf-8`` into ``("text/html", {"charset": "utf-8"})`` (lower-case type)."""
    if not value:
        return "", {}
    message = Message()
    message["x"] = value
    params = message.get_params(header="x") or []
    if not params:
        return value.split(";", 1)[0].strip().lower(), {}
    main = params[0][0].strip().lower()
    options = {}
    for key, raw in params[1:]:
        options[key.lower()] = collapse_rfc2231_value(raw)
    return main, options



class ContentTypeMixin:
    """`content_type`, `mimetype`, `mimetype_params` read from `self.headers`, as werkzeug's objects have them."""

    headers: "Headers"

    @property
    def content_type(self) -> Optional[str]:
        return self.headers.get("content-type")

    @property
    def mimetype(self) -> str:
        return parse_options_header(self.content_type)[0]

    @property
    def mimetype_params(self) -> Dict[str, str]:
        return parse_options_header(self.content_type)[1]


class MultiDict(dict):
    """A dict of first values that also remembers every value per key (werkzeug's MultiDict surface).

    Plain-dict operations (``dict(args)``, ``json.dumps(args)``, ``args["k"]``) see the first value, as
    werkzeug's ``to_dict()`` does; ``getlist`` returns all of them.
    """

    def __init__(self, pairs: Iterable[Tuple[str, Any]] = ()):
        super().__init__()
        self._lists: Dict[str, List[Any]] = {}
        for key, value in pairs:
            self.add(key, value)

    def add(self, key: str, value: Any) -> None:
        values = self._lists.get(key)
        if values is None:
            self._lists[key] = [value]
            dict.__setitem__(self, key, value)
        else:
            values.append(value)

    def __setitem__(self, key: str, value: Any) -> None:
        self._lists[key] = [value]
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: str) -> None:
        del self._lists[key]
        dict.__delitem__(self, key)

    def get(self, key: str, default: Any = None, type: Optional[Callable[[Any], Any]] = None) -> Any:  # noqa: A002
        if key not in self:
            return default
        return _converted_one(dict.__getitem__(self, key), type, default)

    def getlist(self, key: str, type: Optional[Callable[[Any], Any]] = None) -> List[Any]:  # noqa: A002
        values = list(self._lists.get(key, ()))
        if type is None:
            return values
        return _converted(values, type)

    def items(self, multi: bool = False):  # type: ignore[override]
        if not multi:
            return dict.items(self)
        return [(key, value) for key, values in self._lists.items() for value in values]

    def lists(self) -> List[Tuple[str, List[Any]]]:
        return [(key, list(values)) for key, values in self._lists.items()]

    def to_dict(self, flat: bool = True) -> Dict[str, Any]:
        if flat:
            return dict(dict.items(self))
        return {key: list(values) for key, values in self._lists.items()}

    def copy(self) -> "MultiDict":
        return MultiDict(self.items(multi=True))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.items(multi=True)!r})"


class Headers:
    """Ordered, case-insensitive, multi-valued HTTP headers (werkzeug's Headers surface).

    Iterating yields ``(name, value)`` tuples, as werkzeug does, so ``dict(headers)`` works.
    """

    def __init__(self, pairs: Iterable[Tuple[str, str]] = ()):
        self._pairs: List[Tuple[str, str]] = [(str(name), str(value)) for name, value in pairs]

    def get(self, key: str, default: Any = None, type: Optional[Callable[[str], Any]] = None) -> Any:  # noqa: A002
        wanted = key.lower()
        for name, value in self._pairs:
            if name.lower() == wanted:
                return _converted_one(value, type, default)
        return default

    def getlist(self, key: str, type: Optional[Callable[[str], Any]] = None) -> List[Any]:  # noqa: A002
        wanted = key.lower()
        values = [value for name, value in self._pairs if name.lower() == wanted]
        if type is None:
            return values
        return _converted(values, type)

    get_all = getlist

    def __getitem__(self, key: str) -> str:
        missing = object()
        value = self.get(key, missing)
        if value is missing:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        wanted = key.lower()
        return any(name.lower() == wanted for name, _ in self._pairs)

    def __iter__(self) -> Iterator[Tuple[str, str]]:
        return iter(list(self._pairs))

    def __len__(self) -> int:
        return len(self._pairs)

    def __bool__(self) -> bool:
        return bool(self._pairs)

    def keys(self) -> List[str]:
        return [name for name, _ in self._pairs]

    def values(self) -> List[str]:
        return [value for _, value in self._pairs]

    def items(self) -> List[Tuple[str, str]]:
        return list(self._pairs)

    def add(self, key: str, value: Any, **params: Any) -> None:
        text = str(value)
        for param, param_value in params.items():
            text += f'; {param.replace("_", "-")}="{param_value}"'
        self._pairs.append((str(key), text))

    add_header = add

    def remove(self, key: str) -> None:
        wanted = key.lower()
        self._pairs = [(name, value) for name, value in self._pairs if name.lower() != wanted]

    def __delitem__(self, key: str) -> None:
        self.remove(key)

    def set(self, key: str, value: Any) -> None:  # noqa: A003
        """Replace every header named ``key`` by one, keeping the position of the first."""
        wanted = key.lower()
        replaced: List[Tuple[str, str]] = []
        done = False
        for name, old in self._pairs:
            if name.lower() != wanted:
                replaced.append((name, old))
            elif not done:
                replaced.append((str(key), str(value)))
                done = True
        if not done:
            replaced.append((str(key), str(value)))
        self._pairs = replaced

    __setitem__ = set

    def setdefault(self, key: str, default: Any) -> str:
        if key not in self:
            self.add(key, default)
        return self[key]

    def extend(self, other: Any) -> None:
        pairs = other.items() if hasattr(other, "items") else other
        for name, value in pairs:
            self.add(name, value)

    def to_wsgi_list(self) -> List[Tuple[str, str]]:
        return list(self._pairs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Headers) and other._pairs == self._pairs

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._pairs!r})"


class FileStorage(ContentTypeMixin):
    """An uploaded file from a multipart request (werkzeug's FileStorage surface).

    Unknown attributes are forwarded to the underlying stream, so ``read()``, ``seek()`` and iteration work.
    """

    def __init__(
        self,
        stream: Optional[io.BytesIO] = None,
        filename: Optional[str] = None,
        name: Optional[str] = None,
        content_type: Optional[str] = None,
        headers: Optional[Headers] = None,
    ):
        self.stream = stream if stream is not None else io.BytesIO()
        self.filename = filename
        self.name = name
        self.headers = headers if headers is not None else Headers()
        if content_type is not None and "content-type" not in self.headers:
            self.headers.add("Content-Type", content_type)

    @property
    def content_length(self) -> int:
        return len(self.stream.getvalue()) if isinstance(self.stream, io.BytesIO) else 0

    def save(self, dst: Any, buffer_size: int = 16384) -> None:
        """Write the upload to a path or an open binary file."""
        if isinstance(dst, (str, bytes)) or hasattr(dst, "__fspath__"):
            with open(dst, "wb") as target:
                shutil.copyfileobj(self.stream, target, buffer_size)
        else:
            shutil.copyfileobj(self.stream, dst, buffer_size)

    def close(self) -> None:
        self.stream.close()

    def __getattr__(self, name: str) -> Any:
        stream = self.__dict__.get("stream")
        if stream is None:
            raise AttributeError(name)
        return getattr(stream, name)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.stream)

    def __bool__(self) -> bool:
        return bool(self.filename)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.filename!r} ({self.content_type!r})>"


def _converted_one(value: Any, type: Optional[Callable[[Any], Any]], default: Any) -> Any:  # noqa: A002
    """werkzeug's `get(key, default, type=…)`: a value the type cannot convert gives the default."""
    if type is None:
        return value
    try:
        return type(value)
    except (ValueError, TypeError):
        return default


def _converted(values: List[Any], type: Callable[[Any], Any]) -> List[Any]:  # noqa: A002
    """werkzeug's `getlist(key, type=…)`: values the type cannot convert are left out, not raised."""
    converted = []
    for value in values:
        try:
            converted.append(type(value))
        except (ValueError, TypeError):
            pass
    return converted
