"""pip requirement lines and requirements files, read the way pip reads them, checked for what an image can hold.

`-r other.txt` is inlined (relative to the including file), comments and blank lines are ignored, and pip option
lines (`--index-url`, `--extra-index-url`, `--find-links`, `--trusted-host`, `--pre`, `--only-binary`,
`--no-binary`, `--prefer-binary`) pass through to the host-side resolver, which honours them (the image itself
never touches an index). `-e` (editable) and `-c` (constraints) lines are rejected with a message, since an
image cannot hold an editable checkout and constraints would silently change resolution.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

from ..errors import EnvironmentSpecError

# pip options that may appear in a requirements file and are honoured by the host-side resolver.
PASS_THROUGH_OPTIONS = (
    "--index-url", "-i", "--extra-index-url", "--find-links", "-f", "--trusted-host", "--pre",
    "--only-binary", "--no-binary", "--prefer-binary", "--no-index",
)

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")


def canonical_name(name: str) -> str:
    """PEP 503 normalisation, so `PyYAML`, `pyyaml` and `py_yaml` compare equal."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(line: str) -> Optional[str]:
    """The canonical project name of a pip requirement line, or None for option lines and URLs/paths."""
    text = line.strip()
    if not text or text.startswith("-") or "://" in text or text.startswith((".", "/")):
        at = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*@", text)
        return canonical_name(at.group(1)) if at else None
    match = _NAME_RE.match(text)
    return canonical_name(match.group(0)) if match else None



def read_requirements_file(path: Path, chain: tuple) -> list[str]:
    if not path.is_file():
        included = f" (included from {chain[-1].name})" if chain else ""
        raise EnvironmentSpecError(f"The requirements file {path} does not exist{included}; check the path.")
    resolved = path.resolve()
    if resolved in chain:
        raise EnvironmentSpecError(f"The requirements file {path.name} includes itself through -r; remove the loop.")
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise EnvironmentSpecError(f"The requirements file {path} cannot be read ({error}).") from None
    lines: list[str] = []
    pending = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = pending + raw.strip() if pending else raw
        if line.endswith("\\"):
            pending = line[:-1].rstrip() + " "
            continue
        pending = ""
        line = re.sub(r"(^|\s)#.*$", "", line).strip()
        if not line:
            continue
        try:
            lines.extend(expand_pip_line(line, path.parent, path.name, chain + (resolved,)))
        except EnvironmentSpecError as error:
            raise EnvironmentSpecError(f"{str(error).rstrip('.')} (line {number} of {path.name}).") from None
    return lines


def expand_pip_line(line: str, base_dir: Path, source: str, chain: tuple) -> list[str]:
    """One pip line: `-r` inlined, paths made absolute, options checked."""
    line = line.strip()
    include = re.match(r"^(?:-r|--requirement)(?:\s+|=)(.+)$", line)
    if include:
        return read_requirements_file(base_dir / include.group(1).strip(), chain)
    if line.startswith("-"):
        check_pip_option(line, source)
        return [line]
    if line.startswith(("./", "../")):
        return [str((base_dir / line).resolve())]
    return [line]


def check_pip_option(option: str, source: str) -> None:
    flag = re.split(r"[\s=]", option, maxsplit=1)[0]
    if flag in ("-e", "--editable"):
        raise EnvironmentSpecError(
            f"{source} asks for an editable install ({option}); an image cannot hold an editable checkout, "
            "list the package by name or as a path to build a wheel from."
        )
    if flag in ("-c", "--constraint"):
        raise EnvironmentSpecError(
            f"{source} uses a constraints file ({option}); fold the pins into the requirements instead."
        )
    if flag not in PASS_THROUGH_OPTIONS:
        raise EnvironmentSpecError(
            f"{source} uses the pip option {flag!r}, which cannot be honoured; supported options are "
            + ", ".join(PASS_THROUGH_OPTIONS) + "."
        )
