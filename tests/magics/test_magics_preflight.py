"""`%%score_script --dry-run` runs the deploy's preflight against the last `%environment`, and
`%environment --capture -m MODEL` pins what the model's files need."""

import pickle

from jupyter_deploy import Model

# A pickle naming tf_keras, written by hand (no TensorFlow needed): what a Keras 2 Tokenizer pickle names.
TF_KERAS_PICKLE = (b"\x80\x04\x8c\x1ftf_keras.src.preprocessing.text\x94\x8c\tTokenizer\x94\x93\x94)\x81\x94}\x94b.")

SCRIPT = """import json, os

def init():
    pass

def run(data):
    return json.loads(data)
"""


def _register(nb, name, files):
    folder = nb.folder / f"{name}-files" / "models"
    folder.mkdir(parents=True)
    for file_name, data in files.items():
        (folder / file_name).write_bytes(data)
    return Model.register(nb.workspace, str(folder), name)


def test_dry_run_stops_on_a_module_the_environment_lacks(nb, capsys):
    _register(nb, "tok", {"tokenizer.pkl": TF_KERAS_PICKLE})
    assert nb.shell.run_cell("%%environment plain\nnumpy\n").error_in_exec is None
    capsys.readouterr()
    result = nb.shell.run_cell(f"%%score_script --dry-run tok\n{SCRIPT}")
    err = capsys.readouterr().err
    assert result.error_in_exec is None and nb.tracebacks == []
    assert "models/tokenizer.pkl needs the module tf_keras; add tf-keras to the environment." in err
    assert not (nb.folder / "score.py").exists()


def test_capture_pins_what_the_model_files_need(nb):
    sklearn = __import__("pytest").importorskip("sklearn")
    from sklearn.preprocessing import LabelEncoder

    _register(nb, "enc", {"encoder.pkl": pickle.dumps(LabelEncoder().fit(["a", "b"]))})
    assert nb.shell.run_cell(f"%%score_script\n{SCRIPT}").error_in_exec is None
    env = nb.shell.run_cell("%environment captured --capture -m enc").result
    assert f"scikit-learn=={sklearn.__version__}" in env.pip_requirements()
