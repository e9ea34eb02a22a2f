"""EndpointTester: edit a JSON body, send it to a deployed service, read the status, the answer and the latency.

The body is parsed before anything is sent: a request the service could only answer with a 400 teaches less
than the parser's own line and column.
"""

from __future__ import annotations

import json
from typing import Any

import ipywidgets as w

from ..deploy import LocalWebservice
from ..deploy.probe import call_endpoint, parse_json_body
from ..display.html import escape, link, message_html
from ..errors import JupyterDeployError
from ..registry import Workspace
from .common import open_workspace

DEFAULT_BODY = '{"text": "Today is a great day!"}'
_PRE = ("font-family: var(--jp-code-font-family, monospace); font-size: var(--jp-code-font-size, 12px); "
        "white-space: pre-wrap; margin: 4px 0; padding: 6px; max-height: 400px; overflow: auto; "
        "background: var(--jp-layout-color2, #f5f5f5); color: var(--jp-content-font-color1, inherit);")


class EndpointTester(w.VBox):
    """`EndpointTester(service)` with a `LocalWebservice` or the name of one in `workspace`."""

    def __init__(self, service: LocalWebservice | str, workspace: Workspace | None = None, **kwargs):
        self.service = service if isinstance(service, LocalWebservice) else LocalWebservice(open_workspace(workspace), service)
        self.body = w.Textarea(value=DEFAULT_BODY, description="JSON body",
                               layout={"width": "100%", "height": "140px"})
        self.send_button = w.Button(description="Send", button_style="primary", icon="paper-plane")
        self.response = w.HTML(value="")
        self.last_result = None
        target = w.HTML(value=f"POST {link(self.service.scoring_uri)}")
        super().__init__(children=[target, self.body, self.send_button, self.response], **kwargs)
        self.send_button.on_click(lambda _button: self.send())

    def send(self) -> None:
        """Send the body once; the answer, or why there is none, goes to `.response` (nothing is raised)."""
        try:
            body = parse_json_body(self.body.value)
        except JupyterDeployError as error:
            self.response.value = message_html(f"{error} Nothing was sent.", "error")
            return
        self.send_button.disabled = True
        self.response.value = message_html("Sending…")
        self.last_result = None
        try:
            result = call_endpoint(self.service, body, repeat=1)
        except JupyterDeployError as error:
            self.response.value = message_html(str(error), "error")
            return
        finally:
            self.send_button.disabled = False
        self.last_result = result
        if result.status is None:
            reason = next(iter(result.errors), "no answer")
            self.response.value = message_html(
                f"Service '{self.service.name}' did not answer at {self.service.scoring_uri}: {reason}; "
                f"check its state and `jupyter-deploy service logs -n {self.service.name}`.", "error")
            return
        self.response.value = response_html(result.status, result.body, result.latency_ms)


def response_html(status: int, body: Any, latency_ms: float) -> str:
    """HTTP status (green for 2xx, red otherwise), latency, and the answer — pretty-printed when it is JSON.

    `body` is what `call_endpoint` decoded: JSON values as Python objects, anything else as text.
    """
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    text = body if isinstance(body, str) else json.dumps(body, indent=2, ensure_ascii=False)
    ok = 200 <= int(status) < 300
    colour = "var(--jp-success-color1, #388e3c)" if ok else "var(--jp-error-color1, #d32f2f)"
    head = (f'<span class="jd-http-status" style="display: inline-block; padding: 1px 8px; border-radius: 10px; '
            f'font-weight: 600; color: #ffffff; background: {colour};">HTTP {escape(status)}</span> '
            f'<span style="color: var(--jp-content-font-color2, #616161);">{latency_ms:.1f} ms</span>')
    return f'<div class="jd-response">{head}<pre style="{_PRE}">{escape(text)}</pre></div>'
