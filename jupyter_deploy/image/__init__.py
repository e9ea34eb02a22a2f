"""Everything that turns an Environment into a Docker image: base image, host-resolved wheels, the build."""

from .base import build_base_image, kernel_python_version, resolve_base_image
from .build import ImageInfo, ensure_environment_image
from .dependencies import cache_dir, resolve_wheels

__all__ = [
    "ImageInfo",
    "build_base_image",
    "cache_dir",
    "ensure_environment_image",
    "kernel_python_version",
    "resolve_base_image",
    "resolve_wheels",
]
