"""Environments written in a notebook cell: the text of a conda YAML or of requirements lines.

Parsed by the same readers as files, so errors name the line.
"""

from __future__ import annotations

import re
from pathlib import Path

from .spec import Environment


def environment_from_text(name: str, text: str, base_dir: str | Path | None = None) -> Environment:
    """An environment from the text of a conda YAML (a mapping, the `myenv.yml` shape) or of requirements lines.

    Parsed by the same readers as files, so errors name the line. `-r` includes and `./` paths in requirements
    resolve against `base_dir` (default: the current directory), where a notebook's files are.
    """
    import tempfile

    import yaml

    base = Path(base_dir or Path.cwd())
    try:
        document = yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError:
        document = None
    # a mapping is a conda spec; so is broken YAML with its keys, so the YAML error (with its line) is what shows
    is_conda = isinstance(document, dict) or bool(re.search(r"^(dependencies|channels|name)\s*:", text, re.M))
    with tempfile.TemporaryDirectory(prefix="jupyter-deploy-env-") as folder:
        if is_conda:
            path = Path(folder) / f"{name}.yml"
            path.write_text(text)
            return Environment.from_conda_specification(name, str(path))
        path = Path(folder) / f"{name}.txt"
        path.write_text("\n".join(_anchor_relative_paths(line, base) for line in text.splitlines()) + "\n")
        env = Environment.from_pip_requirements(name, str(path))
    env.python.conda_dependencies.source = f"the requirements of {name}"
    return env


def _anchor_relative_paths(line: str, base: Path) -> str:
    include = re.match(r"^(\s*(?:-r|--requirement)(?:\s+|=))(\S.*)$", line)
    if include and not Path(include.group(2).strip()).is_absolute():
        return include.group(1) + str((base / include.group(2).strip()).resolve())
    stripped = line.strip()
    if stripped.startswith(("./", "../")):
        return str((base / stripped).resolve())
    return line
