"""Issue 12: scoring with capture + metrics on against off, side by side, the trivial script at c=32.

    python bench/monitoring.py [--reps 3] [--seconds 5]

Two services of the same image and script run at once: "off" (collection off, JUPYTER_DEPLOY_METRICS=0:
no request metrics either) and "on" (collect_model_data=True: every request captured with its bodies, plus
the Prometheus metrics). Runs alternate between them inside
each repetition (wrk -c32 -t2, bounded in seconds); the figure is the ratio of median requests/s (goal ≥ 0.8).
Afterwards it checks that the "on" service captured one request row per answered request.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scoring import TRIVIAL_SCRIPT, measure, wait_ready  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    from jupyter_deploy import Environment, InferenceConfig, LocalWebservice, Model, Workspace

    work = Path(tempfile.mkdtemp(prefix="bench-monitoring-"))
    workspace = Workspace(work / "workspace")
    (work / "model").mkdir()
    (work / "model" / "weights.txt").write_text("1")
    model = Model.register(workspace, model_path=work / "model", model_name="bench-model")
    app = work / "app"
    app.mkdir()
    (app / "score.py").write_text(TRIVIAL_SCRIPT)
    deployed = {}

    def starter(name: str, on: bool):
        @contextlib.contextmanager
        def start():
            env = Environment("light")
            if not on:
                env.environment_variables = {"JUPYTER_DEPLOY_METRICS": "0"}
            config = InferenceConfig("score.py", environment=env, source_directory=app)
            service = Model.deploy(workspace, name, [model], config, LocalWebservice.deploy_configuration(
                collect_model_data=on))
            try:
                service.wait_for_deployment()
                wait_ready(service.scoring_uri)
                deployed[name] = service
                yield service.scoring_uri
                if on:
                    metrics = service.get_metrics()
                    answered = sum(s["value"] for s in metrics["jupyter_deploy_requests_total"] if s["route"] == "/score")
                    service.delete()  # flushes
                    from jupyter_deploy.monitor import row_count
                    print(f"on: {answered:.0f} /score answered, {row_count(workspace, name)} rows captured", flush=True)
            finally:
                with contextlib.suppress(Exception):
                    service.delete()
        return start

    result = measure({"capture+metrics off": starter("bench-off", False),
                      "capture+metrics on": starter("bench-on", True)}, [32], args.reps, args.seconds, work)
    off = result["summary"]["capture+metrics off"][32]
    on = result["summary"]["capture+metrics on"][32]
    print(json.dumps({"off": off, "on": on, "ratio": on["rps"] / off["rps"]}, indent=2))


if __name__ == "__main__":
    main()
