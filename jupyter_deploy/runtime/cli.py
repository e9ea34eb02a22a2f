"""``python -m jupyter_deploy_runtime`` (in the image) / ``python -m jupyter_deploy.runtime`` (on the host).

Flags override the Azure environment variables (see settings.py). Like Azure's CLI, the resolved app root,
entry script and model dir are written back to the environment so the script sees them in os.environ;
the process then runs in the app root with bytecode writing off (see entry_script.py on stale .pyc files).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

from . import log
from .settings import (
    ENV_APP_ROOT,
    ENV_ENTRY_SCRIPT,
    ENV_MODEL_DIR,
    ENV_PORT,
    ENV_WORKER_COUNT,
    EXIT_LOAD_FAILED,
    SettingsError,
    load_settings,
)


def parse_arguments(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m jupyter_deploy_runtime",
        description="Serve an Azure ML style entry script (init()/run()) over HTTP.",
    )
    parser.add_argument("--app-root", help=f"directory holding the script and its modules (${ENV_APP_ROOT})")
    parser.add_argument("--entry-script", help=f"script path, relative to the app root or absolute (${ENV_ENTRY_SCRIPT})")
    parser.add_argument("--model-dir", help=f"passed to the script as ${ENV_MODEL_DIR}")
    parser.add_argument("--host", help="address to bind (default 0.0.0.0)")
    parser.add_argument("--port", type=int, help=f"port to bind, 0 for any free port (${ENV_PORT}, default 5001)")
    parser.add_argument("--workers", type=int, help=f"worker processes (${ENV_WORKER_COUNT}, default 1)")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    arguments = parse_arguments(argv)
    try:
        settings = load_settings(
            app_root=arguments.app_root,
            entry_script=arguments.entry_script,
            model_dir=arguments.model_dir,
            host=arguments.host,
            port=arguments.port,
            worker_count=arguments.workers,
        )
    except SettingsError as error:
        log.error(f"Configuration error: {error}")
        return EXIT_LOAD_FAILED
    os.environ[ENV_APP_ROOT] = settings.app_root
    os.environ[ENV_ENTRY_SCRIPT] = settings.entry_script
    if settings.model_dir:
        os.environ[ENV_MODEL_DIR] = settings.model_dir
    if not os.path.isdir(settings.app_root):
        log.error(f"The app root {settings.app_root} is not a directory.")
        return EXIT_LOAD_FAILED
    os.chdir(settings.app_root)
    sys.dont_write_bytecode = True
    log.buffer_stdout()
    log.info(f"Entry script: {settings.entry_script}")
    log.info(f"Model directory: {settings.model_dir or '(AZUREML_MODEL_DIR not set)'}")

    from .server import serve

    return serve(settings)
