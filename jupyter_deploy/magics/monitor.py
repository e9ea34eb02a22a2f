"""`%service_monitor` (live request rate, latency and errors) and `%drift` (captured inputs against a baseline)."""

from __future__ import annotations

import io

from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..display.drift import drift_figure
from ..errors import UnknownVariable
from ..monitor import drift_report, feature_frame
from ..monitor.drift import load_baseline
from ..widgets.service_monitor import ServiceMonitor
from .arguments import parse_magic_line, user_errors, workspace_option
from .session import SessionMagics


@magics_class
class MonitorMagics(SessionMagics):
    """Watching deployed services."""

    @magic_arguments()
    @argument("service", help="the service name")
    @argument("--interval", type=float, default=2.0, metavar="S", help="seconds between samples (default 2)")
    @argument("--duration", type=float, default=300.0, metavar="S", help="stop sampling after S seconds (default 300)")
    @workspace_option
    @line_magic
    @user_errors
    def service_monitor(self, line):
        """A live panel: request rate, p50/p99 latency and error rate of the service, from its /metrics."""
        args = parse_magic_line(self.service_monitor, line)
        return ServiceMonitor(self.session.service(args), interval=args.interval, duration=args.duration).start()

    @magic_arguments()
    @argument("service", help="the service name")
    @argument("--baseline", required=True, metavar="FILE_OR_VARIABLE", help="a CSV file or a DataFrame variable of training inputs")
    @argument("--designation", default="request", help="which captured rows hold the inputs (default: request)")
    @argument("--since", help="only rows newer than this: 30s, 15m, 1h, 2d or an ISO time")
    @workspace_option
    @line_magic
    @user_errors
    def drift(self, line):
        """Per feature, the captured inputs against the baseline: PSI and KS (scipy), most drifted first, as plots."""
        args = parse_magic_line(self.drift, line)
        service = self.session.service(args)
        baseline = self.shell.user_ns.get(args.baseline, args.baseline)
        if isinstance(baseline, str) and baseline.isidentifier() and not baseline.endswith(".csv"):
            raise UnknownVariable(f"No variable named '{baseline}' in the notebook, and it is not a .csv file.")
        collected = service.get_collected_data(designation=args.designation, since=args.since)
        base = load_baseline(baseline)
        current = feature_frame(collected, [str(c) for c in base.columns])
        report = drift_report(base, current)
        figure = drift_figure({c: list(base[c].dropna()) for c in report["feature"]},
                              {c: list(current[c].dropna()) for c in report["feature"]}, report.to_dict("records"))
        from IPython.display import Image, display

        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=80)
        display(report)
        display(Image(buffer.getvalue()))
        return None
