"""The example models and Azure-style entry scripts under examples/ work before any container is involved.

Each score.py is imported as a fresh module and driven the way the inference
server drives it (init(), then run(body)), with AZUREML_MODEL_DIR pointing at a
temporary layout shaped like the container's: a model's version folder for one
model (for the sentiment model, the `sentiment_project` of tests/conftest.py, whose `models/` it holds), the
azureml-models root for several.
"""

from __future__ import annotations

import importlib.util
import json
import pickle
import shutil
import uuid
from pathlib import Path

import numpy as np
import pytest

ASSETS_DIR = Path(__file__).resolve().parents[2] / "examples"
SENTIMENT_DIR = ASSETS_DIR / "sentiment"
SKLEARN_DIR = ASSETS_DIR / "sklearn_schema"
MULTI_MODEL_DIR = ASSETS_DIR / "multi_model"

POSITIVE_TEXT = "Today is a great day!"
NEGATIVE_TEXT = "This is the worst, I hate it."
MAX_MODELS_DIR_BYTES = 5 * 1024 * 1024

# score.py does float() on a 1-element array exactly like Azure's sample;
# numpy >= 2.4 refuses that, so the service environment pins numpy<2.4.
NUMPY_REJECTS_ARRAY_FLOAT = tuple(int(part) for part in np.__version__.split(".")[:2]) >= (2, 4)


def load_script(path: Path):
    """Import a file as a brand-new module, so globals set by one test's init() never leak into another's."""
    spec = importlib.util.spec_from_file_location(f"asset_{path.parent.name}_{path.stem}_{uuid.uuid4().hex}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sentiment_corpus_is_seeded_and_covers_the_test_sentences():
    make_model = load_script(SENTIMENT_DIR / "make_model.py")
    texts, labels = make_model.make_corpus(seed=0)
    assert (texts, labels) == make_model.make_corpus(seed=0)
    assert set(labels) == {"POSITIVE", "NEGATIVE", "NEUTRAL"}
    vocabulary = {word for text in texts for word in text.replace(",", " ").replace("!", " ").split()}
    assert {"great", "day", "today", "worst", "hate"} <= vocabulary


def test_sentiment_models_dir_holds_exactly_the_four_files(sentiment_project):
    models_dir = sentiment_project / "models"
    files = sorted(path.name for path in models_dir.iterdir())
    assert files == ["encoder.pkl", "model.h5", "model.w2v", "tokenizer.pkl"]
    assert sum(path.stat().st_size for path in models_dir.iterdir()) < MAX_MODELS_DIR_BYTES


def test_sentiment_model_classifies_the_two_sentences(sentiment_project):
    """The model itself, loaded the way score.py loads it, independent of the numpy float() trap."""
    import keras
    from keras.preprocessing.sequence import pad_sequences

    models_dir = sentiment_project / "models"
    model = keras.models.load_model(models_dir / "model.h5")
    with open(models_dir / "tokenizer.pkl", "rb") as handle:
        tokenizer = pickle.load(handle)
    with open(models_dir / "encoder.pkl", "rb") as handle:
        encoder = pickle.load(handle)

    x_test = pad_sequences(tokenizer.texts_to_sequences([POSITIVE_TEXT, NEGATIVE_TEXT]), maxlen=300)
    assert x_test.shape == (2, 300)
    positive_score, negative_score = model.predict(x_test, verbose=0)[:, 0]
    assert positive_score > 0.7
    assert negative_score < 0.4
    assert list(encoder.classes_) == ["NEGATIVE", "POSITIVE"]


def test_sentiment_score_script_in_process(sentiment_project, monkeypatch):
    monkeypatch.setenv("AZUREML_MODEL_DIR", str(sentiment_project))
    score = load_script(SENTIMENT_DIR / "score.py")
    score.init()

    assert score.decode_sentiment(0.9) == "POSITIVE"
    assert score.decode_sentiment(0.55) == "NEUTRAL"
    assert score.decode_sentiment(0.1) == "NEGATIVE"
    assert score.decode_sentiment(0.55, include_neutral=False) == "POSITIVE"

    positive = score.run(json.dumps({"text": POSITIVE_TEXT}))
    negative = score.run(json.dumps({"text": NEGATIVE_TEXT}))
    if NUMPY_REJECTS_ARRAY_FLOAT:
        # Host numpy >= 2.4: the sample's float(score) raises, and run() hands back
        # the error text instead of a dict — what a user sees before pinning numpy<2.4.
        for result in (positive, negative):
            assert isinstance(result, str)
            assert "only 0-dimensional arrays can be converted to Python scalars" in result
    else:
        assert positive["label"] == "POSITIVE" and positive["score"] > 0.7
        assert negative["label"] == "NEGATIVE" and negative["score"] < 0.4
        assert set(positive) == {"label", "score", "elapsed_time"}

    assert "Expecting value" in score.run("not json")


def test_sentiment_environment_pins_numpy_below_2_4():
    yaml = pytest.importorskip("yaml")
    spec = yaml.safe_load((SENTIMENT_DIR / "myenv.yml").read_text())
    pip_requirements = next(item["pip"] for item in spec["dependencies"] if isinstance(item, dict))
    assert spec["name"] == "project_environment"
    assert "numpy<2.4" in pip_requirements
    assert json.loads((SENTIMENT_DIR / "inferenceConfig.json").read_text()) == {
        "entryScript": "score.py",
        "runtime": "python",
        "condaFile": "myenv.yml",
    }
    assert json.loads((SENTIMENT_DIR / "deploymentConfig.json").read_text()) == {"computeType": "LOCAL"}


def test_sentiment_aks_config_is_azures_schema_with_room_for_the_queue():
    """The second deployment configuration: 2 replicas with key auth, and a probe that can wait behind run().

    The health check calls /ready inside the replica, where it queues behind the requests being scored; with
    Azure's 2 s timeout a replica busy with a few CPU-bound sentiment requests would be replaced (bench/results.md).
    """
    from jupyter_deploy.deploy.config_files import load_deployment_config
    from jupyter_deploy.deploy.targets.aks_config import DEFAULT_TIMEOUT_SECONDS, AksServiceDeploymentConfiguration

    config = load_deployment_config(SENTIMENT_DIR / "aksDeploymentConfig.json")
    assert isinstance(config, AksServiceDeploymentConfiguration)
    assert (config.num_replicas, config.auth_enabled, config.autoscale_enabled) == (2, True, False)
    assert (config.cpu_cores, config.memory_gb) == (1, 2)
    probe = config.probe()
    assert probe["timeoutSeconds"] >= 5 * DEFAULT_TIMEOUT_SECONDS
    assert probe["timeoutSeconds"] * probe["failureThreshold"] >= 30  # seconds of queue before a replica is replaced


def test_sklearn_schema_script_in_process(tmp_path, monkeypatch):
    pytest.importorskip("sklearn")
    pytest.importorskip("inference_schema")
    make_model = load_script(SKLEARN_DIR / "make_model.py")
    version_dir = tmp_path / "sklearn_model" / "1"
    model_path = make_model.make_sklearn_model(version_dir)
    assert model_path == version_dir / "model.pkl"

    monkeypatch.setenv("AZUREML_MODEL_DIR", str(version_dir))
    score = load_script(SKLEARN_DIR / "score.py")
    score.init()

    rows = [[1, 2, 3, 4], [0, 0, 0, 0]]
    # The server hands the JSON body's fields to run() as keyword arguments;
    # inference-schema turns "data" back into a numpy array.
    result = score.run(**json.loads(json.dumps({"data": rows})))
    assert result == pytest.approx([make_model.expected_prediction(row) for row in rows], abs=1e-3)
    assert result[0] == pytest.approx(14.5, abs=1e-3)

    # A wrongly shaped input fails in the schema decorator, before run()'s try/except.
    with pytest.raises(ValueError, match="dimension #1"):
        score.run(data=[[1, 2, 3]])

    from inference_schema.schema_util import get_input_schema, get_output_schema

    assert "data" in get_input_schema(score.run)["properties"]
    assert get_output_schema(score.run)["type"] == "array"


def test_multi_model_script_finds_the_latest_version_of_each_model(tmp_path, monkeypatch):
    sources = load_script(MULTI_MODEL_DIR / "make_model.py").make_models(tmp_path / "src")
    models_root = tmp_path / "azureml-models"
    # greeting registered twice (v1 stale, v3 current), scaler once at v2.
    for model_name, version in (("greeting", "1"), ("greeting", "3"), ("scaler", "2")):
        version_dir = models_root / model_name / version
        version_dir.mkdir(parents=True)
        shutil.copy(sources[model_name], version_dir / sources[model_name].name)
    (models_root / "greeting" / "1" / "greeting.json").write_text(json.dumps({"template": "stale {name}"}))

    monkeypatch.setenv("AZUREML_MODEL_DIR", str(models_root))
    score = load_script(MULTI_MODEL_DIR / "score.py")
    score.init()

    result = score.run(json.dumps({"name": "Ada", "values": [10, 12, 6]}))
    assert result == {"message": "Hello, Ada!", "scaled": [0.0, 1.0, -2.0]}
    assert score.run(json.dumps({"values": [1]})) == "'name'"
