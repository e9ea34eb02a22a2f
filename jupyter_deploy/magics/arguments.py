"""What every magic shares: reading its line, the `-w/--workspace` option, and user mistakes as one sentence.

`user_errors` is the one place a magic's `JupyterDeployError` or malformed line becomes its sentence on stderr
instead of a traceback.
"""

from __future__ import annotations

import functools
import sqlite3
import sys

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument
from IPython.utils.process import arg_split

from ..errors import JupyterDeployError, system_error_sentence

workspace_option = argument("-w", "--workspace", metavar="PATH", help="the workspace folder for this call")
"""The option every magic takes, declared once (IPython's `core/magics/script.py` does the same)."""


def user_errors(method):
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
        except (OSError, sqlite3.Error, UnicodeError) as error:  # one the core did not word itself
            print(system_error_sentence(error), file=sys.stderr)
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


def key_value_pairs(items: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, equals, value = item.partition("=")
        if not equals or not key.strip():
            raise UsageError(f"{option} takes KEY=VALUE, not {item!r}")
        pairs[key.strip()] = value
    return pairs
