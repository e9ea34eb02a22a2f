"""The base image every environment image starts FROM.

Wheels are resolved on the host for the kernel's CPython, so the base image must carry the same major.minor.
No container registry is reachable here, hence the offline fallback: a Debian root filesystem made with
mmdebstrap from apt (which is reachable) and imported into Docker.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, Optional

from ..errors import BaseImageMissing, ImageBuildError

BASE_REPOSITORY = "jupyter-deploy/base"
DEFAULT_SUITE = "bookworm"
BASE_PACKAGES = ("python3", "python3-venv", "ca-certificates")

LogCallback = Optional[Callable[[str], None]]


def kernel_python_version() -> str:
    """The running interpreter's "X.Y" — the version every wheel we resolve is built for."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def official_base_tag(python_version: str) -> str:
    return f"python:{python_version}-slim"


def local_base_tag(python_version: str, suite: str = DEFAULT_SUITE) -> str:
    return f"{BASE_REPOSITORY}:python{python_version}-{suite}"


def _image_present(client, reference: str) -> bool:
    import docker.errors

    try:
        client.images.get(reference)
        return True
    except docker.errors.ImageNotFound:
        return False


def resolve_base_image(client, python_version: Optional[str] = None) -> str:
    """Pick the base image for `python_version` (default: the kernel's), preferring what is already local.

    Order: `python:X.Y-slim` locally, our `jupyter-deploy/base:pythonX.Y-bookworm`, then a pull of
    `python:X.Y-slim` (fails fast without a registry). Raises `BaseImageMissing` when none works.
    """
    import docker.errors

    version = python_version or kernel_python_version()
    official = official_base_tag(version)
    for candidate in (official, local_base_tag(version)):
        if _image_present(client, candidate):
            return candidate
    try:
        client.images.pull(official)
        return official
    except docker.errors.DockerException:
        pass
    except Exception:  # a registry that resets the connection surfaces as a requests error
        pass
    raise BaseImageMissing(
        f"No base image for Python {version}: `{official}` is not present and cannot be pulled. "
        "Build one offline from Debian packages with `jupyter-deploy base-image build`."
    )


def build_base_image(client, on_log: LogCallback = None, suite: str = DEFAULT_SUITE) -> str:
    """Build `jupyter-deploy/base:pythonX.Y-<suite>` from Debian packages and return its tag.

    Refuses (ImageBuildError) when the suite's python3 is not the kernel's major.minor, because host-resolved
    wheels would not fit it; the imported image is removed again in that case.
    """
    mmdebstrap = shutil.which("mmdebstrap")
    if mmdebstrap is None:
        raise ImageBuildError(
            "Building the base image needs mmdebstrap, which is not installed; install it with "
            "`sudo apt-get install mmdebstrap` and retry."
        )
    log = on_log or (lambda line: None)
    workdir = Path(tempfile.mkdtemp(prefix="jupyter-deploy-base-"))
    try:
        rootfs = workdir / "rootfs.tar"
        _run_mmdebstrap(mmdebstrap, suite, rootfs, log)
        log("Importing the root filesystem into Docker")
        image_id = _import_rootfs(client, rootfs)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    image_python = _python_version_inside(client, image_id)
    kernel = kernel_python_version()
    if image_python != kernel:
        _remove_image_quietly(client, image_id)
        raise ImageBuildError(
            f"Debian {suite}'s python3 is {image_python} but this kernel runs Python {kernel}, so wheels resolved "
            f"here would not fit; build with a suite whose python3 is {kernel} or run the kernel on {image_python}."
        )
    tag = local_base_tag(image_python, suite)
    repository, _, tag_name = tag.partition(":")
    client.api.tag(image_id, repository, tag_name)
    log(f"Tagged {tag}")
    return tag


def _run_mmdebstrap(mmdebstrap: str, suite: str, target: Path, log: Callable[[str], None]) -> None:
    command = [
        mmdebstrap,
        "--variant=minbase",
        f"--include={','.join(BASE_PACKAGES)}",
        suite,
        str(target),
    ]
    log("$ " + " ".join(command))
    tail: list[str] = []
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    assert process.stdout is not None
    for line in process.stdout:
        line = line.rstrip("\n")
        tail = (tail + [line])[-5:]
        log(line)
    if process.wait() != 0 or not target.exists():
        last = " | ".join(l for l in tail if l.strip()) or "no output"
        raise ImageBuildError(
            f"mmdebstrap could not create the Debian {suite} root filesystem (last output: {last}); "
            "check that the Debian mirror is reachable with `apt-get update`."
        )


def _import_rootfs(client, rootfs: Path) -> str:
    changes = [
        "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "ENV LANG=C.UTF-8",
        "LABEL jupyter-deploy.kind=base",
        'CMD ["python3"]',
    ]
    response = client.api.import_image(src=str(rootfs), changes=changes)
    image_id = None
    for raw in str(response).splitlines():
        raw = raw.strip()
        if not raw:
            continue
        try:
            message = json.loads(raw)
        except ValueError:
            continue
        if "error" in message:
            raise ImageBuildError(f"Docker could not import the base root filesystem: {message['error']}.")
        status = str(message.get("status", ""))
        if status.startswith("sha256:"):
            image_id = status
    if image_id is None:
        raise ImageBuildError(f"Docker did not report an image id when importing the base root filesystem ({response!r}).")
    return image_id


def _python_version_inside(client, image_id: str) -> str:
    output = client.containers.run(
        image_id,
        ["python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        remove=True,
        network_disabled=True,
    )
    return output.decode().strip()


def _remove_image_quietly(client, image_id: str) -> None:
    try:
        client.images.remove(image_id, force=True)
    except Exception:
        pass
