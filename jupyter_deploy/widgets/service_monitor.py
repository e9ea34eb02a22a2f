"""`%service_monitor NAME`: a live ipywidgets panel redrawing request rate, p50/p99 and error rate.

A daemon thread samples the service's /metrics every ``interval`` seconds for ``duration`` seconds (bounded,
so a forgotten monitor does not poll forever); ``sample()`` takes one snapshot and redraws (tests call it).
"""

from __future__ import annotations

import io
import threading

import ipywidgets as widgets

from ..display.monitor_plots import monitor_figure
from ..errors import MetricsUnavailable
from ..monitor import MetricsHistory


class ServiceMonitor(widgets.VBox):
    def __init__(self, service, interval: float = 2.0, duration: float = 300.0, fetch=None):
        self.service = service
        self.interval = interval
        self.duration = duration
        self.history = MetricsHistory()
        self._fetch = fetch or service.get_metrics
        self.status = widgets.HTML(f"<b>{service.name}</b>: waiting for the second sample…")
        self.picture = widgets.Image(format="png")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        super().__init__([self.status, self.picture])

    def sample(self) -> dict | None:
        try:
            point = self.history.add(self._fetch())
        except MetricsUnavailable as error:
            self.status.value = f"<b>{self.service.name}</b>: {error}"
            return None
        if point is not None:
            p50 = "-" if point["p50_ms"] is None else f"{point['p50_ms']:.1f}"
            p99 = "-" if point["p99_ms"] is None else f"{point['p99_ms']:.1f}"
            self.status.value = (f"<b>{self.service.name}</b>: {point['rate']:.1f} req/s, p50 {p50} ms, "
                                 f"p99 {p99} ms, errors {100 * point['error_rate']:.1f} %")
            buffer = io.BytesIO()
            monitor_figure(list(self.history.points), self.service.name).savefig(buffer, format="png", dpi=80)
            self.picture.value = buffer.getvalue()
        return point

    def start(self) -> "ServiceMonitor":
        self.sample()

        def loop() -> None:
            waited = 0.0
            while waited < self.duration and not self._stop.wait(self.interval):
                waited += self.interval
                self.sample()

        self._thread = threading.Thread(target=loop, name=f"monitor-{self.service.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
