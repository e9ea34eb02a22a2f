"""The JSON shape of every object jupyter-deploy shows, declared once.

`serialize()` on the core objects, every CLI `-o json` and every REST answer are built from these models, so
the three never disagree. Keys are camelCase, as `az ml … -o json` printed them (`scoringUri`, `swaggerUri`,
`computeType`, `createdTime`, `framework`, …). `docs/rest-api.md` and `labextension/src/api/types.ts` mirror this
file field by field; request bodies of the REST API live with the server (`server/requests.py`).
"""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

ServiceState = Literal["Transitioning", "Healthy", "Unhealthy", "Failed"]
DeploymentStatus = Literal["running", "succeeded", "failed"]


class Shape(BaseModel):
    """camelCase on the wire, snake_case in Python; `dump()` is the JSON-ready dict."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)

    def dump(self) -> dict:
        return self.model_dump(mode="json", by_alias=True)


class ModelFileShape(Shape):
    path: str
    size: int
    sha256: str


class ModelShape(Shape):
    """One registered model version (Azure's `Model.serialize()` keys, plus where its files are)."""

    id: str
    name: str
    version: int
    description: Optional[str] = None
    tags: dict[str, str] = {}
    properties: dict[str, str] = {}
    framework: Optional[str] = None
    framework_version: Optional[str] = None
    created_time: str
    path: str
    files: list[ModelFileShape] = []


class ModelGroupShape(Shape):
    """A model name with all its versions, newest first."""

    name: str
    latest_version: int
    versions: list[ModelShape]


class WorkerDeathShape(Shape):
    """The last worker that died inside a service's container, its cause in words."""

    worker: Optional[int] = None
    cause: Optional[str] = None
    at: Optional[float] = None  # seconds since the epoch
    stderr_tail: list[str] = []


class WorkersShape(Shape):
    """The runtime's worker board (`GET /ready`'s `workers`): how many, how many ready, how often respawned."""

    count: int = 0
    ready: int = 0
    restarts: int = 0
    last_death: Optional[WorkerDeathShape] = None


OPTIONAL_SERVICE_KEYS = ("workers", "computeTarget", "replicas", "authEnabled")


class ServiceShape(Shape):
    """A deployed web service (Azure's `LocalWebservice.serialize()` keys), its state read live."""

    name: str
    state: ServiceState
    compute_type: str = "Local"
    scoring_uri: Optional[str] = None
    swagger_uri: Optional[str] = None
    port: Optional[int] = None
    image_id: Optional[str] = None
    models: list[str] = []
    entry_script: Optional[str] = None
    created_time: Optional[str] = None
    error: Optional[str] = None
    container_id: Optional[str] = None
    workers: Optional[WorkersShape] = None  # issue 9: the runtime's supervised workers, while it answers /ready
    # issue 13: where it runs: the attached compute target (absent on Local Docker), its replicas, key auth
    compute_target: Optional[str] = None
    replicas: Optional[int] = None
    auth_enabled: Optional[bool] = None

    def dump(self) -> dict:
        """Fields left unknown (`workers` while the service does not answer /ready, the issue 13 fields where
        nobody set them) are left out, so older readers see no change."""
        data = super().dump()
        for key in OPTIONAL_SERVICE_KEYS:
            if data.get(key) is None:
                data.pop(key, None)
        return data


class ImageShape(Shape):
    """An environment image on the engine (`jupyter-deploy image list -o json`): one per distinct content."""

    id: str
    tag: str
    tags: list[str] = []
    size: int  # bytes, shared base layers included
    unique_size: int  # bytes only this image holds (what pruning it frees)
    created: Optional[str] = None
    kind: str = "environment"
    environments: list[str] = []
    services: list[str] = []


class DeploymentShape(Shape):
    """A deployment running in the background of the Jupyter server; `log` holds lines logStart … logTotal-1."""

    id: str
    service_name: str
    status: DeploymentStatus
    phase: str
    progress: float
    log: list[str]
    log_start: int
    log_total: int
    error: Optional[str] = None
    service: Optional[ServiceShape] = None
    started_time: str
    elapsed_seconds: float


class EnvironmentShape(Shape):
    """An environment stored in the workspace, as the pip requirements it builds."""

    name: str
    python_version: Optional[str] = None
    pip_requirements: list[str]
    updated_time: Optional[str] = None


class ScriptShape(Shape):
    """An entry script the workspace has seen (written by `%%score_script` or used by a service)."""

    path: str
    source: Literal["score_script", "service"]
    modified_time: str


class DockerStatusShape(Shape):
    running: bool
    message: Optional[str] = None


class StatusShape(Shape):
    version: str
    workspace: str
    docker: DockerStatusShape


class LogsShape(Shape):
    name: str
    logs: str


class ReloadShape(Shape):
    name: str
    seconds: float


class EndpointTestShape(Shape):
    """What a scoring endpoint answered to a test request, and how fast (percentiles when repeated)."""

    status: Optional[int] = None
    body: Any = None
    latency_ms: Optional[float] = None
    headers: dict[str, str] = {}
    repeat: int = 1
    p50_ms: Optional[float] = None
    p90_ms: Optional[float] = None
    p99_ms: Optional[float] = None
    errors: int = 0


class MonitorSampleShape(Shape):
    """One point of a service's monitor series (issue 12): rates per second, latencies in ms (None: no requests)."""

    time: float
    request_rate: float
    p50_ms: Optional[float] = None
    p99_ms: Optional[float] = None
    error_rate: float = 0.0


class MonitorShape(Shape):
    """`GET services/{name}/monitor`: collected rows, the collection switch and the series built from /metrics."""

    rows_collected: int = 0
    collect_model_data: bool = False
    samples: list[MonitorSampleShape] = []
