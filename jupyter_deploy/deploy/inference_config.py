"""InferenceConfig: which entry script serves the model, from which folder, in which environment.

The script is checked here — before any image is built — because a typo found after a two-minute build
is the slowest possible feedback.
"""

from __future__ import annotations

import ast
import copy
import os
from pathlib import Path

from ..display.cards import inference_config_html, inference_config_text
from ..environment import Environment
from ..errors import EntryScriptError


class InferenceConfig:
    """Azure SDK v1 shape: `InferenceConfig(entry_script='score.py', environment=env, source_directory=None)`.

    With `source_directory`, the entry script is relative to it and the whole folder is shipped to the
    service; without it, only the entry script is shipped (so a notebook folder full of data is not copied).
    Without `environment`, the environment is made at deploy time (`environment.resolve_environment`) from
    `conda_file`, or empty, and named after the service.
    """

    def __init__(self, entry_script: str | os.PathLike, environment: Environment | None = None,
                 source_directory: str | os.PathLike | None = None, runtime: str | None = None,
                 conda_file: str | os.PathLike | None = None, description: str | None = None, **_azure_only):
        if runtime not in (None, "python", "Python"):
            raise EntryScriptError(f"runtime {runtime!r} is not supported; only 'python' entry scripts can be served.")
        if source_directory is not None:
            self.source_directory: Path | None = Path(source_directory).expanduser().resolve()
            if not self.source_directory.is_dir():
                raise EntryScriptError(f"source_directory '{source_directory}' is not a folder; pass the folder that holds the entry script.")
            script = Path(entry_script)
            self.entry_script_path = (script if script.is_absolute() else self.source_directory / script).resolve()
            try:
                self.entry_script = self.entry_script_path.relative_to(self.source_directory).as_posix()
            except ValueError:
                raise EntryScriptError(
                    f"Entry script '{entry_script}' is not inside source_directory '{source_directory}'; move it there or give a path relative to it."
                ) from None
        else:
            self.source_directory = None
            self.entry_script_path = Path(entry_script).expanduser().resolve()
            self.entry_script = self.entry_script_path.name
        validate_entry_script(self.entry_script_path, shown=str(entry_script))
        self.conda_file: Path | None = None
        if environment is None and conda_file is not None:
            base = self.source_directory or Path.cwd()
            conda_path = Path(conda_file).expanduser()
            self.conda_file = (conda_path if conda_path.is_absolute() else base / conda_path).resolve()
            if not self.conda_file.is_file():
                raise EntryScriptError(f"conda_file '{conda_file}' does not exist; check the path (it is relative to "
                                       "source_directory when one is given).")
        self.environment: Environment | None = environment
        self.description = description

    def with_environment(self, environment: Environment) -> "InferenceConfig":
        """A copy whose environment is `environment` (what the deploy flow resolved for it)."""
        twin = copy.copy(self)
        twin.environment = environment
        twin.conda_file = None
        return twin

    def app_files(self) -> list[tuple[Path, str]]:
        """(file on disk, path inside the app root) for everything shipped to the service."""
        if self.source_directory is None:
            return [(self.entry_script_path, self.entry_script)]
        files = []
        for dirpath, dirnames, filenames in os.walk(self.source_directory):
            dirnames[:] = sorted(d for d in dirnames if d not in {"__pycache__", ".ipynb_checkpoints", ".git"})
            for filename in sorted(filenames):
                path = Path(dirpath) / filename
                files.append((path, path.relative_to(self.source_directory).as_posix()))
        return files

    def validate(self) -> None:
        """Check the script again (it may have been edited since this config was made)."""
        validate_entry_script(self.entry_script_path)

    def to_dict(self) -> dict:
        return {
            "entryScript": self.entry_script,
            "entryScriptPath": str(self.entry_script_path),
            "sourceDirectory": str(self.source_directory) if self.source_directory else None,
            "environment": self.environment.to_dict() if self.environment is not None else None,
            "condaFile": str(self.conda_file) if self.conda_file else None,
            "description": self.description,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "InferenceConfig":
        source = data.get("sourceDirectory")
        environment = Environment.from_dict(data["environment"]) if data.get("environment") else None
        return cls(data["entryScriptPath"] if not source else data["entryScript"], environment=environment,
                   source_directory=source, conda_file=data.get("condaFile"), description=data.get("description"))

    def __repr__(self) -> str:
        environment = self.environment.name if self.environment is not None else None
        source = str(self.source_directory) if self.source_directory else None
        return f"InferenceConfig(entry_script={self.entry_script!r}, environment={environment!r}, source_directory={source!r})"

    def __str__(self) -> str:
        return inference_config_text(self)

    def _repr_html_(self) -> str:
        return inference_config_html(self)


def validate_entry_script(path: Path, shown: str | None = None) -> None:
    """The script must exist, parse, and define init() and run(data) at module level."""
    shown = shown or str(path)
    if not path.is_file():
        raise EntryScriptError(f"Entry script '{shown}' does not exist; check the path (it is relative to source_directory when one is given).")
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise EntryScriptError(f"Entry script '{shown}' is not UTF-8 text; save it as UTF-8.") from None
    check_entry_source(source, shown)


def check_entry_source(source: str, shown: str) -> None:
    try:
        tree = ast.parse(source, filename=shown)
    except SyntaxError as error:
        raise EntryScriptError(f"{shown}, line {error.lineno}: {error.msg}; fix the syntax and try again.") from None
    functions = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions[node.name] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    functions.setdefault(target.id, node)
    last_line = len(source.splitlines()) or 1
    if "init" not in functions:
        raise EntryScriptError(f"{shown}, line 1: no init() function; define `def init():` to load the model once at start-up.")
    if "run" not in functions:
        raise EntryScriptError(f"{shown}, line {last_line}: no run() function; define `def run(data):` to score one request.")
    run = functions["run"]
    if isinstance(run, (ast.FunctionDef, ast.AsyncFunctionDef)):
        params = run.args.posonlyargs + run.args.args + run.args.kwonlyargs
        if not params and run.args.vararg is None:
            raise EntryScriptError(f"{shown}, line {run.lineno}: run() takes no argument; write `def run(data):` — it receives the request body.")
