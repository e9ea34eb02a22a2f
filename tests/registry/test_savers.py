"""Savers for live objects: the file each type gets, and the refusals that name register_saver."""

from __future__ import annotations

import pickle
import sys
import types

import joblib
import numpy as np
import pytest
from sklearn.preprocessing import LabelEncoder

from jupyter_deploy.errors import UnsupportedObject
from jupyter_deploy.registry.savers import (default_filename, find_saver, register_saver, save_object,
                                        unregister_saver)


def test_numpy_keeps_the_given_name_and_loads_back(tmp_path):
    saved = save_object(np.arange(4), tmp_path / "weights.bin")
    assert saved.files == [tmp_path / "weights.bin"]  # np.save alone would have written weights.bin.npy
    assert np.array_equal(np.load(tmp_path / "weights.bin"), np.arange(4))
    assert (saved.framework, saved.framework_version) == ("Numpy", np.__version__)
    assert default_filename(np.zeros(1)) == "array.npy"


def test_pkl_is_plain_pickle_and_joblib_name_uses_joblib(tmp_path):
    encoder = LabelEncoder().fit(["a", "b"])
    saved = save_object(encoder, tmp_path / "encoder.pkl")
    assert saved.framework == "ScikitLearn"
    with open(tmp_path / "encoder.pkl", "rb") as handle:
        assert list(pickle.load(handle).classes_) == ["a", "b"]
    save_object(encoder, tmp_path / "encoder.joblib")
    assert list(joblib.load(tmp_path / "encoder.joblib").classes_) == ["a", "b"]
    with pytest.raises(pickle.UnpicklingError), open(tmp_path / "encoder.joblib", "rb") as handle:
        pickle.load(handle)


def test_keras_is_recognised_by_class_names_without_importing_it(tmp_path):
    """A class hierarchy from a 'keras' module named Model is a Keras model; TensorFlow is never imported here."""
    base = type("Model", (), {"__module__": "keras.src.models.model", "save": lambda self, path: open(path, "w").write("k")})
    net = type("Sequential", (base,), {"__module__": "keras.src.models.sequential"})()
    legacy = type("Functional", (type("Model", (), {"__module__": "tf_keras.src.engine.training",
                                                      "save": base.save}),), {"__module__": "tf_keras.x"})()
    assert find_saver(net).default_name == "model.keras"
    assert find_saver(legacy).default_name == "model.h5"
    assert find_saver(net).framework == "Keras"
    assert save_object(net, tmp_path / "m.h5").files == [tmp_path / "m.h5"]
    with pytest.raises(UnsupportedObject, match=r"\.keras or \.h5"):
        save_object(net, tmp_path / "m.bin")
    assert not (tmp_path / "m.bin").exists()


def test_gensim_model_and_its_companion_files(tmp_path):
    from gensim.models import Word2Vec

    model = Word2Vec([["a", "b"], ["b", "c"]], vector_size=4, min_count=1, workers=1)
    saved = save_object(model, tmp_path / "model.w2v")
    assert tmp_path / "model.w2v" in saved.files and saved.framework == "Gensim"
    assert Word2Vec.load(str(tmp_path / "model.w2v")).wv.vector_size == 4
    assert find_saver(model).default_name == "w2v.model"


def test_registered_types_win_and_the_most_specific_one_is_used(tmp_path):
    class Base:
        pass

    class Child(Base):
        pass

    register_saver(Base, lambda obj, path: open(path, "w").write("base"), ".base")
    register_saver(Child, lambda obj, path: open(path, "w").write("child"), "child", framework="Rules")
    register_saver(list, lambda obj, path: open(path, "w").write("list"), ".lst")
    try:
        assert save_object(Child(), tmp_path / "c.child").framework == "Rules"
        assert (tmp_path / "c.child").read_text() == "child"
        assert find_saver(Base()).default_name == "model.base"
        assert find_saver([1]).default_name == "model.lst"  # checked before the built-in pickle
    finally:
        for kind in (Base, Child, list):
            unregister_saver(kind)
    assert find_saver([1]).default_name == "model.pkl"


def test_unsupported_objects_name_what_is_supported(tmp_path):
    for thing, why in ((sys, "module"), ((x for x in ()), "generator")):
        with pytest.raises(UnsupportedObject) as error:
            find_saver(thing, "the variable 'x'")
        assert why in str(error.value) and "register_saver" in str(error.value)
    with pytest.raises(UnsupportedObject, match="cannot be pickled"):
        save_object([lambda: 1], tmp_path / "f.pkl")
    assert list(tmp_path.iterdir()) == []


def test_a_class_defined_in_the_notebook_is_refused(tmp_path):
    notebook_class = type("Scaler", (), {"__module__": "__main__"})
    with pytest.raises(UnsupportedObject, match="defined in this notebook"):
        find_saver(notebook_class())


def test_register_saver_checks_its_arguments():
    with pytest.raises(TypeError):
        register_saver("list", print, ".x")
    with pytest.raises(TypeError):
        register_saver(types.SimpleNamespace, "save", ".x")
