"""What the magics remember between cells: the workspace in use, the last entry script and environment.

So `%%score_script` → `%%environment` → `%deploy NAME -m MODEL` needs no repetition. One object per shell,
shared by every Magics class.
"""

from __future__ import annotations

from pathlib import Path

from IPython.core.magic import Magics

from ..deploy import LocalWebservice, attach_service
from ..environment import Environment
from ..registry import Workspace


class NotebookSession:
    def __init__(self) -> None:
        self.workspace_path: Path | None = None
        self.last_script: Path | None = None
        self.last_environment: Environment | None = None

    def workspace(self, override: str | None = None) -> Workspace:
        return Workspace(override or self.workspace_path)

    def service(self, args) -> LocalWebservice:
        """The service named by a magic's `service` argument, in its `-w` workspace (or the one in use)."""
        return attach_service(self.workspace(args.workspace), args.service)


class SessionMagics(Magics):
    """Base of the jupyter-deploy Magics classes: they share one `NotebookSession`."""

    def __init__(self, shell, session: NotebookSession):
        super().__init__(shell)
        self.session = session
