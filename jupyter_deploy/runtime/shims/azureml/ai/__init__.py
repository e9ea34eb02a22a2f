"""Namespace package (pkgutil style) so a real azureml-ai-monitoring installed alongside still imports."""

__path__ = __import__("pkgutil").extend_path(__path__, __name__)
