"""Newer Azure scripts import rawhttp/AMLRequest from here; it is the same object as the azureml shim's."""

from azureml.contrib.services.aml_request import AMLRequest, rawhttp  # noqa: F401
