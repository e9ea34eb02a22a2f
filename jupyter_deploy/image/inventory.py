"""The environment images on the engine: what each weighs, and removing the ones nothing uses.

Images are content-addressed (`jupyter-deploy/env:<hash>`), so one image serves every environment with the same
content, whatever its name. Which services use an image is the caller's knowledge (the deploy room keeps the
records); this module only reads and removes images, by id, and only ours: the `jupyter-deploy/env` repository
and the untagged build stages labelled `jupyter-deploy.kind=environment-deps` (or left dangling by a rebuild).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..shapes import ImageShape
from .build import ENV_REPOSITORY

KIND_LABEL = "jupyter-deploy.kind"
OUR_KINDS = ("environment", "environment-deps")


@dataclass
class EnvironmentImage:
    id: str
    tags: list[str]
    size: int  # bytes, as the engine reports it (shared base layers included)
    unique_size: int  # bytes only this image holds: what removing it frees
    created: str
    kind: str
    environments: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)

    @property
    def tag(self) -> str:
        return self.tags[0] if self.tags else "<none>"

    def serialize(self) -> dict:
        return ImageShape(id=self.id, tag=self.tag, tags=self.tags, size=self.size, unique_size=self.unique_size,
                          created=self.created, kind=self.kind, environments=self.environments,
                          services=self.services).dump()


@dataclass
class PruneResult:
    removed: list[EnvironmentImage]
    kept: list[EnvironmentImage]

    @property
    def freed_bytes(self) -> int:
        return sum(image.unique_size for image in self.removed)

    def summary(self) -> str:
        return (f"Removed {len(self.removed)} image{'s' if len(self.removed) != 1 else ''} no service uses, "
                f"freeing {human_size(self.freed_bytes)}; kept {len(self.kept)} in use.")


def environment_images(client, *, label: Optional[str] = None) -> list[EnvironmentImage]:
    """Our images (tagged and dangling build stages), newest first; `label` narrows to images carrying it."""
    unique = {entry["Id"]: max(0, entry.get("Size", 0) - max(entry.get("SharedSize", 0), 0))
              for entry in client.df().get("Images") or []}
    found = []
    for image in client.images.list(all=False, filters={"label": label} if label else None):
        labels = image.labels or {}
        kind = labels.get(KIND_LABEL)
        ours_by_tag = any(tag.startswith(ENV_REPOSITORY + ":") for tag in image.tags)
        if kind not in OUR_KINDS and not ours_by_tag:
            continue
        name = labels.get("jupyter-deploy.environment")
        found.append(EnvironmentImage(
            id=image.id, tags=sorted(image.tags), size=int(image.attrs.get("Size", 0)),
            unique_size=int(unique.get(image.id, image.attrs.get("Size", 0))), created=image.attrs.get("Created", ""),
            kind=kind or "environment", environments=[name] if name else []))
    return sorted(found, key=lambda image: image.created, reverse=True)


def used_by_containers(client) -> set[str]:
    """Ids of the images any container (running or not, of any workspace) was created from."""
    return {container.attrs.get("Image", "") for container in client.containers.list(all=True)}


def prune_environment_images(client, images: list[EnvironmentImage], in_use: set[str]) -> PruneResult:
    """Remove, by id, every image in `images` whose id and tags are not in `in_use`; never forced."""
    import docker.errors

    removed, kept = [], []
    for image in images:
        if image.id in in_use or any(tag in in_use for tag in image.tags) or image.services:
            kept.append(image)
            continue
        try:
            client.images.remove(image.id, force=False, noprune=False)
            removed.append(image)
        except docker.errors.ImageNotFound:
            continue
        except docker.errors.APIError:  # a container appeared meanwhile, or a child image depends on it
            kept.append(image)
    return PruneResult(removed, kept)


def human_size(size: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.2f} {unit}"
        size /= 1000
    return f"{size:.2f} GB"
