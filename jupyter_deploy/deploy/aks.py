"""`AksWebservice`: Azure's name for a service on a cluster; here its configuration entry point.

`AksWebservice.deploy_configuration(...)` is what a user changes to leave one container; `Model.deploy(...,
deployment_target=ComputeTarget(ws, "NAME"))` then picks the cluster (see `deploy.flow`).
"""

from __future__ import annotations

from .targets.aks_config import AksServiceDeploymentConfiguration


class AksWebservice:
    """Azure's `AksWebservice` namespace: `deploy_configuration(...)` with Azure's parameters (auth on by default)."""

    @staticmethod
    def deploy_configuration(num_replicas=1, auth_enabled=True, token_auth_enabled=False, cpu_cores=None,
                             memory_gb=None, autoscale_enabled=False, autoscale_min_replicas=1,
                             autoscale_max_replicas=10, autoscale_target_utilization=70, scoring_timeout_ms=None,
                             replica_max_concurrent_requests=None, period_seconds=None, initial_delay_seconds=None,
                             timeout_seconds=None, failure_threshold=None, collect_model_data=False,
                             enable_app_insights=False, namespace=None, **_azure_only) -> AksServiceDeploymentConfiguration:
        return AksServiceDeploymentConfiguration(
            num_replicas=num_replicas, auth_enabled=auth_enabled, token_auth_enabled=token_auth_enabled,
            cpu_cores=cpu_cores, memory_gb=memory_gb, autoscale_enabled=autoscale_enabled,
            autoscale_min_replicas=autoscale_min_replicas, autoscale_max_replicas=autoscale_max_replicas,
            autoscale_target_utilization=autoscale_target_utilization, scoring_timeout_ms=scoring_timeout_ms,
            replica_max_concurrent_requests=replica_max_concurrent_requests, period_seconds=period_seconds,
            initial_delay_seconds=initial_delay_seconds, timeout_seconds=timeout_seconds,
            failure_threshold=failure_threshold, collect_model_data=collect_model_data,
            enable_app_insights=enable_app_insights, namespace=namespace)
