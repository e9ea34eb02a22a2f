"""The live monitor's picture: request rate, p50/p99 latency and error rate over time (plain lists in)."""

from __future__ import annotations


def monitor_figure(points: list[dict], title: str):
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 2.6), layout="constrained")
    start = points[0]["time"] if points else 0.0
    seconds = [p["time"] - start for p in points]
    rate, latency, errors = (figure.add_subplot(1, 3, i) for i in (1, 2, 3))
    rate.plot(seconds, [p["rate"] for p in points])
    rate.set_title(f"{title}: requests/s", fontsize=9)
    latency.plot(seconds, [p["p50_ms"] for p in points], label="p50")
    latency.plot(seconds, [p["p99_ms"] for p in points], label="p99")
    latency.set_title("latency (ms)", fontsize=9)
    latency.legend(fontsize=8)
    errors.plot(seconds, [100 * p["error_rate"] for p in points], color="tab:red")
    errors.set_title("errors (%)", fontsize=9)
    for axes in (rate, latency, errors):
        axes.set_xlabel("s", fontsize=8)
    return figure
