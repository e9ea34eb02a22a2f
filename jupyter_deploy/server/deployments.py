"""Deployments the side panel started: each runs in its own thread so a build of several minutes never holds a request.

`Model.deploy` reports (phase, message) as it goes (`deploy.progress`); a job turns that into a phase, a rough
0–1 progress and a list of log lines that the panel reads while it works (`GET deployments/{id}?since=N` returns only new lines).
The registry lives in memory for this server: after a restart the jobs are gone, the services themselves are
still in the workspace.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Callable

from ..deploy.progress import Progress, ProgressEstimate
from ..errors import DeploymentNotFound, DeploymentRunning, JupyterDeployError
from ..shapes import DeploymentShape, ServiceShape


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Deployment:
    """One background deployment; every read and write goes through its lock (the worker writes, handlers read)."""

    def __init__(self, service_name: str):
        self.id = uuid.uuid4().hex[:12]
        self.service_name = service_name
        self.started_time = _now()
        self._started = time.monotonic()
        self._finished: float | None = None
        self._lock = threading.Lock()
        self._status = "running"
        self._estimate = ProgressEstimate()
        self._log: list[str] = []
        self._error: str | None = None
        self._service: dict | None = None

    @property
    def running(self) -> bool:
        with self._lock:
            return self._status == "running"

    def report(self, phase: str, message: str) -> None:
        """The progress callback given to `Model.deploy`: never raises, never moves backwards."""
        with self._lock:
            self._estimate.update(phase)
            self._log.extend(line.rstrip() for line in str(message).splitlines() or [""])

    def succeed(self, service: dict) -> None:
        with self._lock:
            self._status = "succeeded"
            self._estimate.finish()
            self._service = service
            self._log.append(f"Service '{self.service_name}' is {service.get('state')} at {service.get('scoringUri')}")
            self._finished = time.monotonic()

    def fail(self, error: str, service: dict | None) -> None:
        with self._lock:
            self._status, self._error, self._service = "failed", error, service
            self._log.extend(error.splitlines())
            self._finished = time.monotonic()

    def to_json(self, since: int = 0) -> dict:
        """`shapes.DeploymentShape`, with log lines from index `since` on."""
        with self._lock:
            total = len(self._log)
            start = min(max(since, 0), total)
            end = self._finished if self._finished is not None else time.monotonic()
            return DeploymentShape(
                id=self.id, service_name=self.service_name, status=self._status, phase=self._estimate.phase,
                progress=round(self._estimate.fraction, 3), log=self._log[start:], log_start=start, log_total=total,
                error=self._error, service=ServiceShape(**self._service) if self._service else None,
                started_time=self.started_time, elapsed_seconds=round(end - self._started, 2),
            ).dump()


class DeploymentJobs:
    """This server's deployments, newest first.

    `describe_service(name)` gives the service's JSON (or None when it has no record), so this module needs
    no knowledge of the REST shapes beyond the `Deployment` itself.
    """

    def __init__(self, describe_service: Callable[[str], dict | None], *, timeout_s: float = 600,
                 log: logging.Logger | None = None):
        self._describe_service = describe_service
        self._timeout_s = timeout_s
        self._log = log or logging.getLogger(__name__)
        self._lock = threading.Lock()
        self._jobs: dict[str, Deployment] = {}

    def start(self, service_name: str, deploy: Callable[[Progress], Any]) -> Deployment:
        """Run `deploy(progress)` then wait for the service in a daemon thread (a server shutdown must not wait for a build)."""
        with self._lock:
            self._refuse_if_running(service_name)
            job = Deployment(service_name)
            self._jobs[job.id] = job
        worker = threading.Thread(target=self._run, args=(job, deploy), name=f"jupyter-deploy-{job.id}", daemon=True)
        worker.start()
        return job

    def get(self, deployment_id: str) -> Deployment:
        with self._lock:
            job = self._jobs.get(deployment_id)
        if job is None:
            raise DeploymentNotFound(
                f"No deployment '{deployment_id}' on this server (deployments are forgotten when Jupyter restarts); "
                "the services list shows what is deployed."
            )
        return job

    def all(self) -> list[Deployment]:
        with self._lock:
            return list(reversed(self._jobs.values()))

    def refuse_if_running(self, service_name: str) -> None:
        with self._lock:
            self._refuse_if_running(service_name)

    def _refuse_if_running(self, service_name: str) -> None:
        for job in self._jobs.values():
            if job.service_name == service_name and job.running:
                raise DeploymentRunning(
                    f"Service '{service_name}' is being deployed right now (deployment {job.id}); "
                    "wait for it to finish, then try again."
                )

    def _run(self, job: Deployment, deploy: Callable[[Progress], Any]) -> None:
        try:
            service = deploy(job.report)
            service.wait_for_deployment(timeout_sec=self._timeout_s)
            job.succeed(self._describe_service(job.service_name) or {})
        except JupyterDeployError as error:
            job.fail(str(error), self._safe_describe(job.service_name))
        except Exception as error:  # a bug or an engine hiccup: keep the server alive and say what happened
            self._log.exception("jupyter-deploy: deployment %s of '%s' failed unexpectedly", job.id, job.service_name)
            job.fail(f"Unexpected error while deploying '{job.service_name}': {type(error).__name__}: {error}",
                     self._safe_describe(job.service_name))

    def _safe_describe(self, service_name: str) -> dict | None:
        try:
            return self._describe_service(service_name)
        except Exception:
            return None
