"""Newer Azure scripts import AMLResponse from here; it is the same class as the azureml shim's."""

from azureml.contrib.services.aml_response import AMLResponse  # noqa: F401
