"""The trivial service through its own URI on an engine that runs Docker's default userland proxy (issue 11.4).

    python bench/engine_proxy.py            # 5 alternating repetitions of 10 s wrk runs, c=1 and c=32
    python bench/engine_proxy.py --quick    # 2 x 3 s

Most engines run `docker-proxy` for ports published on 127.0.0.1; the machine's own engine here does not
(`scripts/setup.sh` starts it with `--userland-proxy=false`), and a benchmark must not change it. So this
starts a private engine next to it — its own data root, exec root, pid file, socket and containerd
namespace, its own default bridge (not docker0), no iptables, no IP forwarding or masquerading, so nothing of the machine's
engine or network is touched — with the userland proxy at its default (on). Into it goes only the base image
(`docker save | docker load`); the trivial environment is built there as a user's first deploy would. Then,
side by side in alternating wrk runs against the bare-ASGI process limit (the same wrk runs as
bench/scoring.py):

- the service deployed with ``JUPYTER_DEPLOY_NETWORK=bridge``: its own bridge, the port published on
  127.0.0.1, every byte through docker-proxy;
- the service deployed as by default (``auto``): on the host's network, the runtime listening on 127.0.0.1.

The private engine is stopped and its folders removed at the end, also on errors and Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import scoring  # noqa: E402  (bench/scoring.py: wrk, measure, the trivial script, the bare-ASGI app)

OUT = HERE / "out"
BASE_IMAGE = "jupyter-deploy/base:python3.11-bookworm"
PRIVATE_BRIDGE, PRIVATE_BRIDGE_ADDRESS = "jdbench0", "172.31.254.1/24"  # the private engine's own default bridge


@contextlib.contextmanager
def private_engine():
    """A dockerd of our own with the default userland proxy; yields its DOCKER_HOST."""
    root = Path(tempfile.mkdtemp(prefix="jd-engine-", dir="/var/lib"))
    exec_root = Path(tempfile.mkdtemp(prefix="jde-", dir="/run"))  # short: containerd's socket paths live here
    socket_path = exec_root / "docker.sock"
    config = root / "daemon.json"
    config.write_text("{}")  # not the machine's /etc/docker/daemon.json
    log = open(root / "dockerd.log", "wb")
    # Its own default bridge: with --bridge=none dockerd deletes the interface `docker0` at start, and that
    # one belongs to the machine's engine.
    subprocess.run(["ip", "link", "delete", PRIVATE_BRIDGE], capture_output=True)  # left by a killed run
    subprocess.run(["ip", "link", "add", PRIVATE_BRIDGE, "type", "bridge"], check=True)
    subprocess.run(["ip", "addr", "add", PRIVATE_BRIDGE_ADDRESS, "dev", PRIVATE_BRIDGE], check=True)
    subprocess.run(["ip", "link", "set", PRIVATE_BRIDGE, "up"], check=True)
    command = ["dockerd", "--config-file", str(config), "--data-root", str(root / "data"),
               "--exec-root", str(exec_root / "exec"), "--pidfile", str(root / "dockerd.pid"),
               "--host", f"unix://{socket_path}", f"--bridge={PRIVATE_BRIDGE}", "--iptables=false", "--ip-forward=false",
               "--ip-masq=false", "--containerd-namespace", "jd-bench", "--containerd-plugins-namespace",
               "jd-bench-plugins"]  # --userland-proxy left at its default: true
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    docker_host = f"unix://{socket_path}"
    try:
        deadline = time.monotonic() + 60
        while subprocess.run(["docker", "-H", docker_host, "info"], capture_output=True).returncode != 0:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the private engine did not start:\n" + (root / "dockerd.log").read_text()[-2000:])
            time.sleep(0.5)
        info = json.loads(subprocess.run(["docker", "-H", docker_host, "info", "--format", "{{json .}}"],
                                         capture_output=True, text=True, check=True).stdout)
        print(f"private engine up: docker {info.get('ServerVersion')}, storage {info.get('Driver')}", flush=True)
        yield docker_host
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        subprocess.run(["umount", "-R", str(exec_root)], capture_output=True)  # netns/overlay mounts, if any
        subprocess.run(["ip", "link", "delete", PRIVATE_BRIDGE], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(exec_root, ignore_errors=True)


def copy_base_image(docker_host: str) -> None:
    save = subprocess.Popen(["docker", "save", BASE_IMAGE], stdout=subprocess.PIPE)
    subprocess.run(["docker", "-H", docker_host, "load", "-q"], stdin=save.stdout, check=True, capture_output=True)
    if save.wait() != 0:
        raise RuntimeError(f"docker save {BASE_IMAGE} failed; build it with `jupyter-deploy base-image build`")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    reps, seconds = (2, 3) if args.quick else (5, 10)
    if subprocess.run(["docker", "image", "inspect", BASE_IMAGE], capture_output=True).returncode != 0:
        subprocess.run([sys.executable, "-m", "jupyter_deploy.cli", "base-image", "build"], check=True)
    OUT.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="jd-bench-proxy-"))
    try:
        with private_engine() as docker_host:
            copy_base_image(docker_host)
            os.environ["DOCKER_HOST"] = docker_host  # before jupyter_deploy creates its engine client
            from jupyter_deploy import Environment, Workspace

            app = work / "trivial"
            app.mkdir()
            (app / "score.py").write_text(scoring.TRIVIAL_SCRIPT)
            (work / "bare_asgi.py").write_text(scoring.BARE_ASGI)
            workspace = Workspace(work / "workspace")
            env = Environment("bench-trivial")
            port = scoring.free_port()
            servers = {
                "bare ASGI (uvicorn+uvloop+httptools)": lambda: scoring.process(
                    [sys.executable, "-m", "uvicorn", "--loop", "uvloop", "--http", "httptools", "--no-access-log",
                     "--log-level", "warning", "--host", "127.0.0.1", "--port", str(port), "bare_asgi:app"],
                    f"http://127.0.0.1:{port}/score", cwd=work),
                "ours, default-proxy engine, published port (bridge)": lambda: scoring.ours_container(
                    app, workspace, [], env, "bridge"),
                "ours, default-proxy engine, host network (auto)": lambda: scoring.ours_container(
                    app, workspace, [], env, "auto"),
            }
            result = scoring.measure(servers, [1, 32], reps, seconds, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary = result["summary"]
    bare = "bare ASGI (uvicorn+uvloop+httptools)"
    print(scoring.table(summary, [1, 32], "ours, default-proxy engine, host network (auto)",
                        {"host network vs bare ASGI": bare}))
    published = "ours, default-proxy engine, published port (bridge)"
    print("published port vs bare ASGI (req/s): "
          + ", ".join(f"c={c}: {summary[published][c]['rps'] / summary[bare][c]['rps']:.2f}" for c in (1, 32)))
    record = {"date": time.strftime("%Y-%m-%d %H:%M"), "command": " ".join(["python", "bench/engine_proxy.py", *sys.argv[1:]]),
              "repetitions": reps, "seconds": seconds, **result}
    (OUT / "engine_proxy.json").write_text(json.dumps(record, indent=1, default=str))


if __name__ == "__main__":
    main()
