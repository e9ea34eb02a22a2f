"""The local workspace: one folder holding the catalogue, the registered model files and the services' files.

Every front end (API, CLI, magics, REST) opens the same folder, so what one registers the others see.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..errors import WorkspaceError
from .catalogue import Catalogue
from .staging import reclaim_staging

DEFAULT_HOME = "~/.jupyter_deploy"
HOME_VARIABLE = "JUPYTER_DEPLOY_HOME"


class Workspace:
    """A folder of registered models and deployed-service records (`$JUPYTER_DEPLOY_HOME`, default `~/.jupyter_deploy`)."""

    def __init__(self, path: str | os.PathLike | None = None):
        chosen = path or os.environ.get(HOME_VARIABLE) or DEFAULT_HOME
        self.path = _folder_path(chosen)
        try:
            self.models_dir.mkdir(parents=True, exist_ok=True)
            self.staging_dir.mkdir(parents=True, exist_ok=True)
            self.services_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise WorkspaceError(_unusable_folder(chosen, self.path, error)) from None
        self.catalogue = Catalogue(self.path / "catalogue.sqlite")
        self.catalogue.create()
        reclaim_staging(self.staging_dir)  # what registrations killed mid-copy left; live copies hold their lock

    @classmethod
    def from_config(cls, path: str | os.PathLike | None = None, **_ignored) -> "Workspace":
        """Azure SDK code starts with `Workspace.from_config()`; locally that is simply the default workspace."""
        return cls(path)

    get = from_config

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def id(self) -> str:
        """Short, stable id of this folder: keeps container names of two workspaces apart."""
        return hashlib.sha256(str(self.path).encode()).hexdigest()[:8]

    @property
    def models_dir(self) -> Path:
        return self.path / "models"

    @property
    def staging_dir(self) -> Path:
        return self.path / "staging"

    @property
    def services_dir(self) -> Path:
        return self.path / "services"

    @property
    def catalogue_path(self) -> Path:
        return self.catalogue.path

    # -- the entry scripts in use, which every front end can offer ----------------------------------------
    def record_script(self, path: str | os.PathLike, source: str = "score_script") -> None:
        with self.catalogue.write() as sql:
            sql.record_script(str(Path(path).resolve()), source)

    def known_scripts(self) -> list[dict]:
        """Entry scripts written by `%%score_script` or used by a deployment, newest first, that still exist."""
        with self.catalogue.read() as sql:
            rows = sql.script_rows()
        return [row for row in rows if Path(row["path"]).is_file()]

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"


def _folder_path(chosen: str | os.PathLike) -> Path:
    text = os.fspath(chosen)
    if "\x00" in str(text):
        raise WorkspaceError(f"The workspace path {text!r} contains a NUL byte; give a plain folder path.")
    try:
        return Path(text).expanduser().resolve()
    except (OSError, RuntimeError) as error:  # a symlink loop, a name too long
        raise WorkspaceError(f"The workspace path '{text}' cannot be resolved ({error}); give another folder.") from None


def _unusable_folder(chosen: str | os.PathLike, path: Path, error: OSError) -> str:
    """Why a workspace folder cannot be made, in one sentence that says what to do."""
    blocker = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        reason = f"'{blocker}' is a file, not a folder"
    else:
        reason = f"{error.strerror or error} ('{error.filename or path}')"
    return (f"Cannot use '{chosen}' as a workspace: {reason}; pass a folder you can write to "
            f"(-w PATH or ${HOME_VARIABLE}).")
