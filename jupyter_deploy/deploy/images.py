"""Environment images as the workspace sees them: which services use each one, and pruning the rest.

`list_images(ws)` / `prune_images(ws)` are the Python equivalents of `jupyter-deploy image list|prune` and
`%images`. An image is in use when a service record of the workspace names it or any container on the engine
was created from it (another workspace's service, a container still starting).
"""

from __future__ import annotations

from typing import Optional

from ..image import docker_client
from ..image.inventory import (EnvironmentImage, PruneResult, environment_images, prune_environment_images,
                               used_by_containers)
from ..registry import Workspace
from .records import load_record, service_names


def list_images(workspace: Workspace, *, label: Optional[str] = None) -> list[EnvironmentImage]:
    client = docker_client()
    images = environment_images(client, label=label)
    by_tag = {tag: image for image in images for tag in image.tags}
    for name in service_names(workspace):
        record = load_record(workspace, name) or {}
        image = by_tag.get(record.get("image", ""))
        if image is None:
            continue
        image.services.append(name)
        environment = ((record.get("inference_config") or {}).get("environment") or {}).get("name")
        if environment and environment not in image.environments:
            image.environments.append(environment)
    return images


def prune_images(workspace: Workspace, *, label: Optional[str] = None) -> PruneResult:
    """Remove every environment image (dangling build stages included) no service or container uses."""
    client = docker_client()
    images = list_images(workspace, label=label)
    return prune_environment_images(client, images, used_by_containers(client))
