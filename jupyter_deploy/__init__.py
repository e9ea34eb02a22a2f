"""jupyter-deploy: register a model you already have and serve it from a local Docker container.

The names mirror Azure ML SDK v1 ("use an existing model") so existing code keeps working:

    from jupyter_deploy import Workspace, Model, InferenceConfig, Environment, CondaDependencies, LocalWebservice
"""

from .environment import CondaDependencies, Environment
from .errors import JupyterDeployError
from .inference_config import InferenceConfig
from .model import Model
from .webservice import LocalWebservice
from .workspace import Workspace

__version__ = "0.1.0"


def load_ipython_extension(ip) -> None:
    """`%load_ext jupyter_deploy`: register the notebook magics (IPython is imported only when this runs)."""
    from .magics import load_ipython_extension as register_magics

    register_magics(ip)


def _jupyter_labextension_paths() -> list[dict]:
    """JupyterLab finds the side panel's built assets here."""
    return [{"src": "labextension", "dest": "jupyter-deploy"}]


def _jupyter_server_extension_points() -> list[dict]:
    """The REST API of the side panel is a Jupyter server extension; tornado is imported only when it loads."""
    from .server import _jupyter_server_extension_points as points

    return points()


def _load_jupyter_server_extension(server_app) -> None:
    from .server import _load_jupyter_server_extension as load

    load(server_app)


__all__ = [
    "CondaDependencies",
    "Environment",
    "InferenceConfig",
    "JupyterDeployError",
    "LocalWebservice",
    "Model",
    "Workspace",
    "__version__",
]
