"""The local workspace: one folder holding the catalogue, the registered model files and the services' files.

Every front end (API, CLI, magics, REST) opens the same folder, so what one registers the others see.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .catalogue import Catalogue

DEFAULT_HOME = "~/.jupyter_deploy"
HOME_VARIABLE = "JUPYTER_DEPLOY_HOME"


class Workspace:
    """A folder of registered models and deployed-service records (`$JUPYTER_DEPLOY_HOME`, default `~/.jupyter_deploy`)."""

    def __init__(self, path: str | os.PathLike | None = None):
        chosen = path or os.environ.get(HOME_VARIABLE) or DEFAULT_HOME
        self.path = Path(chosen).expanduser().resolve()
        self.models_dir.mkdir(parents=True, exist_ok=True)
        self.staging_dir.mkdir(parents=True, exist_ok=True)
        self.services_dir.mkdir(parents=True, exist_ok=True)
        self.catalogue = Catalogue(self.path / "catalogue.sqlite")
        self.catalogue.create()

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
