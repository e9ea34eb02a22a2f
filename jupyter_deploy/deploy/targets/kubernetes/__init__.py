"""The Kubernetes target: Deployment + Service + Secret + HorizontalPodAutoscaler rendered from the AKS configuration,
the service image pushed to the target's registry, the objects applied through its kubeconfig."""

from .export import export_kubernetes
from .manifests import render_manifests, round_trip, write_manifests
from .service import KubernetesWebservice, deploy_kubernetes

__all__ = ["KubernetesWebservice", "deploy_kubernetes", "export_kubernetes", "render_manifests", "round_trip",
           "write_manifests"]
