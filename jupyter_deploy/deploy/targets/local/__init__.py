"""The local Docker target: one container per service on this machine, published on 127.0.0.1."""

from .config import LocalWebserviceDeploymentConfiguration
from .service import LocalWebservice, deploy_local

__all__ = ["LocalWebservice", "LocalWebserviceDeploymentConfiguration", "deploy_local"]
