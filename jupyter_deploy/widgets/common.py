"""What the panels share: the workspace they open, the stored environments, and one way to show a message."""

from __future__ import annotations

from ..reprs import escape
from ..workspace import Workspace

_MESSAGE_COLOURS = {
    "error": "var(--jp-error-color1, #d32f2f)",
    "info": "var(--jp-content-font-color2, #616161)",
    "success": "var(--jp-success-color1, #388e3c)",
}


def open_workspace(workspace: Workspace | None) -> Workspace:
    return workspace if workspace is not None else Workspace()


def stored_environment_names(workspace: Workspace) -> list[str]:
    """Names of the environments remembered in the workspace (`save_environment`, the `%%environment` magic)."""
    return workspace.environment_names()


def message_html(text: str, kind: str = "info") -> str:
    """One escaped sentence, coloured by kind ('error', 'info', 'success'); multi-line text keeps its lines."""
    if not text:
        return ""
    colour = _MESSAGE_COLOURS.get(kind, _MESSAGE_COLOURS["info"])
    return (f'<div class="jd-message jd-{escape(kind)}" style="color: {colour}; white-space: pre-wrap; '
            f'margin: 4px 0;">{escape(text)}</div>')
