"""Capture from the running kernel: the versions of what an entry script imports and of the model frameworks.

Deterministic: the same script and kernel give the same sorted pins.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import warnings
from pathlib import Path
from typing import Iterable, Optional

from ..errors import DeployWarning, EnvironmentSpecError
from .requirements import canonical_name

# model_framework values (Azure's Model.Framework) -> candidate distributions; the installed ones are pinned.
FRAMEWORK_DISTRIBUTIONS = {
    "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-intel"),
    "keras": ("keras", "tf-keras"),
    "scikitlearn": ("scikit-learn",),
    "sklearn": ("scikit-learn",),
    "gensim": ("gensim",),
    "pytorch": ("torch",),
    "torch": ("torch",),
    "onnx": ("onnxruntime", "onnx"),
    "xgboost": ("xgboost",),
    "lightgbm": ("lightgbm",),
    "multi": (),
    "custom": (),
}


def kernel_pins(entry_script: Optional[str] = None, frameworks: Iterable[str] = (),
                modules: Iterable[str] = ()) -> list[str]:
    """`name==version` for every distribution the script imports, every framework named and every module given
    (what registered model files need, see `model_files`), sorted by name.

    A module the kernel does not have is a warning naming it: the user must add it by hand.
    """
    import_owners = importlib.metadata.packages_distributions()
    pins: dict[str, str] = {}
    missing: set[str] = set()
    if entry_script is not None:
        script = Path(entry_script)
        for module in sorted(imported_modules(script)):
            dists = _distributions_for_import(module, script.parent, import_owners)
            if dists is None:
                missing.add(module.split(".")[0])
            for dist in dists or ():
                pins[canonical_name(dist)] = _pin(dist)
    for module in sorted(set(modules)):
        dists = _distributions_for_import(module, None, import_owners)
        if dists is None:
            missing.add(module.split(".")[0])
        for dist in dists or ():
            pins[canonical_name(dist)] = _pin(dist)
    for top in sorted(missing):
        warnings.warn(
            f"The entry script or a model file needs {top!r}, which is neither in the standard library nor installed in this "
            "kernel; install it here or add it to the environment by hand.",
            DeployWarning,
            stacklevel=3,
        )
    for framework in frameworks or ():
        for dist in _distributions_for_framework(framework, import_owners):
            pins[canonical_name(dist)] = _pin(dist)
    return [pins[key] for key in sorted(pins)]


def imported_modules(script: Path) -> set[str]:
    """Absolute module names imported anywhere in the script (top level and inside functions)."""
    try:
        tree = ast.parse(script.read_text(), filename=str(script))
    except FileNotFoundError:
        raise EnvironmentSpecError(f"The entry script {script} does not exist; check the path passed as entry_script.") from None
    except SyntaxError as error:
        raise EnvironmentSpecError(
            f"The entry script {script.name} does not parse (line {error.lineno}: {error.msg}); fix it and retry."
        ) from None
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
            # `from google import protobuf` names a submodule we can attribute more precisely.
            modules.update(f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*")
    return modules


def _distributions_for_import(module: str, script_dir: Optional[Path], import_owners: dict) -> Optional[list[str]]:
    """Installed distributions providing `module`; [] when nothing is needed; None when it is not installed."""
    top = module.split(".")[0]
    if top in sys.stdlib_module_names or top == "__future__":
        return []
    if script_dir is not None and ((script_dir / f"{top}.py").exists() or (script_dir / top / "__init__.py").exists()):
        return []  # a helper module shipped next to the entry script
    if top in ("azureml", "jupyter_deploy", "jupyter_deploy_runtime") and top not in import_owners:
        return []  # provided inside the image by the runtime and its shims
    candidates = sorted(set(import_owners.get(top, [])))
    if not candidates:
        return None
    if len(candidates) == 1:
        return candidates
    # A namespace shared by several distributions (google.*, azure.*): keep the ones shipping this module.
    return _owners_of(module, candidates) if "." in module else []


def _owners_of(module: str, candidates: list[str]) -> list[str]:
    """Among distributions sharing a namespace, those that actually ship files for `module`."""
    prefix = module.replace(".", "/")
    owners = []
    for dist in candidates:
        files = importlib.metadata.distribution(dist).files or []
        if any(str(f).startswith(prefix + "/") or str(f) == prefix + ".py" for f in files):
            owners.append(dist)
    return owners


def _distributions_for_framework(framework: str, import_owners: dict) -> list[str]:
    key = re.sub(r"[^a-z0-9]", "", str(framework).lower())
    if key in FRAMEWORK_DISTRIBUTIONS:
        candidates = FRAMEWORK_DISTRIBUTIONS[key]
        installed = [d for d in candidates if _installed_version(d)]
        if candidates and not installed:
            warnings.warn(
                f"The model framework {framework!r} is not installed in this kernel (looked for {', '.join(candidates)}); "
                "add its package to the environment by hand.",
                DeployWarning,
                stacklevel=4,
            )
        return installed
    if _installed_version(framework):
        return [framework]
    by_import = import_owners.get(framework, [])
    if by_import:
        return sorted(set(by_import))
    warnings.warn(
        f"The framework {framework!r} is neither a known model framework nor an installed package; add it by hand.",
        DeployWarning,
        stacklevel=4,
    )
    return []


def _installed_version(dist: str) -> Optional[str]:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _pin(dist: str) -> str:
    meta = importlib.metadata.distribution(dist)
    return f"{canonical_name(meta.metadata['Name'])}=={meta.version}"
