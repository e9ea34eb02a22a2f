"""What model files need, read from the bytes: pickle opcodes (never unpickled), scikit-learn and Keras versions."""

import io
import json
import pickle
import sys
import zipfile

import pytest

from jupyter_deploy.environment.model_files import file_needs, model_folder_needs, pickle_needs, script_needs


@pytest.fixture
def fake_module(tmp_path, monkeypatch):
    """A module only this test has: a pickle of its class names it, and scanning must never import it."""
    package = tmp_path / "pkgs" / "fake_tf_keras"
    (package / "text").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "text" / "__init__.py").write_text(
        "class Tokenizer:\n    def __init__(self):\n        self.word_index = {'hi': 1}\n")
    monkeypatch.syspath_prepend(str(tmp_path / "pkgs"))
    import fake_tf_keras.text as module
    yield module
    for name in [n for n in sys.modules if n.startswith("fake_tf_keras")]:
        del sys.modules[name]


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_pickle_names_the_module_of_its_class_at_every_protocol(fake_module, tmp_path, protocol):
    path = tmp_path / "tokenizer.pkl"
    path.write_bytes(pickle.dumps(fake_module.Tokenizer(), protocol=protocol))
    for name in [n for n in sys.modules if n.startswith("fake_tf_keras")]:
        del sys.modules[name]
    needs = file_needs(path, "models/tokenizer.pkl")
    assert [n.module for n in needs.modules] == ["fake_tf_keras.text"]
    assert needs.modules[0].source == "models/tokenizer.pkl"
    assert "fake_tf_keras" not in sys.modules  # read, not loaded


def test_scanning_never_runs_the_pickle(tmp_path):
    # Unpickling this would call os.system; reading its opcodes must not.
    marker = tmp_path / "ran"
    payload = b"cos\nsystem\n(V" + f"touch {marker}".encode() + b"\ntR."
    path = tmp_path / "evil.pkl"
    path.write_bytes(payload)
    needs = file_needs(path, "evil.pkl")
    assert not marker.exists()
    assert needs.modules == []  # os is the standard library: nothing to install


def test_sklearn_version_recorded_in_an_estimator_pickle(tmp_path):
    sklearn = pytest.importorskip("sklearn")
    from sklearn.preprocessing import LabelEncoder

    path = tmp_path / "encoder.pkl"
    path.write_bytes(pickle.dumps(LabelEncoder().fit(["a", "b"])))
    needs = file_needs(path, "encoder.pkl")
    assert any(n.module.startswith("sklearn.") for n in needs.modules)
    assert [(v.distribution, v.version) for v in needs.versions] == [("scikit-learn", sklearn.__version__)]


@pytest.mark.parametrize("compress", [0, 3, ("gzip", 3), ("xz", 1)])
def test_joblib_files_plain_and_compressed(tmp_path, compress):
    joblib = pytest.importorskip("joblib")
    sklearn = pytest.importorskip("sklearn")
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    path = tmp_path / "model.joblib"
    joblib.dump(LogisticRegression().fit(np.arange(20.0).reshape(10, 2), [0, 1] * 5), path, compress=compress)
    needs = file_needs(path, "model.joblib")
    modules = {n.top_level for n in needs.modules}
    assert {"sklearn", "numpy"} <= modules
    assert ("scikit-learn", sklearn.__version__) in [(v.distribution, v.version) for v in needs.versions]


def test_keras_zip_records_version_and_backend(tmp_path):
    path = tmp_path / "model.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.15.1", "backend": "jax"}))
        archive.writestr("config.json", "{}")
    needs = file_needs(path, "model.keras")
    assert [n.module for n in needs.modules] == ["jax"]
    assert [(v.distribution, v.version) for v in needs.versions] == [("keras", "3.15.1")]


def test_a_folder_is_labelled_by_paths_inside_the_version_folder(fake_module, tmp_path):
    version = tmp_path / "version"
    (version / "models").mkdir(parents=True)
    (version / "models" / "tokenizer.pkl").write_bytes(pickle.dumps(fake_module.Tokenizer()))
    (version / "models" / "weights.bin").write_bytes(b"\x00" * 64)  # not a pickle: ignored
    needs = model_folder_needs(version)
    assert [(n.source, n.top_level) for n in needs.modules] == [("models/tokenizer.pkl", "fake_tf_keras")]


def test_script_imports_skip_stdlib_and_helpers(tmp_path):
    (tmp_path / "helpers.py").write_text("")
    script = tmp_path / "score.py"
    script.write_text("import os, json\nimport helpers\nfrom gensim.models import Word2Vec\n"
                      "def init():\n    import tf_keras\n")
    assert [n.module for n in script_needs(script).modules] == ["gensim", "tf_keras"]


def test_garbage_with_a_pickle_suffix_is_no_error(tmp_path):
    path = tmp_path / "broken.pkl"
    path.write_bytes(b"\x80\x04not really")
    assert file_needs(path, "broken.pkl").modules == []


def test_from_kernel_also_pins_what_the_model_files_need(tmp_path):
    sklearn = pytest.importorskip("sklearn")
    from types import SimpleNamespace

    from sklearn.preprocessing import LabelEncoder

    from jupyter_deploy import Environment

    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "encoder.pkl").write_bytes(pickle.dumps(LabelEncoder().fit(["a", "b"])))
    script = tmp_path / "score.py"
    script.write_text("import json\ndef init():\n    pass\ndef run(data):\n    return data\n")
    env = Environment.from_kernel("k", entry_script=str(script), models=[SimpleNamespace(path=tmp_path / "v")])
    assert f"scikit-learn=={sklearn.__version__}" in env.pip_requirements()
