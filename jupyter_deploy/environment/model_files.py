"""What registered model files need installed, read from the files themselves and never by loading them.

- pickle and joblib files: the modules their GLOBAL / STACK_GLOBAL opcodes name, read with `pickletools` (nothing
  is unpickled, so no code in the file runs); scikit-learn estimators also record `_sklearn_version` in their state;
- Keras `.h5` / `.keras` files: the Keras version and backend they were saved with (attributes of the HDF5 root,
  `metadata.json` in the zip).

Reading a model file is bounded (`MAX_OPCODES`), so a preflight stays in seconds even for large pickles.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import pickletools
import re
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from .capture import imported_modules

PICKLE_SUFFIXES = {".pkl", ".pickle", ".pck", ".joblib", ".sav", ".dat"}
KERAS_SUFFIXES = {".h5", ".hdf5", ".keras"}
MAX_OPCODES = 2_000_000
# Keras backends and the module each one needs at load time.
BACKEND_MODULES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch", "theano": "theano"}
_STRING_OPCODES = {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "STRING", "BINSTRING", "SHORT_BINSTRING"}
_STACK_GLOBAL_BYTES = re.compile(rb"\x8c(.)([A-Za-z_][A-Za-z0-9_.]*)\x94?\x8c.[A-Za-z_][A-Za-z0-9_]*\x94?\x93", re.S)
_GLOBAL_BYTES = re.compile(rb"c([A-Za-z_][A-Za-z0-9_.]*)\n[A-Za-z_][A-Za-z0-9_]*\n")
_SKLEARN_VERSION_BYTES = re.compile(rb"_sklearn_version\x94?\x8c.(\d+\.\d+(?:\.\d+)?(?:\w+)?)", re.S)
# Modules that pickles name but that no distribution provides (the interpreter itself, the notebook's namespace).
_NOT_INSTALLABLE = {"__main__", "__builtin__", "builtins", "copy_reg"}


@dataclass(frozen=True)
class ModuleNeed:
    """`source` (a model file or the entry script, as the user knows it) needs `module` importable."""

    source: str
    module: str

    @property
    def top_level(self) -> str:
        return self.module.split(".")[0]


@dataclass(frozen=True)
class RecordedVersion:
    """`source` was written by `distribution` at `version` (e.g. scikit-learn 1.9.1, keras 3.15.1)."""

    source: str
    distribution: str
    version: str


@dataclass
class FileNeeds:
    modules: list[ModuleNeed] = field(default_factory=list)
    versions: list[RecordedVersion] = field(default_factory=list)

    def extend(self, other: "FileNeeds") -> None:
        self.modules.extend(other.modules)
        self.versions.extend(other.versions)


def model_folder_needs(folder: Path, label_prefix: str = "") -> FileNeeds:
    """Needs of every file under a registered model's version folder, labelled by their path inside it."""
    needs = FileNeeds()
    folder = Path(folder)
    paths = [folder] if folder.is_file() else sorted(p for p in folder.rglob("*") if p.is_file())
    for path in paths:
        relative = path.name if path == folder else path.relative_to(folder).as_posix()
        needs.extend(file_needs(path, label_prefix + relative))
    return needs


def file_needs(path: Path, label: str) -> FileNeeds:
    suffix = path.suffix.lower()
    if suffix in KERAS_SUFFIXES:
        return _keras_needs(path, label)
    data = _pickle_bytes(path) if suffix in PICKLE_SUFFIXES or _looks_like_pickle(path) else None
    if data is None:
        return FileNeeds()
    return pickle_needs(data, label)


def pickle_needs(data: bytes, label: str) -> FileNeeds:
    """Modules named by GLOBAL / STACK_GLOBAL / INST opcodes, and a scikit-learn version found in the state.

    A joblib file is a pickle with raw array bytes spliced in after each array wrapper; parsing stops at the first
    opcode it cannot read and keeps what it found before.
    """
    modules: list[str] = []
    versions: list[RecordedVersion] = []
    memo: dict[int, object] = {}
    pushed: list[object] = []  # what the last opcodes pushed: strings, or None for anything else
    previous_string: Optional[str] = None
    stream = io.BytesIO(data)

    def saw_string(value: str) -> None:
        nonlocal previous_string
        if previous_string == "_sklearn_version":
            versions.append(RecordedVersion(label, "scikit-learn", value))
        previous_string = value

    try:
        for count, (opcode, arg, _pos) in enumerate(pickletools.genops(stream)):
            name = opcode.name
            if count > MAX_OPCODES or name == "STOP":
                break
            if name in ("GLOBAL", "INST"):
                modules.append(str(arg).split(" ", 1)[0])
                pushed.append(None)
            elif name == "STACK_GLOBAL":
                if len(pushed) >= 2 and isinstance(pushed[-2], str):
                    modules.append(pushed[-2])
                pushed[-2:] = [None]
            elif name in _STRING_OPCODES:
                value = arg if isinstance(arg, str) else str(arg)
                saw_string(value)
                pushed.append(value)
            elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
                memo[int(arg)] = pushed[-1] if pushed else None
            elif name == "MEMOIZE":
                memo[len(memo)] = pushed[-1] if pushed else None
            elif name in ("GET", "BINGET", "LONG_BINGET"):
                value = memo.get(int(arg))
                if isinstance(value, str):
                    saw_string(value)
                pushed.append(value)
            else:
                pushed.append(None)
            if len(pushed) > 256:
                del pushed[:-16]
    except Exception:
        # Not (or no longer) an opcode stream: joblib splices raw array bytes into its pickle. The opcodes after
        # them still name their globals in the usual byte patterns, so the rest is scanned for those.
        rest = data[stream.tell():]
        for match in _STACK_GLOBAL_BYTES.finditer(rest):
            if len(match.group(2)) == match.group(1)[0]:
                modules.append(match.group(2).decode("ascii"))
        for match in _GLOBAL_BYTES.finditer(rest):
            modules.append(match.group(1).decode("ascii"))
        for match in _SKLEARN_VERSION_BYTES.finditer(rest):
            versions.append(RecordedVersion(label, "scikit-learn", match.group(1).decode("ascii")))
    found = []
    for module in modules:
        top = module.split(".")[0]
        if module and top not in _NOT_INSTALLABLE and top not in sys.stdlib_module_names and module not in found:
            found.append(module)
    unique_versions = list(dict.fromkeys(versions))
    return FileNeeds([ModuleNeed(label, module) for module in found], unique_versions)


def _keras_needs(path: Path, label: str) -> FileNeeds:
    version, backend = keras_file_metadata(path)
    needs = FileNeeds()
    if version:
        needs.versions.append(RecordedVersion(label, "keras", version))
    if backend in BACKEND_MODULES:
        needs.modules.append(ModuleNeed(label, BACKEND_MODULES[backend]))
    return needs


def keras_file_metadata(path: Path) -> tuple[Optional[str], Optional[str]]:
    """(keras_version, backend) recorded in a .keras zip or an .h5 file's root attributes, None when absent."""
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                metadata = json.loads(archive.read("metadata.json"))
            return metadata.get("keras_version"), metadata.get("backend") or "tensorflow"
        except (KeyError, ValueError, OSError):
            return None, None
    try:
        import h5py  # the reader when the kernel has it; the byte scan below covers kernels without it
    except ImportError:
        h5py = None
    if h5py is not None:
        try:
            with h5py.File(path, "r") as handle:
                attrs = dict(handle.attrs)
            return _text(attrs.get("keras_version")), _text(attrs.get("backend"))
        except OSError:
            return None, None
    return _scan_hdf5_attributes(path)


def _scan_hdf5_attributes(path: Path) -> tuple[Optional[str], Optional[str]]:
    """HDF5 keeps small attribute values right after their name message: good enough for two short strings."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4 << 20)
    except OSError:
        return None, None
    if not head.startswith(b"\x89HDF"):
        return None, None
    version = re.search(rb"keras_version.{0,160}?(\d+\.\d+(?:\.\d+)?)", head, re.S)
    backend = re.search(rb"backend.{0,160}?(tensorflow|jax|torch|theano)", head, re.S)
    return (version.group(1).decode() if version else None, backend.group(1).decode() if backend else None)


def _text(value) -> Optional[str]:
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


def _looks_like_pickle(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            head = handle.read(2)
    except OSError:
        return False
    return len(head) == 2 and head[0] == 0x80 and 2 <= head[1] <= 5


def _pickle_bytes(path: Path) -> Optional[bytes]:
    """The pickle stream, decompressed when joblib compressed it (zlib, gzip, bz2, xz/lzma)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    try:
        if raw.startswith(b"\x1f\x8b"):
            return gzip.decompress(raw)
        if raw.startswith(b"BZh"):
            return bz2.decompress(raw)
        if raw.startswith(b"\xfd7zXZ") or raw.startswith(b"\x5d\x00\x00"):
            return lzma.decompress(raw)
        if raw[:1] == b"x" and len(raw) > 2 and (raw[0] * 256 + raw[1]) % 31 == 0:
            return zlib.decompress(raw)
        if raw.startswith(b"ZF"):  # joblib's own zlib container: b"ZF" + 5-byte length + zlib data
            return zlib.decompress(raw[7:])
    except (OSError, EOFError, lzma.LZMAError, zlib.error):
        return raw
    return raw


def script_needs(script: Path, label: Optional[str] = None, local_roots: Iterable[Path] = ()) -> FileNeeds:
    """What the entry script imports (AST), minus the standard library and modules shipped next to it (or in
    one of `local_roots`, e.g. the source directory)."""
    roots = [script.parent, *[Path(root) for root in local_roots]]
    needs = FileNeeds()
    shown = label or script.name
    seen: set[str] = set()
    for module in sorted(imported_modules(script)):
        top = module.split(".")[0]
        if top in seen or top in sys.stdlib_module_names or top == "__future__":
            continue
        if any((root / f"{top}.py").exists() or (root / top / "__init__.py").exists() for root in roots):
            continue
        seen.add(top)
        needs.modules.append(ModuleNeed(shown, top))
    return needs


def models_needs(models: Iterable) -> FileNeeds:
    """Needs of registered models (objects with `.path`), each file labelled by its path in the version folder."""
    needs = FileNeeds()
    for model in models:
        needs.extend(model_folder_needs(Path(model.path)))
    return needs
