"""RegistryBrowser: look through the registered models, see one version's files and tags, delete a version.

The list is a tree flattened into one `Select` — each model name once, its versions under it, newest first —
because ipywidgets has no tree and a Select keeps keyboard navigation. Option values are model ids
(`name:version`), so code and tests select with `browser.models.value = "sentiment:2"`.
"""

from __future__ import annotations

import ipywidgets as w

from ..deploy import Model
from ..display.cards import model_html
from ..display.html import message_html
from ..errors import JupyterDeployError
from ..registry import Workspace
from .common import open_workspace

_INDENT = "\u00a0" * 6  # option text collapses ordinary spaces


def matches_filter(model: Model, text: str) -> bool:
    """Case-insensitive substring of the id, description, framework or any `key=value` tag."""
    needle = text.strip().lower()
    if not needle:
        return True
    haystack = [model.id, model.description or "", model.model_framework or ""]
    haystack += [f"{k}={v}" for k, v in model.tags.items()]
    return any(needle in part.lower() for part in haystack)


def tree_options(models: list[Model]) -> list[tuple[str, str]]:
    """(label, model id) pairs: 'name · v3' for the newest version, indented 'v2', 'v1' below it."""
    options = []
    previous = None
    for model in models:  # Model.list orders by name, then version newest first
        label = f"{model.name} \u00b7 v{model.version}" if model.name != previous else f"{_INDENT}v{model.version}"
        options.append((label, model.id))
        previous = model.name
    return options


class RegistryBrowser(w.VBox):
    """Filter, pick a version, read its card; Refresh reloads the catalogue, Delete version removes the picked one."""

    def __init__(self, workspace: Workspace | None = None, **kwargs):
        self.workspace = open_workspace(workspace)
        self.filter = w.Text(placeholder="filter: name, tag (key=value), framework, description",
                             description="Filter", continuous_update=True, layout=w.Layout(width="100%"))
        self.models = w.Select(options=[], rows=12, layout=w.Layout(width="260px"))
        self.detail = w.HTML(value="")
        self.refresh_button = w.Button(description="Refresh", icon="refresh")
        self.delete_button = w.Button(description="Delete version", icon="trash", button_style="danger",
                                      disabled=True)
        self.message = w.HTML(value="")
        super().__init__(children=[
            self.filter,
            w.HBox([w.VBox([self.models, w.HBox([self.refresh_button, self.delete_button])]), self.detail]),
            self.message,
        ], **kwargs)
        self.filter.observe(lambda _change: self._fill(), names="value")
        self.models.observe(lambda _change: self._show_selected(), names="value")
        self.refresh_button.on_click(lambda _button: self.refresh())
        self.delete_button.on_click(lambda _button: self.delete_selected())
        self.refresh()

    @property
    def selected(self) -> Model | None:
        model_id = self.models.value
        return self._by_id.get(model_id) if model_id else None

    def refresh(self) -> None:
        """Read the catalogue again (another kernel or the CLI may have registered or deleted versions)."""
        self._all = Model.list(self.workspace)
        self._by_id = {model.id: model for model in self._all}
        self.message.value = ""
        self._fill()

    def _fill(self) -> None:
        keep = self.models.value
        shown = [model for model in self._all if matches_filter(model, self.filter.value)]
        options = tree_options(shown)
        ids = [model_id for _label, model_id in options]
        self.models.options = options
        self.models.value = keep if keep in ids else (ids[0] if ids else None)
        self._show_selected()

    def _show_selected(self) -> None:
        model = self.selected
        self.delete_button.disabled = model is None
        if model is not None:
            self.detail.value = model_html(model.serialize())
        elif self._all:
            self.detail.value = message_html("No model matches the filter.")
        else:
            self.detail.value = message_html(f"No models are registered in {self.workspace.path} yet.")

    def delete_selected(self) -> None:
        """Delete the picked version; a refusal (e.g. a service still uses it) is shown, not raised."""
        model = self.selected
        if model is None:
            self.message.value = message_html("Pick a model version to delete first.", "error")
            return
        try:
            model.delete()
        except JupyterDeployError as error:
            self.message.value = message_html(str(error), "error")
            return
        self.refresh()
        self.message.value = message_html(f"Deleted model {model.id}.", "success")
