"""`%environment` / `%%environment`: the packages a service needs, from the cell, the kernel, or the workspace."""

from __future__ import annotations

from pathlib import Path

from IPython.core.error import UsageError
from IPython.core.magic import line_cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..environment import Environment, environment_from_text, get_environment, save_environment
from ..errors import EntryScriptError
from ..registry import resolve_model
from .arguments import parse_magic_line, user_errors, workspace_option
from .session import SessionMagics


@magics_class
class EnvironmentMagics(SessionMagics):
    """Environments written or captured in the notebook, stored in the workspace."""

    # -- %%environment ---------------------------------------------------------------------------------------
    @magic_arguments()
    @argument("name", help="the environment's name; it is stored in the workspace under it")
    @argument("--capture", action="store_true",
              help="pin what the entry script imports at this kernel's versions instead of reading the cell")
    @argument("--script", metavar="FILE", help="with --capture: the script to scan (default: the last %%%%score_script)")
    @argument("-m", "--model", action="append", default=[], metavar="MODEL[:VER]",
              help="with --capture: also pin what this registered model's files need (repeatable)")
    @argument("--framework", action="append", default=[], metavar="NAME",
              help="with --capture: also pin a model framework the script loads indirectly (e.g. ScikitLearn for a pickle)")
    @workspace_option
    @line_cell_magic
    @user_errors
    def environment(self, line, cell=None):
        """The packages the service needs: the cell is a conda YAML (myenv.yml shape) or requirements lines.

        `%environment NAME --capture` pins the entry script's imports at this kernel's versions instead (with
        `-m MODEL`, also what that registered model's files need, e.g. tf-keras for a pickled Keras 2 Tokenizer);
        `%environment NAME` alone reloads one stored earlier. The environment is used by the next %deploy and
        stored in the workspace, so other front ends can list it.
        """
        args = parse_magic_line(self.environment, line)
        workspace = self.session.workspace(args.workspace)
        if args.capture and cell is not None:
            raise UsageError("--capture reads the entry script, not the cell; use %environment (one %) for it")
        if (args.script or args.framework or args.model) and not args.capture:
            raise UsageError("--script, --model and --framework only go with --capture")
        if args.capture:
            script = Path(args.script).expanduser() if args.script else self.session.last_script
            if script is None:
                raise EntryScriptError(
                    "--capture needs the entry script to scan: pass --script FILE, or write it with %%score_script first."
                )
            models = [resolve_model(workspace, model) for model in args.model]
            env = Environment.from_kernel(args.name, entry_script=str(script), frameworks=args.framework, models=models)
        elif cell is not None:
            env = environment_from_text(args.name, cell)
        else:
            env = get_environment(workspace, args.name)
        if args.capture or cell is not None:
            save_environment(workspace, env)
        self.session.last_environment = env
        if not _rich_front_end(self.shell):
            print(str(env))
        return env


def _rich_front_end(shell) -> bool:
    """True in a Jupyter kernel, where returned objects render as HTML; False in terminal IPython."""
    return getattr(shell, "kernel", None) is not None
