"""The workspace's SQLite catalogue: its schema and every SQL statement jupyter-deploy runs, in one place.

The catalogue is opened per operation (no long-lived connection) so several processes — a notebook, the CLI,
the Jupyter server — can share one workspace. Writers take SQLite's `BEGIN IMMEDIATE` lock: that is what
makes version numbering safe across processes. Rows come back as plain dicts; the rooms above (models,
services, stored environments, scripts) turn them into objects.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Optional

from ..errors import CatalogueDamaged, WorkspaceError

SCHEMA = """
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
CREATE TABLE IF NOT EXISTS compute_targets (
    name TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    config TEXT NOT NULL,
    created_time TEXT NOT NULL
);
"""

# The JSON-valued columns of `models` that may be rewritten after registration.
MUTABLE_MODEL_COLUMNS = frozenset({"tags", "properties"})


def now_iso() -> str:
    """The timestamps the catalogue stores: UTC, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Statements:
    """The statements, run on one open connection (inside a transaction when the caller holds one)."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    # -- models ----------------------------------------------------------------------------------------
    def next_model_version(self, name: str) -> int:
        return self.db.execute("SELECT COALESCE(MAX(version), 0) FROM models WHERE name=?", (name,)).fetchone()[0] + 1

    def insert_model(self, name: str, version: int, *, description: Optional[str], tags: dict, properties: dict,
                     model_framework: Optional[str], model_framework_version: Optional[str], created_time: str,
                     files: list[tuple[str, str, int]]) -> None:
        self.db.execute(
            "INSERT INTO models (name, version, description, tags, properties, model_framework,"
            " model_framework_version, created_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (name, version, description, json.dumps(tags), json.dumps(properties), model_framework,
             model_framework_version, created_time),
        )
        self.db.executemany("INSERT INTO model_files (name, version, path, sha256, size) VALUES (?, ?, ?, ?, ?)",
                            [(name, version, path, sha256, size) for path, sha256, size in files])

    def model_rows(self, name: Optional[str] = None, version: Optional[int] = None) -> list[dict]:
        """Model rows sorted by name, newest version first; tags and properties decoded."""
        query, args = "SELECT * FROM models", ()
        if name is not None and version is not None:
            query, args = query + " WHERE name=? AND version=?", (name, int(version))
        elif name is not None:
            query, args = query + " WHERE name=?", (name,)
        rows = self.db.execute(query + " ORDER BY name, version DESC", args).fetchall()
        return [{**dict(row), "tags": json.loads(row["tags"]), "properties": json.loads(row["properties"])}
                for row in rows]

    def model_files(self, name: str, version: int) -> list[dict]:
        rows = self.db.execute("SELECT path, sha256, size FROM model_files WHERE name=? AND version=? ORDER BY path",
                               (name, version)).fetchall()
        return [dict(row) for row in rows]

    def set_model_json(self, name: str, version: int, column: str, value: dict) -> None:
        if column not in MUTABLE_MODEL_COLUMNS:
            raise ValueError(f"{column} is not a mutable model column")
        self.db.execute(f"UPDATE models SET {column}=? WHERE name=? AND version=?", (json.dumps(value), name, version))

    def delete_model(self, name: str, version: int) -> None:
        self.db.execute("DELETE FROM models WHERE name=? AND version=?", (name, version))

    def services_using_model(self, name: str, version: int) -> list[str]:
        return [row[0] for row in self.db.execute(
            "SELECT service FROM service_models WHERE model_name=? AND model_version=? ORDER BY service",
            (name, version))]

    # -- services --------------------------------------------------------------------------------------
    def service_names(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT name FROM services ORDER BY name")]

    def service_record(self, name: str) -> Optional[dict]:
        row = self.db.execute("SELECT record FROM services WHERE name=?", (name,)).fetchone()
        return json.loads(row[0]) if row else None

    def save_service_record(self, record: dict, pinned_models: list[tuple[str, int]]) -> None:
        """The record and the model versions it pins (a pinned version cannot be deleted)."""
        self.db.execute("INSERT OR REPLACE INTO services (name, record) VALUES (?, ?)",
                        (record["name"], json.dumps(record)))
        self.db.execute("DELETE FROM service_models WHERE service=?", (record["name"],))
        self.db.executemany("INSERT INTO service_models (service, model_name, model_version) VALUES (?, ?, ?)",
                            [(record["name"], model_name, version) for model_name, version in pinned_models])

    def delete_service_record(self, name: str) -> None:
        self.db.execute("DELETE FROM service_models WHERE service=?", (name,))
        self.db.execute("DELETE FROM services WHERE name=?", (name,))

    # -- stored environments ---------------------------------------------------------------------------
    def save_environment(self, name: str, spec: dict) -> None:
        self.db.execute("INSERT OR REPLACE INTO environments (name, spec, updated_time) VALUES (?, ?, ?)",
                        (name, json.dumps(spec), now_iso()))

    def environment_rows(self) -> list[dict]:
        rows = self.db.execute("SELECT name, spec, updated_time FROM environments ORDER BY name").fetchall()
        return [{"name": row["name"], "spec": json.loads(row["spec"]), "updated_time": row["updated_time"]}
                for row in rows]

    def environment_spec(self, name: str) -> Optional[dict]:
        row = self.db.execute("SELECT spec FROM environments WHERE name=?", (name,)).fetchone()
        return json.loads(row[0]) if row else None

    # -- entry scripts ---------------------------------------------------------------------------------
    def record_script(self, path: str, source: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO scripts (path, source, recorded_time) VALUES (?, ?, ?)",
                        (path, source, now_iso()))

    def script_rows(self) -> list[dict]:
        rows = self.db.execute("SELECT path, source, recorded_time FROM scripts ORDER BY recorded_time DESC")
        return [dict(row) for row in rows.fetchall()]

    # -- compute targets -------------------------------------------------------------------------------
    def insert_compute_target(self, name: str, kind: str, config: dict) -> None:
        self.db.execute("INSERT INTO compute_targets (name, type, config, created_time) VALUES (?, ?, ?, ?)",
                        (name, kind, json.dumps(config), now_iso()))

    def compute_target_rows(self, name: Optional[str] = None) -> list[dict]:
        query, args = "SELECT name, type, config, created_time FROM compute_targets", ()
        if name is not None:
            query, args = query + " WHERE name=?", (name,)
        rows = self.db.execute(query + " ORDER BY name", args).fetchall()
        return [{**dict(row), "config": json.loads(row["config"])} for row in rows]

    def delete_compute_target(self, name: str) -> None:
        self.db.execute("DELETE FROM compute_targets WHERE name=?", (name,))


class Catalogue:
    """The catalogue file of one workspace."""

    def __init__(self, path: Path):
        self.path = path

    def create(self) -> None:
        """The tables, where they do not exist yet."""
        with self._connection() as db:
            db.executescript(SCHEMA)

    @contextlib.contextmanager
    def read(self) -> Iterator[Statements]:
        """Statements on a fresh connection, outside any transaction."""
        with self._connection() as db:
            yield Statements(db)

    @contextlib.contextmanager
    def write(self) -> Iterator[Statements]:
        """Statements inside one transaction holding the write lock: all of the block or none of it."""
        with self._connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield Statements(db)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        try:
            db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        except sqlite3.Error as error:
            raise self._unusable(error) from None
        db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA journal_mode = WAL")
            yield db
        except sqlite3.Error as error:
            damage = self._unusable(error, only_damage=True)
            if damage is None:
                raise
            raise damage from None
        finally:
            db.close()

    def _unusable(self, error: sqlite3.Error, only_damage: bool = False) -> Exception | None:
        """A damaged or unopenable catalogue file as one sentence naming the file and the way out.

        Constraint violations and a busy lock are not damage: those stay what they are for the caller.
        """
        text = str(error)
        if type(error) is sqlite3.DatabaseError or "malformed" in text or "not a database" in text:
            return CatalogueDamaged(
                f"The workspace catalogue {self.path} is damaged ({text}); move it aside "
                f"(mv '{self.path}' '{self.path}.damaged') and run the command again to start an empty catalogue "
                f"(the files under '{self.path.parent / 'models'}' stay, register them again).")
        if only_damage and not ("unable to open" in text or "readonly" in text or "disk I/O" in text):
            return None
        return WorkspaceError(
            f"The workspace catalogue {self.path} cannot be opened ({text}); check that the folder is writable "
            "or choose another workspace with -w PATH.")
