"""Data drift of captured inputs against a baseline: PSI and the two-sample KS statistic per feature (scipy).

PSI over the baseline's deciles (edges from the baseline, open at both ends, empty bins floored at 1e-4, as is
usual); KS from ``scipy.stats.ks_2samp``. Features are the numeric columns both frames share.
"""

from __future__ import annotations

from typing import Any

from ..errors import BaselineError, NoCollectedData

PSI_BINS = 10
PSI_FLOOR = 1e-4


def _rows_of(value: Any, feature_names: list[str] | None) -> list:
    """The input rows inside one captured body: {"data": [[...]]}, [[...]], [{...}], {...}."""
    if isinstance(value, dict) and "data" in value and len(value) <= 2:
        value = value["data"]
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        if value and isinstance(value[0], (list, tuple)):
            names = feature_names or [f"feature_{i}" for i in range(len(value[0]))]
            return [dict(zip(names, row)) for row in value]
        if value and isinstance(value[0], dict):
            return value
        if value and isinstance(value[0], (int, float)):
            names = feature_names or [f"feature_{i}" for i in range(len(value))]
            return [dict(zip(names, value))]
    return []


def feature_frame(collected, feature_names: list[str] | None = None):
    """One row per input row of the captured requests (or collector rows), one column per feature."""
    import pandas as pd

    rows = []
    for value in collected["data"]:
        rows.extend(_rows_of(value, feature_names))
    return pd.DataFrame(rows)


def load_baseline(baseline):
    import pandas as pd

    if isinstance(baseline, pd.DataFrame):
        return baseline
    try:
        return pd.read_csv(baseline)
    except (OSError, ValueError) as error:
        raise BaselineError(f"The baseline {baseline!r} is neither a DataFrame nor a readable CSV file ({error}).") from None


def psi(expected, actual, bins: int = PSI_BINS) -> float:
    import numpy as np

    expected = np.asarray(expected, dtype=float)
    actual = np.asarray(actual, dtype=float)
    edges = np.unique(np.quantile(expected, np.linspace(0, 1, bins + 1)[1:-1]))
    edges = np.concatenate([[-np.inf], edges, [np.inf]])
    e = np.histogram(expected, edges)[0] / max(len(expected), 1)
    a = np.histogram(actual, edges)[0] / max(len(actual), 1)
    e = np.clip(e, PSI_FLOOR, None)
    a = np.clip(a, PSI_FLOOR, None)
    return float(np.sum((a - e) * np.log(a / e)))


def drift_report(baseline, current):
    """A DataFrame (feature, psi, ks, ks_pvalue, baseline_mean, current_mean, rows), most drifted first."""
    import pandas as pd
    from scipy.stats import ks_2samp

    baseline = load_baseline(baseline)
    if current is None or len(current) == 0:
        raise NoCollectedData("There are no captured inputs to compare yet: deploy with collection on and send requests.")
    numeric = [c for c in baseline.columns if c in current.columns and pd.api.types.is_numeric_dtype(baseline[c])]
    if not numeric:
        raise BaselineError("The baseline and the captured inputs share no numeric feature; check the column names.")
    rows = []
    for column in numeric:
        expected = baseline[column].dropna().astype(float)
        actual = pd.to_numeric(current[column], errors="coerce").dropna()
        if len(expected) == 0 or len(actual) == 0:
            continue
        ks = ks_2samp(expected, actual)
        rows.append({"feature": column, "psi": psi(expected, actual), "ks": float(ks.statistic),
                     "ks_pvalue": float(ks.pvalue), "baseline_mean": float(expected.mean()),
                     "current_mean": float(actual.mean()), "rows": int(len(actual))})
    return pd.DataFrame(rows).sort_values(["psi", "ks"], ascending=False).reset_index(drop=True)
