"""Notebook panels over the core: browse the registry, deploy, test an endpoint, and the deploy progress display.

Names are loaded on first use, so `from jupyter_deploy.widgets import DeployProgress` in a terminal IPython
(plain printed progress) works without ipywidgets installed; the panels import it when they are created.
"""

from __future__ import annotations

import importlib

_HOMES = {
    "DeployProgress": ".progress",
    "RegistryBrowser": ".registry_browser",
    "DeployPanel": ".deploy_panel",
    "EndpointTester": ".endpoint_tester",
}

__all__ = list(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
