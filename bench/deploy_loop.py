"""The edit → deploy → test loop, timed: register a large folder against `cp`, a cold deploy (empty caches), a
warm deploy where only the model changed, and `reload()` after a script edit. Each figure is a median of alternating runs in one process,
so the reference (`cp`) and ours see the same disk and page cache.

    python bench/deploy_loop.py            # full: 1 GiB folder, 5 runs each
    python bench/deploy_loop.py --quick    # 256 MiB, 3 runs each (a couple of minutes)

Prints a Markdown table and writes it with the raw numbers to bench/out/deploy_loop.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from jupyter_deploy import Environment, InferenceConfig, LocalWebservice, Model, Workspace  # noqa: E402

SCRIPT = """
import json, os

def init():
    global greeting
    with open(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "models", "greeting.txt")) as handle:
        greeting = handle.read()

def run(data):
    return {"reply": greeting + json.loads(data)["text"], "edit": EDIT}

EDIT = 0
"""


def make_big_folder(root: Path, total_bytes: int, files: int = 8) -> Path:
    folder = root / "big"
    folder.mkdir()
    block = os.urandom(1024 * 1024)
    per_file = total_bytes // files
    for index in range(files):
        with open(folder / f"shard-{index}.bin", "wb") as handle:
            for _ in range(per_file // len(block)):
                handle.write(block)
    return folder


def time_register_vs_cp(work: Path, workspace: Workspace, size: int, runs: int) -> dict:
    folder = make_big_folder(work, size)
    subprocess.run(["cat", *map(str, folder.iterdir())], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
    cp_times, register_times = [], []
    for run in range(runs):
        target = work / f"cp-{run}"
        started = time.perf_counter()
        subprocess.run(["cp", "-r", str(folder), str(target)], check=True)
        subprocess.run(["sync"], check=True)
        cp_times.append(time.perf_counter() - started)
        shutil.rmtree(target)

        started = time.perf_counter()
        model = Model.register(workspace, folder, "big")
        subprocess.run(["sync"], check=True)
        register_times.append(time.perf_counter() - started)
        model.delete()
    cp_median, register_median = statistics.median(cp_times), statistics.median(register_times)
    return {"bytes": size, "cp_s": cp_times, "register_s": register_times,
            "cp_MBps": size / cp_median / 1e6, "register_MBps": size / register_median / 1e6,
            "ratio_register_to_cp_speed": cp_median / register_median}


def time_cold_deploy(work: Path, workspace: Workspace, runs: int) -> dict:
    """Empty dependency cache (a fresh JUPYTER_DEPLOY_CACHE: pip resolves and fetches every wheel again) and a
    build with no Docker layer cache, then start and wait for Healthy. The image it makes is removed again."""
    from jupyter_deploy.image import docker_client
    from jupyter_deploy.image import ensure_environment_image

    source = work / "cold-src"
    source.mkdir()
    (source / "score.py").write_text(SCRIPT)
    folder = work / "cold-models" / "models"
    folder.mkdir(parents=True)
    (folder / "greeting.txt").write_text("hello ")
    model = Model.register(workspace, folder, "cold")
    client = docker_client()
    times = []
    previous_cache = os.environ.get("JUPYTER_DEPLOY_CACHE")
    try:
        for run in range(runs):
            os.environ["JUPYTER_DEPLOY_CACHE"] = str(work / f"empty-cache-{run}")
            env = Environment(f"bench-cold-{run}")
            started = time.perf_counter()
            image = ensure_environment_image(client, env, no_cache=True)
            service = Model.deploy(workspace, "bench-cold", [model], InferenceConfig("score.py", environment=env,
                                   source_directory=source), LocalWebservice.deploy_configuration(), overwrite=True)
            service.wait_for_deployment()
            times.append(time.perf_counter() - started)
            service.delete()
            client.images.remove(image.tag)
    finally:
        if previous_cache is None:
            os.environ.pop("JUPYTER_DEPLOY_CACHE", None)
        else:
            os.environ["JUPYTER_DEPLOY_CACHE"] = previous_cache
    return {"cold_deploy_s": times, "cold_deploy_median_s": statistics.median(times)}


def time_deploy_loop(work: Path, workspace: Workspace, runs: int) -> dict:
    source = work / "src"
    source.mkdir()
    (source / "score.py").write_text(SCRIPT)
    config = InferenceConfig("score.py", environment=Environment("bench-light"), source_directory=source)

    def new_model(text: str) -> Model:
        folder = work / "models"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        (folder / "greeting.txt").write_text(text)
        return Model.register(workspace, folder, "greeter")

    first = Model.deploy(workspace, "bench-loop", [new_model("hello ")], config, LocalWebservice.deploy_configuration())
    first.wait_for_deployment()  # builds the environment image if needed: not part of the warm figure
    warm, reloads = [], []
    try:
        for run in range(runs):
            model = new_model(f"hello {run} ")
            started = time.perf_counter()
            service = Model.deploy(workspace, "bench-loop", [model], config, LocalWebservice.deploy_configuration(), overwrite=True)
            service.wait_for_deployment()
            assert service.run({"text": "x"})["reply"] == f"hello {run} x"
            warm.append(time.perf_counter() - started)
        for run in range(runs):
            (source / "score.py").write_text(SCRIPT.replace("EDIT = 0", f"EDIT = {run + 1}"))
            started = time.perf_counter()
            service.reload()
            assert service.run({"text": "x"})["edit"] == run + 1
            reloads.append(time.perf_counter() - started)
    finally:
        LocalWebservice(workspace, "bench-loop").delete()
    return {"warm_deploy_s": warm, "reload_s": reloads,
            "warm_deploy_median_s": statistics.median(warm), "reload_median_s": statistics.median(reloads)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    runs = 3 if args.quick else 5
    size = (256 if args.quick else 1024) * 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="jd-bench-", dir=os.environ.get("BENCH_TMP")) as tmp:
        work = Path(tmp)
        workspace = Workspace(work / "workspace")
        register = time_register_vs_cp(work, workspace, size, runs)
        loop = time_deploy_loop(work, workspace, runs)
        loop.update(time_cold_deploy(work, workspace, 1 if args.quick else 3))
    result = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
              "command": " ".join(["python", "bench/deploy_loop.py"] + (["--quick"] if args.quick else [])),
              "register": register, "deploy_loop": loop}
    out = REPO / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "deploy_loop.json").write_text(json.dumps(result, indent=2))
    print("| measure | median | goal |\n|---|---|---|")
    print(f"| register {size >> 20} MiB folder vs `cp -r` (speed ratio) | {register['ratio_register_to_cp_speed']:.2f} "
          f"({register['register_MBps']:.0f} vs {register['cp_MBps']:.0f} MB/s) | ≥ 0.80 |")
    print(f"| cold deploy (empty dependency cache, no layer cache) → Healthy | {loop['cold_deploy_median_s']:.1f} s | — |")
    print(f"| warm deploy (only the model changed) → Healthy | {loop['warm_deploy_median_s']:.2f} s | < 10 s |")
    print(f"| `reload()` after a script edit → new code serving | {loop['reload_median_s']:.3f} s | < 1 s |")


if __name__ == "__main__":
    main()
