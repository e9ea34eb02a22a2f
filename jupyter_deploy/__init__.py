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
