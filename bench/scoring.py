"""Scoring speed, side by side in one run: our runtime against azureml-inference-server-http and a bare ASGI app.

    python bench/scoring.py            # 5 alternating repetitions of 10 s wrk runs
    python bench/scoring.py --quick    # 2 repetitions of 3 s (a few minutes)
    python bench/scoring.py --skip-model   # only the trivial script

Servers, each with ONE worker, on 127.0.0.1 only:
- ours, bare process (`python -m jupyter_deploy.runtime`)
- ours in its container, through the published port (Docker's userland proxy, the default)
- ours in its container with host networking (no port forwarding at all; the default where the engine
  shares this machine's network, see jupyter_deploy/deploy/targets/local/network.py)
- azureml-inference-server-http (`azmlinfsrv`, from PyPI, in a venv made here), WORKER_COUNT=1
- a bare ASGI app under uvicorn with uvloop + httptools: the practical limit for a Python server
Load: Debian's `wrk`, concurrency 1 and 32 (the real model: 1 and 8), every run bounded in seconds.
Writes bench/out/scoring.json and prints Markdown tables.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
OUT = REPO / "bench" / "out"
AZUREML_VENV = OUT / "venv-azureml"
BODY = '{"text": "Today is a great day!"}'

TRIVIAL_SCRIPT = """import json

def init():
    pass

def run(data):
    text = json.loads(data)["text"]
    return {"length": len(text), "ok": True}
"""

BARE_ASGI = """import json

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    text = json.loads(body)["text"]
    payload = json.dumps({"length": len(text), "ok": True}).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})
"""

WRK_SCRIPT = f"""wrk.method = "POST"
wrk.body = '{BODY}'
wrk.headers["Content-Type"] = "application/json"
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_ready(url: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.post(url, data=BODY, headers={"Content-Type": "application/json"}, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


@contextlib.contextmanager
def process(command: list[str], url: str, env: dict | None = None, cwd: Path | None = None):
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(command, env={**os.environ, **(env or {})}, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_ready(url)
        yield url
    except Exception:
        log.seek(0)
        sys.stderr.write(log.read().decode(errors="replace")[-3000:])
        raise
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def wrk(url: str, connections: int, seconds: int, script: Path) -> dict:
    threads = min(connections, 2)
    result = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
                            capture_output=True, text=True, timeout=seconds + 60)
    text = result.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    latencies = dict(re.findall(r"^\s+(50|90|99)%\s+([\d.]+\w+)", text, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {"rps": rps, "p50_ms": to_ms(latencies["50"]), "p99_ms": to_ms(latencies["99"]),
            "non_2xx": int(errors.group(1)) if errors else 0}


def drain(url: str) -> None:
    """Wait until the requests the last run left behind are through: `wrk` stops with a request outstanding
    on every connection, and a server that still scores those (Azure's does) would make the first requests
    of the next run wait behind them. One request sent alone returns once the queue ahead of it is empty."""
    requests.post(url, data=BODY, headers={"Content-Type": "application/json"}, timeout=120)


def to_ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]


def ensure_azureml_venv(extra: list[str]) -> Path:
    """A venv that sees the host's packages, plus azureml-inference-server-http (and numpy<2.4 for the sample)."""
    python = AZUREML_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(AZUREML_VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "azureml-inference-server-http", *extra], check=True)
    return AZUREML_VENV


@contextlib.contextmanager
def ours_container(app_dir: Path, workspace, models, environment, network: str):
    """The deployed service through its own scoring URI; ``network`` is JUPYTER_DEPLOY_NETWORK (auto, host, bridge)."""
    from jupyter_deploy import InferenceConfig, LocalWebservice, Model
    from jupyter_deploy.deploy.targets.local.network import ENV_NETWORK

    config = InferenceConfig("score.py", environment=environment, source_directory=app_dir)
    previous = os.environ.get(ENV_NETWORK)
    os.environ[ENV_NETWORK] = network
    try:
        service = Model.deploy(workspace, f"bench-scoring-{network}", models, config,
                               LocalWebservice.deploy_configuration(), overwrite=True)
    finally:
        if previous is None:
            os.environ.pop(ENV_NETWORK, None)
        else:
            os.environ[ENV_NETWORK] = previous
    try:
        service.wait_for_deployment()
        wait_ready(service.scoring_uri)
        from jupyter_deploy.image import docker_client

        mode = docker_client().containers.get(service.container_id).attrs["HostConfig"]["NetworkMode"]
        print(f"  {service.scoring_uri}: container network {mode}", flush=True)
        yield service.scoring_uri
    finally:
        service.delete()


def measure(servers: dict, concurrencies: list[int], reps: int, seconds: int, work: Path) -> dict:
    """Every server is started once; runs alternate server by server inside each repetition, the order reversed
    every other repetition."""
    script = work / "post.lua"
    script.write_text(WRK_SCRIPT)
    raw: dict = {name: {c: [] for c in concurrencies} for name in servers}
    with contextlib.ExitStack() as stack:
        urls = {}
        for name, starter in servers.items():
            print(f"starting {name}", flush=True)
            urls[name] = stack.enter_context(starter())
        for rep in range(reps):
            # Every other repetition in reverse order: measured side by side, the second of two servers did
            # better than the first by a few per cent whichever it was (what the one before left on the machine).
            order = list(urls.items()) if rep % 2 == 0 else list(reversed(urls.items()))
            for connections in concurrencies:
                for name, url in order:
                    wrk(url, connections, 1, script)  # warm the connection pool and any lazy paths
                    drain(url)
                    result = wrk(url, connections, seconds, script)
                    raw[name][connections].append(result)
                    print(f"rep {rep + 1} c={connections:<3} {name:<38} {result['rps']:>9.0f} req/s "
                          f"p50 {result['p50_ms']:.3f} ms p99 {result['p99_ms']:.3f} ms", flush=True)
    summary = {name: {c: {key: statistics.median(r[key] for r in runs) for key in ("rps", "p50_ms", "p99_ms")}
                      | {"non_2xx": sum(r["non_2xx"] for r in runs)}
                      for c, runs in per_c.items()} for name, per_c in raw.items()}
    return {"summary": summary, "runs": raw}


def table(summary: dict, concurrencies: list[int], ours: str, references: dict[str, str]) -> str:
    lines = ["| server | " + " | ".join(f"c={c} req/s | c={c} p50 ms | c={c} p99 ms" for c in concurrencies) + " |",
             "|---|" + "---|" * (3 * len(concurrencies))]
    for name, per_c in summary.items():
        cells = []
        for c in concurrencies:
            s = per_c[c]
            cells += [f"{s['rps']:.0f}", f"{s['p50_ms']:.3f}", f"{s['p99_ms']:.2f}"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    for label, reference in references.items():
        ratios = [f"c={c}: {summary[ours][c]['rps'] / summary[reference][c]['rps']:.2f}" for c in concurrencies]
        lines.append(f"\n{label} ({ours} / {reference}, req/s): " + ", ".join(ratios))
    return "\n".join(lines)


def trivial_benchmark(work: Path, reps: int, seconds: int) -> dict:
    from jupyter_deploy import Environment, Workspace

    app = work / "trivial"
    app.mkdir()
    (app / "score.py").write_text(TRIVIAL_SCRIPT)
    (work / "bare_asgi.py").write_text(BARE_ASGI)
    venv = ensure_azureml_venv([])
    workspace = Workspace(work / "workspace")
    env = Environment("bench-trivial")
    servers = {
        "ours (process)": lambda: process([sys.executable, "-m", "jupyter_deploy.runtime", "--app-root", str(app),
                                           "--entry-script", "score.py", "--host", "127.0.0.1", "--port", str(p := free_port())],
                                          f"http://127.0.0.1:{p}/score"),
        "ours (container, published port)": lambda: ours_container(app, workspace, [], env, "bridge"),
        "ours (container, host network)": lambda: ours_container(app, workspace, [], env, "host"),
        "azureml-inference-server-http": lambda: process([str(venv / "bin" / "azmlinfsrv"), "--entry_script", str(app / "score.py"),
                                                          "--port", str(q := free_port())], f"http://127.0.0.1:{q}/score",
                                                         env={"WORKER_COUNT": "1"}, cwd=app),
        "bare ASGI (uvicorn+uvloop+httptools)": lambda: process(
            [sys.executable, "-m", "uvicorn", "--loop", "uvloop", "--http", "httptools", "--no-access-log",
             "--log-level", "warning", "--host", "127.0.0.1", "--port", str(r := free_port()), "bare_asgi:app"],
            f"http://127.0.0.1:{r}/score", cwd=work),
    }
    return measure(servers, [1, 32], reps, seconds, work)


def ours_model_server(workers: int) -> str:
    return f"ours (process, same venv as azureml), {workers} worker(s)"


def azureml_model_server(workers: int) -> str:
    return f"azureml-inference-server-http, {workers} worker(s)"


def model_benchmark(work: Path, reps: int, seconds: int, workers: list[int], container: bool) -> dict:
    """The tutorial's keras + gensim score.py: ours vs azureml's server, same packages, the same worker count each."""
    from jupyter_deploy import Environment, Model, Workspace

    sys.path.insert(0, str(REPO / "examples" / "sentiment"))
    from make_model import make_sentiment_model

    project = work / "sentiment"
    project.mkdir()
    shutil.copy(REPO / "examples" / "sentiment" / "score.py", project / "score.py")
    models_dir = make_sentiment_model(project)
    workspace = Workspace(work / "workspace-model")
    model = Model.register(workspace, models_dir, "sentiment")
    env = Environment.from_conda_specification("bench-sentiment", REPO / "examples" / "sentiment" / "myenv.yml")
    venv = ensure_azureml_venv(["numpy<2.4"])
    model_env = {"AZUREML_MODEL_DIR": str(model.path), "TF_CPP_MIN_LOG_LEVEL": "3"}

    def ours(count: int):
        port = free_port()
        return process([str(venv / "bin" / "python"), "-m", "jupyter_deploy.runtime", "--app-root", str(project),
                        "--entry-script", "score.py", "--host", "127.0.0.1", "--port", str(port)],
                       f"http://127.0.0.1:{port}/score", env={**model_env, "WORKER_COUNT": str(count), "PYTHONPATH": str(REPO)})

    def azureml(count: int):
        port = free_port()
        return process([str(venv / "bin" / "azmlinfsrv"), "--entry_script", str(project / "score.py"), "--port", str(port)],
                       f"http://127.0.0.1:{port}/score", env={**model_env, "WORKER_COUNT": str(count)}, cwd=project)

    servers = {}
    for count in workers:
        servers[ours_model_server(count)] = lambda count=count: ours(count)
        servers[azureml_model_server(count)] = lambda count=count: azureml(count)
    if container:
        servers["ours (container, published port), 1 worker"] = lambda: ours_container(project, workspace, [model], env, "bridge")
    return measure(servers, [1, 8], reps, seconds, work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip-model", action="store_true")
    parser.add_argument("--skip-trivial", action="store_true", help="only the sentiment model")
    parser.add_argument("--no-container", action="store_true", help="sentiment model: bare processes only (no image build)")
    parser.add_argument("--workers", default="1,2", help="sentiment model: worker counts, comma-separated (default 1,2)")
    args = parser.parse_args()
    reps, seconds = (2, 3) if args.quick else (5, 10)
    OUT.mkdir(parents=True, exist_ok=True)
    result = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
              "command": " ".join(["python", "bench/scoring.py", *sys.argv[1:]]), "repetitions": reps, "seconds": seconds}
    with tempfile.TemporaryDirectory(prefix="jd-bench-scoring-") as tmp:
        work = Path(tmp)
        if not args.skip_trivial:
            result["trivial"] = trivial_benchmark(work, reps, seconds)
            print("\n## Trivial score.py\n")
            print(table(result["trivial"]["summary"], [1, 32], "ours (container, published port)",
                        {"vs azureml": "azureml-inference-server-http", "vs the bare-ASGI limit": "bare ASGI (uvicorn+uvloop+httptools)"}))
            print(table(result["trivial"]["summary"], [1, 32], "ours (process)",
                        {"bare process vs azureml": "azureml-inference-server-http",
                         "bare process vs the bare-ASGI limit": "bare ASGI (uvicorn+uvloop+httptools)"}).split("\n\n", 1)[1])
        if not args.skip_model:
            counts = [int(n) for n in args.workers.split(",")]
            result["model"] = model_benchmark(work, reps, seconds, counts, container=not args.no_container)
            print("\n## keras + gensim sentiment score.py\n")
            summary = result["model"]["summary"]
            print(table(summary, [1, 8], ours_model_server(counts[0]), {}))
            for n in counts:
                ours, theirs = summary[ours_model_server(n)][8], summary[azureml_model_server(n)][8]
                print(f"\n{n} worker(s), ours / azureml: req/s c=8 {ours['rps'] / theirs['rps']:.2f}, "
                      f"p99 c=8 {ours['p99_ms'] / theirs['p99_ms']:.2f}")
    (OUT / "scoring.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
