"""What a service on a cluster target (swarm, Kubernetes) is, whichever cluster runs it.

Both keep one record in the workspace (`records.py`) with the models, the configurations and the keys; both
answer with Azure's `AksWebservice` surface. Only the live parts differ — where the replicas run, how their state
and logs are read, how an update rolls out — and those stay in each target's `service.py`.
"""

from __future__ import annotations

import json
import time
from typing import Any, Optional

import requests

from ...display.cards import service_html, service_text
from ...errors import DeploymentFailed, ServiceNotFound, WebserviceError
from ...registry import Model, Workspace, resolve_model
from ...shapes import ServiceShape
from ..inference_config import InferenceConfig
from ..keys import auth_headers, key_pair
from ..records import load_record
from .aks_config import AksServiceDeploymentConfiguration


class ClusterWebservice:
    """A deployed cluster service; `Subclass(ws, name)` re-attaches to one recorded with its `target_type`."""

    target_type = ""  # the record's targetType
    target_title = ""  # how a sentence names the target
    poll_seconds = 0.25  # how often wait_for_deployment reads the state

    def __init__(self, workspace: Workspace, name: str):
        self.workspace = workspace
        self.name = name
        self._record = load_record(workspace, name)
        if self._record is None or self._record.get("targetType") != self.target_type:
            raise ServiceNotFound(f"No {self.target_title} service named '{name}' in {workspace.path}; "
                                  "`jupyter-deploy service list` shows them.")

    # -- what the record says --------------------------------------------------------------------------
    image = property(lambda self: self._record["image"])
    created_time = property(lambda self: self._record["created_time"])
    compute_target = property(lambda self: self._record["computeTarget"])

    @property
    def scoring_uri(self) -> Optional[str]:
        raise NotImplementedError

    @property
    def swagger_uri(self) -> Optional[str]:
        uri = self.scoring_uri
        return None if uri is None else uri[: -len("/score")] + "/swagger.json"

    @property
    def models(self) -> list[Model]:
        return [resolve_model(self.workspace, model_id) for model_id in self._record["models"]]

    @property
    def inference_config(self) -> InferenceConfig:
        return InferenceConfig.from_dict(self._record["inference_config"])

    @property
    def deployment_config(self) -> AksServiceDeploymentConfiguration:
        return AksServiceDeploymentConfiguration.from_dict(self._record["deployment_config"])

    @property
    def num_replicas(self) -> int:
        return self._record["deployment_config"]["numReplicas"]

    # -- keys -------------------------------------------------------------------------------------------
    def get_keys(self) -> tuple[str, str]:
        return key_pair(self._record.get("keys"), self.name)

    def auth_headers(self) -> dict:
        return auth_headers(self._record.get("keys"))

    # -- live state ------------------------------------------------------------------------------------
    @property
    def state(self) -> str:
        raise NotImplementedError

    def wait_for_deployment(self, show_output: bool = False, timeout_sec: float = 600) -> None:
        deadline = time.monotonic() + timeout_sec
        while True:
            state = self.state
            if state == "Healthy":
                if show_output:
                    print(self._running_message())
                return
            if state == "Failed":
                raise DeploymentFailed(self._record["failure"])
            if time.monotonic() > deadline:
                raise DeploymentFailed(f"Service '{self.name}' was not Healthy after {timeout_sec:.0f} s (state {state}"
                                       f"{self._pending_reason()}); read `jupyter-deploy service logs -n {self.name}`.")
            time.sleep(self.poll_seconds)

    # -- talking to it ---------------------------------------------------------------------------------
    def run(self, input_data: Any) -> Any:
        """POST to /score with the primary key (when auth is on)."""
        uri = self.scoring_uri
        if uri is None:
            raise WebserviceError(self._no_address_sentence())
        body = input_data if isinstance(input_data, (str, bytes)) else json.dumps(input_data)
        try:
            response = requests.post(uri, data=body, timeout=600,
                                     headers={"Content-Type": "application/json", **self.auth_headers()})
        except requests.ConnectionError:
            raise WebserviceError(f"Service '{self.name}' is not answering at {uri}; "
                                  f"check `jupyter-deploy service logs -n {self.name}`.") from None
        if response.status_code != 200:
            try:
                message = response.json().get("message", response.text[:500])
            except ValueError:
                message = response.text[:500]
            raise WebserviceError(f"Service '{self.name}' answered HTTP {response.status_code}: {message}")
        try:
            return response.json()
        except ValueError:
            return response.text

    def reload(self, timeout_sec: float = 300) -> float:
        """Serve the edited entry script: a new service image (one thin layer), rolled out new replica first."""
        started = time.perf_counter()
        self.update(timeout_sec=timeout_sec)
        return time.perf_counter() - started

    def update(self, *args, **kwargs) -> None:
        raise NotImplementedError

    def get_logs(self, num_lines: int = 5000) -> str:
        raise NotImplementedError

    def serialize(self) -> dict:
        return self.shape().dump()

    def shape(self) -> ServiceShape:
        raise NotImplementedError

    def _shape(self, **fields) -> ServiceShape:
        """The target's fields plus where the service runs, which every cluster target answers alike."""
        return ServiceShape(name=self.name, compute_type="AKS", compute_target=self.compute_target,
                            replicas=self.num_replicas, auth_enabled=bool(self._record.get("keys")),
                            models=list(self._record["models"]), created_time=self.created_time,
                            entry_script=self._record["inference_config"]["entryScript"], **fields)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, scoring_uri={self._repr_uri()!r}, replicas={self.num_replicas})"

    def __str__(self) -> str:
        return service_text(self.serialize())

    def _repr_html_(self) -> str:
        return service_html(self.serialize())

    # -- for the targets -------------------------------------------------------------------------------
    def _refresh_record(self) -> None:
        record = load_record(self.workspace, self.name)
        if record is None:
            raise ServiceNotFound(f"Service '{self.name}' has been deleted.")
        self._record = record

    def _log_tail(self) -> str:
        return "\n".join(self.get_logs(num_lines=40).strip().splitlines()[-12:])

    def _running_message(self) -> str:
        return f"Service is running {self.num_replicas} replica(s) at {self.scoring_uri}"

    def _pending_reason(self) -> str:
        """What the state is waiting for, as ", clause" in the timeout sentence ("" when nothing more is known)."""
        return ""

    def _no_address_sentence(self) -> str:
        return f"Service '{self.name}' has no address reachable from here."

    def _repr_uri(self) -> Optional[str]:
        """The URI a repr shows; a target whose URI costs a network call shows the last one it read."""
        return self.scoring_uri
