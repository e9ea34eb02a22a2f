"""Base image and environment image against the real Docker engine and real pip (never mocked).

Only images these tests create are removed; the shared base image is kept (building it twice is harmless).
"""

from __future__ import annotations

import uuid

import docker.errors
import pytest

from jupyter_deploy.environment import CondaDependencies, Environment
from jupyter_deploy.errors import BaseImageMissing, DependencyResolutionError
from jupyter_deploy.image import build_base_image, ensure_environment_image, kernel_python_version, resolve_base_image
from jupyter_deploy.image.base import local_base_tag
from jupyter_deploy.image.build import RUNTIME_DIR

pytestmark = pytest.mark.docker

RUNTIME_READY = (RUNTIME_DIR / "__main__.py").is_file() and (RUNTIME_DIR / "requirements.txt").is_file()


@pytest.fixture(scope="session")
def base_image(docker_engine):
    try:
        return resolve_base_image(docker_engine)
    except BaseImageMissing:
        return build_base_image(docker_engine)


@pytest.fixture(scope="session")
def runtime_dir(tmp_path_factory):
    """The real runtime package; a minimal stand-in only while it is still being written."""
    if RUNTIME_READY:
        return RUNTIME_DIR
    stand_in = tmp_path_factory.mktemp("runtime")
    (stand_in / "__init__.py").write_text("")
    (stand_in / "__main__.py").write_text("print('runtime stand-in')\n")
    (stand_in / "requirements.txt").write_text("uvicorn==0.*\nuvloop\nhttptools\ninference-schema\n")
    return stand_in


@pytest.fixture
def created_images(docker_engine):
    """Tags a test registers here are removed afterwards — only if the test itself created them."""
    tags: list[str] = []
    yield tags
    for tag in tags:
        try:
            docker_engine.images.remove(tag, force=True)
        except docker.errors.ImageNotFound:
            pass


def yaml_environment() -> Environment:
    # The tag depends on the content only (not the name); created_images removes it after each test.
    env = Environment(f"it-yaml-{uuid.uuid4().hex[:8]}")
    env.python.conda_dependencies = CondaDependencies.create(pip_packages=["pyyaml"])
    return env


def test_base_image_matches_the_kernel_python(docker_engine, base_image):
    output = docker_engine.containers.run(
        base_image, ["python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        remove=True, network_disabled=True,
    )
    assert output.decode().strip() == kernel_python_version()


def test_environment_image_builds_once_then_is_reused(docker_engine, base_image, runtime_dir, created_images):
    env = yaml_environment()
    logs: list[str] = []
    first = ensure_environment_image(docker_engine, env, on_log=logs.append, runtime_dir=runtime_dir)
    created_images.append(first.tag)
    assert first.built is True
    assert first.base_image == base_image
    assert first.tag.startswith("jupyter-deploy/env:") and len(first.tag.split(":")[1]) == 12
    assert any("Successfully built" in line for line in logs)

    second_logs: list[str] = []
    second = ensure_environment_image(docker_engine, env, on_log=second_logs.append, runtime_dir=runtime_dir)
    created_images.append(second.tag)  # differs only if the runtime source changed in between
    assert (second.tag, second.id, second.built) == (first.tag, first.id, False)
    # warm: the lock answered (no pip run) and no build ran (how fast that is, bench/deploy_loop.py measures)
    assert any("no resolution needed" in line for line in second_logs), second_logs
    assert not any("Successfully built" in line for line in second_logs), second_logs

    labels = docker_engine.images.get(first.tag).labels
    assert labels["jupyter-deploy.kind"] == "environment"
    assert labels["jupyter-deploy.environment"] == env.name

    imports = "import yaml, uvicorn" + (", jupyter_deploy_runtime" if RUNTIME_READY else "")
    script = (
        f"{imports}; import os, pathlib; "
        "assert os.getuid() == 1000, os.getuid(); "
        "pathlib.Path('/var/azureml-app/probe').write_text('ok'); "
        "assert not pathlib.Path('/tmp/wheels').exists(); "
        "print('ok')"
    )
    output = docker_engine.containers.run(first.tag, ["python", "-c", script], remove=True, network_disabled=True)
    assert output.decode().strip() == "ok"


def test_missing_base_image_says_how_to_build_one(docker_engine):
    with pytest.raises(BaseImageMissing) as raised:
        resolve_base_image(docker_engine, "3.99")
    assert "jupyter-deploy base-image build" in str(raised.value)
    assert "python:3.99-slim" in str(raised.value)
    assert local_base_tag("3.99") not in {t for image in docker_engine.images.list() for t in image.tags}


def test_unknown_requirement_fails_resolution_and_leaves_nothing_behind(docker_engine, base_image, runtime_dir):
    images_before = {image.id for image in docker_engine.images.list(all=True)}
    containers_before = {container.id for container in docker_engine.containers.list(all=True)}
    env = Environment(f"it-missing-{uuid.uuid4().hex[:8]}")
    env.python.conda_dependencies = CondaDependencies.create(pip_packages=["this-package-does-not-exist-xyz==1.0"])
    with pytest.raises(DependencyResolutionError) as raised:
        ensure_environment_image(docker_engine, env, runtime_dir=runtime_dir)
    assert "this-package-does-not-exist-xyz==1.0" in str(raised.value)
    assert {image.id for image in docker_engine.images.list(all=True)} == images_before
    assert {container.id for container in docker_engine.containers.list(all=True)} == containers_before


def test_unknown_conda_name_error_says_it_came_from_the_conda_dependencies(docker_engine, base_image, runtime_dir):
    env = Environment(f"it-conda-{uuid.uuid4().hex[:8]}")
    env.python.conda_dependencies = CondaDependencies.create(conda_packages=["this-conda-only-pkg-xyz=1.0"])
    with pytest.raises(DependencyResolutionError) as raised:
        ensure_environment_image(docker_engine, env, runtime_dir=runtime_dir)
    assert "conda dependency 'this-conda-only-pkg-xyz=1.0'" in str(raised.value)


def test_commit_build_leaves_no_build_container_and_no_wheels(docker_engine, base_image, runtime_dir, created_images):
    env = yaml_environment()
    image = ensure_environment_image(docker_engine, env, runtime_dir=runtime_dir, no_cache=True)
    created_images.append(image.tag)
    assert docker_engine.containers.list(all=True, filters={"label": "jupyter-deploy.kind=environment-build"}) == []
    config = docker_engine.images.get(image.tag).attrs["Config"]
    assert config["User"] == "1000:1000" and config["Labels"]["jupyter-deploy.kind"] == "environment"
    listing = docker_engine.containers.run(
        image.tag, ["sh", "-c", "ls /opt/jupyter-deploy-wheels | wc -l; "
                    "find / -xdev -name '*.whl' -not -path '/usr/share/python-wheels/*' | wc -l"],
        remove=True, network_disabled=True).decode().split()
    assert listing == ["0", "0"]


def test_same_content_under_another_name_reuses_the_image(docker_engine, base_image, runtime_dir, created_images):
    first = ensure_environment_image(docker_engine, yaml_environment(), runtime_dir=runtime_dir)
    created_images.append(first.tag)
    renamed = yaml_environment()
    renamed.name = f"another-name-{uuid.uuid4().hex[:6]}"
    second = ensure_environment_image(docker_engine, renamed, runtime_dir=runtime_dir)
    assert (second.tag, second.id, second.built) == (first.tag, first.id, False)
