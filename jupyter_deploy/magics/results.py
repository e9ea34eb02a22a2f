"""What the magics return: objects that display as a status card, a table or plain log text."""

from __future__ import annotations

from ..deploy import LocalWebservice
from ..display.cards import service_html, service_text
from ..display.html import escape
from ..display.tables import IMAGES, MODELS, SERVICES, Table
from ..registry import Workspace


class DeployedService(LocalWebservice):
    """The service `%deploy` returns: a LocalWebservice whose display is the status card, with the deploy time."""

    def __init__(self, workspace: Workspace, name: str, deploy_seconds: float):
        super().__init__(workspace, name)
        self.deploy_seconds = deploy_seconds

    def _repr_html_(self) -> str:
        return service_html(self.serialize()) + f"<div>deployed in {escape(f'{self.deploy_seconds:.1f}')} s</div>"

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(service_text(self.serialize()) + f"\n  deployed in {self.deploy_seconds:.1f} s")


class TableList(list):
    """A list of services or models shown as a table; the rows are read once, when the list is made."""

    table: Table

    def __init__(self, items):
        super().__init__(items)
        self.rows = [item.serialize() for item in self]

    def _repr_html_(self) -> str:
        return self.table.html(self.rows)

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(self.table.text(self.rows))


class ServiceList(TableList):
    table = SERVICES


class ModelList(TableList):
    table = MODELS


class ImageList(TableList):
    table = IMAGES


class LogText(str):
    """Log text that displays as the lines themselves, not as a quoted string."""

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(str(self) or "(the log is empty)")

    def _repr_html_(self) -> str:
        return f"<pre style='max-height:30em;overflow:auto'>{escape(str(self)) or '(the log is empty)'}</pre>"
