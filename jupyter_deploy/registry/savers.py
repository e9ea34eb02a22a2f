"""Saving live kernel objects to files a scoring script can load, with the saver native to each type.

`%register_model NAME model.h5=model` must write exactly what `keras.models.load_model`, `Word2Vec.load`,
`np.load` or `pickle.load` in an Azure `score.py` expects. Types are recognised by their class hierarchy's
module names, never by importing a framework: a kernel that never imported TensorFlow does not pay for it.

Pickle-based files are written with `pickle` unless the file name ends in `.joblib`: a joblib dump of an object
holding numpy arrays cannot be read by `pickle.load` (what Azure's samples use), while a plain pickle is
readable by both `pickle.load` and `joblib.load`.
"""

from __future__ import annotations

import os
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from ..errors import UnsupportedObject

SUPPORTED_TEXT = (
    "Keras models (.keras or .h5), gensim models, numpy arrays (.npy), scikit-learn estimators and any other "
    "picklable object (.pkl, or .joblib for joblib)"
)


@dataclass(frozen=True)
class Saver:
    """How one kind of object is written: `save(obj, path)`, the default file name, and the framework to record."""

    kind: str
    save: Callable[[Any, Path], None]
    default_name: str
    framework: Optional[str] = None
    framework_version: Optional[str] = None


@dataclass(frozen=True)
class SavedObject:
    """What `save_object` wrote: every file (a gensim model may write companions) and the framework it recorded."""

    files: list[Path]
    framework: Optional[str]
    framework_version: Optional[str]


_registered: dict[type, tuple[Callable[[Any, Path], None], str, Optional[str]]] = {}


def register_saver(type_: type, save_fn: Callable[[Any, str], None], suffix: str, framework: str | None = None) -> None:
    """Teach `%register_model` a new type: `save_fn(obj, path)` writes `obj` to `path` (a str ending in `suffix`).

    Registered types are checked before the built-in ones, and the most specific registered class wins.
    """
    if not isinstance(type_, type):
        raise TypeError("register_saver needs a class as its first argument, e.g. register_saver(MyModel, save, '.bin').")
    if not callable(save_fn):
        raise TypeError("register_saver needs a function save_fn(obj, path) as its second argument.")
    suffix = suffix if suffix.startswith(".") else f".{suffix}"
    _registered[type_] = (save_fn, suffix, framework)


def unregister_saver(type_: type) -> None:
    _registered.pop(type_, None)


def find_saver(obj: Any, shown: str = "the object") -> Saver:
    """The saver for `obj`; raises `UnsupportedObject` naming what is supported."""
    custom = _registered_for(obj)
    if custom is not None:
        return custom
    keras_package = _package_of_class_named(obj, ("Model",), ("keras", "tf_keras"))
    if keras_package is not None:
        legacy = keras_package == "tf_keras"
        return Saver("Keras model", _save_keras, "model.h5" if legacy else "model.keras", "Keras",
                          _version_of(keras_package))
    if _package_of_class_named(obj, ("SaveLoad",), ("gensim",)) is not None:
        name = type(obj).__name__
        default = {"Word2Vec": "w2v.model", "KeyedVectors": "vectors.kv", "FastText": "fasttext.model",
                   "Doc2Vec": "d2v.model"}.get(name, "gensim.model")
        return Saver("gensim model", _save_gensim, default, "Gensim", _version_of("gensim"))
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(obj, numpy.ndarray):
        return Saver("numpy array", _save_numpy, "array.npy", "Numpy", numpy.__version__)
    if _package_of_any_class(obj, ("sklearn",)):
        return Saver("scikit-learn estimator", _save_pickled, "model.pkl", "ScikitLearn", _version_of("sklearn"))
    if _unpicklable_kind(obj) is not None:
        raise UnsupportedObject(_unsupported_message(obj, shown, _unpicklable_kind(obj)))
    if type(obj).__module__ == "__main__":
        raise UnsupportedObject(
            f"{shown} is a {type(obj).__name__} defined in this notebook, so the service could not unpickle it; "
            f"move the class into a module shipped with score.py, or teach jupyter-deploy its format with "
            f"jupyter_deploy.registry.savers.register_saver({type(obj).__name__}, save_fn, suffix)."
        )
    return Saver("pickled object", _save_pickled, "model.pkl")


def default_filename(obj: Any, shown: str = "the object") -> str:
    return find_saver(obj, shown).default_name


def save_object(obj: Any, path: str | os.PathLike, shown: str = "the object") -> SavedObject:
    """Write `obj` to `path` (its folder must be empty apart from what this call writes) and list the files written."""
    saver = find_saver(obj, shown)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    before = set(_files_under(target.parent))
    try:
        saver.save(obj, target)
    except BaseException as error:
        for partial in set(_files_under(target.parent)) - before:
            partial.unlink(missing_ok=True)
        if saver.save is _save_pickled and isinstance(error, (pickle.PicklingError, TypeError, AttributeError)):
            raise UnsupportedObject(_unsupported_message(obj, shown, f"it cannot be pickled ({error})")) from None
        raise
    written = sorted(set(_files_under(target.parent)) - before)
    return SavedObject(written, saver.framework, saver.framework_version)


# -- savers ----------------------------------------------------------------------------------------------------
def _save_keras(model: Any, path: Path) -> None:
    if path.suffix not in (".keras", ".h5"):
        raise UnsupportedObject(
            f"A Keras model is saved as .keras or .h5, not '{path.name}'; name the file e.g. {path.stem}.keras."
        )
    model.save(str(path))


def _save_gensim(model: Any, path: Path) -> None:
    model.save(str(path))


def _save_numpy(array: Any, path: Path) -> None:
    numpy = sys.modules["numpy"]
    with open(path, "wb") as handle:  # a file object: np.save would append .npy to any other name
        numpy.save(handle, array, allow_pickle=False)


def _save_pickled(obj: Any, path: Path) -> None:
    if path.suffix == ".joblib":
        try:
            import joblib
        except ImportError:
            pass
        else:
            joblib.dump(obj, str(path))
            return
    with open(path, "wb") as handle:
        pickle.dump(obj, handle, protocol=pickle.HIGHEST_PROTOCOL)


# -- recognising types -------------------------------------------------------------------------------------------
def _registered_for(obj: Any) -> Saver | None:
    for cls in type(obj).__mro__:
        entry = _registered.get(cls)
        if entry is not None:
            save_fn, suffix, framework = entry
            base = "model" if framework is None else framework.lower()
            return Saver(cls.__name__, lambda o, p, fn=save_fn: fn(o, str(p)), f"{base}{suffix}", framework or "Custom")
    return None


def _package_of_class_named(obj: Any, names: tuple[str, ...], packages: tuple[str, ...]) -> str | None:
    """The top-level package when a class in `obj`'s hierarchy is called one of `names` and lives in `packages`."""
    for cls in type(obj).__mro__:
        top = cls.__module__.split(".")[0]
        if cls.__name__ in names and top in packages:
            return top
    return None


def _package_of_any_class(obj: Any, packages: tuple[str, ...]) -> bool:
    return any(cls.__module__.split(".")[0] in packages for cls in type(obj).__mro__)


def _version_of(package: str) -> str | None:
    module = sys.modules.get(package)
    return getattr(module, "__version__", None) if module is not None else None


def _unpicklable_kind(obj: Any) -> str | None:
    import types

    if isinstance(obj, types.ModuleType):
        return "it is a module"
    if isinstance(obj, (types.GeneratorType, types.CoroutineType)):
        return "it is a generator"
    if hasattr(obj, "read") and hasattr(obj, "close") and hasattr(obj, "fileno"):
        return "it is an open file"
    return None


def _unsupported_message(obj: Any, shown: str, why: str) -> str:
    return (
        f"Cannot save {shown} ({type(obj).__module__}.{type(obj).__qualname__}): {why}. Supported are {SUPPORTED_TEXT}; "
        f"add another type with jupyter_deploy.registry.savers.register_saver(type, save_fn, suffix)."
    )


def _files_under(folder: Path) -> list[Path]:
    if not folder.exists():
        return []
    return [Path(dirpath) / name for dirpath, _dirs, names in os.walk(folder) for name in names]
