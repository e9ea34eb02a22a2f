"""What the panels share: the workspace they open."""

from __future__ import annotations

from ..registry import Workspace


def open_workspace(workspace: Workspace | None) -> Workspace:
    return workspace if workspace is not None else Workspace()
