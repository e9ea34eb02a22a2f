"""Rich summaries of models, services, environments and inference configs: HTML for notebooks, text for terminals.

Plain strings only (no IPython, no ipywidgets), so the core classes can offer `_repr_html_` without importing
a front end. The model and service cards take the object or its `serialize()` dict — the same shape the CLI prints with
`-o json` and the REST API answers — so one renderer serves the live object and a stored/remote summary alike.
Environments and inference configs are read through their attributes (duck-typed: nothing here imports them).
"""

from __future__ import annotations

import html
from typing import Any, Mapping

from .html import (_CHIP, _KEY, _MONO, _MUTED, _PRE, _VALUE, card, count, escape, format_size, link, rows_table,
                   short_sha, state_badge, tag_chips, text_block)


def _summary(obj: Any) -> dict:
    return dict(obj.serialize()) if hasattr(obj, "serialize") else dict(obj)


# -- models ----------------------------------------------------------------------------------------------------
def _framework(summary: Mapping) -> str:
    return " ".join(str(p) for p in (summary.get("framework"), summary.get("frameworkVersion")) if p)


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
    """A model card from a model's `serialize()` dict (`shapes.ModelShape`)."""
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
    return card("model", title, rows_table(rows))


def model_text(model: Any) -> str:
    s = _summary(model)
    files = s.get("files") or []
    total = sum(int(f.get("size") or 0) for f in files)
    width = max((len(str(f["path"])) for f in files), default=0)
    listing = "\n".join(f"{str(f['path']).ljust(width)}  {format_size(f.get('size')):>9}  {short_sha(f.get('sha256'))}"
                        for f in files)
    return text_block(f"Model {s.get('name')}:{s.get('version')}", [
        ("description", s.get("description")),
        ("framework", _framework(s)),
        ("tags", ", ".join(f"{k}={v}" for k, v in (s.get("tags") or {}).items())),
        ("properties", ", ".join(f"{k}={v}" for k, v in (s.get("properties") or {}).items())),
        ("created", s.get("createdTime")),
        ("files", f"{count(len(files), 'file')}, {format_size(total)}" + (f"\n{listing}" if listing else "")),
    ])


# -- services --------------------------------------------------------------------------------------------------
def service_html(service: Any) -> str:
    """A service card from a service's `serialize()` dict (`shapes.ServiceShape`)."""
    s = _summary(service)
    state = s.get("state")
    rows = [
        ("state", state_badge(state)),
        ("scoring URI", link(s.get("scoringUri"))),
        ("swagger URI", link(s.get("swaggerUri"))),
        ("models", " ".join(f'<span style="{_CHIP} {_MONO}">{escape(m)}</span>' for m in s.get("models") or [])
         or f'<span style="{_MUTED}">none</span>'),
        ("entry script", f'<span style="{_MONO}">{escape(s.get("entryScript"))}</span>'),
        ("image", f'<span style="{_MONO}">{escape(s.get("imageId"))}</span>'),
        ("port", escape(s.get("port"))),
        ("created", escape(s.get("createdTime"))),
    ]
    restarts = worker_restarts(s)
    if restarts:
        rows.append(("worker restarts", escape(restarts)))
    failure = f'<pre class="jd-failure" style="{_PRE}">{escape(s["error"])}</pre>' if s.get("error") else ""
    title = f'Service <span style="{_MONO}">{escape(s.get("name"))}</span>'
    return card("service", title, rows_table(rows) + failure)


def service_text(service: Any) -> str:
    s = _summary(service)
    return text_block(f"Service {s.get('name')}  [{s.get('state') or 'Unknown'}]", [
        ("scoring URI", s.get("scoringUri")),
        ("swagger URI", s.get("swaggerUri")),
        ("models", ", ".join(s.get("models") or [])),
        ("entry script", s.get("entryScript")),
        ("image", s.get("imageId")),
        ("port", s.get("port")),
        ("created", s.get("createdTime")),
        *([("worker restarts", worker_restarts(s))] if worker_restarts(s) else []),
        ("error", s.get("error")),
    ])


def worker_restarts(service: Mapping) -> str:
    """Issue 9: "3 (last: worker 1 exited with code 1)" once a worker was respawned; "" while none was."""
    workers = service.get("workers") or {}
    restarts = workers.get("restarts") or 0
    if not restarts:
        return ""
    cause = (workers.get("lastDeath") or {}).get("cause")
    return f"{restarts} (last: {cause})" if cause else str(restarts)


# -- environments and inference configs ------------------------------------------------------------------------
def _python_version(env: Any) -> str:
    return env.python_version or "the base image's (same as the kernel)"


def environment_html(env: Any) -> str:
    requirements = env.pip_requirements()
    packages = (f'<pre style="{_MONO} margin: 0; white-space: pre-wrap;">{escape(chr(10).join(requirements))}</pre>'
                if requirements else f'<span style="{_MUTED}">none (runtime only)</span>')
    rows = [("python", escape(_python_version(env))), ("from", escape(env.source))]
    if env.environment_variables:
        rows.append(("variables", tag_chips(env.environment_variables)))
    rows.append((f"pip packages ({len(requirements)})", packages))
    title = f'Environment <span style="{_MONO}">{escape(env.name)}</span>'
    return card("environment", title, rows_table(rows))


def environment_text(env: Any) -> str:
    requirements = env.pip_requirements()
    return text_block(f"Environment {env.name}", [
        ("python", _python_version(env)),
        ("from", env.source),
        ("variables", ", ".join(f"{k}={v}" for k, v in env.environment_variables.items())),
        ("pip packages", "\n".join(requirements) or "none (runtime only)"),
    ])


def inference_config_html(config: Any) -> str:
    rows = [("entry script", f'<span style="{_MONO}">{escape(config.entry_script_path)}</span>')]
    if config.source_directory:
        rows.append(("source folder", f'<span style="{_MONO}">{escape(config.source_directory)}</span>'))
    if config.description:
        rows.append(("description", escape(config.description)))
    title = f'Inference config <span style="{_MONO}">{escape(config.entry_script)}</span>'
    if config.environment is None:
        rows.append(("environment", escape(f"from {config.conda_file}" if config.conda_file else "the runtime only")
                     + f' <span style="{_MUTED}">(named after the service at deploy time)</span>'))
        return card("inference-config", title, rows_table(rows))
    return card("inference-config", title, rows_table(rows) + environment_html(config.environment))


def inference_config_text(config: Any) -> str:
    head = text_block(f"Inference config {config.entry_script}", [
        ("entry script", str(config.entry_script_path)),
        ("source folder", str(config.source_directory) if config.source_directory else ""),
        ("description", config.description),
    ])
    if config.environment is None:
        made = f"from {config.conda_file}" if config.conda_file else "the runtime only"
        return head + f"\n  environment   {made} (named after the service at deploy time)"
    return head + "\n" + "\n".join("  " + line for line in environment_text(config.environment).splitlines())


# -- dry runs --------------------------------------------------------------------------------------------------
def dry_run_html(result: Any) -> str:
    """A dry run (`deploy.dry_run.DryRunResult`): what init() and the sample request did, the traceback if any."""
    good = result.ok and (result.status is None or result.status < 400)
    colour = "#2e7d32" if good else "#c62828"
    head = "<br>".join(html.escape(line) for line in result.lines())
    parts = [f"<div style='border-left:4px solid {colour};padding-left:8px'>{head}"]
    if result.status is not None:
        parts.append(f"<pre>{html.escape(result.body_text())}</pre>")
    if result.error:
        parts.append(f"<pre style='color:#c62828'>{html.escape(result.error.rstrip())}</pre>")
    parts.append("</div>")
    return "".join(parts)
