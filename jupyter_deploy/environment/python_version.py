"""The python version an environment asks for, against the one every image has (the kernel's).

Wheels are resolved on the host for the kernel's CPython, so the base image carries the same major.minor; a
spec asking for another version is built with the kernel's, with a warning naming both.
"""

from __future__ import annotations

import re
import sys
import warnings

from ..errors import DeployWarning


def python_pin_fits_kernel(requested: str) -> bool:
    kernel = f"{sys.version_info.major}.{sys.version_info.minor}"
    if re.match(r"^(==|[<>!~])", requested) and not requested.startswith("=="):
        try:
            from packaging.specifiers import InvalidSpecifier, SpecifierSet
        except ImportError:
            return True  # cannot judge a range without packaging; do not cry wolf
        try:
            return SpecifierSet(requested).contains(f"{kernel}.{sys.version_info.micro}", prereleases=True)
        except InvalidSpecifier:
            return False
    numbers = re.findall(r"\d+", requested)
    if len(numbers) == 1:
        return numbers[0] == str(sys.version_info.major)
    return len(numbers) >= 2 and f"{numbers[0]}.{numbers[1]}" == kernel


def warn_if_python_differs(requested: str, source: str) -> None:
    """The image always runs the kernel's Python (host-resolved wheels must fit it); say so when the spec differs."""
    if python_pin_fits_kernel(requested):
        return
    kernel = f"{sys.version_info.major}.{sys.version_info.minor}"
    shown = requested if re.match(r"^[<>!~=]", requested) else f"={requested}"
    warnings.warn(
        f"{source} asks for python{shown} but the base image has Python {kernel}; building with {kernel}.",
        DeployWarning,
        stacklevel=4,
    )
