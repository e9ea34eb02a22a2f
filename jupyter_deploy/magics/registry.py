"""`%deploy_workspace`, `%register_model` (files and live kernel objects) and `%models`."""

from __future__ import annotations

import difflib
import keyword
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..deploy import Model
from ..errors import ModelNotFound, ModelPathError, UnknownVariable
from ..registry import validate_model_name
from ..registry.files import SourceFile, collect_sources
from ..registry.savers import default_filename, save_object
from .arguments import key_value_pairs, parse_magic_line, user_errors, workspace_option
from .results import ModelList
from .session import SessionMagics


@dataclass
class _ObjectSource:
    """A kernel variable to save under `filename` before registering."""

    variable: str
    value: Any
    filename: str


@magics_class
class RegistryMagics(SessionMagics):
    """The workspace in use and what is registered in it."""

    # -- workspace -------------------------------------------------------------------------------------------
    @magic_arguments()
    @argument("path", nargs="?", help="the workspace folder; without it, show the one in use")
    @line_magic
    @user_errors
    def deploy_workspace(self, line):
        """Use another workspace folder (default: $JUPYTER_DEPLOY_HOME, else ~/.jupyter_deploy) for the magics below."""
        args = parse_magic_line(self.deploy_workspace, line)
        if args.path:
            self.session.workspace_path = Path(args.path).expanduser().resolve()
        return self.session.workspace()

    # -- %register_model -------------------------------------------------------------------------------------
    @magic_arguments()
    @argument("name", help="the model name; each registration is its next version")
    @argument("sources", nargs="*", metavar="SOURCE",
              help="a file or folder; FILE=VAR saves the kernel variable VAR as FILE; a bare VAR uses a default file name")
    @argument("-d", "--description", help="free text shown with the model")
    @argument("--tag", action="append", default=[], metavar="KEY=VALUE", help="a tag (repeatable)")
    @argument("--property", action="append", default=[], metavar="KEY=VALUE", help="a property (repeatable)")
    @argument("--dir", metavar="SUBDIR", help="put every file under this folder of the version (e.g. models)")
    @workspace_option
    @line_magic
    @user_errors
    def register_model(self, line):
        """Register files and live kernel objects as one new version of a model.

        Objects are saved with their framework's own saver (Keras .keras/.h5, gensim .save, numpy .npy,
        pickle for scikit-learn and other objects, joblib for .joblib names) into a temporary folder, then
        everything is registered in one version: a failure leaves no version behind. Example:

            %register_model sentiment --dir models model.h5=model model.w2v=w2v_model tokenizer.pkl=tokenizer
        """
        args = parse_magic_line(self.register_model, line)
        validate_model_name(args.name)
        tags = key_value_pairs(args.tag, "--tag")
        properties = key_value_pairs(args.property, "--property")
        prefix = _relative_folder(args.dir, "--dir") if args.dir else ""
        if not args.sources:
            raise ModelPathError(
                f"Nothing to register for '{args.name}': give files, folders or kernel variables, "
                f"e.g. %register_model {args.name} model.pkl=clf."
            )
        planned = [self._classify_source(token) for token in args.sources]
        _check_distinct_filenames([p for p in planned if isinstance(p, _ObjectSource)])
        workspace = self.session.workspace(args.workspace)
        with tempfile.TemporaryDirectory(prefix="jupyter-deploy-register-") as scratch:
            sources: list[SourceFile] = []
            frameworks: list[tuple[str, str | None, str]] = []
            for index, item in enumerate(planned):
                if isinstance(item, Path):
                    sources += [SourceFile(s.source, prefix + s.dest) for s in collect_sources(item)]
                    continue
                folder = Path(scratch) / str(index)
                saved = save_object(item.value, folder / item.filename, shown=f"the variable '{item.variable}'")
                sources += [SourceFile(path, prefix + path.relative_to(folder).as_posix()) for path in saved.files]
                if saved.framework:
                    frameworks.append((saved.framework, saved.framework_version, item.filename))
            framework, framework_version = (frameworks[0][0], frameworks[0][1]) if frameworks else (None, None)
            if len({name for name, _, _ in frameworks}) > 1:
                properties.setdefault("frameworks", "; ".join(
                    f"{filename}: {name}{' ' + version if version else ''}" for name, version, filename in frameworks))
            model = Model._register_sources(
                workspace, args.name, sources, description=args.description, tags=tags, properties=properties,
                model_framework=framework, model_framework_version=framework_version,
            )
        print(f"Registered {model.id} ({len(sources)} file{'s' if len(sources) != 1 else ''}).")
        return model

    def _classify_source(self, token: str) -> Path | _ObjectSource:
        filename, equals, variable = token.rpartition("=")
        if equals and filename and _is_variable_name(variable):
            _relative_folder(filename, "the file name")
            return _ObjectSource(variable, self._lookup(variable, token), filename)
        path = Path(token).expanduser()
        on_disk = path.exists() or path.is_symlink()
        is_variable = _is_variable_name(token) and self._has_variable(token)
        if on_disk and is_variable:
            raise ModelPathError(
                f"'{token}' is both a file here and a notebook variable; write ./{token} for the file, or "
                f"FILE={token} (e.g. {token}.pkl={token}) for the variable."
            )
        if on_disk:
            return path
        if is_variable:
            value = self._lookup(token, token)
            return _ObjectSource(token, value, default_filename(value, shown=f"the variable '{token}'"))
        raise UnknownVariable(
            f"'{token}' is neither a file or folder (in {Path.cwd()}) nor a variable in the notebook"
            f"{self._did_you_mean(token)}; check the spelling, or write FILE=VARIABLE to save a variable under a name."
        )

    def _has_variable(self, dotted: str) -> bool:
        try:
            self._resolve(dotted)
        except (KeyError, AttributeError):
            return False
        return True

    def _resolve(self, dotted: str) -> Any:
        head, *attributes = dotted.split(".")
        value = self.shell.user_ns[head]
        for attribute in attributes:
            value = getattr(value, attribute)
        return value

    def _lookup(self, dotted: str, token: str) -> Any:
        try:
            return self._resolve(dotted)
        except (KeyError, AttributeError):
            raise UnknownVariable(
                f"There is no variable '{dotted}' in the notebook{self._did_you_mean(dotted)} (in '{token}', FILE=VARIABLE "
                "saves the kernel variable VARIABLE as FILE); run the cell that defines it first."
            ) from None

    def _did_you_mean(self, name: str) -> str:
        names = [n for n in self.shell.user_ns if not n.startswith("_")]
        close = difflib.get_close_matches(name.split(".")[0], names, n=1)
        return f" (did you mean '{close[0]}'?)" if close else ""

    # -- models ------------------------------------------------------------------------------------------------
    @magic_arguments()
    @argument("name", nargs="?", help="only this model's versions")
    @workspace_option
    @line_magic
    @user_errors
    def models(self, line):
        """The registered models, newest version first."""
        args = parse_magic_line(self.models, line)
        workspace = self.session.workspace(args.workspace)
        found = Model.list(workspace, name=args.name)
        if args.name and not found:
            raise ModelNotFound(f"No model named '{args.name}' is registered in {workspace.path}; %models lists them all.")
        return ModelList(found)


def _relative_folder(text: str, shown: str) -> str:
    """A path inside the version folder: relative and never leaving it; returned with a trailing '/'."""
    posix = Path(text).as_posix().strip("/")
    if Path(text).is_absolute() or not posix or posix == "." or ".." in Path(posix).parts:
        raise ModelPathError(f"{shown} '{text}' must be a relative path inside the model, such as models or model.pkl.")
    return posix + "/"


def _is_variable_name(text: str) -> bool:
    return bool(text) and all(part.isidentifier() and not keyword.iskeyword(part) for part in text.split("."))


def _check_distinct_filenames(objects: list[_ObjectSource]) -> None:
    seen: dict[str, str] = {}
    for item in objects:
        if item.filename in seen:
            raise ModelPathError(
                f"'{seen[item.filename]}' and '{item.variable}' would both be saved as {item.filename}; name the files, "
                f"e.g. {seen[item.filename]}_{item.filename}={seen[item.filename]} {item.variable}_{item.filename}={item.variable}."
            )
        seen[item.filename] = item.variable
