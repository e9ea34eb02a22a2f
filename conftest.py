"""Session-wide test settings: tests and tutorial notebooks never touch the user's own workspace."""

import os
import tempfile


def pytest_configure(config):
    if "JUPYTER_DEPLOY_HOME" not in os.environ:
        os.environ["JUPYTER_DEPLOY_HOME"] = tempfile.mkdtemp(prefix="jupyter-deploy-tests-")
