"""Everything that turns an Environment into a Docker image: base image, host-resolved wheels, the build, and the
one connection to the Docker engine every other room uses."""

from .base import build_base_image, kernel_python_version, resolve_base_image
from .build import ImageInfo, ensure_environment_image, image_requirements
from .docker_engine import docker_client, reset_docker_client
from .resolved import ResolvedDistribution, resolved_distributions
from .wheels import cache_dir, resolve_wheels

__all__ = [
    "ImageInfo",
    "ResolvedDistribution",
    "build_base_image",
    "cache_dir",
    "docker_client",
    "ensure_environment_image",
    "image_requirements",
    "kernel_python_version",
    "reset_docker_client",
    "resolve_base_image",
    "resolve_wheels",
    "resolved_distributions",
]
