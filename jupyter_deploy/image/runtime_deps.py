"""The rule for the runtime's own dependencies (uvicorn, uvloop, httptools, inference-schema, werkzeug …) in the
user's environment: they are resolved together with the user's packages, and **the user's requirements win**.

The runtime's `requirements.txt` pins the versions it is tested with. When the user's environment names one of
those packages too, the user's requirement replaces the runtime's pin, as long as it allows a version the
runtime supports (`SUPPORTED_FLOOR`); when it does not, the deployment stops before any resolution with one
sentence naming both requirements (RuntimeDependencyConflict). A clash pip finds deeper in the graph (another of
the user's packages needing, say, an older werkzeug) is reported the same way.
"""

from __future__ import annotations

import re
from typing import Optional, Sequence

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from ..environment.requirements import canonical_name, requirement_name
from ..errors import DependencyResolutionError, RuntimeDependencyConflict

# The oldest version of each runtime dependency the runtime works with (its tested pins are newer).
SUPPORTED_FLOOR = {"uvicorn": "0.30", "uvloop": "0.19", "httptools": "0.6", "inference-schema": "1.8",
                   "werkzeug": "3.0"}


def merge_runtime_requirements(user: Sequence[str], runtime: Sequence[str]) -> list[str]:
    """The user's requirements, then each runtime pin the user did not name; raises RuntimeDependencyConflict."""
    named = {requirement_name(line): line for line in user if requirement_name(line)}
    merged = list(user)
    for pin in runtime:
        name = requirement_name(pin)
        theirs = named.get(name)
        if theirs is None:
            merged.append(pin)
            continue
        if not _allows_supported(theirs, pin, name):
            floor = SUPPORTED_FLOOR.get(name)
            needed = f"{name}>={floor}" if floor else pin
            raise RuntimeDependencyConflict(
                f"The environment's requirement {theirs.strip()!r} clashes with the scoring runtime's own {needed!r} "
                f"(tested with {pin}); allow {needed} in the environment, or remove the requirement and let the "
                "runtime choose.")
    return merged


def _allows_supported(user_line: str, runtime_pin: str, name: str) -> bool:
    try:
        requirement = Requirement(user_line.split(";")[0].strip())
    except InvalidRequirement:
        return True  # a URL or option line: pip decides
    specifier = requirement.specifier
    if not str(specifier):
        return True
    floor = Version(SUPPORTED_FLOOR.get(name, "0"))
    candidates = [runtime_pin.split("==", 1)[-1]] + re.findall(r"\d+(?:\.\d+)*", str(specifier))
    for text in candidates:
        try:
            version = Version(text)
        except InvalidVersion:
            continue
        if version >= floor and specifier.contains(version, prereleases=True):
            return True
    return False


def runtime_conflict_from(error: DependencyResolutionError, user: Sequence[str],
                          runtime: Sequence[str]) -> Optional[RuntimeDependencyConflict]:
    """When pip's failure concerns one of the runtime's requirements, say so in the runtime's terms."""
    concerned = getattr(error, "requirement", None)
    runtime_names = {requirement_name(pin): pin for pin in runtime}
    if not concerned or requirement_name(concerned) not in runtime_names:
        return None
    pin = runtime_names[requirement_name(concerned)]
    detail = getattr(error, "pip_error", "") or ""
    users = [line for line in user if requirement_name(line) and canonical_name(requirement_name(line)) in detail.lower()]
    culprit = f"the environment's {users[0]!r}" if users else "another of the environment's packages"
    return RuntimeDependencyConflict(
        f"The scoring runtime's own {pin!r} clashes with {culprit} ({detail}); pin a version of "
        f"{requirement_name(pin)} both accept in the environment (the user's requirement wins).")
