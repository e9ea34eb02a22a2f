"""The drift picture: per feature, the baseline's and the captured distribution overlaid, titled with PSI and KS.

Plain data in (dicts of value lists, the report's rows), a matplotlib Figure out; nothing from the package.
"""

from __future__ import annotations


def drift_figure(baseline: dict, current: dict, report_rows: list[dict], max_features: int = 12):
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    rows = report_rows[:max_features]
    columns = min(3, max(1, len(rows)))
    lines = (len(rows) + columns - 1) // columns
    figure = Figure(figsize=(4 * columns, 2.8 * max(lines, 1)), layout="constrained")
    for index, row in enumerate(rows):
        axes = figure.add_subplot(lines, columns, index + 1)
        name = row["feature"]
        axes.hist(baseline[name], bins=30, density=True, alpha=0.5, label="baseline")
        axes.hist(current[name], bins=30, density=True, alpha=0.5, label="captured")
        axes.set_title(f"{name}: PSI {row['psi']:.2f}, KS {row['ks']:.2f}", fontsize=9)
        if index == 0:
            axes.legend(fontsize=8)
    return figure
