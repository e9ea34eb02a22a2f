"""The service image: an environment image plus the models and the app source, as one thin layer on top.

Cluster nodes (and any other Docker host) do not share this host's workspace, so models cannot be bind-mounted
as the local target does: they travel in the image. The environment image stays shared and cached; this layer
is only the model files, the app source and the variables that say where they are. Its tag is derived from
what goes in, so deploying the same thing twice builds nothing.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from ..errors import ImageBuildError
from ..runtime import settings as contract
from .wheels import cache_dir

SERVICE_REPOSITORY = "jupyter-deploy/service"

LAYER_TEMPLATE = """\
FROM {base}
COPY --chown={uid}:{uid} app/ {app_root}/
COPY models/ {app_root}/{models_folder}/
ENV {environment}
LABEL jupyter-deploy.kind="service" jupyter-deploy.service={name_label}
"""


@dataclass
class LayerContent:
    """What goes into the layer: (model folder, "name/version") pairs, app files, and environment variables."""

    name: str
    models: list[tuple[Path, str]]
    app_files: list[tuple[Path, str]]
    environment: dict[str, str] = field(default_factory=dict)


def render_layer_dockerfile(base: str, content: LayerContent) -> str:
    env = " \\\n    ".join(f"{key}={json.dumps(str(value))}" for key, value in sorted(content.environment.items()))
    return LAYER_TEMPLATE.format(base=base, uid=contract.CONTAINER_UID, app_root=contract.DEFAULT_APP_ROOT,
                                 models_folder=contract.MODELS_FOLDER, environment=env or 'JUPYTER_DEPLOY_LAYER="1"',
                                 name_label=json.dumps(content.name))


def stage_layer(context: Path, content: LayerContent) -> None:
    """`app/` and `models/<name>/<version>/` under `context` (hard links where possible)."""
    (context / "app").mkdir(parents=True, exist_ok=True)
    (context / "models").mkdir(parents=True, exist_ok=True)
    for path, arcname in content.app_files:
        _link_or_copy(Path(path), context / "app" / arcname)
    for folder, relative in content.models:
        target = context / "models" / relative
        for source in sorted(Path(folder).rglob("*")):
            if source.is_file():
                _link_or_copy(source, target / source.relative_to(folder))


def ensure_service_image(client, base_tag: str, content: LayerContent, on_log: Optional[Callable[[str], None]] = None,
                         repository: str = SERVICE_REPOSITORY) -> str:
    """The tag of `base_tag` + models + app, built only when no image with the same content exists."""
    import docker.errors

    log = on_log or (lambda line: None)
    dockerfile = render_layer_dockerfile(base_tag, content)
    tag = f"{repository}:{content.name}-{_content_hash(client.images.get(base_tag).id, dockerfile, content)[:12]}"
    try:
        client.images.get(tag)
        log(f"Service image {tag} is up to date (no build needed)")
        return tag
    except docker.errors.ImageNotFound:
        pass
    log(f"Adding the models and the app to {base_tag} as {tag}")
    staging_root = cache_dir() / "tmp"
    staging_root.mkdir(parents=True, exist_ok=True)
    context = Path(tempfile.mkdtemp(prefix="layer-", dir=staging_root))
    try:
        (context / "Dockerfile").write_text(dockerfile)
        stage_layer(context, content)
        with tempfile.TemporaryFile(dir=staging_root) as archive:
            with tarfile.open(fileobj=archive, mode="w") as tar:
                for path in sorted(context.rglob("*")):
                    tar.add(path, arcname=path.relative_to(context).as_posix(), recursive=False, filter=_normalize)
            archive.seek(0)
            failure = None
            for chunk in client.api.build(fileobj=archive, custom_context=True, tag=tag, rm=True, forcerm=True,
                                          decode=True, pull=False):
                if "stream" in chunk and str(chunk["stream"]).strip():
                    log(str(chunk["stream"]).rstrip())
                if "error" in chunk:
                    failure = str(chunk["error"]).strip()
            if failure:
                raise ImageBuildError(f"Adding the models to the service image failed: {failure}")
    finally:
        shutil.rmtree(context, ignore_errors=True)
    return tag


def _content_hash(base_id: str, dockerfile: str, content: LayerContent) -> str:
    digest = hashlib.sha256(f"base {base_id}\n{dockerfile}".encode())
    for path, arcname in content.app_files:
        digest.update(f"app {arcname} {hashlib.sha256(Path(path).read_bytes()).hexdigest()}\n".encode())
    for folder, relative in content.models:  # registered versions are immutable: their files never change
        for source in sorted(Path(folder).rglob("*")):
            if source.is_file():
                digest.update(f"model {relative}/{source.relative_to(folder).as_posix()} {source.stat().st_size}\n".encode())
    return digest.hexdigest()


def _normalize(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mode = 0o755 if info.isdir() or info.mode & 0o111 else 0o644
    return info


def _link_or_copy(source: Path, target: Path) -> None:
    import os

    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def stage_portable_context(context: Path, environment, content: LayerContent, base: str,
                           on_log: Optional[Callable[[str], None]] = None) -> None:
    """A build context that needs nothing of this host: the environment's Dockerfile stages (wheels resolved
    here, shipped in `wheels/`), then the model layer on top, in one Dockerfile for plain `docker build`."""
    from .build import _runtime_files, _stage_context, render_dockerfile, runtime_requirements  # same room
    from .wheels import resolve_wheels

    wheels = resolve_wheels(environment.pip_requirements() + runtime_requirements(), on_log=on_log)
    # `docker build --build-arg BASE_IMAGE=…` picks another base (e.g. a mirror); the default is the official one
    environment_stages = f"ARG BASE_IMAGE={base}\n" + render_dockerfile("${BASE_IMAGE}", environment.name)
    layer = render_layer_dockerfile(base, content).split("\n", 1)[1]  # the same layer, without its FROM line
    context.mkdir(parents=True, exist_ok=True)
    _stage_context(context, environment_stages + "\n# the models and the app (jupyter_deploy.image.model_layer)\n" + layer,
                   wheels, _runtime_files(Path(contract.__file__).resolve().parent))
    stage_layer(context, content)
    (context / ".dockerignore").write_text("**/__pycache__\n")
