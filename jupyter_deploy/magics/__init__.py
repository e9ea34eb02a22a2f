"""Notebook magics: register, script, environment, deploy and test a model without leaving the notebook.

`%load_ext jupyter_deploy` registers one Magics class per theme — registry, scripts, environment, services — all
sharing one `NotebookSession` (the workspace in use, the last entry script and environment). They are a thin
front end: every step is a core call, and a user mistake is printed as its one sentence (`arguments.user_errors`).
"""

from __future__ import annotations

from .environment import EnvironmentMagics
from .monitor import MonitorMagics
from .registry import RegistryMagics
from .scripts import ScriptMagics
from .services import ServiceMagics
from .session import NotebookSession

MAGICS_CLASSES = (RegistryMagics, ScriptMagics, EnvironmentMagics, ServiceMagics, MonitorMagics)


def load_ipython_extension(ip) -> None:
    session = NotebookSession()
    for magics in MAGICS_CLASSES:
        ip.register_magics(magics(ip, session))
