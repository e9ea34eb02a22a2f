"""Issue 13: a CPU-bound score.py on a single-node swarm, 2 replicas against 1, and a rolling update under load.

    python bench/cluster.py            # 3 alternating rounds of 8 s wrk runs at c=8, then the rolling update
    python bench/cluster.py --quick    # 1 round of 4 s

Both services run on the same swarm behind the same gateway, so the ratio compares like with like (measured
side by side, alternating). Load: Debian's `wrk` with the service's key, c=8, bounded in seconds, `--timeout 30s`;
requests wrk gave up on (its socket timeouts) count as failures, with non-2xx answers and socket errors. The rolling
update is measured with a Python client opening a new connection per request (see README: keep-alive
connections to a replica that stops are closed by it). Runs `docker swarm init --advertise-addr 127.0.0.1` only
if the engine is not in a swarm, and leaves it afterwards only then. Writes bench/out/cluster.json.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
OUT = REPO / "bench" / "out"

from jupyter_deploy import AksWebservice, ComputeTarget, Environment, InferenceConfig, Model, Workspace  # noqa: E402
from jupyter_deploy.image import docker_client  # noqa: E402

SCRIPT = '''
import json

def init():
    pass

def run(data):
    n = json.loads(data)["n"]
    total = 0
    for i in range(n):          # ~20 ms of pure-Python CPU per request
        total += i * i % 7
    return {"total": total, "version": VERSION}

VERSION = 1
'''
BODY = '{"n": 200000}'


WRK_TIMEOUT = "30s"  # wrk's default (2 s) cut the p99 of CPU-bound requests short (bench/results.md, issue 13)


def wrk(url: str, key: str, seconds: int) -> dict:
    """One wrk run; a request wrk gave up on (its "timeout" socket errors) counts as a failure, like a non-2xx."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(f'wrk.method = "POST"\nwrk.body = \'{BODY}\'\nwrk.headers["Content-Type"] = "application/json"\n'
                  f'wrk.headers["Authorization"] = "Bearer {key}"\n')
    out = subprocess.run(["wrk", "-t2", "-c8", f"-d{seconds}s", "--timeout", WRK_TIMEOUT, "--latency", "-s", lua.name,
                          url], capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


def parse_wrk(out: str) -> dict:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    connect, read, write, timeouts = (int(n) for n in sockets.groups()) if sockets else (0, 0, 0, 0)
    non2xx = int(errors.group(1)) if errors else 0
    return {"rps": rps, "p99_ms": float(p99.group(1)) * scale, "non2xx": non2xx, "timeouts": timeouts,
            "socket_errors": connect + read + write, "failed": non2xx + timeouts + connect + read + write}


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Issue 13: 2 swarm replicas against 1, and a rolling update under load.")
    parser.add_argument("--quick", action="store_true", help="1 round of 4 s instead of 3 of 8 s")
    args = parser.parse_args()
    rounds, seconds = (1, 4) if args.quick else (3, 8)
    client = docker_client()
    created_swarm = (client.info().get("Swarm") or {}).get("LocalNodeState") != "active"
    if created_swarm:
        subprocess.run(["docker", "swarm", "init", "--advertise-addr", "127.0.0.1"], check=True, capture_output=True)
    work = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    ws = Workspace(work / "ws")
    services = []
    try:
        target = ComputeTarget.attach_swarm(ws, "bench-swarm")
        (work / "src").mkdir()
        (work / "src" / "score.py").write_text(SCRIPT)
        config = InferenceConfig(entry_script="score.py", environment=Environment("light"), source_directory=work / "src")
        for name, replicas in (("bench-one", 1), ("bench-two", 2)):
            service = Model.deploy(ws, name, [], config, AksWebservice.deploy_configuration(
                num_replicas=replicas, period_seconds=1, timeout_seconds=10, failure_threshold=5),
                deployment_target=target)
            services.append(service)
        for service in services:
            service.wait_for_deployment(timeout_sec=300)
        results = {"one": [], "two": []}
        for _ in range(rounds):
            for label, service in (("one", services[0]), ("two", services[1])):
                results[label].append(wrk(service.scoring_uri, service.get_keys()[0], seconds))
        median = lambda rows, key: sorted(r[key] for r in rows)[len(rows) // 2]  # noqa: E731
        counted = ("non2xx", "timeouts", "socket_errors", "failed")
        summary = {label: {"rps": median(rows, "rps"), "p99_ms": median(rows, "p99_ms"),
                           **{key: sum(r[key] for r in rows) for key in counted}}
                   for label, rows in results.items()}
        summary["ratio_rps"] = summary["two"]["rps"] / summary["one"]["rps"]

        # rolling update of the 2-replica service under load (new connection per request, 4 client threads)
        service = services[1]
        (work / "src" / "score.py").write_text(SCRIPT.replace("VERSION = 1", "VERSION = 2"))
        headers = {**service.auth_headers(), "Connection": "close", "Content-Type": "application/json"}
        stop, ok, failed = threading.Event(), [0], []

        def client_loop():
            while not stop.is_set():
                try:
                    response = requests.post(service.scoring_uri, data=BODY, headers=headers, timeout=30)
                    if response.status_code == 200:
                        ok[0] += 1
                    else:
                        failed.append(response.status_code)
                except requests.RequestException as error:
                    failed.append(type(error).__name__)

        threads = [threading.Thread(target=client_loop) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(2)
        started = time.perf_counter()
        service.reload()
        reload_s = time.perf_counter() - started
        time.sleep(2)
        stop.set()
        for thread in threads:
            thread.join()
        summary["rolling_update"] = {"ok": ok[0], "failed": len(failed), "failures": failed[:10],
                                     "reload_seconds": round(reload_s, 1)}
        OUT.mkdir(exist_ok=True)
        (OUT / "cluster.json").write_text(json.dumps({"rounds": results, "summary": summary}, indent=2))
        print(json.dumps(summary, indent=2))
    finally:
        for service in services:
            service.delete()
        for target in ComputeTarget.list(ws):
            target.detach()
        if created_swarm:
            for _ in range(5):
                left = subprocess.run(["docker", "swarm", "leave", "--force"], capture_output=True, text=True)
                if left.returncode == 0:
                    break
                print("swarm leave:", left.stderr.strip(), file=sys.stderr)
                time.sleep(2)


if __name__ == "__main__":
    main()
