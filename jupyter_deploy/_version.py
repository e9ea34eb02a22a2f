"""The package's version, as installed. Its one source is `labextension/package.json` ("version"), which hatchling
reads through hatch-nodejs-version, so the Python package and the lab extension can never disagree."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("jupyter-deploy")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
