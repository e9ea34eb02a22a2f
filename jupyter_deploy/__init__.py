"""jupyter-deploy: register a model you already have and serve it from a local Docker container.

The names mirror Azure ML SDK v1 ("use an existing model") so existing code keeps working:

    from jupyter_deploy import Workspace, Model, InferenceConfig, Environment, CondaDependencies, LocalWebservice

This module holds those names and the Jupyter entry points, nothing else. IPython and the Jupyter server are
imported only when their entry point is called.
"""

from ._version import __version__
from .deploy import AksWebservice, ComputeTarget, InferenceConfig, LocalWebservice, Model
from .environment import CondaDependencies, Environment
from .errors import JupyterDeployError
from .registry import Workspace


def load_ipython_extension(ip) -> None:
    """`%load_ext jupyter_deploy`: register the notebook magics."""
    from .magics import load_ipython_extension as register_magics

    register_magics(ip)


def _jupyter_labextension_paths() -> list[dict]:
    """JupyterLab finds the side panel's built assets here."""
    return [{"src": "labextension", "dest": "jupyter-deploy"}]


def _jupyter_server_extension_points() -> list[dict]:
    """The REST API of the side panel is a Jupyter server extension app (`server.app.JupyterDeployApp`)."""
    from .server.app import JupyterDeployApp

    return [{"module": "jupyter_deploy", "app": JupyterDeployApp}]


__all__ = [
    "AksWebservice",
    "ComputeTarget",
    "CondaDependencies",
    "Environment",
    "InferenceConfig",
    "JupyterDeployError",
    "LocalWebservice",
    "Model",
    "Workspace",
    "__version__",
]
