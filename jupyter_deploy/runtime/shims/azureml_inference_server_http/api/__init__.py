"""Namespace package (pkgutil style) so a real azureml-core installed in the same environment still imports."""

__path__ = __import__("pkgutil").extend_path(__path__, __name__)
