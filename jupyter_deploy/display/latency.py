"""Pictures of latency: an inline SVG histogram with percentile markers, and the card of an endpoint test.

Inline SVG, so no plotting library is needed in the kernel and the picture survives in a saved notebook.
"""

from __future__ import annotations

import html
from typing import Any

HISTOGRAM_BINS = 20


def latency_histogram_svg(latencies_ms: list[float], markers: list[float | None], width: int = 480, height: int = 160) -> str:
    """An inline SVG histogram with p50/p90/p99 lines, so no plotting library is needed."""
    low, high = min(latencies_ms), max(latencies_ms)
    span = (high - low) or 1.0
    counts = [0] * HISTOGRAM_BINS
    for value in latencies_ms:
        counts[min(int((value - low) / span * HISTOGRAM_BINS), HISTOGRAM_BINS - 1)] += 1
    top, left, bottom = 10, 40, 30
    plot_w, plot_h = width - left - 10, height - top - bottom
    bar_w = plot_w / HISTOGRAM_BINS
    tallest = max(counts)
    shapes = []
    for index, count in enumerate(counts):
        bar_h = plot_h * count / tallest
        shapes.append(
            f"<rect x='{left + index * bar_w:.1f}' y='{top + plot_h - bar_h:.1f}' width='{max(bar_w - 1, 1):.1f}' "
            f"height='{bar_h:.1f}' fill='#5c8dd6'><title>{count} requests</title></rect>"
        )
    for label, value, colour in zip(("p50", "p90", "p99"), markers, ("#2e7d32", "#ef6c00", "#c62828")):
        if value is None:
            continue
        x = left + (value - low) / span * plot_w
        shapes.append(f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{top}' y2='{top + plot_h}' stroke='{colour}' stroke-dasharray='3,2'/>")
        shapes.append(f"<text x='{x + 2:.1f}' y='{top + 10}' font-size='10' fill='{colour}'>{label}</text>")
    axis_y = top + plot_h
    shapes.append(f"<line x1='{left}' x2='{left + plot_w}' y1='{axis_y}' y2='{axis_y}' stroke='#555'/>")
    shapes.append(f"<text x='{left}' y='{axis_y + 14}' font-size='10'>{low:.1f} ms</text>")
    shapes.append(f"<text x='{left + plot_w}' y='{axis_y + 14}' font-size='10' text-anchor='end'>{high:.1f} ms</text>")
    shapes.append(f"<text x='{left + plot_w / 2}' y='{axis_y + 26}' font-size='10' text-anchor='middle'>latency</text>")
    shapes.append(f"<text x='{left - 4}' y='{top + 8}' font-size='10' text-anchor='end'>{tallest}</text>")
    return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
            f"role='img' aria-label='latency histogram'>" + "".join(shapes) + "</svg>")


def endpoint_test_html(result: Any) -> str:
    """An endpoint test (`deploy.probe.EndpointTestResult`): status, body, and with a burst its percentiles."""
    colour = "#2e7d32" if result.status is not None and result.status < 400 else "#c62828"
    parts = [
        f"<div><b style='color:{colour}'>{html.escape(result.status_text())}</b> "
        f"<code>{html.escape(result.url)}</code></div>"
    ]
    if result.status is not None:
        parts.append(f"<pre style='max-height:24em;overflow:auto'>{html.escape(result.body_text())}</pre>")
    if result.repeat > 1:
        parts.append("<div>" + "<br>".join(html.escape(line) for line in result.summary_lines()) + "</div>")
        if len(result.latencies_ms) > 1:
            parts.append(latency_histogram_svg(result.latencies_ms, [result.percentile(p) for p in (50, 90, 99)]))
    elif result.status is None:
        parts.append("<div>" + "<br>".join(html.escape(m) for m in result.errors) + "</div>")
    return "\n".join(parts)
