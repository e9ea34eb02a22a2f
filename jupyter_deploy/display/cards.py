"""Rich summaries of models, services, environments and inference configs: HTML for notebooks, text for terminals.

Plain strings only (no IPython, no ipywidgets), so the core classes can offer `_repr_html_` without importing
a front end. Every value that came from a user (names, tags, descriptions, file paths, log text) is escaped,
because a tag value is just as able to hold `<script>` as anything else. Colours are JupyterLab theme variables
with fallbacks, so a card reads well in the light and the dark theme and outside JupyterLab too.

The model and service functions take the object itself or its `serialize()` dict — the same shape the CLI
prints with `-o json` — so one renderer serves the live object and a stored/remote summary alike.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any, Iterable, Mapping

if TYPE_CHECKING:
    from .environment import Environment
    from .inference_config import InferenceConfig

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


def _count(n: int, noun: str) -> str:
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


def _rows(rows: Iterable[tuple[str, str]]) -> str:
    """Key/value rows; values are HTML already (callers escape)."""
    body = "".join(f'<tr><th style="{_KEY}">{escape(k)}</th><td style="{_VALUE}">{v}</td></tr>' for k, v in rows)
    return f'<table style="border-collapse: collapse; margin: 0;">{body}</table>'


def _card(kind: str, title: str, body: str) -> str:
    return f'<div class="jd-card jd-{kind}" style="{_CARD}"><div style="{_TITLE}">{title}</div>{body}</div>'


def _summary(obj: Any) -> dict:
    return dict(obj.serialize()) if hasattr(obj, "serialize") else dict(obj)


def _text_block(title: str, rows: Iterable[tuple[str, str]]) -> str:
    rows = [(k, v) for k, v in rows if v not in (None, "")]
    width = max((len(k) for k, _ in rows), default=0)
    lines = [title]
    for key, value in rows:
        lines.extend(f"  {key.ljust(width) if i == 0 else ' ' * width}  {part}"
                     for i, part in enumerate(str(value).splitlines() or [""]))
    return "\n".join(lines)


# -- models ----------------------------------------------------------------------------------------------------
def _framework(summary: Mapping) -> str:
    return " ".join(str(p) for p in (summary.get("modelFramework"), summary.get("modelFrameworkVersion")) if p)


def files_table(files: list[Mapping]) -> str:
    if not files:
        return f'<span style="{_MUTED}">no files</span>'
    head = "".join(f'<th style="{_KEY}">{h}</th>' for h in ("file", "size", "sha256"))
    rows = "".join(
        f'<tr><td style="{_VALUE} {_MONO} padding-right: 12px;">{escape(f["path"])}</td>'
        f'<td style="{_VALUE} padding-right: 12px; text-align: right;">{escape(format_size(f.get("size")))}</td>'
        f'<td style="{_VALUE} {_MONO}" title="{escape(f.get("sha256"))}">{escape(short_sha(f.get("sha256")))}</td></tr>'
        for f in files)
    return f'<table class="jd-files" style="border-collapse: collapse; margin: 0;"><tr>{head}</tr>{rows}</table>'


def model_html(model: Any) -> str:
    """A model card from a `Model` or its `serialize()` dict."""
    s = _summary(model)
    files = s.get("files") or []
    total = sum(int(f.get("size") or 0) for f in files)
    rows = [
        ("description", escape(s.get("description")) or f'<span style="{_MUTED}">none</span>'),
        ("framework", escape(_framework(s)) or f'<span style="{_MUTED}">not set</span>'),
        ("tags", tag_chips(s.get("tags"))),
    ]
    if s.get("properties"):
        rows.append(("properties", tag_chips(s["properties"])))
    rows += [
        ("created", escape(s.get("createdTime"))),
        (f"files ({len(files)}, {format_size(total)})", files_table(files)),
    ]
    title = f'Model <span style="{_MONO}">{escape(s.get("name"))}</span> version {escape(s.get("version"))}'
    return _card("model", title, _rows(rows))


def model_text(model: Any) -> str:
    s = _summary(model)
    files = s.get("files") or []
    total = sum(int(f.get("size") or 0) for f in files)
    width = max((len(str(f["path"])) for f in files), default=0)
    listing = "\n".join(f"{str(f['path']).ljust(width)}  {format_size(f.get('size')):>9}  {short_sha(f.get('sha256'))}"
                        for f in files)
    return _text_block(f"Model {s.get('name')}:{s.get('version')}", [
        ("description", s.get("description")),
        ("framework", _framework(s)),
        ("tags", ", ".join(f"{k}={v}" for k, v in (s.get("tags") or {}).items())),
        ("properties", ", ".join(f"{k}={v}" for k, v in (s.get("properties") or {}).items())),
        ("created", s.get("createdTime")),
        ("files", f"{_count(len(files), 'file')}, {format_size(total)}" + (f"\n{listing}" if listing else "")),
    ])


# -- services --------------------------------------------------------------------------------------------------
def service_html(service: Any) -> str:
    """A service card from a `LocalWebservice` (asks Docker for the state once) or its `serialize()` dict."""
    s = _summary(service)
    state = s.get("state")
    rows = [
        ("state", state_badge(state)),
        ("scoring URI", link(s.get("scoringUri"))),
        ("swagger URI", link(s.get("swaggerUri"))),
        ("models", " ".join(f'<span style="{_CHIP} {_MONO}">{escape(m)}</span>' for m in s.get("models") or [])
         or f'<span style="{_MUTED}">none</span>'),
        ("entry script", f'<span style="{_MONO}">{escape(s.get("entryScript"))}</span>'),
        ("image", f'<span style="{_MONO}">{escape(s.get("image"))}</span>'),
        ("port", escape(s.get("port"))),
        ("created", escape(s.get("createdTime"))),
    ]
    failure = f'<pre class="jd-failure" style="{_PRE}">{escape(s["error"])}</pre>' if s.get("error") else ""
    title = f'Service <span style="{_MONO}">{escape(s.get("name"))}</span>'
    return _card("service", title, _rows(rows) + failure)


def service_text(service: Any) -> str:
    s = _summary(service)
    return _text_block(f"Service {s.get('name')}  [{s.get('state') or 'Unknown'}]", [
        ("scoring URI", s.get("scoringUri")),
        ("swagger URI", s.get("swaggerUri")),
        ("models", ", ".join(s.get("models") or [])),
        ("entry script", s.get("entryScript")),
        ("image", s.get("image")),
        ("port", s.get("port")),
        ("created", s.get("createdTime")),
        ("error", s.get("error")),
    ])


# -- environments and inference configs ------------------------------------------------------------------------
def _python_version(env: "Environment") -> str:
    return env.python_version or "the base image's (same as the kernel)"


def environment_html(env: "Environment") -> str:
    requirements = env.pip_requirements()
    packages = (f'<pre style="{_MONO} margin: 0; white-space: pre-wrap;">{escape(chr(10).join(requirements))}</pre>'
                if requirements else f'<span style="{_MUTED}">none (runtime only)</span>')
    rows = [("python", escape(_python_version(env))), ("from", escape(env.source))]
    if env.environment_variables:
        rows.append(("variables", tag_chips(env.environment_variables)))
    rows.append((f"pip packages ({len(requirements)})", packages))
    title = f'Environment <span style="{_MONO}">{escape(env.name)}</span>'
    return _card("environment", title, _rows(rows))


def environment_text(env: "Environment") -> str:
    requirements = env.pip_requirements()
    return _text_block(f"Environment {env.name}", [
        ("python", _python_version(env)),
        ("from", env.source),
        ("variables", ", ".join(f"{k}={v}" for k, v in env.environment_variables.items())),
        ("pip packages", "\n".join(requirements) or "none (runtime only)"),
    ])


def inference_config_html(config: "InferenceConfig") -> str:
    rows = [("entry script", f'<span style="{_MONO}">{escape(config.entry_script_path)}</span>')]
    if config.source_directory:
        rows.append(("source folder", f'<span style="{_MONO}">{escape(config.source_directory)}</span>'))
    if config.description:
        rows.append(("description", escape(config.description)))
    title = f'Inference config <span style="{_MONO}">{escape(config.entry_script)}</span>'
    return _card("inference-config", title, _rows(rows) + environment_html(config.environment))


def inference_config_text(config: "InferenceConfig") -> str:
    head = _text_block(f"Inference config {config.entry_script}", [
        ("entry script", str(config.entry_script_path)),
        ("source folder", str(config.source_directory) if config.source_directory else ""),
        ("description", config.description),
    ])
    return head + "\n" + "\n".join("  " + line for line in environment_text(config.environment).splitlines())
