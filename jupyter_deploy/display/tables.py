"""Tables of rows: aligned text for terminals and the CLI, HTML for notebooks. One renderer each, for every list."""

from __future__ import annotations

from typing import Any, Sequence

from .html import escape


def _cells(rows: Sequence[Sequence[Any]]) -> list[tuple[str, ...]]:
    return [tuple("" if cell is None else str(cell) for cell in row) for row in rows]


def text_table(header: Sequence[str], rows: Sequence[Sequence[Any]], empty: str = "") -> str:
    """Columns padded to their widest cell, two spaces apart; `empty` when there is no row."""
    if not rows:
        return empty
    cells = [tuple(header)] + _cells(rows)
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells)


def html_table(header: Sequence[str], rows: Sequence[Sequence[Any]], empty: str = "") -> str:
    """An escaped HTML table; `empty` in italics when there is no row."""
    if not rows:
        return f"<i>{escape(empty)}</i>"
    head = "".join(f"<th style='text-align:left'>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td style='text-align:left'>{escape(c)}</td>" for c in row) + "</tr>"
                   for row in _cells(rows))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class Table:
    """The columns of one kind of list, and how a row is read from an object's `serialize()` dict."""

    def __init__(self, header: Sequence[str], row, empty: str):
        self.header = tuple(header)
        self.row = row
        self.empty = empty

    def text(self, items: Sequence[dict], *, capitals: bool = False) -> str:
        """`capitals=True` for the command line, whose headers are upper case as `az … -o table` printed them."""
        header = [h.upper() for h in self.header] if capitals else self.header
        return text_table(header, [self.row(item) for item in items], self.empty)

    def html(self, items: Sequence[dict]) -> str:
        return html_table(self.header, [self.row(item) for item in items], self.empty)


def _pairs_text(values: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in (values or {}).items())


MODELS = Table(("model", "framework", "tags", "description", "created"),
               lambda m: (m["id"], m.get("framework") or "", _pairs_text(m.get("tags")), m.get("description") or "",
                          m.get("createdTime")),
               "No models registered.")
SERVICES = Table(("service", "state", "scoring URI", "models"),
                 lambda s: (s["name"], s["state"], s.get("scoringUri"), ", ".join(s.get("models") or [])),
                 "No services deployed.")
IMAGES = Table(("image", "size", "environments", "services"),
               lambda i: (i["tag"] if i["tag"] != "<none>" else i["id"][7:19] + " (" + i["kind"] + ")",
                          f"{i['size'] / 1e9:.2f} GB", ", ".join(i.get("environments") or []),
                          ", ".join(i.get("services") or []) or "-"),
               "No environment images.")
