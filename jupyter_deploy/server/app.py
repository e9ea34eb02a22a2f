"""The Jupyter server extension behind the side panel, as a `jupyter_server` `ExtensionApp`.

Its settings are `c.JupyterDeployApp.*` traits; `initialize_settings` puts the one `DeployService` (and the thread
pool its blocking calls run on) into the web app's settings, `initialize_handlers` joins the route table onto the
server's base URL, and `stop_extension` shuts the pool down when the server stops.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from jupyter_server.extension.application import ExtensionApp
from traitlets import Float, Int, Unicode

from ..registry import Workspace
from .handlers import EXECUTOR_SETTING, NAMESPACE, ROUTES, SERVICE_SETTING
from .service import DeployService


class JupyterDeployApp(ExtensionApp):
    """REST API of the Deployments panel under `{base_url}jupyter-deploy/api/` (docs/rest-api.md)."""

    name = "jupyter_deploy"
    load_other_extensions = True

    workspace_path = Unicode(
        None, allow_none=True, config=True,
        help="Workspace folder the panel works on; unset: $JUPYTER_DEPLOY_HOME, else ~/.jupyter_deploy "
             "(the same folder notebooks and the CLI use).",
    )
    max_workers = Int(4, config=True, help="Threads running blocking Docker and HTTP calls for REST requests.")
    deploy_timeout = Float(600, config=True, help="Seconds a background deployment waits for the service to be Healthy.")

    def initialize_settings(self) -> None:
        workspace = Workspace(self.workspace_path)
        self.deploy_service = DeployService(workspace, self.serverapp.root_dir, deploy_timeout_s=self.deploy_timeout,
                                            log=self.log)
        self.executor = ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix="jupyter-deploy")
        self.settings.update({SERVICE_SETTING: self.deploy_service, EXECUTOR_SETTING: self.executor})
        self.log.info("jupyter-deploy: REST API at %s/ on workspace %s", NAMESPACE, workspace.path)

    def initialize_handlers(self) -> None:
        self.handlers.extend((f"/{NAMESPACE}/{path}/?", handler) for path, handler in ROUTES)

    async def stop_extension(self) -> None:
        """Running deployments are daemon threads of their own; only the request pool is waited on, briefly."""
        self.executor.shutdown(wait=False, cancel_futures=True)
