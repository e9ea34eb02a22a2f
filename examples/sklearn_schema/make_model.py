"""Train the tiny scikit-learn regression the inference-schema example serves.

Azure's classic sample registers a single ``sklearn_regression_model.pkl``; this is
the same shape (one joblib file, registered on its own) trained on generated data
with known coefficients, so a test can check the prediction by arithmetic.

Usage: ``python make_model.py TARGET_DIR``  ->  ``TARGET_DIR/model.pkl``
"""

from __future__ import annotations

import sys
from pathlib import Path

# y = X @ COEFFICIENTS + INTERCEPT (noise-free), so [[1, 2, 3, 4]] predicts 14.5.
COEFFICIENTS = (3.0, -2.0, 0.5, 1.0)
INTERCEPT = 10.0
N_SAMPLES = 200


def expected_prediction(row) -> float:
    """What the trained model should answer for one input row (the generating formula)."""
    return sum(c * x for c, x in zip(COEFFICIENTS, row)) + INTERCEPT


def make_sklearn_model(out_dir: str | Path, seed: int = 0) -> Path:
    """Fit a Ridge regression on seeded synthetic data and write ``<out_dir>/model.pkl``; returns that file."""
    import joblib
    import numpy as np
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(seed)
    features = rng.uniform(-10.0, 10.0, size=(N_SAMPLES, len(COEFFICIENTS)))
    targets = features @ np.array(COEFFICIENTS) + INTERCEPT
    # A tiny alpha keeps the fit within ~1e-3 of the formula while staying a Ridge.
    model = Ridge(alpha=1e-3).fit(features, targets)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path = out_dir / "model.pkl"
    joblib.dump(model, model_path)
    return model_path


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python make_model.py TARGET_DIR")
    print(make_sklearn_model(sys.argv[1]))
