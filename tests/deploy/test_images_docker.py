"""`image list` / `image prune` against the real engine, scoped to images this test made (a label of its own)."""

from __future__ import annotations

import uuid

import pytest

from jupyter_deploy.deploy.images import list_images, prune_images
from jupyter_deploy.deploy.records import save_record
from jupyter_deploy.image.base import kernel_python_version, resolve_base_image

pytestmark = pytest.mark.docker


@pytest.fixture
def made_images(docker_engine):
    """Three small images labelled for this test only: two tagged environment images and one dangling build stage."""
    marker = f"jupyter-deploy.test={uuid.uuid4().hex[:10]}"
    base = resolve_base_image(docker_engine, kernel_python_version())
    made = {}
    for name, kind, tagged in (("used", "environment", True), ("unused", "environment", True),
                               ("stage", "environment-deps", False)):
        container = docker_engine.containers.create(
            base, ["sh", "-c", f"head -c 1500000 /dev/urandom > /payload-{name}"], network_disabled=True,
            labels={"jupyter-deploy.kind": "environment-build"})
        try:
            container.start()
            container.wait()
            key, value = marker.split("=")
            changes = [f"LABEL jupyter-deploy.kind={kind}", f'LABEL {key}="{value}"',
                       f'LABEL jupyter-deploy.environment="{name}-env"']
            image = container.commit(repository="jupyter-deploy/env" if tagged else None,
                                     tag=f"test-{value}-{name}" if tagged else None, changes=changes)
        finally:
            container.remove(force=True)
        made[name] = image.id
    yield marker, made
    for image_id in made.values():
        try:
            docker_engine.images.remove(image_id, force=True)
        except Exception:
            pass


def test_list_then_prune_frees_what_it_says(workspace, docker_engine, made_images):
    marker, made = made_images
    used_tag = next(t for t in docker_engine.images.get(made["used"]).tags)
    save_record(workspace, {"name": "uses-it", "container_id": None, "port": 1, "image": used_tag, "models": [],
                            "inference_config": {"environment": {"name": "svc-env"}}, "created_time": "", "failure": None})
    listed = {image.id: image for image in list_images(workspace, label=marker)}
    assert set(listed) == set(made.values())
    assert listed[made["used"]].services == ["uses-it"]
    assert set(listed[made["used"]].environments) == {"used-env", "svc-env"}
    assert listed[made["stage"]].kind == "environment-deps" and listed[made["stage"]].tags == []
    assert all(image.unique_size >= 1_400_000 for image in listed.values())

    result = prune_images(workspace, label=marker)
    assert {image.id for image in result.removed} == {made["unused"], made["stage"]}
    assert [image.id for image in result.kept] == [made["used"]]
    assert result.freed_bytes == listed[made["unused"]].unique_size + listed[made["stage"]].unique_size
    assert "freeing" in result.summary()
    remaining = {image.id for image in docker_engine.images.list(filters={"label": marker})}
    assert remaining == {made["used"]}


def test_cli_image_list_json(workspace, made_images):
    import json
    import subprocess
    import sys

    marker, made = made_images
    result = subprocess.run([sys.executable, "-m", "jupyter_deploy.cli", "image", "list", "-o", "json", "-w",
                             str(workspace.path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    listed = {image["id"]: image for image in json.loads(result.stdout)}
    assert set(made.values()) <= set(listed)
    assert {"tag", "size", "uniqueSize", "environments", "services"} <= set(listed[made["used"]])
