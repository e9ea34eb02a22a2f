"""Write ``models/`` for the verbatim case: the same four files as ``examples/sentiment`` (its tokenizer.pkl is a
Keras 2 Tokenizer pickled from ``tf_keras``, which Azure's unpinned myenv.yml here does not install).

Usage: ``python make_model.py TARGET_DIR``
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path


def make_verbatim_model(out_dir: "str | Path") -> Path:
    source = Path(__file__).resolve().parents[1] / "sentiment" / "make_model.py"
    spec = importlib.util.spec_from_file_location("sentiment_make_model", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_sentiment_model(out_dir)


if __name__ == "__main__":
    print(make_verbatim_model(sys.argv[1] if len(sys.argv) > 1 else "."))
