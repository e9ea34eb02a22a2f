"""`--since 1h` and friends: a duration back from now, or an ISO date and time."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from ..errors import InvalidSince

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(value) -> datetime | None:
    """None stays None; a datetime is made UTC-aware; "90s", "15m", "1h", "2d" count back from now."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, timedelta):
        return datetime.now(timezone.utc) - value
    text = str(value)
    match = _DURATION.match(text)
    if match:
        amount, unit = float(match.group(1)), match.group(2)
        return datetime.now(timezone.utc) - timedelta(**{_UNITS[unit]: amount})
    try:
        stamp = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidSince(f"since={text!r} is neither a duration like 30s, 15m, 1h, 2d nor an ISO date and time.") from None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)
