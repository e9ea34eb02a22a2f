"""The HTML pieces every card, table and widget shares: escaping, links, state badges, chips, styles.

Every value that came from a user (names, tags, descriptions, file paths, log text) is escaped, because a tag
value is just as able to hold `<script>` as anything else. Colours are JupyterLab theme variables with
fallbacks, so a card reads well in the light and the dark theme and outside JupyterLab too.
"""

from __future__ import annotations

import html
import json
from typing import Any, Iterable, Mapping

# state -> (badge background, badge text). Amber has no JupyterLab variable; dark text keeps it readable.
STATE_COLOURS: dict[str, tuple[str, str]] = {
    "Healthy": ("var(--jp-success-color1, #388e3c)", "#ffffff"),
    "Transitioning": ("#ffb300", "#000000"),
    "Unhealthy": ("var(--jp-warn-color1, #f57c00)", "#ffffff"),
    "Failed": ("var(--jp-error-color1, #d32f2f)", "#ffffff"),
}
UNKNOWN_STATE_COLOURS = ("var(--jp-layout-color3, #9e9e9e)", "#ffffff")

_CARD = ("border: 1px solid var(--jp-border-color2, #e0e0e0); border-radius: 4px; padding: 8px 12px; "
         "margin: 4px 0; background: var(--jp-layout-color1, transparent); "
         "color: var(--jp-content-font-color1, inherit); font-family: var(--jp-content-font-family, inherit); "
         "font-size: var(--jp-content-font-size1, 13px); max-width: 900px;")
_TITLE = "font-weight: 600; font-size: 1.1em; margin-bottom: 6px;"
_KEY = "text-align: left; padding: 2px 12px 2px 0; color: var(--jp-content-font-color2, #616161); font-weight: normal; vertical-align: top;"
_VALUE = "text-align: left; padding: 2px 0; vertical-align: top;"
_MONO = "font-family: var(--jp-code-font-family, monospace); font-size: var(--jp-code-font-size, 12px);"
_CHIP = ("display: inline-block; padding: 0 8px; margin: 1px 4px 1px 0; border-radius: 10px; "
         "background: var(--jp-layout-color2, #eeeeee); color: var(--jp-ui-font-color1, inherit); "
         "border: 1px solid var(--jp-border-color2, #e0e0e0);")
_LINK = "color: var(--jp-content-link-color, #1976d2);"
_PRE = (_MONO + " white-space: pre-wrap; margin: 6px 0 0 0; padding: 6px; max-height: 300px; overflow: auto; "
        "background: var(--jp-layout-color2, #f5f5f5); border-left: 3px solid var(--jp-error-color1, #d32f2f);")
_MUTED = "color: var(--jp-content-font-color2, #757575);"


def escape(value: Any) -> str:
    """Text for HTML content or a quoted attribute; None shows as an empty string."""
    return html.escape("" if value is None else str(value), quote=True)


def format_size(size: int | None) -> str:
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    value = size / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def short_sha(sha256: str | None) -> str:
    return (sha256 or "")[:12]


# -- shared pieces ---------------------------------------------------------------------------------------------
def state_badge(state: str | None) -> str:
    background, text = STATE_COLOURS.get(state or "", UNKNOWN_STATE_COLOURS)
    return (f'<span class="jd-state" data-state="{escape(state)}" style="display: inline-block; padding: 1px 8px; '
            f'border-radius: 10px; font-weight: 600; background: {background}; color: {text};">{escape(state or "Unknown")}</span>')


def tag_chips(tags: Mapping[str, Any] | None) -> str:
    if not tags:
        return f'<span style="{_MUTED}">none</span>'
    return "".join(f'<span class="jd-chip" style="{_CHIP}">{escape(k)}: {escape(v)}</span>' for k, v in tags.items())


def link(url: str | None) -> str:
    """A link only for http(s) URLs; anything else is shown as text, never as an href."""
    if not url:
        return ""
    if not str(url).startswith(("http://", "https://")):
        return escape(url)
    return f'<a href="{escape(url)}" target="_blank" rel="noopener" style="{_LINK}">{escape(url)}</a>'


def rows_table(rows: Iterable[tuple[str, str]]) -> str:
    """Key/value rows; values are HTML already (callers escape)."""
    body = "".join(f'<tr><th style="{_KEY}">{escape(k)}</th><td style="{_VALUE}">{v}</td></tr>' for k, v in rows)
    return f'<table style="border-collapse: collapse; margin: 0;">{body}</table>'


def card(kind: str, title: str, body: str) -> str:
    return f'<div class="jd-card jd-{kind}" style="{_CARD}"><div style="{_TITLE}">{title}</div>{body}</div>'



def text_block(title: str, rows: Iterable[tuple[str, str]]) -> str:
    rows = [(k, v) for k, v in rows if v not in (None, "")]
    width = max((len(k) for k, _ in rows), default=0)
    lines = [title]
    for key, value in rows:
        lines.extend(f"  {key.ljust(width) if i == 0 else ' ' * width}  {part}"
                     for i, part in enumerate(str(value).splitlines() or [""]))
    return "\n".join(lines)




_MESSAGE_COLOURS = {
    "error": "var(--jp-error-color1, #d32f2f)",
    "info": "var(--jp-content-font-color2, #616161)",
    "success": "var(--jp-success-color1, #388e3c)",
}


def message_html(text: str, kind: str = "info") -> str:
    """One escaped sentence, coloured by kind ('error', 'info', 'success'); multi-line text keeps its lines."""
    if not text:
        return ""
    colour = _MESSAGE_COLOURS.get(kind, _MESSAGE_COLOURS["info"])
    return (f'<div class="jd-message jd-{escape(kind)}" style="color: {colour}; white-space: pre-wrap; '
            f'margin: 4px 0;">{escape(text)}</div>')


def body_text(body: Any) -> str:
    """A response body for people: JSON values pretty-printed, text as it is."""
    if isinstance(body, (dict, list, int, float, bool)) or body is None:
        return json.dumps(body, indent=2, ensure_ascii=False)
    return str(body)
