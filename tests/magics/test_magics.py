"""The notebook magics in a real IPython shell, without Docker: what they make, and how they refuse mistakes.

Every refusal must be one sentence on stderr with no traceback, and leave nothing behind (no model version,
no written script).
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from jupyter_deploy import Model
from jupyter_deploy.registry.savers import register_saver, unregister_saver
from jupyter_deploy.registry import Workspace
from jupyter_deploy.environment import get_environment

SCORE = """
import json, os

def init():
    global greeting
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "greeting.txt")) as handle:
        greeting = handle.read().strip()

def run(data):
    return {"greeting": greeting, "name": json.loads(data)["name"]}
"""


def run(nb, code: str):
    """Run a cell and return its value (`_` style) after checking that nothing raised."""
    result = nb.shell.run_cell(code)
    assert result.error_in_exec is None and result.error_before_exec is None
    return result.result


def refused(nb, capsys, code: str) -> str:
    """Run a cell that must be refused: one paragraph on stderr, no traceback, the magic returned None."""
    capsys.readouterr()
    result = nb.shell.run_cell(code)
    captured = capsys.readouterr()
    assert result.error_in_exec is None, result.error_in_exec
    assert result.result is None
    assert nb.tracebacks == []
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    message = captured.err.strip()
    assert message and "\n\n" not in message
    return message


def versions(nb, name: str) -> list[int]:
    return [m.version for m in Model.list(nb.workspace, name=name)]


# -- %register_model ---------------------------------------------------------------------------------------------
def test_register_files_and_folder_returns_the_model(nb):
    (nb.folder / "weights.bin").write_bytes(b"\x00\x01")
    (nb.folder / "extra").mkdir()
    (nb.folder / "extra" / "vocab.txt").write_text("a b")
    model = run(nb, 'm = %register_model files weights.bin extra -d "two things" --tag area=nlp --property source=test\nm')
    assert model.id == "files:1"
    assert nb.shell.user_ns["m"] == model
    assert sorted(f["path"] for f in model.files) == ["extra/vocab.txt", "weights.bin"]
    assert model.description == "two things"
    assert model.tags == {"area": "nlp"} and model.properties == {"source": "test"}


def test_register_numpy_sklearn_and_dir(nb):
    run(nb, "import numpy as np\nfrom sklearn.linear_model import LogisticRegression\n"
            "arr = np.arange(6).reshape(2, 3)\n"
            "clf = LogisticRegression().fit([[0], [1], [2], [3]], [0, 0, 1, 1])")
    model = run(nb, "%register_model mixed --dir models arr clf weights.npy=arr")
    paths = sorted(f["path"] for f in model.files)
    assert paths == ["models/array.npy", "models/model.pkl", "models/weights.npy"]
    assert np.array_equal(np.load(model.path / "models" / "weights.npy"), np.arange(6).reshape(2, 3))
    with open(model.path / "models" / "model.pkl", "rb") as handle:  # plain pickle: Azure scripts use pickle.load
        assert pickle.load(handle).predict([[3]])[0] == 1
    assert model.model_framework == "Numpy" and model.model_framework_version == np.__version__
    assert "ScikitLearn" in model.properties["frameworks"] and "Numpy" in model.properties["frameworks"]


def test_register_the_sentiment_shape_from_live_objects(nb):
    """keras + gensim + a tokenizer + a label encoder, saved by their own savers, loadable as score.py loads them."""
    run(nb, """
import keras
from gensim.models import Word2Vec
from sklearn.preprocessing import LabelEncoder
model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
w2v_model = Word2Vec([["good", "day"], ["bad", "day"]], vector_size=4, min_count=1, workers=1)
tokenizer = {"good": 1, "bad": 2, "day": 3}
encoder = LabelEncoder().fit(["NEGATIVE", "POSITIVE"])
""")
    model = run(nb, "%register_model sentiment --dir models model.h5=model model.w2v=w2v_model "
                    "tokenizer.pkl=tokenizer encoder.pkl=encoder")
    folder = model.path / "models"
    assert {"model.h5", "model.w2v", "tokenizer.pkl", "encoder.pkl"} <= {p.name for p in folder.iterdir()}
    import keras
    from gensim.models import Word2Vec

    assert keras.models.load_model(folder / "model.h5").input_shape == (None, 3)
    assert Word2Vec.load(str(folder / "model.w2v")).wv.vector_size == 4
    with open(folder / "encoder.pkl", "rb") as handle:
        assert list(pickle.load(handle).classes_) == ["NEGATIVE", "POSITIVE"]
    assert model.model_framework == "Keras" and model.model_framework_version == keras.__version__
    assert "Gensim" in model.properties["frameworks"]


def test_register_a_bare_keras_model_and_a_bare_word2vec_use_default_names(nb):
    run(nb, "import keras\nfrom gensim.models import Word2Vec\n"
            "net = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\n"
            "w2v = Word2Vec([['a', 'b']], vector_size=3, min_count=1, workers=1)")
    model = run(nb, "%register_model defaults net w2v")
    assert sorted(f["path"] for f in model.files) == ["model.keras", "w2v.model"]


def test_register_a_custom_class_through_register_saver(nb):
    run(nb, "class Rules:\n    def __init__(self, words): self.words = words\n"
            "class StrictRules(Rules):\n    pass\n"
            "rules = StrictRules(['a', 'b'])")
    namespace = nb.shell.user_ns

    def save_rules(obj, path):
        Path(path).write_text("\n".join(obj.words))

    def save_any(obj, path):
        Path(path).write_text("generic")

    register_saver(namespace["Rules"], save_any, ".txt")
    register_saver(namespace["StrictRules"], save_rules, "rules")
    try:
        model = run(nb, "%register_model rules rules")
    finally:
        unregister_saver(namespace["Rules"])
        unregister_saver(namespace["StrictRules"])
    assert [f["path"] for f in model.files] == ["model.rules"]
    assert (model.path / "model.rules").read_text() == "a\nb"
    assert model.model_framework == "Custom"


def test_unknown_variable_is_refused_with_a_suggestion(nb, capsys):
    run(nb, "classifier = 1")
    message = refused(nb, capsys, "%register_model m model.pkl=clasifier")
    assert "no variable 'clasifier'" in message and "did you mean 'classifier'" in message
    message = refused(nb, capsys, "%register_model m nothing_here")
    assert "neither a file or folder" in message
    assert versions(nb, "m") == []


def test_unsupported_object_is_refused_and_no_version_is_left(nb, capsys):
    run(nb, "import numpy as np, os\narr = np.zeros(3)")
    message = refused(nb, capsys, "%register_model m arr mod.pkl=os")
    assert "Cannot save the variable 'os'" in message
    assert "register_saver" in message and "Keras" in message and "numpy" in message
    assert versions(nb, "m") == []
    assert list(nb.workspace.staging_dir.iterdir()) == []


def test_unpicklable_object_is_refused(nb, capsys):
    run(nb, "handlers = [lambda x: x]")
    message = refused(nb, capsys, "%register_model m handlers")
    assert "cannot be pickled" in message and "register_saver" in message
    assert versions(nb, "m") == []


def test_two_objects_with_one_default_name_are_refused(nb, capsys):
    run(nb, "a = [1]\nb = [2]")
    message = refused(nb, capsys, "%register_model m a b")
    assert "would both be saved as model.pkl" in message


def test_bad_tag_and_bad_dir_are_refused(nb, capsys):
    (nb.folder / "f.txt").write_text("x")
    assert "--tag takes KEY=VALUE" in refused(nb, capsys, "%register_model m f.txt --tag oops")
    assert "relative path" in refused(nb, capsys, "%register_model m f.txt --dir ../up")
    assert versions(nb, "m") == []


# -- %%score_script ---------------------------------------------------------------------------------------------
def test_score_script_writes_the_file_and_deploy_remembers_it(nb):
    run(nb, f"%%score_script\n{SCORE}")
    assert (nb.folder / "score.py").read_text().strip() == SCORE.strip()
    magics = nb.shell.magics_manager.registry["ScriptMagics"].session
    assert magics.last_script == nb.folder / "score.py"
    run(nb, f"%%score_script sub/other.py\n{SCORE}")
    assert (nb.folder / "sub" / "other.py").is_file() and magics.last_script == nb.folder / "sub" / "other.py"


def test_score_script_without_run_is_refused_and_not_written(nb, capsys):
    message = refused(nb, capsys, "%%score_script\nimport os\n\ndef init():\n    pass\n")
    assert "no run() function" in message
    message = refused(nb, capsys, "%%score_script broken.py\ndef init(:\n    pass\n")
    assert "broken.py, line 1" in message
    assert not (nb.folder / "score.py").exists() and not (nb.folder / "broken.py").exists()


def test_score_script_dry_run_against_a_registered_model(nb):
    (nb.folder / "greeting.txt").write_text("hello")
    run(nb, "%register_model greeter greeting.txt")
    result = run(nb, f"%%score_script --dry-run greeter:1 --sample '{{\"name\": \"Ada\"}}'\n{SCORE}")
    assert result.ok and result.status == 200
    assert result.body == {"greeting": "hello", "name": "Ada"}
    assert result.init_seconds is not None and result.run_ms is not None
    assert "HTTP 200" in repr(result) and "Ada" in result._repr_html_()
    assert (nb.folder / "score.py").is_file()
    assert Path.cwd() == nb.folder


def test_failing_dry_run_shows_the_script_traceback_and_writes_nothing(nb, capsys):
    (nb.folder / "greeting.txt").write_text("hello")
    run(nb, "%register_model greeter greeting.txt")
    capsys.readouterr()
    result = run(nb, "%%score_script --dry-run greeter --sample '{\"name\": 1}'\n"
                     "def init():\n    pass\n\ndef run(data):\n    raise ValueError('bad input here')\n")
    assert not result.ok and result.status == 500
    assert "ValueError: bad input here" in result.error and 'File "score.py"' in result.error
    assert "jupyter_deploy/runtime" not in result.error
    assert "was not written" in capsys.readouterr().err
    assert not (nb.folder / "score.py").exists()


def test_sample_without_dry_run_and_unknown_dry_run_model_are_refused(nb, capsys):
    assert "--sample" in refused(nb, capsys, f"%%score_script --sample '{{}}'\n{SCORE}")
    assert "No model named 'ghost'" in refused(nb, capsys, f"%%score_script --dry-run ghost\n{SCORE}")
    assert not (nb.folder / "score.py").exists()


# -- %%environment ---------------------------------------------------------------------------------------------
def test_environment_from_conda_yaml_is_remembered_and_stored(nb):
    env = run(nb, "%%environment myenv\nname: project_environment\ndependencies:\n  - python=3.11\n"
                  "  - pip:\n      - azureml-defaults\n      - pyyaml==6.0.2\n")
    assert env.name == "myenv" and env.pip_requirements() == ["pyyaml==6.0.2"]
    assert get_environment(nb.workspace, "myenv").pip_requirements() == ["pyyaml==6.0.2"]
    assert nb.shell.magics_manager.registry["ScriptMagics"].session.last_environment is env


def test_environment_from_requirements_lines_and_reload_by_name(nb, capsys):
    env = run(nb, "%%environment light\n# comment\nsix==1.16.0\n")
    assert env.pip_requirements() == ["six==1.16.0"]
    assert "six==1.16.0" in capsys.readouterr().out  # the resolved pip list is shown
    assert run(nb, "%%environment other\n# only the runtime\n").pip_requirements() == []
    reloaded = run(nb, "%environment light")
    assert reloaded.pip_requirements() == ["six==1.16.0"]
    assert nb.shell.magics_manager.registry["ScriptMagics"].session.last_environment.name == "light"


def test_environment_capture_pins_the_script_imports(nb):
    run(nb, "%%score_script\nimport numpy\n\ndef init():\n    pass\n\ndef run(data):\n    return numpy.ones(1).tolist()\n")
    env = run(nb, "%environment captured --capture")
    assert env.pip_requirements() == [f"numpy=={np.__version__}"]
    assert get_environment(nb.workspace, "captured").pip_requirements() == env.pip_requirements()


def test_environment_mistakes_are_refused(nb, capsys):
    assert "not valid YAML at line" in refused(nb, capsys, "%%environment bad\nname: x\ndependencies:\n  - [oops\n")
    assert "No environment named 'ghost'" in refused(nb, capsys, "%environment ghost")
    assert "needs the entry script" in refused(nb, capsys, "%environment cap --capture")
    assert "editable" in refused(nb, capsys, "%%environment ed\n-e ./pkg\n")


# -- %models, %deploy / service mistakes (no Docker reached) ---------------------------------------------------
def test_models_lists_and_refuses_an_unknown_name(nb, capsys):
    (nb.folder / "a.txt").write_text("a")
    run(nb, "%register_model alpha a.txt")
    run(nb, "%register_model alpha a.txt")
    listed = run(nb, "%models")
    assert [m.id for m in listed] == ["alpha:2", "alpha:1"]
    assert "alpha:2" in listed._repr_html_()
    assert [m.id for m in run(nb, "%models alpha")] == ["alpha:2", "alpha:1"]
    assert "No model named 'beta'" in refused(nb, capsys, "%models beta")


def test_deploy_refuses_missing_script_and_unknown_model(nb, capsys):
    assert "No entry script" in refused(nb, capsys, "%deploy mysvc -m alpha")
    run(nb, f"%%score_script\n{SCORE}")
    assert "No model named 'ghost'" in refused(nb, capsys, "%deploy mysvc -m ghost:1")
    assert "Invalid service name" in refused(nb, capsys, "%deploy My_Service")
    assert "ports below 1024 are privileged" in refused(nb, capsys, "%deploy mysvc -m alpha --port 80")


def test_unusable_workspace_and_corrupt_catalogue_are_one_sentence(nb, capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert "is a file, not a folder" in refused(nb, capsys, f"%models -w {blocker}")
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "catalogue.sqlite").write_bytes(b"not a database" * 200)
    assert "is damaged" in refused(nb, capsys, f"%models -w {damaged}")


def test_unknown_service_is_refused_by_every_service_magic(nb, capsys):
    for code in ("%service_logs ghost", "%reload ghost", "%undeploy ghost", "%%test_endpoint ghost\n{}"):
        assert "No service named 'ghost'" in refused(nb, capsys, code)


def test_invalid_json_body_names_line_and_column(nb, capsys):
    message = refused(nb, capsys, '%%test_endpoint ghost\n{\n  "text": hi\n}')
    assert "not valid JSON" in message and "line 2, column 11" in message


def test_services_is_empty_without_deployments(nb):
    listed = run(nb, "%services")
    assert listed == [] and "No services deployed" in listed._repr_html_()


def test_workspace_can_be_switched(nb, tmp_path):
    (nb.folder / "a.txt").write_text("a")
    other = tmp_path / "elsewhere"
    assert run(nb, f"%deploy_workspace {other}").path == other.resolve()
    run(nb, "%register_model alpha a.txt")
    assert [m.id for m in Model.list(Workspace(other))] == ["alpha:1"]
    assert Model.list(nb.workspace) == []
    run(nb, f"%register_model beta a.txt -w {nb.workspace.path}")
    assert [m.id for m in Model.list(nb.workspace)] == ["beta:1"]


@pytest.mark.parametrize("magic, kind", [
    ("deploy_workspace", "line"), ("register_model", "line"), ("score_script", "cell"), ("environment", "line"),
    ("deploy", "line"), ("test_endpoint", "cell"), ("services", "line"), ("service_logs", "line"),
    ("reload", "line"), ("undeploy", "line"), ("models", "line"),
])
def test_every_magic_has_help(nb, capsys, magic, kind):
    capsys.readouterr()
    code = f"%{magic} --help" if kind == "line" else f"%%{magic} --help\n{{}}"
    assert run(nb, code) is None
    out = capsys.readouterr().out
    assert f"  %{magic}" in out and ("arguments:" in out or "options:" in out)
    if magic != "deploy_workspace":
        assert "-w PATH, --workspace PATH" in out
    assert not (nb.folder / "score.py").exists()


def test_unbalanced_quote_is_a_usage_message(nb, capsys):
    message = refused(nb, capsys, "%register_model m -d 'open")
    assert message.startswith("%register_model:") and "Usage:" in message


def test_load_ext_registers_the_magics(nb):
    shell = nb.shell
    shell.run_line_magic("load_ext", "jupyter_deploy")
    for name in ("register_model", "deploy", "models", "services"):
        assert name in shell.magics_manager.magics["line"]
    for name in ("score_script", "test_endpoint", "environment"):
        assert name in shell.magics_manager.magics["cell"]
