"""Notebook magics: register, script, environment, deploy and test a model without leaving the notebook.

`%load_ext jupyter_deploy` registers them. They are a thin front end: every step is a core call (`Model`,
`serializers`, `dry_run`, `environment`, `webservice`, `endpoint_test`), and a user mistake — anything raising
`JupyterDeployError`, or a malformed magic line — is printed as its one sentence on stderr instead of a
traceback (`_user_errors`, the one place that does it). The magics remember the last entry script and
environment, so `%%score_script` → `%%environment` → `%deploy NAME -m MODEL` needs no repetition.
"""

from __future__ import annotations

import difflib
import functools
import keyword
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.utils.process import arg_split

from .dry_run import DryRunResult, dry_run
from .endpoint_test import call_endpoint, parse_json_body
from .environment import Environment, environment_from_text
from .errors import EntryScriptError, JupyterDeployError, ModelNotFound, ModelPathError, UnknownVariable, WebserviceError
from .inference_config import InferenceConfig, check_entry_source
from .model import Model, resolve_model, validate_model_name
from .model_files import SourceFile, collect_sources
from .serializers import default_filename, save_object
from .webservice import LocalWebservice, validate_service_name
from .workspace import Workspace


def load_ipython_extension(ip) -> None:
    ip.register_magics(DeployMagics(ip))


def _user_errors(method):
    """Show a user mistake as its sentence on stderr (no traceback) and return None; `-h/--help` prints the help."""

    @functools.wraps(method)
    def wrapper(self, line="", *cell):
        magic = getattr(self, method.__name__)
        if _asks_for_help(line):
            print(magic.parser.format_help())
            return None
        try:
            return method(self, line, *cell)
        except JupyterDeployError as error:
            print(str(error), file=sys.stderr)
        except UsageError as error:
            usage = " ".join(magic.parser.format_usage().replace("::", "").split())
            print(f"%{method.__name__}: {error}. Usage: {usage} (%{method.__name__} --help says more).", file=sys.stderr)
        return None

    return wrapper


def parse_magic_line(magic, line: str):
    """`parse_argstring`, but quoted words lose their quotes (`--sample '{"text": "hi"}'`, `-d "my model"`) and
    positionals may follow options (`%register_model NAME --dir models a.h5=a`)."""
    try:
        words = arg_split(line, posix=True)
    except ValueError as error:  # an unbalanced quote
        raise UsageError(f"the line cannot be split into words ({error})") from None
    return magic.parser.parse_intermixed_args(words)


def _asks_for_help(line: str) -> bool:
    try:
        words = arg_split(line, posix=True)
    except ValueError:
        return False
    return "-h" in words or "--help" in words


@dataclass
class _ObjectSource:
    """A kernel variable to save under `filename` before registering."""

    variable: str
    value: Any
    filename: str


@magics_class
class DeployMagics(Magics):
    """The jupyter-deploy magics and what they remember between cells (workspace, entry script, environment)."""

    def __init__(self, shell):
        super().__init__(shell)
        self.workspace_path: Path | None = None
        self.last_script: Path | None = None
        self.last_environment: Environment | None = None

    # -- workspace -------------------------------------------------------------------------------------------
    @magic_arguments()
    @argument("path", nargs="?", help="the workspace folder; without it, show the one in use")
    @line_magic
    @_user_errors
    def deploy_workspace(self, line):
        """Use another workspace folder (default: $JUPYTER_DEPLOY_HOME, else ~/.jupyter_deploy) for the magics below."""
        args = parse_magic_line(self.deploy_workspace, line)
        if args.path:
            self.workspace_path = Path(args.path).expanduser().resolve()
        return self._workspace(None)

    def _workspace(self, override: str | None) -> Workspace:
        return Workspace(override or self.workspace_path)

    def _service(self, args) -> LocalWebservice:
        """The service named by a magic's `service` argument, in its `-w` workspace (or the one in use)."""
        return LocalWebservice(self._workspace(args.workspace), args.service)

    # -- %register_model -------------------------------------------------------------------------------------
    @magic_arguments()
    @argument("name", help="the model name; each registration is its next version")
    @argument("sources", nargs="*", metavar="SOURCE",
              help="a file or folder; FILE=VAR saves the kernel variable VAR as FILE; a bare VAR uses a default file name")
    @argument("-d", "--description", help="free text shown with the model")
    @argument("--tag", action="append", default=[], metavar="KEY=VALUE", help="a tag (repeatable)")
    @argument("--property", action="append", default=[], metavar="KEY=VALUE", help="a property (repeatable)")
    @argument("--dir", metavar="SUBDIR", help="put every file under this folder of the version (e.g. models)")
    @argument("-w", "--workspace", metavar="PATH", help="the workspace folder for this call")
    @line_magic
    @_user_errors
    def register_model(self, line):
        """Register files and live kernel objects as one new version of a model.

        Objects are saved with their framework's own saver (Keras .keras/.h5, gensim .save, numpy .npy,
        pickle for scikit-learn and other objects, joblib for .joblib names) into a temporary folder, then
        everything is registered in one version: a failure leaves no version behind. Example:

            %register_model sentiment --dir models model.h5=model model.w2v=w2v_model tokenizer.pkl=tokenizer
        """
        args = parse_magic_line(self.register_model, line)
        validate_model_name(args.name)
        tags = _pairs(args.tag, "--tag")
        properties = _pairs(args.property, "--property")
        prefix = _relative_folder(args.dir, "--dir") if args.dir else ""
        if not args.sources:
            raise ModelPathError(
                f"Nothing to register for '{args.name}': give files, folders or kernel variables, "
                f"e.g. %register_model {args.name} model.pkl=clf."
            )
        planned = [self._classify_source(token) for token in args.sources]
        _check_distinct_filenames([p for p in planned if isinstance(p, _ObjectSource)])
        workspace = self._workspace(args.workspace)
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

    # -- %%score_script --------------------------------------------------------------------------------------
    @magic_arguments()
    @argument("file", nargs="?", default="score.py", help="where to write the script (default score.py, in the kernel's folder)")
    @argument("--dry-run", dest="dry_run", action="append", default=[], metavar="MODEL[:VER]",
              help="first run init() (and one request with --sample) here, against this registered model (repeatable)")
    @argument("--sample", metavar="JSON", help="the request body for the dry run")
    @argument("-w", "--workspace", metavar="PATH", help="the workspace folder for this call")
    @cell_magic
    @_user_errors
    def score_script(self, line, cell):
        """The cell is the entry script (init() and run(data)): checked, written to FILE and used by the next %deploy.

        A script that does not parse or lacks init()/run() is refused and not written. With --dry-run the script
        runs in this kernel first, exactly as the service would run it (AZUREML_MODEL_DIR, input handling, error
        answers); if its init() or run() raises, the traceback is shown and the file is not written.
        """
        args = parse_magic_line(self.score_script, line)
        target = Path(args.file).expanduser()
        target = target if target.is_absolute() else Path.cwd() / target
        check_entry_source(cell, args.file)
        if args.sample is not None and not args.dry_run:
            raise UsageError("--sample is the body of the dry run's request; add --dry-run MODEL[:VERSION]")
        result: DryRunResult | None = None
        if args.dry_run:
            if args.sample is not None:
                parse_json_body(args.sample, "The --sample body")
            result = dry_run(self._workspace(args.workspace), cell, args.dry_run, args.sample, script_name=target.name)
            if not result.ok:
                print(f"{args.file} was not written: its dry run raised an error (the script's traceback is shown).",
                      file=sys.stderr)
                return result
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(target, cell)
        self.last_script = target
        print(f"Wrote {args.file}; %deploy serves it (and %reload SERVICE ships an edit to a running service).")
        return result

    # -- %%environment ---------------------------------------------------------------------------------------
    @magic_arguments()
    @argument("name", help="the environment's name; it is stored in the workspace under it")
    @argument("--capture", action="store_true",
              help="pin what the entry script imports at this kernel's versions instead of reading the cell")
    @argument("--script", metavar="FILE", help="with --capture: the script to scan (default: the last %%%%score_script)")
    @argument("--framework", action="append", default=[], metavar="NAME",
              help="with --capture: also pin a model framework the script loads indirectly (e.g. ScikitLearn for a pickle)")
    @argument("-w", "--workspace", metavar="PATH", help="the workspace folder for this call")
    @line_cell_magic
    @_user_errors
    def environment(self, line, cell=None):
        """The packages the service needs: the cell is a conda YAML (myenv.yml shape) or requirements lines.

        `%environment NAME --capture` pins the entry script's imports at this kernel's versions instead;
        `%environment NAME` alone reloads one stored earlier. The environment is used by the next %deploy and
        stored in the workspace, so other front ends can list it.
        """
        args = parse_magic_line(self.environment, line)
        workspace = self._workspace(args.workspace)
        if args.capture and cell is not None:
            raise UsageError("--capture reads the entry script, not the cell; use %environment (one %) for it")
        if (args.script or args.framework) and not args.capture:
            raise UsageError("--script and --framework only go with --capture")
        if args.capture:
            script = Path(args.script).expanduser() if args.script else self.last_script
            if script is None:
                raise EntryScriptError(
                    "--capture needs the entry script to scan: pass --script FILE, or write it with %%score_script first."
                )
            env = Environment.from_kernel(args.name, entry_script=str(script), frameworks=args.framework)
        elif cell is not None:
            env = environment_from_text(args.name, cell)
        else:
            env = workspace.get_environment(args.name)
        if args.capture or cell is not None:
            workspace.save_environment(env)
        self.last_environment = env
        if not _rich_front_end(self.shell):
            print(str(env))
        return env

    # -- %deploy ---------------------------------------------------------------------------------------------
    @magic_arguments()
    @argument("service", help="the service name (3-32 lowercase letters, digits or '-')")
    @argument("-m", "--model", dest="models", action="append", default=[], metavar="MODEL[:VER]",
              help="a registered model to serve, latest version unless given (repeatable)")
    @argument("--script", metavar="FILE", help="the entry script (default: the last %%%%score_script)")
    @argument("--env", metavar="NAME", help="a stored environment (default: the last %%%%environment)")
    @argument("--port", type=int, help="the host port on 127.0.0.1 (default: a free one)")
    @argument("--overwrite", action="store_true", help="replace a service of the same name")
    @argument("-w", "--workspace", metavar="PATH", help="the workspace folder for this call")
    @line_magic
    @_user_errors
    def deploy(self, line):
        """Build the environment's image (cached) and start the service in local Docker; wait until it is Healthy.

        Shows a progress bar and the build log while it works and ends with the service's status card.
        """
        args = parse_magic_line(self.deploy, line)
        workspace = self._workspace(args.workspace)
        validate_service_name(args.service)
        script = Path(args.script).expanduser() if args.script else self.last_script
        if script is None:
            raise EntryScriptError("No entry script to serve: write one with %%score_script, or pass --script FILE.")
        models = [resolve_model(workspace, model_id) for model_id in args.models]
        env = self._deploy_environment(workspace, args.env, args.service)
        config = InferenceConfig(entry_script=str(script), environment=env)
        deployment_config = LocalWebservice.deploy_configuration(port=args.port)
        progress = _deploy_progress(args.service)
        progress.display()
        started = time.perf_counter()
        try:
            service = Model.deploy(workspace, args.service, models, config, deployment_config,
                                   overwrite=args.overwrite, progress=progress)
            service.wait_for_deployment()
        except BaseException as error:
            if getattr(progress, "widgets", False):  # in text mode the sentence printed for the error says it all
                progress.failed(str(error) if isinstance(error, JupyterDeployError) else f"Interrupted ({type(error).__name__}).")
            raise
        elapsed = time.perf_counter() - started
        progress.done(service, show_card=False)
        return DeployedService(workspace, args.service, elapsed)

    def _deploy_environment(self, workspace: Workspace, name: str | None, service: str) -> Environment:
        if name is not None:
            if self.last_environment is not None and self.last_environment.name == name:
                return self.last_environment
            return workspace.get_environment(name)
        if self.last_environment is not None:
            return self.last_environment
        print(f"No %%environment given: '{service}' gets only the runtime; `%environment NAME --capture` pins "
              "what the script imports.")
        return Environment(f"{service}-env")

    # -- %%test_endpoint -------------------------------------------------------------------------------------
    @magic_arguments()
    @argument("service", help="a service name, or a scoring URL")
    @argument("--repeat", type=int, default=1, metavar="N", help="send the body N times (at most 10000)")
    @argument("--concurrency", type=int, default=1, metavar="C", help="from C threads at once")
    @argument("--timeout", type=float, default=60.0, metavar="S", help="seconds to wait for each answer")
    @argument("--max-seconds", dest="max_seconds", type=float, default=120.0, metavar="S",
              help="stop sending after S seconds in all")
    @argument("-w", "--workspace", metavar="PATH", help="the workspace folder for this call")
    @cell_magic
    @_user_errors
    def test_endpoint(self, line, cell):
        """POST the cell (a JSON body) to the service: status, response and latency; --repeat adds percentiles."""
        args = parse_magic_line(self.test_endpoint, line)
        body = parse_json_body(cell, "The request body (the cell)")
        if args.service.startswith(("http://", "https://")):
            target: LocalWebservice | str = args.service
        else:
            target = self._service(args)
            state = target.state
            if state == "Failed":
                raise WebserviceError(f"Service '{args.service}' has failed; `%service_logs {args.service}` shows why, "
                                      f"then redeploy it with %deploy {args.service} … --overwrite.")
        return call_endpoint(target, body, repeat=args.repeat, concurrency=args.concurrency, timeout_s=args.timeout,
                             max_seconds=args.max_seconds)

    # -- services ----------------------------------------------------------------------------------------------
    @magic_arguments()
    @argument("-w", "--workspace", metavar="PATH", help="the workspace folder for this call")
    @line_magic
    @_user_errors
    def services(self, line):
        """The deployed services with their state and scoring URI."""
        args = parse_magic_line(self.services, line)
        return ServiceList(LocalWebservice.list(self._workspace(args.workspace)))

    @magic_arguments()
    @argument("service", help="the service name")
    @argument("-n", "--lines", type=int, default=200, metavar="LINES", help="how many lines from the end (default 200)")
    @argument("-w", "--workspace", metavar="PATH", help="the workspace folder for this call")
    @line_magic
    @_user_errors
    def service_logs(self, line):
        """The end of the service's log: its init() output, request lines and the tracebacks of failed requests."""
        args = parse_magic_line(self.service_logs, line)
        service = self._service(args)
        return LogText(service.get_logs(num_lines=args.lines))

    @magic_arguments()
    @argument("service", help="the service name")
    @argument("-w", "--workspace", metavar="PATH", help="the workspace folder for this call")
    @line_magic
    @_user_errors
    def reload(self, line):
        """Serve the edited entry script without rebuilding; if it fails to load, the old one keeps serving."""
        args = parse_magic_line(self.reload, line)
        service = self._service(args)
        seconds = service.reload()
        print(f"'{service.name}' now serves the current {service.inference_config.entry_script} "
              f"(reloaded in {seconds:.2f} s).")
        return service

    @magic_arguments()
    @argument("service", help="the service name")
    @argument("-w", "--workspace", metavar="PATH", help="the workspace folder for this call")
    @line_magic
    @_user_errors
    def undeploy(self, line):
        """Stop the service, remove its container and forget it."""
        args = parse_magic_line(self.undeploy, line)
        service = self._service(args)
        service.delete()
        print(f"Deleted service '{service.name}'.")

    # -- models ------------------------------------------------------------------------------------------------
    @magic_arguments()
    @argument("name", nargs="?", help="only this model's versions")
    @argument("-w", "--workspace", metavar="PATH", help="the workspace folder for this call")
    @line_magic
    @_user_errors
    def models(self, line):
        """The registered models, newest version first."""
        args = parse_magic_line(self.models, line)
        workspace = self._workspace(args.workspace)
        found = Model.list(workspace, name=args.name)
        if args.name and not found:
            raise ModelNotFound(f"No model named '{args.name}' is registered in {workspace.path}; %models lists them all.")
        return ModelList(found)


# -- what the magics return ----------------------------------------------------------------------------------------
class DeployedService(LocalWebservice):
    """The service `%deploy` returns: a LocalWebservice whose display is the status card, with the deploy time."""

    def __init__(self, workspace: Workspace, name: str, deploy_seconds: float):
        super().__init__(workspace, name)
        self.deploy_seconds = deploy_seconds

    def _repr_html_(self) -> str:
        from .reprs import escape, service_html

        return service_html(self) + f"<div>deployed in {escape(f'{self.deploy_seconds:.1f}')} s</div>"

    def _repr_pretty_(self, printer, cycle) -> None:
        from .reprs import service_text

        printer.text(service_text(self) + f"\n  deployed in {self.deploy_seconds:.1f} s")


class ServiceList(list):
    """A list of LocalWebservice shown as a table; the rows are read once, when the list is made."""

    def __init__(self, services):
        super().__init__(services)
        self.rows = [(s.name, s.state, s.scoring_uri, ", ".join(s.serialize()["models"])) for s in self]

    def _repr_html_(self) -> str:
        return _html_table(("service", "state", "scoring URI", "models"), self.rows, "No services deployed.")

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(_text_table(("service", "state", "scoring URI", "models"), self.rows, "No services deployed."))


class ModelList(list):
    """A list of Model shown as a table."""

    def __init__(self, models):
        super().__init__(models)
        self.rows = [(m.id, m.model_framework or "", ", ".join(f"{k}={v}" for k, v in m.tags.items()),
                      m.description or "", m.created_time) for m in self]

    def _repr_html_(self) -> str:
        return _html_table(("model", "framework", "tags", "description", "created"), self.rows, "No models registered.")

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(_text_table(("model", "framework", "tags", "description", "created"), self.rows,
                                 "No models registered."))


class LogText(str):
    """Log text that displays as the lines themselves, not as a quoted string."""

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(str(self) or "(the log is empty)")

    def _repr_html_(self) -> str:
        from .reprs import escape

        return f"<pre style='max-height:30em;overflow:auto'>{escape(str(self)) or '(the log is empty)'}</pre>"


# -- helpers --------------------------------------------------------------------------------------------------------
def _html_table(header: tuple[str, ...], rows: list[tuple], empty: str) -> str:
    from .reprs import escape

    if not rows:
        return f"<i>{escape(empty)}</i>"
    head = "".join(f"<th style='text-align:left'>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td style='text-align:left'>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _text_table(header: tuple[str, ...], rows: list[tuple], empty: str) -> str:
    if not rows:
        return empty
    cells = [header] + [tuple(str(c) for c in row) for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells)


def _pairs(items: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, equals, value = item.partition("=")
        if not equals or not key.strip():
            raise UsageError(f"{option} takes KEY=VALUE, not {item!r}")
        pairs[key.strip()] = value
    return pairs


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


def _write_atomically(target: Path, text: str) -> None:
    """A running reload or deploy reading the script never sees half of it."""
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _rich_front_end(shell) -> bool:
    """True in a Jupyter kernel, where returned objects render as HTML; False in terminal IPython."""
    return getattr(shell, "kernel", None) is not None


class _PrintedProgress:
    """Plain-text stand-in for DeployProgress when the widgets module is not available."""

    widgets = False

    def __init__(self, service_name: str):
        self.service_name = service_name

    def __call__(self, phase: str, message: str) -> None:
        print(message.rstrip("\n") if phase == "build" else f"[{phase}] {message}", flush=True)

    def display(self) -> None:
        print(f"Deploying service '{self.service_name}'", flush=True)

    def done(self, service, show_card: bool = True) -> None:
        print(f"[ready] {service.scoring_uri}", flush=True)

    def failed(self, message: str) -> None:
        print(f"[failed] {message}", flush=True)


def _deploy_progress(service_name: str):
    try:
        from .widgets.progress import DeployProgress
    except ImportError:
        return _PrintedProgress(service_name)
    return DeployProgress(service_name)
