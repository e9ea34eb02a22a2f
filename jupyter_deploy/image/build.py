"""Build (or reuse) the Docker image an Environment runs in.

The tag is derived from everything that goes into the image — base image id, the exact wheel files, the
runtime's source and the build recipe — so an existing tag means there is nothing to build. The default build
installs with uv in one container and commits it (`commit_build`); the multi-stage Dockerfile below (wheels
only in the `deps` stage, the venv copied into the final one) is the reference `bench/cold_build.py` measures
it against.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from ..environment import Environment
from ..errors import DependencyResolutionError, DeployWarning, ImageBuildError
from ..runtime import settings as contract
from .base import kernel_python_version, resolve_base_image
from .commit_build import commit_build
from .commit_build import recipe as commit_recipe
from .resolved import uv_command
from .runtime_deps import merge_runtime_requirements, runtime_conflict_from
from .wheels import cache_dir, resolve_wheels

RUNTIME_DIR = Path(contract.__file__).resolve().parent
ENV_REPOSITORY = "jupyter-deploy/env"
BUILD_LOG_TAIL = 15

LogCallback = Optional[Callable[[str], None]]

DOCKERFILE_TEMPLATE = """\
# Rendered by jupyter_deploy.image.build — wheels were resolved on the host.
FROM {base} AS deps
LABEL jupyter-deploy.kind="environment-deps" jupyter-deploy.environment={name_label}
COPY wheels/ /tmp/wheels/
COPY requirements.lock /tmp/requirements.lock
RUN python3 -m venv /opt/venv \\
 && /opt/venv/bin/pip install --no-index --no-cache-dir --disable-pip-version-check \\
      --find-links /tmp/wheels -r /tmp/requirements.lock

FROM {base}
RUN if getent passwd {uid} >/dev/null 2>&1; then :; \\
    elif command -v useradd >/dev/null 2>&1; then \\
      groupadd --gid {uid} azureml && useradd --uid {uid} --gid {uid} --create-home --shell /bin/sh azureml; \\
    else \\
      echo 'azureml:x:{uid}:{uid}::/home/azureml:/bin/sh' >> /etc/passwd \\
      && echo 'azureml:x:{uid}:' >> /etc/group && mkdir -p /home/azureml && chown {uid}:{uid} /home/azureml; \\
    fi \\
 && mkdir -p {app_root} && chown {uid}:{uid} {app_root}
COPY --from=deps /opt/venv /opt/venv
COPY runtime/ /opt/jupyter-deploy/{runtime_package}/
ENV PATH=/opt/venv/bin:$PATH \\
    PYTHONPATH=/opt/jupyter-deploy:/opt/jupyter-deploy/{runtime_package}/shims \\
    AML_APP_ROOT={app_root} \\
    PYTHONUNBUFFERED=1 \\
    PYTHONDONTWRITEBYTECODE=1
LABEL jupyter-deploy.kind="environment" jupyter-deploy.environment={name_label}
WORKDIR {app_root}
USER {uid}:{uid}
EXPOSE {port}
CMD ["python", "-m", "{runtime_package}"]
"""


@dataclass(frozen=True)
class ImageInfo:
    tag: str
    id: str
    built: bool
    base_image: str


def ensure_environment_image(client, environment: Environment, on_log: LogCallback = None, *,
                             runtime_dir: Path = RUNTIME_DIR, no_cache: bool = False,
                             method: str = "commit") -> ImageInfo:
    """Return the image for `environment`, building it only when no image with the same content tag exists.

    Raises BaseImageMissing, DependencyResolutionError or ImageBuildError with a message for the user.
    `no_cache=True` rebuilds every layer even when the tag exists (a truly cold build, for benchmarks).
    `method="commit"` (uv in one container, then `docker commit`; see `commit_build`) is the default;
    `"dockerfile"` is the multi-stage pip build it replaced, kept as the benchmark's reference.
    """
    import docker.errors

    log = on_log or (lambda line: None)
    if getattr(environment.docker, "base_image", None):
        warnings.warn(
            f"Environment '{environment.name}' sets docker.base_image={environment.docker.base_image!r}, which is ignored: "
            "no registry is reachable, so images are built on the local jupyter-deploy base image.",
            DeployWarning,
            stacklevel=2,
        )
    base = resolve_base_image(client, kernel_python_version())
    base_id = client.images.get(base).id
    runtime_files = _runtime_files(runtime_dir)
    requirements = image_requirements(environment, runtime_dir)
    try:
        wheels = resolve_wheels(requirements, on_log=log)
    except DependencyResolutionError as error:
        conflict = runtime_conflict_from(error, environment.pip_requirements(), runtime_requirements(runtime_dir))
        raise (conflict or _with_conda_origin(error, environment)) from None

    uv = uv_command() if method == "commit" else None
    if uv is None:
        method = "dockerfile"
    # The commit recipe does not depend on the environment's name: one image per distinct content.
    recipe_text = render_dockerfile(base, environment.name) if method == "dockerfile" else commit_recipe()
    tag = f"{ENV_REPOSITORY}:{_content_hash(base_id, wheels, runtime_files, recipe_text)[:12]}"
    try:
        existing = client.images.get(tag)
        if not no_cache:
            log(f"Image {tag} is up to date (no build needed)")
            return ImageInfo(tag=tag, id=existing.id, built=False, base_image=base)
    except docker.errors.ImageNotFound:
        pass

    log(f"Building {tag} on {base} ({len(wheels)} wheels)")
    if method == "commit":
        repository, short = tag.split(":")
        labels = {"jupyter-deploy.kind": "environment", "jupyter-deploy.environment": environment.name}
        image_id = commit_build(client, repository, short, base, wheels, runtime_files, labels, uv[0], log)
        return ImageInfo(tag=tag, id=image_id, built=True, base_image=base)
    _build(client, tag, recipe_text, wheels, runtime_files, log, no_cache=no_cache)
    return ImageInfo(tag=tag, id=client.images.get(tag).id, built=True, base_image=base)


def render_dockerfile(base: str, environment_name: str) -> str:
    return DOCKERFILE_TEMPLATE.format(
        base=base, uid=contract.CONTAINER_UID, app_root=contract.DEFAULT_APP_ROOT, port=contract.CONTAINER_PORT,
        runtime_package=contract.RUNTIME_PACKAGE, name_label=json.dumps(environment_name),
    )


def image_requirements(environment: Environment, runtime_dir: Path = RUNTIME_DIR) -> list[str]:
    """Everything pip installs into the environment's image: the user's requirements, then the runtime's pins
    the user did not name (the user's requirements win; see `runtime_deps`)."""
    return merge_runtime_requirements(environment.pip_requirements(), runtime_requirements(runtime_dir))


def runtime_requirements(runtime_dir: Path = RUNTIME_DIR) -> list[str]:
    """The runtime's own pinned requirements (web server, schema decorators), installed in every image."""
    path = runtime_dir / "requirements.txt"
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ImageBuildError(
            f"The runtime requirements {path} are missing, so this jupyter-deploy installation is incomplete; reinstall it."
        ) from None
    lines = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def _runtime_files(runtime_dir: Path) -> list[tuple[str, Path]]:
    """(relative path, file) for the runtime package, without caches — sorted for a stable hash and tar."""
    if not (runtime_dir / "__main__.py").is_file():
        raise ImageBuildError(
            f"The runtime package {runtime_dir} has no __main__.py, so this jupyter-deploy installation is incomplete; reinstall it."
        )
    files = []
    for path in sorted(runtime_dir.rglob("*")):
        relative = path.relative_to(runtime_dir)
        if "__pycache__" in relative.parts or path.suffix in (".pyc", ".pyo") or not path.is_file():
            continue
        files.append((relative.as_posix(), path))
    return files


def _content_hash(base_id: str, wheels: list[Path], runtime_files: list[tuple[str, Path]], dockerfile: str) -> str:
    digest = hashlib.sha256()
    digest.update(f"base {base_id}\n".encode())
    for wheel in sorted(wheels, key=lambda p: p.name):
        digest.update(f"wheel {wheel.name}\n".encode())
    for relative, path in runtime_files:
        digest.update(f"runtime {relative} {hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
    digest.update(dockerfile.encode())
    return digest.hexdigest()


def _with_conda_origin(error: DependencyResolutionError, environment: Environment) -> DependencyResolutionError:
    """Point at the conda list when the failing requirement was translated from a conda name."""
    requirement = getattr(error, "requirement", None)
    origin = environment.conda_origin(requirement) if requirement else None
    if origin is None:
        return error
    wrapped = DependencyResolutionError(
        f"pip could not resolve {requirement!r}, translated from the conda dependency {origin!r} in "
        f"{environment.source} ({getattr(error, 'pip_error', 'no matching distribution')}); conda names outside "
        "the mapping table are passed to pip unchanged, so list the PyPI name under 'pip:' instead."
    )
    wrapped.requirement = requirement
    wrapped.pip_error = getattr(error, "pip_error", None)
    return wrapped


def _build(client, tag: str, dockerfile: str, wheels: list[Path], runtime_files: list[tuple[str, Path]],
           log: Callable[[str], None], no_cache: bool = False) -> None:
    staging_root = cache_dir() / "tmp"
    staging_root.mkdir(parents=True, exist_ok=True)
    context = Path(tempfile.mkdtemp(prefix="context-", dir=staging_root))
    try:
        _stage_context(context, dockerfile, wheels, runtime_files)
        with tempfile.TemporaryFile(dir=staging_root) as archive:
            _write_tar(context, archive)
            archive.seek(0)
            _stream_build(client, archive, tag, log, no_cache=no_cache)
    finally:
        shutil.rmtree(context, ignore_errors=True)


def _stage_context(context: Path, dockerfile: str, wheels: list[Path], runtime_files: list[tuple[str, Path]]) -> None:
    (context / "Dockerfile").write_text(dockerfile)
    wheel_dir = context / "wheels"
    wheel_dir.mkdir()
    for wheel in wheels:
        _link_or_copy(wheel, wheel_dir / wheel.name)
    (context / "requirements.lock").write_text("".join(f"/tmp/wheels/{w.name}\n" for w in sorted(wheels, key=lambda p: p.name)))
    for relative, path in runtime_files:
        target = context / "runtime" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        _link_or_copy(path, target)


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _write_tar(context: Path, fileobj) -> None:
    """Root-owned, world-readable entries with a fixed mtime: the non-root user can read them and caching is stable."""

    def normalize(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        info.mtime = 0
        info.mode = 0o755 if info.isdir() or info.mode & 0o111 else 0o644
        return info

    with tarfile.open(fileobj=fileobj, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(context.rglob("*")):
            tar.add(path, arcname=path.relative_to(context).as_posix(), recursive=False, filter=normalize)


def _stream_build(client, archive, tag: str, log: Callable[[str], None], no_cache: bool = False) -> None:
    import docker.errors

    tail: list[str] = []
    failure: Optional[str] = None
    try:
        for chunk in client.api.build(fileobj=archive, custom_context=True, tag=tag, rm=True, forcerm=True,
                                      decode=True, pull=False, nocache=no_cache):
            if "stream" in chunk:
                for line in str(chunk["stream"]).splitlines():
                    if line.strip():
                        tail = (tail + [line])[-BUILD_LOG_TAIL:]
                        log(line)
            if "error" in chunk:
                failure = str(chunk.get("error", "")).strip()
                log(failure)
    except docker.errors.APIError as error:
        failure = error.explanation or str(error)
    if failure is not None:
        shown = "\n".join(tail[-8:])
        raise ImageBuildError(
            f"Building the environment image failed: {failure.splitlines()[-1] if failure else 'unknown error'}; "
            f"the last build output was:\n{shown}"
        )
