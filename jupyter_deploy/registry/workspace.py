"""The local workspace: one folder holding the SQLite catalogue and the registered model files.

Every front end (API, CLI, magics, REST) opens the same folder, so what one registers the others see.
The catalogue is opened per operation (no long-lived connection) so several processes can share it;
writers take SQLite's `BEGIN IMMEDIATE` lock, which is what makes version numbering safe across processes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

DEFAULT_HOME = "~/.jupyter_deploy"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS models (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    description TEXT,
    tags TEXT NOT NULL DEFAULT '{}',
    properties TEXT NOT NULL DEFAULT '{}',
    model_framework TEXT,
    model_framework_version TEXT,
    created_time TEXT NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE TABLE IF NOT EXISTS model_files (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (name, version, path),
    FOREIGN KEY (name, version) REFERENCES models (name, version) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS services (
    name TEXT PRIMARY KEY,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS service_models (
    service TEXT NOT NULL REFERENCES services (name) ON DELETE CASCADE,
    model_name TEXT NOT NULL,
    model_version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS environments (
    name TEXT PRIMARY KEY,
    spec TEXT NOT NULL,
    updated_time TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS scripts (
    path TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    recorded_time TEXT NOT NULL
);
"""


class Workspace:
    """A folder of registered models and deployed-service records (`$JUPYTER_DEPLOY_HOME`, default `~/.jupyter_deploy`)."""

    def __init__(self, path: str | os.PathLike | None = None):
        chosen = path or os.environ.get("JUPYTER_DEPLOY_HOME") or DEFAULT_HOME
        self.path = Path(chosen).expanduser().resolve()
        self.models_dir.mkdir(parents=True, exist_ok=True)
        self.staging_dir.mkdir(parents=True, exist_ok=True)
        self.services_dir.mkdir(parents=True, exist_ok=True)
        with self.catalogue() as db:
            db.executescript(_SCHEMA)

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
        return self.path / "catalogue.sqlite"

    @contextlib.contextmanager
    def catalogue(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection to the catalogue; with `write=True` the block is one transaction holding the write lock."""
        db = sqlite3.connect(self.catalogue_path, timeout=60, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA journal_mode = WAL")
            if not write:
                yield db
                return
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    # -- what the front ends share: named environments and the entry scripts in use ---------------------
    def save_environment(self, environment) -> None:
        """Remember a named Environment so every front end (magics, panel, CLI) can offer it."""
        with self.catalogue(write=True) as db:
            db.execute("INSERT OR REPLACE INTO environments (name, spec, updated_time) VALUES (?, ?, ?)",
                       (environment.name, json.dumps(environment.to_dict()), _now()))

    def environment_entries(self) -> list[dict]:
        """`{"name", "environment", "updated_time"}` for every stored environment, by name."""
        from .environment import Environment

        with self.catalogue() as db:
            rows = db.execute("SELECT name, spec, updated_time FROM environments ORDER BY name").fetchall()
        return [{"name": row["name"], "environment": Environment.from_dict(json.loads(row["spec"])),
                 "updated_time": row["updated_time"]} for row in rows]

    def environments(self) -> list:
        return [entry["environment"] for entry in self.environment_entries()]

    def environment_names(self) -> list[str]:
        with self.catalogue() as db:
            return [row[0] for row in db.execute("SELECT name FROM environments ORDER BY name")]

    def get_environment(self, name: str):
        from .environment import Environment
        from .errors import EnvironmentSpecError

        with self.catalogue() as db:
            row = db.execute("SELECT spec FROM environments WHERE name=?", (name,)).fetchone()
        if row is None:
            names = self.environment_names()
            known = f" (stored: {', '.join(names)})" if names else ""
            raise EnvironmentSpecError(
                f"No environment named '{name}' is stored in {self.path}{known}; define it first with %%environment "
                f"{name} in a notebook, or pass a conda YAML / requirements file."
            )
        return Environment.from_dict(json.loads(row[0]))

    def record_script(self, path: str | os.PathLike, source: str = "score_script") -> None:
        with self.catalogue(write=True) as db:
            db.execute("INSERT OR REPLACE INTO scripts (path, source, recorded_time) VALUES (?, ?, ?)",
                       (str(Path(path).resolve()), source, _now()))

    def known_scripts(self) -> list[dict]:
        """Entry scripts written by `%%score_script` or used by a deployment, newest first, that still exist."""
        with self.catalogue() as db:
            rows = db.execute("SELECT path, source, recorded_time FROM scripts ORDER BY recorded_time DESC").fetchall()
        return [dict(row) for row in rows if Path(row["path"]).is_file()]

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
