"""Write the two tiny "models" the multi-model example serves together.

They are plain JSON so the service needs nothing beyond the standard library:
``greeting.json`` holds a message template, ``scaler.json`` a standardisation
(mean, scale). Each is registered as its own model, named ``greeting`` and ``scaler``.

Usage: ``python make_model.py TARGET_DIR``  ->  ``TARGET_DIR/{greeting.json,scaler.json}``
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

GREETING = {"template": "Hello, {name}!"}
SCALER = {"mean": 10.0, "scale": 2.0}


def make_models(out_dir: str | Path) -> dict[str, Path]:
    """Write both model files into ``out_dir``; returns {model name: file path} ready to register."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"greeting": out_dir / "greeting.json", "scaler": out_dir / "scaler.json"}
    paths["greeting"].write_text(json.dumps(GREETING, indent=2) + "\n")
    paths["scaler"].write_text(json.dumps(SCALER, indent=2) + "\n")
    return paths


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python make_model.py TARGET_DIR")
    for name, path in make_models(sys.argv[1]).items():
        print(name, path)
