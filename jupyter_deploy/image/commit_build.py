"""The fast build: install the wheels in one container from the base image, then `docker commit` it.

Why not a Dockerfile: its build context carries every wheel (a 2.6 GB tar for TensorFlow), a multi-stage build
copies the whole virtualenv from one stage to the next (81 s of a 229 s cold build), and pip installs one wheel
at a time. Here the host's wheel cache and the host's uv are bind-mounted read-only into a container with no
network, uv installs every wheel in parallel straight into the final venv, and the committed image holds that
venv and the runtime — no wheels, no intermediate stage, nothing to prune. uv unpacks each wheel once, into a
cache on the container's own filesystem, and hard-links the files into the venv (copying them again took 8 s
of the sentiment build); the cache's links are removed before the commit, so the image holds one copy. The container is removed whatever
happens, so a failed build leaves no container and no image.
"""

from __future__ import annotations

import io
import os
import shutil
import tarfile
from pathlib import Path
from typing import Callable, Optional

from ..errors import ImageBuildError
from ..runtime import settings as contract

BUILD_LABEL = {"jupyter-deploy.kind": "environment-build"}
LOCK_PATH = "/tmp/requirements.lock"
WHEELS_MOUNT = "/opt/jupyter-deploy-wheels"
UV_MOUNT = "/opt/jupyter-deploy-uv/uv"
BUILD_LOG_TAIL = 15

RECIPE = """\
set -e
if getent passwd {uid} >/dev/null 2>&1; then :;
elif command -v useradd >/dev/null 2>&1; then
  groupadd --gid {uid} azureml && useradd --uid {uid} --gid {uid} --create-home --shell /bin/sh azureml;
else
  echo 'azureml:x:{uid}:{uid}::/home/azureml:/bin/sh' >> /etc/passwd
  echo 'azureml:x:{uid}:' >> /etc/group && mkdir -p /home/azureml && chown {uid}:{uid} /home/azureml;
fi
mkdir -p {app_root} && chown {uid}:{uid} {app_root}
python3 -m venv --without-pip /opt/venv
UV_NO_CONFIG=1 {uv} pip install --python /opt/venv/bin/python --offline --no-index --no-deps \\
  --cache-dir /tmp/uv-cache --link-mode hardlink --compile-bytecode -r {lock}
rm -rf {lock} /tmp/uv-cache
echo "Installed the environment into /opt/venv"
"""


def recipe() -> str:
    """The shell script the build container runs (part of the image's content hash)."""
    return RECIPE.format(uid=contract.CONTAINER_UID, app_root=contract.DEFAULT_APP_ROOT, uv=UV_MOUNT, lock=LOCK_PATH)


def commit_build(client, repository: str, tag: str, base: str, wheels: list[Path], runtime_files: list[tuple[str, Path]],
                 labels: dict[str, str], uv_binary: str, log: Callable[[str], None]) -> str:
    """Build `repository:tag`; returns the image id. Raises ImageBuildError with the end of the install log."""
    import docker.errors

    wheel_dirs = {wheel.parent for wheel in wheels}
    if len(wheel_dirs) > 1:
        raise ImageBuildError("The resolved wheels are in several folders; clear ~/.cache/jupyter-deploy/locks and retry.")
    mounts = {str(_uv_folder(uv_binary)): {"bind": str(Path(UV_MOUNT).parent), "mode": "ro"}}
    if wheel_dirs:
        mounts[str(next(iter(wheel_dirs)))] = {"bind": WHEELS_MOUNT, "mode": "ro"}
    base_env = client.images.get(base).attrs.get("Config", {}).get("Env") or []
    base_path = next((e.split("=", 1)[1] for e in base_env if e.startswith("PATH=")), "/usr/local/bin:/usr/bin:/bin")
    container = client.containers.create(base, ["sh", "-c", recipe()], user="0", volumes=mounts, labels=BUILD_LABEL,
                                         network_disabled=True, detach=True)
    try:
        container.put_archive("/", _archive(wheels, runtime_files))
        container.start()
        tail: list[str] = []
        for chunk in container.logs(stream=True, follow=True):
            for line in chunk.decode("utf-8", "replace").splitlines():
                if line.strip():
                    tail = (tail + [line])[-BUILD_LOG_TAIL:]
                    log(line)
        status = container.wait().get("StatusCode", 1)
        if status != 0:
            shown = "\n".join(tail[-8:])
            raise ImageBuildError(
                f"Installing the environment's wheels failed (exit {status}); the last build output was:\n{shown}")
        package = contract.RUNTIME_PACKAGE
        changes = [
            f"ENV PATH=/opt/venv/bin:{base_path}",
            f"ENV PYTHONPATH=/opt/jupyter-deploy:/opt/jupyter-deploy/{package}/shims",
            f"ENV AML_APP_ROOT={contract.DEFAULT_APP_ROOT}",
            "ENV PYTHONUNBUFFERED=1",
            "ENV PYTHONDONTWRITEBYTECODE=1",
            *[f"LABEL {key}={_quoted(value)}" for key, value in labels.items()],
            f"WORKDIR {contract.DEFAULT_APP_ROOT}",
            f"USER {contract.CONTAINER_UID}:{contract.CONTAINER_UID}",
            f"EXPOSE {contract.CONTAINER_PORT}",
            f'CMD ["python", "-m", "{package}"]',
        ]
        image = container.commit(repository=repository, tag=tag, changes=changes)
        log(f"Successfully built {image.short_id.split(':')[-1]} (committed as {repository}:{tag})")
        return image.id
    except docker.errors.APIError as error:
        raise ImageBuildError(f"Building the environment image failed: {error.explanation or error}.") from None
    finally:
        try:
            container.remove(force=True)
        except docker.errors.APIError:
            pass


def _uv_folder(uv_binary: str) -> Path:
    """A folder holding only uv (a single-file bind mount of it is refused by some engines)."""
    from .wheels import cache_dir

    folder = cache_dir() / "uv-bin"
    target = folder / "uv"
    source = Path(uv_binary)
    if not target.is_file() or target.stat().st_size != source.stat().st_size:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".uv-{os.getpid()}"
        shutil.copy2(source, temporary)
        os.replace(temporary, target)
    return folder


def _quoted(value: str) -> str:
    import json

    return json.dumps(value)


def _archive(wheels: list[Path], runtime_files: list[tuple[str, Path]]) -> bytes:
    """The lock (wheel paths as mounted) and the runtime package, root-owned and world-readable."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        lock = "".join(f"{WHEELS_MOUNT}/{wheel.name}\n" for wheel in sorted(wheels, key=lambda p: p.name)).encode()
        _add_bytes(tar, LOCK_PATH.lstrip("/"), lock)
        root = f"opt/jupyter-deploy/{contract.RUNTIME_PACKAGE}"
        for directory in sorted({Path(root, relative).parent.as_posix() for relative, _ in runtime_files} | {root}):
            parts = Path(directory).parts
            for depth in range(1, len(parts) + 1):
                _add_dir(tar, "/".join(parts[:depth]))
        for relative, path in runtime_files:
            _add_bytes(tar, f"{root}/{relative}", path.read_bytes())
    return buffer.getvalue()



def _add_dir(tar: tarfile.TarFile, name: str) -> None:
    if name in tar.getnames():
        return
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    tar.addfile(info)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))
