"""PSI + KS per feature against a baseline, most drifted first (no Docker)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jupyter_deploy.display.drift import drift_figure
from jupyter_deploy.errors import BaselineError, NoCollectedData
from jupyter_deploy.monitor import drift_report, feature_frame


def test_shifted_feature_ranks_first_and_the_picture_has_one_panel_per_feature(tmp_path):
    rng = np.random.default_rng(0)
    baseline = pd.DataFrame({"a": rng.normal(0, 1, 500), "b": rng.normal(5, 1, 500)})
    captured = pd.DataFrame({"data": [{"data": [[x, y] for x, y in zip(rng.normal(0, 1, 50), rng.normal(7, 1, 50))]}
                                      for _ in range(4)]})
    current = feature_frame(captured, ["a", "b"])
    assert len(current) == 200
    report = drift_report(baseline, current)
    assert list(report["feature"]) == ["b", "a"]
    assert report["psi"][0] > 1 > report["psi"][1] and report["ks"][0] > 0.5
    baseline.to_csv(tmp_path / "train.csv", index=False)
    assert list(drift_report(tmp_path / "train.csv", current)["feature"]) == ["b", "a"]
    figure = drift_figure(baseline.to_dict("list"), current.to_dict("list"), report.to_dict("records"))
    assert len(figure.axes) == 2


def test_mistakes_are_one_sentence(tmp_path):
    with pytest.raises(NoCollectedData):
        drift_report(pd.DataFrame({"a": [1.0]}), pd.DataFrame())
    with pytest.raises(BaselineError):
        drift_report(pd.DataFrame({"a": [1.0]}), pd.DataFrame({"z": [1.0]}))
    with pytest.raises(BaselineError):
        drift_report(tmp_path / "missing.csv", pd.DataFrame({"z": [1.0]}))
