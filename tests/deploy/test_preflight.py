"""The preflight: model files and script needs against the environment's resolved distributions, before a build."""

import pickle
import sys
import warnings
from types import SimpleNamespace

import pytest

from jupyter_deploy import Environment
from jupyter_deploy.deploy import preflight as preflight_module
from jupyter_deploy.deploy.preflight import preflight
from jupyter_deploy.errors import DeployWarning, ModelDependencyMissing
from jupyter_deploy.image.resolved import ResolvedDistribution

EXAMPLE = __import__("pathlib").Path(__file__).resolve().parents[2] / "examples" / "azure_verbatim"


def _distributions(monkeypatch, *pairs):
    found = [ResolvedDistribution(name, version, None) for name, version in pairs]
    monkeypatch.setattr(preflight_module, "resolved_distributions", lambda requirements, on_log=None: found)


@pytest.fixture
def version_folder(tmp_path):
    """A registered version folder with a pickle that names tf_keras (bytes written by hand: no TensorFlow)."""
    folder = tmp_path / "version"
    (folder / "models").mkdir(parents=True)
    (folder / "models" / "tokenizer.pkl").write_bytes(
        b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00\x8c\x1ftf_keras.src.preprocessing.text\x94\x8c\tTokenizer"
        b"\x94\x93\x94)\x81\x94}\x94b.")
    (folder / "models" / "encoder.pkl").write_bytes(
        b"\x80\x04\x8c\x1esklearn.preprocessing._label\x94\x8c\x0cLabelEncoder\x94\x93\x94)\x81\x94}\x94"
        b"\x8c\x10_sklearn_version\x94\x8c\x051.9.1\x94sb.")
    return SimpleNamespace(path=folder)


def test_a_module_nothing_installs_is_one_sentence(monkeypatch, version_folder, tmp_path):
    _distributions(monkeypatch, ("tensorflow", "2.21.0"), ("keras", "3.15.1"), ("scikit-learn", "1.9.1"),
                   ("numpy", "2.3.0"), ("gensim", "4.4.0"))
    script = tmp_path / "score.py"
    script.write_text("import json\nfrom keras.models import load_model\n")
    with pytest.raises(ModelDependencyMissing) as raised:
        preflight(Environment("e"), [version_folder], script)
    assert str(raised.value) == "models/tokenizer.pkl needs the module tf_keras; add tf-keras to the environment."


def test_the_script_imports_count_too(monkeypatch, tmp_path):
    _distributions(monkeypatch, ("numpy", "2.3.0"))
    script = tmp_path / "score.py"
    script.write_text("import numpy\nimport cv2\n")
    with pytest.raises(ModelDependencyMissing, match=r"^score.py needs the module cv2; add opencv-python to the environment\.$"):
        preflight(Environment("e"), [], script)


def test_a_version_skew_is_a_warning_naming_both(monkeypatch, version_folder):
    _distributions(monkeypatch, ("tf-keras", "2.21.0"), ("scikit-learn", "1.6.1"))
    with pytest.warns(DeployWarning, match=r"models/encoder.pkl was saved with scikit-learn 1.9.1, but the environment "
                                           r"installs scikit-learn 1.6.1"):
        report = preflight(Environment("e"), [version_folder])
    assert "all installed" in report.summary()


def test_matching_versions_say_nothing(monkeypatch, version_folder):
    _distributions(monkeypatch, ("tf-keras", "2.21.0"), ("scikit-learn", "1.9.1"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        preflight(Environment("e"), [version_folder])


def test_the_verbatim_environment_resolves_without_tf_keras_in_seconds(version_folder):
    """The real resolution (uv, the host's pip configuration): Azure's myenv.yml installs no tf_keras."""
    env = Environment.from_conda_specification("verbatim", str(EXAMPLE / "myenv.yml"))
    with pytest.raises(ModelDependencyMissing, match="models/tokenizer.pkl needs the module tf_keras; add tf-keras"):
        preflight(env, [version_folder], EXAMPLE / "score.py")
    env.python.conda_dependencies.add_pip_package("tf-keras")
    preflight(env, [version_folder], EXAMPLE / "score.py")
