"""`AksWebservice.deploy_configuration(...)`: Azure's AKS deployment configuration, shared by the cluster targets.

Azure's promise was that moving to a cluster is only another deployment configuration; the swarm and Kubernetes
targets read this one object (and `deploymentConfig.json` in Azure's AKS schema, `"computeType": "aks"`). Values
left at None mean "the engine's default": no CPU or memory limit, and probe timings chosen by the target.
"""

from __future__ import annotations

import warnings
from typing import Any, Optional

from ...errors import ConfigFileError, DeployWarning

# Azure's liveness probe defaults (azureml-core's AksServiceDeploymentConfiguration)
DEFAULT_PERIOD_SECONDS = 10
DEFAULT_INITIAL_DELAY_SECONDS = 310
DEFAULT_TIMEOUT_SECONDS = 2
DEFAULT_FAILURE_THRESHOLD = 3


class AksServiceDeploymentConfiguration:
    """How a cluster service runs: replicas, key auth (on by default, as on Azure), limits, autoscaling, probes."""

    compute_type = "AKS"

    def __init__(self, num_replicas: Optional[int] = 1, auth_enabled: bool = True, token_auth_enabled: bool = False,
                 cpu_cores: Optional[float] = None, memory_gb: Optional[float] = None,
                 autoscale_enabled: bool = False, autoscale_min_replicas: int = 1, autoscale_max_replicas: int = 10,
                 autoscale_target_utilization: int = 70, scoring_timeout_ms: Optional[int] = None,
                 replica_max_concurrent_requests: Optional[int] = None, period_seconds: Optional[int] = None,
                 initial_delay_seconds: Optional[int] = None, timeout_seconds: Optional[int] = None,
                 failure_threshold: Optional[int] = None, collect_model_data: bool = False,
                 enable_app_insights: bool = False, namespace: Optional[str] = None):
        self.num_replicas = 1 if num_replicas is None else num_replicas
        self.auth_enabled = bool(auth_enabled)
        self.token_auth_enabled = bool(token_auth_enabled)
        self.cpu_cores = cpu_cores
        self.memory_gb = memory_gb
        self.autoscale_enabled = bool(autoscale_enabled)
        self.autoscale_min_replicas = autoscale_min_replicas
        self.autoscale_max_replicas = autoscale_max_replicas
        self.autoscale_target_utilization = autoscale_target_utilization
        self.scoring_timeout_ms = scoring_timeout_ms
        self.replica_max_concurrent_requests = replica_max_concurrent_requests
        self.period_seconds = period_seconds
        self.initial_delay_seconds = initial_delay_seconds
        self.timeout_seconds = timeout_seconds
        self.failure_threshold = failure_threshold
        self.collect_model_data = bool(collect_model_data)
        self.enable_app_insights = bool(enable_app_insights)
        self.namespace = namespace
        self.validate()

    def validate(self) -> None:
        """Azure's own checks, each as one sentence."""
        _positive_int("num_replicas", self.num_replicas)
        for name in ("autoscale_min_replicas", "autoscale_max_replicas"):
            _positive_int(name, getattr(self, name))
        for name in ("scoring_timeout_ms", "replica_max_concurrent_requests", "period_seconds", "timeout_seconds",
                     "failure_threshold"):
            if getattr(self, name) is not None:
                _positive_int(name, getattr(self, name))
        if self.initial_delay_seconds is not None and (not isinstance(self.initial_delay_seconds, int)
                                                       or self.initial_delay_seconds < 0):
            raise ConfigFileError(f"initial_delay_seconds must be a whole number of seconds ≥ 0, not {self.initial_delay_seconds!r}.")
        for name in ("cpu_cores", "memory_gb"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0):
                raise ConfigFileError(f"{name} must be a number above 0 (e.g. {name}=0.5), not {value!r}.")
        if self.autoscale_min_replicas > self.autoscale_max_replicas:
            raise ConfigFileError("autoscale_min_replicas cannot be above autoscale_max_replicas.")
        if not (isinstance(self.autoscale_target_utilization, int) and 1 <= self.autoscale_target_utilization <= 100):
            raise ConfigFileError("autoscale_target_utilization is a percentage from 1 to 100.")
        if self.auth_enabled and self.token_auth_enabled:
            raise ConfigFileError("Key auth and token auth cannot both be on; set auth_enabled=False to use tokens.")
        if self.token_auth_enabled:
            raise ConfigFileError("Token auth needs Azure Active Directory, which is not here; use key auth (auth_enabled=True).")
        for flag, what in (("collect_model_data", "model data collection"), ("enable_app_insights", "Application Insights")):
            if getattr(self, flag):
                warnings.warn(f"{what} is an Azure service and is not available here; {flag} is ignored.",
                              DeployWarning, stacklevel=3)

    # -- probe timings, with Azure's defaults ---------------------------------------------------------------
    def probe(self) -> dict:
        return {
            "periodSeconds": self.period_seconds or DEFAULT_PERIOD_SECONDS,
            "initialDelaySeconds": (DEFAULT_INITIAL_DELAY_SECONDS if self.initial_delay_seconds is None
                                    else self.initial_delay_seconds),
            "timeoutSeconds": self.timeout_seconds or DEFAULT_TIMEOUT_SECONDS,
            "failureThreshold": self.failure_threshold or DEFAULT_FAILURE_THRESHOLD,
        }

    # -- Azure's deploymentConfig.json (AKS schema) ---------------------------------------------------------
    def to_dict(self) -> dict:
        data: dict[str, Any] = {
            "computeType": "aks",
            "numReplicas": self.num_replicas,
            "authEnabled": self.auth_enabled,
            "tokenAuthEnabled": self.token_auth_enabled,
            "containerResourceRequirements": {"cpu": self.cpu_cores, "memoryInGB": self.memory_gb},
            "autoScaler": {
                "autoscaleEnabled": self.autoscale_enabled,
                "minReplicas": self.autoscale_min_replicas,
                "maxReplicas": self.autoscale_max_replicas,
                "targetUtilization": self.autoscale_target_utilization,
            },
            "livenessProbeRequirements": {
                "periodSeconds": self.period_seconds,
                "initialDelaySeconds": self.initial_delay_seconds,
                "timeoutSeconds": self.timeout_seconds,
                "failureThreshold": self.failure_threshold,
            },
            "scoringTimeoutMs": self.scoring_timeout_ms,
            "maxConcurrentRequestsPerContainer": self.replica_max_concurrent_requests,
            "dataCollection": {"storageEnabled": self.collect_model_data},
            "appInsightsEnabled": self.enable_app_insights,
        }
        if self.namespace:
            data["namespace"] = self.namespace
        return data

    @classmethod
    def from_dict(cls, data: dict, source: str = "deploymentConfig.json") -> "AksServiceDeploymentConfiguration":
        known = {"computeType", "numReplicas", "authEnabled", "tokenAuthEnabled", "containerResourceRequirements",
                 "autoScaler", "livenessProbeRequirements", "scoringTimeoutMs", "maxConcurrentRequestsPerContainer",
                 "dataCollection", "appInsightsEnabled", "namespace", "maxQueueWaitMs", "computeTargetName"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigFileError(f"{source}: unknown key '{unknown[0]}' for \"computeType\": \"aks\".")
        resources = _section(data, "containerResourceRequirements", source)
        scaler = _section(data, "autoScaler", source)
        probe = _section(data, "livenessProbeRequirements", source)
        collection = _section(data, "dataCollection", source)
        try:
            return cls(
                num_replicas=data.get("numReplicas", 1), auth_enabled=data.get("authEnabled", True),
                token_auth_enabled=data.get("tokenAuthEnabled", False),
                cpu_cores=resources.get("cpu"), memory_gb=resources.get("memoryInGB"),
                autoscale_enabled=scaler.get("autoscaleEnabled", False),
                autoscale_min_replicas=scaler.get("minReplicas", 1), autoscale_max_replicas=scaler.get("maxReplicas", 10),
                autoscale_target_utilization=scaler.get("targetUtilization", 70),
                scoring_timeout_ms=data.get("scoringTimeoutMs"),
                replica_max_concurrent_requests=data.get("maxConcurrentRequestsPerContainer"),
                period_seconds=probe.get("periodSeconds"), initial_delay_seconds=probe.get("initialDelaySeconds"),
                timeout_seconds=probe.get("timeoutSeconds"), failure_threshold=probe.get("failureThreshold"),
                collect_model_data=collection.get("storageEnabled", False),
                enable_app_insights=data.get("appInsightsEnabled", False), namespace=data.get("namespace"))
        except ConfigFileError as error:
            raise ConfigFileError(f"{source}: {error}") from None


def _section(data: dict, key: str, source: str) -> dict:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise ConfigFileError(f"{source}: '{key}' must be an object, found {type(value).__name__}.")
    return value


def _positive_int(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigFileError(f"{name} must be a whole number ≥ 1, not {value!r}.")
