"""Cold image builds, before/after side by side: the multi-stage Dockerfile with pip (the reference, "before")
against uv in one container + `docker commit` ("after"), alternating in one process so both see the same disk,
page cache and machine load. Wheels are cached on the host (resolved once, untimed); Docker's layer cache is not
used (`no_cache=True` for the Dockerfile; the commit build has none). Each image made is removed again by id,
with the Dockerfile's intermediate `deps` stage.

    python bench/cold_build.py                 # light environment ×3 each, sentiment ×1 each
    python bench/cold_build.py --light-only    # a minute
    python bench/cold_build.py --empty-caches  # the sentiment environment once from empty caches (issue 11: ≤ 90 s)

With ``--empty-caches`` nothing is cached anywhere: a fresh jupyter-deploy cache (no lock, no wheels), a fresh pip
cache, no Docker layer cache (uv's cache lives and dies inside the build container), so the time includes the
resolution and every download through the host's pip configuration, as on a user's first deploy.

Prints a Markdown table and writes it with the raw numbers to bench/out/cold_build.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from jupyter_deploy import Environment  # noqa: E402
from jupyter_deploy.image import docker_client, ensure_environment_image, image_requirements, resolve_wheels  # noqa: E402

METHODS = ("dockerfile", "commit")


def environments(light_only: bool) -> list[tuple[str, Environment, int]]:
    run = uuid.uuid4().hex[:8]
    found = [("light (runtime only, bench/deploy_loop.py)", Environment(f"bench-cold-light-{run}"), 3)]
    if not light_only:
        found.append(("sentiment (TensorFlow 2.21, gensim, tf-keras)", Environment.from_conda_specification(
            f"bench-cold-sentiment-{run}", str(REPO / "examples/sentiment/myenv.yml")), 1))
    return found


def one_build(client, env: Environment, method: str) -> tuple[float, float]:
    before = {image.id for image in client.images.list(filters={"dangling": True})}
    started = time.perf_counter()
    image = ensure_environment_image(client, env, no_cache=True, method=method)
    built_id = image.id
    seconds = time.perf_counter() - started
    if not image.built:
        raise SystemExit(f"{image.tag} already existed; remove it and rerun so the build is cold")
    size = client.images.get(image.id).attrs["Size"] / 1e9
    client.images.remove(built_id)
    # Only this run's own build stage: it carries the run's unique environment name.
    mine = {"dangling": True, "label": ["jupyter-deploy.kind=environment-deps", f"jupyter-deploy.environment={env.name}"]}
    for dangling in client.images.list(filters=mine):
        if dangling.id not in before:
            client.images.remove(dangling.id)
    return seconds, size


def from_empty_caches(client) -> None:
    """One cold sentiment build, resolution and downloads included, with every cache empty."""
    saved = {key: os.environ.get(key) for key in ("JUPYTER_DEPLOY_CACHE", "PIP_CACHE_DIR")}
    with tempfile.TemporaryDirectory(prefix="jd-bench-empty-caches-") as tmp:
        os.environ["JUPYTER_DEPLOY_CACHE"] = str(Path(tmp) / "jupyter-deploy")
        os.environ["PIP_CACHE_DIR"] = str(Path(tmp) / "pip")
        try:
            _label, env, _runs = environments(light_only=False)[1]
            resolve_started = time.perf_counter()
            wheels = resolve_wheels(image_requirements(env))
            resolved = time.perf_counter() - resolve_started
            seconds, size = one_build(client, env, "commit")
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    table = "\n".join([
        "| sentiment environment, every cache empty | resolve + download | build (uv + commit) | total | image size |",
        "|---|---|---|---|---|",
        f"| {len(wheels)} wheels | {resolved:.1f} s | {seconds:.1f} s | {resolved + seconds:.1f} s | {size:.2f} GB |"])
    print(table)
    out = REPO / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "cold_build_empty_caches.json").write_text(json.dumps(
        {"table": table, "resolve_s": resolved, "build_s": seconds, "wheels": len(wheels), "size_gb": size}, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--light-only", action="store_true")
    parser.add_argument("--empty-caches", action="store_true", help="the sentiment environment once, every cache empty")
    args = parser.parse_args()
    client = docker_client()
    if args.empty_caches:
        return from_empty_caches(client)
    rows, raw = [], {}
    for label, env, runs in environments(args.light_only):
        wheels = resolve_wheels(image_requirements(env))  # cached on the host, untimed
        times = {method: [] for method in METHODS}
        sizes = {}
        for _ in range(runs):
            for method in METHODS:
                seconds, sizes[method] = one_build(client, env, method)
                times[method].append(seconds)
                print(f"{label}: {method} {seconds:.1f} s", file=sys.stderr)
        before, after = (statistics.median(times[m]) for m in METHODS)
        rows.append(f"| {label}, {len(wheels)} wheels | {before:.1f} s | {after:.1f} s | {before / after:.1f}× | "
                    f"{sizes['dockerfile']:.2f} / {sizes['commit']:.2f} GB |")
        raw[label] = {"seconds": times, "size_gb": sizes, "wheels": len(wheels)}
    table = "\n".join([
        "| environment | before: Dockerfile + pip (median) | after: uv + commit (median) | speed-up | image size before / after |",
        "|---|---|---|---|---|", *rows])
    print(table)
    out = REPO / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "cold_build.json").write_text(json.dumps({"table": table, "raw": raw}, indent=2))


if __name__ == "__main__":
    main()
