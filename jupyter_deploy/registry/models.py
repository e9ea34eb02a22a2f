"""Registered models: immutable, numbered versions of files in the workspace, with Azure SDK v1 names.

A version folder holds exactly what was registered (a folder under its own name, or a single file), so
inside the service `AZUREML_MODEL_DIR` and azureml-core's `Model.get_model_path` find files where Azure put them.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..display.cards import model_html, model_text
from ..errors import FileAccessError, InvalidModelName, ModelInUse, ModelNotFound, ModelPathError
from ..shapes import ModelFileShape, ModelShape
from .catalogue import now_iso
from .files import SourceFile, StoredFile, collect_sources, copy_and_hash
from .staging import staging_folder
from .workspace import Workspace

MODEL_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_.]{0,254}$")


def validate_model_name(name: str) -> str:
    if not isinstance(name, str) or not MODEL_NAME_PATTERN.match(name):
        raise InvalidModelName(
            f"Invalid model name {name!r}: use 1 to 255 letters, digits, '-', '_' or '.', starting with a letter or digit."
        )
    return name


def parse_model_id(model_id: str) -> tuple[str, int | None]:
    """`name:version` (or just `name` for the latest), as the Azure CLI's `-m/--model` takes it."""
    name, _, version = str(model_id).partition(":")
    validate_model_name(name)
    if not version:
        return name, None
    if not version.isdigit():
        raise ModelNotFound(f"Model id {model_id!r} has a version that is not a number; write it as name:version, e.g. {name}:1.")
    return name, int(version)


class Model:
    """One registered model version. `Model(ws, name)` is the latest version; `Model(ws, name, version=2)` a given one."""

    def __init__(self, workspace: Workspace, name: str | None = None, id: str | None = None, version: int | None = None,
                 tags: Any = None, properties: Any = None):
        if id is not None:
            name, version = parse_model_id(id)
        if name is None:
            raise ModelNotFound("Give a model name (or id 'name:version') to look a model up.")
        validate_model_name(name)
        self.workspace = workspace
        row = _fetch_row(workspace, name, version, tags, properties)
        self._load(row)

    # -- construction from catalogue rows -------------------------------------------------------------
    @classmethod
    def _from_row(cls, workspace: Workspace, row: dict) -> "Model":
        model = cls.__new__(cls)
        model.workspace = workspace
        model._load(row)
        return model

    def _load(self, row) -> None:
        self.name: str = row["name"]
        self.version: int = row["version"]
        self.description: str | None = row["description"]
        self.tags: dict[str, str] = dict(row["tags"])
        self.properties: dict[str, str] = dict(row["properties"])
        self.model_framework: str | None = row["model_framework"]
        self.model_framework_version: str | None = row["model_framework_version"]
        self.created_time: str = row["created_time"]

    @property
    def id(self) -> str:
        return f"{self.name}:{self.version}"

    @property
    def path(self) -> Path:
        """The immutable version folder in the workspace."""
        return self.workspace.models_dir / self.name / str(self.version)

    @property
    def files(self) -> list[dict]:
        with self.workspace.catalogue.read() as sql:
            return sql.model_files(self.name, self.version)

    # -- registration ----------------------------------------------------------------------------------
    @classmethod
    def register(cls, workspace: Workspace, model_path: str | os.PathLike, model_name: str, description: str | None = None,
                 tags: Mapping[str, Any] | None = None, properties: Mapping[str, Any] | None = None,
                 child_paths: list[str] | None = None, model_framework: str | None = None,
                 model_framework_version: str | None = None, **_azure_only) -> "Model":
        """Register a file or folder as the next version of `model_name` (1, 2, 3…)."""
        validate_model_name(model_name)
        sources = collect_sources(model_path, child_paths)
        return cls._register_sources(workspace, model_name, sources, description=description, tags=tags,
                                       properties=properties, model_framework=model_framework,
                                       model_framework_version=model_framework_version)

    @classmethod
    def _register_sources(cls, workspace: Workspace, model_name: str, sources: Iterable[SourceFile], *,
                          description: str | None = None, tags: Mapping[str, Any] | None = None,
                          properties: Mapping[str, Any] | None = None, model_framework: str | None = None,
                          model_framework_version: str | None = None) -> "Model":
        """Stage the copy, then publish it under the next version number in one catalogue transaction.

        Anything that goes wrong (an unreadable file, a full disk, Ctrl-C) before the commit leaves no version:
        the staging folder is removed and the catalogue never saw it.
        """
        validate_model_name(model_name)
        sources = list(sources)
        if not sources:
            raise ModelPathError(f"Nothing to register for model '{model_name}': give at least one file.")
        _check_unique_destinations(sources)
        published: Path | None = None
        with staging_folder(workspace.staging_dir) as staging:
            try:
                stored: list[StoredFile] = []
                for source in sources:
                    result = copy_and_hash(source.source, staging / source.dest)
                    stored.append(StoredFile(source.dest, result.sha256, result.size))
                _make_readable(staging)
                created = now_iso()
                with workspace.catalogue.write() as sql:
                    version = sql.next_model_version(model_name)
                    target = workspace.models_dir / model_name / str(version)
                    if target.exists():  # left by a process killed between rename and commit: never a catalogued version
                        shutil.rmtree(target)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.rename(staging, target)
                    published = target
                    sql.insert_model(model_name, version, description=description, tags=_stringify(tags),
                                     properties=_stringify(properties), model_framework=model_framework,
                                     model_framework_version=model_framework_version, created_time=created,
                                     files=[(f.path, f.sha256, f.size) for f in stored])
                published = None
            finally:
                if published is not None:
                    shutil.rmtree(published, ignore_errors=True)
        return cls(workspace, model_name, version=version)

    # -- queries ---------------------------------------------------------------------------------------
    @classmethod
    def list(cls, workspace: Workspace, name: str | None = None, tags: Any = None, properties: Any = None,
             latest: bool = False) -> list["Model"]:
        """Models newest first; `tags` as Azure takes them: ['key'], [['key', 'value']] or {'key': 'value'}."""
        with workspace.catalogue.read() as sql:
            rows = sql.model_rows(name)
        models = [cls._from_row(workspace, row) for row in rows]
        models = [m for m in models if _matches(m.tags, tags) and _matches(m.properties, properties)]
        if latest:
            seen: set[str] = set()
            models = [m for m in models if not (m.name in seen or seen.add(m.name))]
        return models

    @classmethod
    def get_model_path(cls, model_name: str, version: int | None = None, _workspace: Workspace | None = None) -> str:
        """Where the registered files are on this machine (Azure's helper of the same name)."""
        model = cls(_workspace or Workspace(), model_name, version=version)
        entries = sorted(model.path.iterdir())
        return str(entries[0] if len(entries) == 1 else model.path)

    def download(self, target_dir: str | os.PathLike = ".", exist_ok: bool = False, **_azure_only) -> str:
        """Copy the version's files to `target_dir`; returns the path of the downloaded file or folder."""
        target = Path(target_dir).expanduser()
        entries = sorted(self.path.iterdir())
        try:
            target.mkdir(parents=True, exist_ok=True)
            for entry in entries:
                destination = target / entry.name
                if destination.exists() and not exist_ok:
                    raise ModelPathError(
                        f"'{destination}' already exists; choose an empty target folder or pass exist_ok=True (CLI: --overwrite)."
                    )
                if entry.is_dir():
                    shutil.copytree(entry, destination, dirs_exist_ok=exist_ok)
                else:
                    shutil.copy2(entry, destination)
        except (OSError, shutil.Error) as error:
            reason = getattr(error, "strerror", None) or str(error)
            raise FileAccessError(
                f"Cannot download {self.id} to '{target_dir}': {reason}; choose a folder you can write to."
            ) from None
        return str(target / entries[0].name if len(entries) == 1 else target)

    # -- mutable metadata ------------------------------------------------------------------------------
    def add_tags(self, tags: Mapping[str, Any]) -> None:
        self._update_json("tags", {**self.tags, **_stringify(tags)})

    def remove_tags(self, tags: Iterable[str]) -> None:
        keys = [tags] if isinstance(tags, str) else list(tags)
        self._update_json("tags", {k: v for k, v in self.tags.items() if k not in keys})

    def add_properties(self, properties: Mapping[str, Any]) -> None:
        """Properties are append-only (as on Azure): an existing key cannot be changed."""
        clash = [k for k in properties if k in self.properties and self.properties[k] != str(properties[k])]
        if clash:
            raise ModelPathError(f"Property '{clash[0]}' is already set on {self.id}; properties cannot be changed once set.")
        self._update_json("properties", {**self.properties, **_stringify(properties)})

    def _update_json(self, column: str, value: dict) -> None:
        with self.workspace.catalogue.write() as sql:
            sql.set_model_json(self.name, self.version, column, value)
        setattr(self, column, value)

    def delete(self) -> None:
        """Delete this version; refused while a deployed service uses it."""
        trash = self.workspace.staging_dir / f"deleted-{uuid.uuid4().hex}"
        with self.workspace.catalogue.write() as sql:
            users = sql.services_using_model(self.name, self.version)
            if users:
                raise ModelInUse(
                    f"Model {self.id} is used by service '{users[0]}'; delete that service first "
                    f"(jupyter-deploy service delete -n {users[0]})."
                )
            sql.delete_model(self.name, self.version)
            if self.path.exists():
                os.rename(self.path, trash)
        shutil.rmtree(trash, ignore_errors=True)
        try:
            self.path.parent.rmdir()
        except OSError:
            pass

    # -- presentation ----------------------------------------------------------------------------------
    def serialize(self) -> dict:
        """The model's JSON (`shapes.ModelShape`): what `-o json`, the REST API and the cards show."""
        return self.shape().dump()

    def shape(self) -> ModelShape:
        return ModelShape(id=self.id, name=self.name, version=self.version, description=self.description,
                          tags=self.tags, properties=self.properties, framework=self.model_framework,
                          framework_version=self.model_framework_version, created_time=self.created_time,
                          path=str(self.path), files=[ModelFileShape(**f) for f in self.files])

    def __eq__(self, other) -> bool:
        return isinstance(other, Model) and other.id == self.id and other.workspace.path == self.workspace.path

    def __hash__(self) -> int:
        return hash((self.id, str(self.workspace.path)))

    def __repr__(self) -> str:
        return f"Model(workspace={self.workspace!r}, name={self.name!r}, id={self.id!r}, version={self.version}, tags={self.tags})"

    def __str__(self) -> str:
        return model_text(self.serialize())

    def _repr_html_(self) -> str:
        return model_html(self.serialize())


def resolve_model(workspace: Workspace, model: "Model | str") -> Model:
    """Accept what Azure code passes to deploy: Model objects or 'name:version' ids."""
    if isinstance(model, Model):
        return model
    name, version = parse_model_id(model)
    return Model(workspace, name, version=version)


def _fetch_row(workspace: Workspace, name: str, version: int | None, tags: Any, properties: Any) -> dict:
    with workspace.catalogue.read() as sql:
        rows = sql.model_rows(name, version)
    rows = [r for r in rows if _matches(r["tags"], tags) and _matches(r["properties"], properties)]
    if rows:
        return rows[0]
    if version is None or not Model.list(workspace, name=name):
        raise ModelNotFound(f"No model named '{name}' is registered in {workspace.path}; register it first (Model.register or `jupyter-deploy model register`).")
    raise ModelNotFound(f"Model '{name}' has no version {version}; `jupyter-deploy model list -n {name}` shows the versions there are.")


def _matches(values: dict, wanted: Any) -> bool:
    if not wanted:
        return True
    if isinstance(wanted, Mapping):
        wanted = list(wanted.items())
    for item in wanted:
        if isinstance(item, str):
            if item not in values:
                return False
        else:
            key, value = item
            if values.get(key) != str(value):
                return False
    return True


def _stringify(values: Mapping[str, Any] | None) -> dict[str, str]:
    return {str(k): str(v) for k, v in (values or {}).items()}


def _check_unique_destinations(sources: list[SourceFile]) -> None:
    seen: set[str] = set()
    for source in sources:
        if source.dest in seen:
            raise ModelPathError(f"Two files would both be stored as '{source.dest}'; give them different names.")
        seen.add(source.dest)


def _make_readable(root: Path) -> None:
    """Version folders are bind-mounted read-only into containers that run as a non-root user."""
    for dirpath, _dirnames, _files in os.walk(root):
        os.chmod(dirpath, 0o755)
