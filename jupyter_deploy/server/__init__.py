"""The Jupyter server extension behind the side panel: settings (`c.JupyterDeploy.*`) and the entry points.

`jupyter_deploy/__init__.py` re-exports the entry points lazily, so importing the core never imports tornado
(and names the labextension assets there).
"""

from __future__ import annotations

from traitlets import Float, Int, Unicode
from traitlets.config import Configurable


class JupyterDeploy(Configurable):
    """Settings of the server extension, read from the server's config."""

    workspace_path = Unicode(
        None, allow_none=True, config=True,
        help="Workspace folder the panel works on; unset: $JUPYTER_DEPLOY_HOME, else ~/.jupyter_deploy "
             "(the same folder notebooks and the CLI use).",
    )
    max_workers = Int(4, config=True, help="Threads running blocking Docker and HTTP calls for REST requests.")
    deploy_timeout = Float(600, config=True, help="Seconds a background deployment waits for the service to be Healthy.")


def _jupyter_server_extension_points() -> list[dict]:
    return [{"module": "jupyter_deploy"}]


def _load_jupyter_server_extension(server_app) -> None:
    from ..workspace import Workspace
    from .handlers import NAMESPACE, setup_handlers
    from .service import DeployService

    settings = JupyterDeploy(parent=server_app)
    workspace = Workspace(settings.workspace_path)
    service = DeployService(workspace, server_app.root_dir, deploy_timeout_s=settings.deploy_timeout, log=server_app.log)
    setup_handlers(server_app.web_app, service, max_workers=settings.max_workers)
    server_app.log.info("jupyter-deploy: REST API at %s/ on workspace %s", NAMESPACE, workspace.path)
