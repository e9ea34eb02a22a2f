"""The small model several deploy tests register, with its entry script on the light environment."""

from __future__ import annotations

from pathlib import Path

from jupyter_deploy import Environment, InferenceConfig, Model


def greeter_inputs(workspace, folder: Path, script: str) -> tuple[Model, InferenceConfig]:
    """Register `greeter` (models/greeting.txt = "hello") and write `script` as score.py, both under ``folder``."""
    models = folder / "models"
    models.mkdir()
    (models / "greeting.txt").write_text("hello")
    model = Model.register(workspace, model_path=models, model_name="greeter")
    source = folder / "src"
    source.mkdir()
    (source / "score.py").write_text(script)
    return model, InferenceConfig(entry_script="score.py", environment=Environment("light"), source_directory=source)
