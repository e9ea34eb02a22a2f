"""Issue 12: how many captured rows a `docker kill` loses (SIGKILL: no clean shutdown, no flush).

    python bench/capture_kill.py [--seconds 3] [--reps 3]

Sends requests one after another for a few seconds to a service with collection on, kills its container right
after an answer, then counts answered requests against rows on disk. The loss is expressed in rows and in
seconds of traffic (rows lost / requests per second). Bounded: one connection, a few seconds per repetition.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import requests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    from jupyter_deploy import Environment, InferenceConfig, LocalWebservice, Model, Workspace
    from jupyter_deploy.deploy.targets.local.container import get_container
    from jupyter_deploy.monitor import delete_collected_data, read_collected_data

    work = Path(tempfile.mkdtemp(prefix="bench-kill-"))
    workspace = Workspace(work / "workspace")
    (work / "model").mkdir()
    (work / "model" / "w.txt").write_text("1")
    model = Model.register(workspace, model_path=work / "model", model_name="kill-model")
    (work / "app").mkdir()
    (work / "app" / "score.py").write_text("def init(): pass\ndef run(data): return {'ok': True}\n")
    config = InferenceConfig("score.py", environment=Environment("light"), source_directory=work / "app")
    results = []
    for rep in range(args.reps):
        service = Model.deploy(workspace, "kill-bench", [model], config,
                               LocalWebservice.deploy_configuration(collect_model_data=True), overwrite=True)
        service.wait_for_deployment()
        session = requests.Session()
        answered = 0
        deadline = time.monotonic() + args.seconds
        started = time.monotonic()
        while time.monotonic() < deadline:
            if session.post(service.scoring_uri, data='{"x": 1}', timeout=10).status_code == 200:
                answered += 1
        rate = answered / (time.monotonic() - started)
        get_container(service.container_id).kill()  # SIGKILL
        time.sleep(0.5)
        captured = len(read_collected_data(workspace, "kill-bench", designation="request"))
        lost = answered - captured
        results.append({"answered": answered, "captured": captured, "lost_rows": lost, "rps": round(rate),
                        "lost_seconds": round(lost / rate, 3)})
        print(json.dumps(results[-1]), flush=True)
        service.delete()
        delete_collected_data(workspace, "kill-bench")
    print(json.dumps({"max_lost_seconds": max(r["lost_seconds"] for r in results)}))


if __name__ == "__main__":
    main()
