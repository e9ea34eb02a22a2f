"""DeployPanel: a form for `Model.deploy` — models, entry script, environment, name, port — and its result.

Everything cheap is checked when Deploy is pressed (selection, service name, port, script, environment file),
so a typo shows at once in `.status`. The image build and the wait for Healthy run in a background thread:
they take seconds to minutes and the kernel must stay usable meanwhile; the widgets update from that thread.
"""

from __future__ import annotations

import threading
from pathlib import Path

import ipywidgets as w

from ..deploy import (InferenceConfig, LocalWebservice, LocalWebserviceDeploymentConfiguration, Model,
                      validate_service_name)
from ..display.cards import service_html
from ..display.html import message_html
from ..environment import Environment, resolve_environment, stored_environment_names
from ..errors import FormError, JupyterDeployError
from ..registry import Workspace
from .common import open_workspace
from .progress import DeployProgress

RUNTIME_ONLY = "(none: runtime only)"
_STYLE = {"description_width": "110px"}
_WIDE = {"width": "520px"}  # a dict, so each widget gets its own Layout


class DeployPanel(w.VBox):
    """Fill in the form and press Deploy; `.service` is the Healthy service afterwards, `.status` says what happened."""

    def __init__(self, workspace: Workspace | None = None, **kwargs):
        self.workspace = open_workspace(workspace)
        self.models = w.SelectMultiple(options=[], rows=6, description="Models", style=_STYLE, layout=_WIDE)
        self.script = w.Text(value="score.py", description="Entry script", style=_STYLE, layout=_WIDE)
        self.environment = w.Dropdown(options=[RUNTIME_ONLY], value=RUNTIME_ONLY, description="Environment",
                                      style=_STYLE, layout=_WIDE)
        self.environment_file = w.Text(value="", placeholder="conda .yml or requirements .txt (optional)",
                                       description="…or from file", style=_STYLE, layout=_WIDE)
        self.service_name = w.Text(value="", placeholder="3-32 lowercase letters, digits, '-'",
                                   description="Service name", style=_STYLE, layout=_WIDE)
        self.port = w.IntText(value=0, description="Port (0: free)", style=_STYLE)
        self.overwrite = w.Checkbox(value=False, description="Replace a service of the same name", indent=False)
        self.deploy_button = w.Button(description="Deploy", button_style="primary", icon="rocket")
        self.refresh_button = w.Button(description="Refresh lists", icon="refresh")
        self.status = w.HTML(value="")
        self.progress_area = w.VBox()
        self.thread: threading.Thread | None = None
        self.service: LocalWebservice | None = None
        self.progress: DeployProgress | None = None
        super().__init__(children=[
            self.models, self.script, self.environment, self.environment_file, self.service_name,
            w.HBox([self.port, self.overwrite]), w.HBox([self.deploy_button, self.refresh_button]),
            self.progress_area, self.status,
        ], **kwargs)
        self.deploy_button.on_click(lambda _button: self.deploy())
        self.refresh_button.on_click(lambda _button: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        """Reload the model versions and the stored environments, keeping what is still there selected."""
        chosen = set(self.models.value)
        ids = [model.id for model in Model.list(self.workspace)]
        self.models.options = ids
        self.models.value = tuple(model_id for model_id in ids if model_id in chosen)
        environment = self.environment.value
        names = [RUNTIME_ONLY, *stored_environment_names(self.workspace)]
        self.environment.options = names
        self.environment.value = environment if environment in names else RUNTIME_ONLY

    # -- deploying -------------------------------------------------------------------------------------------
    def deploy(self) -> threading.Thread | None:
        """Check the form, then deploy in a background thread (returned, and kept as `.thread`)."""
        if self.thread is not None and self.thread.is_alive():
            self.status.value = message_html("A deployment is still running; wait for it to finish.", "error")
            return None
        try:
            name, model_ids, config, deployment_config = self._read_form()
        except JupyterDeployError as error:
            self.status.value = message_html(str(error), "error")
            return None
        self.service = None
        self.progress = DeployProgress(name, widgets=True)
        self.progress_area.children = [self.progress.widget]
        self.status.value = message_html(f"Deploying '{name}'…")
        self.deploy_button.disabled = True
        self.thread = threading.Thread(target=self._run_deploy, name=f"jupyter-deploy {name}", daemon=True,
                                       args=(name, model_ids, config, deployment_config, self.overwrite.value,
                                             self.progress))
        self.thread.start()
        return self.thread

    def _read_form(self) -> tuple[str, list[str], InferenceConfig, LocalWebserviceDeploymentConfiguration]:
        model_ids = list(self.models.value)
        if not model_ids:
            raise FormError("Select at least one model to deploy.")
        name = validate_service_name(self.service_name.value.strip())
        port = self.port.value
        deployment_config = LocalWebservice.deploy_configuration(port=None if port == 0 else port)
        script = self.script.value.strip()
        if not script:
            raise FormError("Give the entry script's path (e.g. score.py).")
        return name, model_ids, InferenceConfig(entry_script=script, environment=self._chosen_environment(name)), deployment_config

    def _chosen_environment(self, service_name: str) -> Environment:
        """Read now: a stored environment may have been redefined since the list was filled."""
        stored = self.environment.value
        file_path = self.environment_file.value.strip()
        if file_path and stored != RUNTIME_ONLY:
            raise FormError(f"Choose either the stored environment '{stored}' or the file {file_path}, not both.")
        return resolve_environment(self.workspace, service_name, stored=None if stored == RUNTIME_ONLY else stored,
                                   environment_file=Path(file_path).expanduser() if file_path else None)

    def _run_deploy(self, name: str, model_ids: list[str], config: InferenceConfig,
                    deployment_config: LocalWebserviceDeploymentConfiguration, overwrite: bool,
                    progress: DeployProgress) -> None:
        try:
            service = Model.deploy(self.workspace, name, model_ids, config, deployment_config, overwrite=overwrite,
                                   progress=progress)
            service.wait_for_deployment()
        except JupyterDeployError as error:
            progress.failed(str(error))
            self.status.value = message_html(str(error), "error")
        except Exception as error:  # an exception in a thread would otherwise only reach the kernel's log
            text = f"Deploying '{name}' failed unexpectedly: {type(error).__name__}: {error}"
            progress.failed(text)
            self.status.value = message_html(text, "error")
        else:
            self.service = service
            progress.done(service, show_card=False)
            self.status.value = service_html(service.serialize())
        finally:
            self.deploy_button.disabled = False
