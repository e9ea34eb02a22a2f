"""The Kubernetes target: Deployment + Service + Secret + HorizontalPodAutoscaler rendered from the AKS configuration."""

from .export import export_kubernetes
from .manifests import render_manifests, round_trip, write_manifests

__all__ = ["export_kubernetes", "render_manifests", "round_trip", "write_manifests"]
