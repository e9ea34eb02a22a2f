"""Which importable modules a distribution provides, and which pip package provides a module.

Read, in order of trust: the wheel itself (`top_level.txt`, else its RECORD's top-level entries), the kernel's
installed copy of the same distribution (`importlib.metadata`), then a short table of the well-known names that
differ from their package (`sklearn` ← scikit-learn, `tf_keras` ← tf-keras, `cv2` ← opencv-python …).
"""

from __future__ import annotations

import importlib.metadata
import re
import zipfile
from pathlib import Path
from typing import Optional

from .requirements import canonical_name

# module → the pip package users install for it, where the names differ.
KNOWN_PACKAGES = {
    "sklearn": "scikit-learn", "tf_keras": "tf-keras", "cv2": "opencv-python", "PIL": "pillow",
    "yaml": "pyyaml", "skimage": "scikit-image", "bs4": "beautifulsoup4", "attr": "attrs",
    "dateutil": "python-dateutil", "google": "protobuf", "jwt": "pyjwt", "dotenv": "python-dotenv",
    "Crypto": "pycryptodome", "OpenSSL": "pyopenssl", "magic": "python-magic", "docx": "python-docx",
    "multipart": "python-multipart", "serial": "pyserial", "usb": "pyusb", "zmq": "pyzmq", "git": "gitpython",
    "tensorflow_hub": "tensorflow-hub", "inference_schema": "inference-schema", "onnxruntime": "onnxruntime",
    "lightgbm": "lightgbm", "xgboost": "xgboost", "catboost": "catboost", "torchvision": "torchvision",
    "absl": "absl-py", "flatbuffers": "flatbuffers", "gensim": "gensim", "smart_open": "smart-open",
    "mpl_toolkits": "matplotlib", "pkg_resources": "setuptools", "_distutils_hack": "setuptools",
}
# distribution → modules it provides, for when neither the wheel nor the kernel can say.
KNOWN_MODULES: dict[str, set[str]] = {}
for _module, _package in KNOWN_PACKAGES.items():
    KNOWN_MODULES.setdefault(canonical_name(_package), set()).add(_module)
for _tf in ("tensorflow-cpu", "tensorflow-intel", "tensorflow-macos"):
    KNOWN_MODULES.setdefault(_tf, set()).add("tensorflow")
KNOWN_MODULES.setdefault("protobuf", set()).add("google")


def wheel_top_levels(wheel: Path) -> set[str]:
    """Top-level import names in a wheel: its `top_level.txt`, else the first component of every RECORD path."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
            top_level = next((n for n in names if n.endswith(".dist-info/top_level.txt")), None)
            if top_level is not None:
                listed = {line.strip().split("/")[0] for line in archive.read(top_level).decode().splitlines()}
                listed.discard("")
                if listed:
                    return listed
    except (OSError, zipfile.BadZipFile, KeyError):
        return set()
    return _tops_of(names)


def _tops_of(paths) -> set[str]:
    tops = set()
    for path in paths:
        first = str(path).split("/")[0]
        if first.endswith((".dist-info", ".data")) or first.startswith("..") or not first:
            continue
        if first.endswith(".py"):
            first = first[:-3]
        elif "." in first and first.split(".")[-1] in ("so", "pyd", "pth"):
            if first.endswith(".pth"):
                continue
            first = first.split(".")[0]
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", first):
            tops.add(first)
    return tops


def installed_top_levels(distribution: str) -> Optional[set[str]]:
    """What the kernel's installed copy of `distribution` provides; None when the kernel does not have it."""
    try:
        dist = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
    text = dist.read_text("top_level.txt")
    if text:
        listed = {line.strip().split("/")[0] for line in text.splitlines() if line.strip()}
        if listed:
            return listed
    return _tops_of(dist.files or [])


def provided_modules(distribution: str, wheel: Optional[Path] = None) -> set[str]:
    """Top-level modules `distribution` provides (its own name, `-` → `_`, as the last resort)."""
    if wheel is not None and Path(wheel).is_file():
        found = wheel_top_levels(Path(wheel))
        if found:
            return found
    installed = installed_top_levels(distribution)
    if installed:
        return installed
    key = canonical_name(distribution)
    return set(KNOWN_MODULES.get(key, set())) | {key.replace("-", "_")}


def package_for_module(module: str) -> str:
    """The pip package to add for a top-level module: the table, then who provides it in the kernel, then its name."""
    top = module.split(".")[0]
    if top in KNOWN_PACKAGES:
        return KNOWN_PACKAGES[top]
    owners = importlib.metadata.packages_distributions().get(top) or []
    if owners:
        return canonical_name(sorted(set(owners))[0])
    return top.replace("_", "-").lower()
