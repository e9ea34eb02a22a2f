"""DeployProgress: the `progress(phase, message)` callback of `Model.deploy`, shown as widgets or as printed lines.

In a notebook a deploy shows a bar moving through the phases, the current step, and the build log folded
away in an accordion (it can be thousands of pip lines; only the last `LOG_LINES_KEPT` are kept). In a
terminal IPython or a script the same calls print one line per step and the build log as it comes.
ipywidgets is imported only in widget mode, so the plain mode works where it is not installed.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

from ..deploy.progress import PHASES, PHASE_TITLES
from ..display.cards import service_html, service_text
from ..display.html import escape

# The bar counts the phases after validation (a deploy that is still validating shows an empty bar).
BAR_PHASES = PHASES[1:]
LOG_LINES_KEPT = 2000
LOG_REFRESH_SECONDS = 0.25  # build lines arrive fast; the textarea is resent at most this often (and at each step)


def kernel_has_front_end() -> bool:
    """True inside a Jupyter kernel (where widgets can render), False in a terminal IPython or plain Python."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class DeployProgress:
    """Pass as `Model.deploy(..., progress=DeployProgress(name))`; then `.done(service)` or `.failed(message)`."""

    def __init__(self, service_name: str, widgets: bool | None = None):
        self.service_name = service_name
        self.widgets = kernel_has_front_end() if widgets is None else bool(widgets)
        self.phase: str | None = None
        self.build_lines: deque[str] = deque(maxlen=LOG_LINES_KEPT)
        self._lock = threading.Lock()
        self._log_dirty = False
        self._last_log_refresh = float("-inf")  # the first build line shows at once
        self.widget = None
        if self.widgets:
            self._make_widgets()

    def _make_widgets(self) -> None:
        import ipywidgets as w

        self.bar = w.IntProgress(value=0, min=0, max=len(BAR_PHASES), description="Waiting", bar_style="info",
                                 style={"description_width": "80px"})
        self.label = w.Label(value=f"Deploying '{self.service_name}'")
        self.build_log = w.Textarea(value="", disabled=True, layout=w.Layout(width="100%", height="260px"))
        self.log_panel = w.Accordion(children=[self.build_log], titles=("Build log",), selected_index=None)
        self.result = w.HTML(value="")
        self.widget = w.VBox([w.HBox([self.bar, self.label]), self.log_panel, self.result])

    # -- the callback ------------------------------------------------------------------------------------------
    def __call__(self, phase: str, message: str) -> None:
        with self._lock:
            if phase == "build":
                self._build_line(message)
            else:
                self._step(phase, message)

    def _build_line(self, message: str) -> None:
        line = message.rstrip("\n")
        if not self.widgets:
            print(line, flush=True)
            return
        self.build_lines.append(line)
        self._log_dirty = True
        if self.phase != "build":
            self._show_phase("build")
        if time.monotonic() - self._last_log_refresh >= LOG_REFRESH_SECONDS:
            self._refresh_log()

    def _step(self, phase: str, message: str) -> None:
        if not self.widgets:
            print(f"[{phase}] {message}", flush=True)
            self.phase = phase
            return
        self._refresh_log()
        self._show_phase(phase)
        self.label.value = message

    def _show_phase(self, phase: str) -> None:
        """The bar never moves back: deploy reports 'image' again once the build is over."""
        self.phase = phase
        if phase in BAR_PHASES:
            self.bar.value = max(self.bar.value, BAR_PHASES.index(phase) + 1)
            self.bar.description = PHASE_TITLES[BAR_PHASES[self.bar.value - 1]]

    def _refresh_log(self) -> None:
        if not self._log_dirty:
            return
        self.build_log.value = "\n".join(self.build_lines)
        self.log_panel.set_title(0, f"Build log ({len(self.build_lines)} lines"
                                    f"{', the last kept' if len(self.build_lines) == LOG_LINES_KEPT else ''})")
        self._log_dirty = False
        self._last_log_refresh = time.monotonic()

    # -- the end -------------------------------------------------------------------------------------------------
    def display(self) -> None:
        if not self.widgets:
            print(f"Deploying service '{self.service_name}'", flush=True)
            return
        from IPython.display import display

        display(self.widget)

    def done(self, service: Any, show_card: bool = True) -> None:
        """The service is Healthy: full green bar and its card (or its text summary).

        `show_card=False` when the caller shows the card itself (the deploy panel does, below the form).
        """
        with self._lock:
            self.phase = "ready"
            if not self.widgets:
                print(service_text(service.serialize()) if show_card else f"[ready] {service.scoring_uri}", flush=True)
                return
            self._refresh_log()
            self.bar.value = self.bar.max
            self.bar.description = PHASE_TITLES["ready"]
            self.bar.bar_style = "success"
            self.label.value = f"'{self.service_name}' is Healthy at {service.scoring_uri}"
            self.result.value = service_html(service.serialize()) if show_card else ""

    def failed(self, message: str) -> None:
        """Red bar and the reason; the build log is unfolded when there is one, since that is where the cause is."""
        with self._lock:
            self.phase = "failed"
            if not self.widgets:
                print(f"[failed] {message}", flush=True)
                return
            self._refresh_log()
            self.bar.bar_style = "danger"
            self.bar.description = "Failed"
            self.label.value = f"Deploying '{self.service_name}' failed"
            self.result.value = (f'<pre style="white-space: pre-wrap; color: var(--jp-error-color1, #d32f2f); '
                                 f'font-family: var(--jp-code-font-family, monospace);">{escape(message)}</pre>')
            if self.build_lines:
                self.log_panel.selected_index = 0
