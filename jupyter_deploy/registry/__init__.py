"""The registry: the workspace folder, its catalogue, and immutable numbered versions of registered models.

No Docker and no front end here; everything above (environments, deployments, the front ends) builds on it.
"""

from .models import Model, parse_model_id, resolve_model, validate_model_name
from .workspace import Workspace

__all__ = ["Model", "Workspace", "parse_model_id", "resolve_model", "validate_model_name"]
