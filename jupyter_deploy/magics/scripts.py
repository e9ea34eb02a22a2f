"""`%%score_script`: the cell is the entry script — checked, optionally dry-run in this kernel, then written."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from IPython.core.error import UsageError
from IPython.core.magic import cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..deploy.dry_run import DryRunResult, dry_run
from ..deploy.inference_config import check_entry_source
from ..deploy.preflight import preflight
from ..deploy.probe import parse_json_body
from ..registry import resolve_model
from .arguments import parse_magic_line, user_errors, workspace_option
from .session import SessionMagics


@magics_class
class ScriptMagics(SessionMagics):
    """Entry scripts written in the notebook."""

    # -- %%score_script --------------------------------------------------------------------------------------
    @magic_arguments()
    @argument("file", nargs="?", default="score.py", help="where to write the script (default score.py, in the kernel's folder)")
    @argument("--dry-run", dest="dry_run", action="append", default=[], metavar="MODEL[:VER]",
              help="first run init() (and one request with --sample) here, against this registered model (repeatable)")
    @argument("--sample", metavar="JSON", help="the request body for the dry run")
    @workspace_option
    @cell_magic
    @user_errors
    def score_script(self, line, cell):
        """The cell is the entry script (init() and run(data)): checked, written to FILE and used by the next %deploy.

        A script that does not parse or lacks init()/run() is refused and not written. With --dry-run the script
        runs in this kernel first, exactly as the service would run it (AZUREML_MODEL_DIR, input handling, error
        answers); if its init() or run() raises, the traceback is shown and the file is not written. After an
        %environment, the deploy's preflight runs first: a module the model files or the script need that the
        environment does not install stops here in seconds (the kernel may have it; the image would not).
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
            workspace = self.session.workspace(args.workspace)
            if self.session.last_environment is not None:
                _preflight_cell(workspace, cell, args.dry_run, self.session.last_environment, target)
            result = dry_run(workspace, cell, args.dry_run, args.sample, script_name=target.name)
            if not result.ok:
                print(f"{args.file} was not written: its dry run raised an error (the script's traceback is shown).",
                      file=sys.stderr)
                return result
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(target, cell)
        self.session.last_script = target
        print(f"Wrote {args.file}; %deploy serves it (and %reload SERVICE ships an edit to a running service).")
        return result


def _preflight_cell(workspace, cell: str, models: list[str], environment, target: Path) -> None:
    """The deploy's preflight against the last %environment: this kernel may have modules the image will not."""
    resolved = [resolve_model(workspace, model) for model in models]
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.stem}-preflight-", suffix=".py", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(cell)
        preflight(environment, resolved, temporary, script_label=target.name)
    finally:
        Path(temporary).unlink(missing_ok=True)


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
