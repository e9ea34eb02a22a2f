"""The browser test harness: a real JupyterLab server on 127.0.0.1 and the system Chromium driven by Playwright.

The server runs with a token, a temporary root directory, temporary Jupyter config/data/runtime folders and
`JUPYTER_DEPLOY_HOME` pointing at a temporary workspace; the side panel is served from the repository's own
build output (`jupyter_deploy/labextension`, made by `jlpm build` in `labextension/`), so the test exercises
the code in this tree, not whatever copy is installed.

Without Chromium, Playwright or the built extension the test is skipped locally and FAILS under CI=true.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
BUILT_EXTENSION = REPO / "jupyter_deploy" / "labextension"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",
]


def require(condition: bool, why: str) -> None:
    """A missing prerequisite skips the test on a workstation and fails it under CI."""
    if not condition:
        if IN_CI:
            pytest.fail(f"CI needs this for the browser test: {why}")
        pytest.skip(why)


def chromium_path() -> str | None:
    configured = os.environ.get("JUPYTER_DEPLOY_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LabServer:
    url: str
    token: str
    root_dir: Path
    deploy_home: Path
    log_path: Path

    def lab_url(self) -> str:
        return f"{self.url}lab?token={self.token}"

    def api(self, path: str) -> requests.Response:
        return requests.get(f"{self.url}jupyter-deploy/api/{path}",
                            headers={"Authorization": f"token {self.token}"}, timeout=30)

    def log_tail(self, lines: int = 60) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@pytest.fixture(scope="session")
def ui_prerequisites() -> str:
    """Chromium, Playwright, the built labextension and the server extension, or a skip (a failure in CI)."""
    chromium = chromium_path()
    require(chromium is not None, "no Chromium found (/usr/bin/chromium, or set JUPYTER_DEPLOY_CHROMIUM)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        require(False, "the Python `playwright` package is not installed (pip install playwright)")
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        require(False, "JupyterLab is not installed (pip install jupyterlab)")
    require((BUILT_EXTENSION / "package.json").exists(),
            f"the labextension is not built: no {BUILT_EXTENSION}/package.json (cd labextension && jlpm && jlpm build)")
    import jupyter_deploy

    require(hasattr(jupyter_deploy, "_jupyter_server_extension_points"),
            "jupyter_deploy has no Jupyter server extension entry point")
    return chromium


@pytest.fixture
def lab_server(ui_prerequisites, docker_engine, tmp_path):
    """A JupyterLab server with jupyter-deploy's server extension and the freshly built side panel."""
    root_dir = tmp_path / "root"
    deploy_home = tmp_path / "deploy-home"
    config_dir = tmp_path / "jupyter-config"
    data_dir = tmp_path / "jupyter-data"
    runtime_dir = tmp_path / "jupyter-runtime"
    extensions_dir = tmp_path / "labextensions"
    for folder in (root_dir, deploy_home, config_dir / "jupyter_server_config.d", config_dir / "labconfig",
                   data_dir, runtime_dir, extensions_dir):
        folder.mkdir(parents=True, exist_ok=True)
    (extensions_dir / "jupyter-deploy").symlink_to(BUILT_EXTENSION, target_is_directory=True)
    (config_dir / "jupyter_server_config.d" / "jupyter_deploy.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"jupyter_deploy": True}}}))
    # The news toast would sit on top of the right side bar.
    (config_dir / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))

    port = free_port()
    token = secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_DEPLOY_HOME=str(deploy_home), JUPYTER_CONFIG_DIR=str(config_dir),
               JUPYTER_DATA_DIR=str(data_dir), JUPYTER_RUNTIME_DIR=str(runtime_dir))
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root_dir}",
        f"--LabApp.extra_labextensions_path={extensions_dir}",
        f"--LabApp.user_settings_dir={tmp_path / 'lab-settings'}",
        f"--LabApp.workspaces_dir={tmp_path / 'lab-workspaces'}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log_path = tmp_path / "jupyterlab.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=root_dir, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = LabServer(url=f"http://127.0.0.1:{port}/", token=token, root_dir=root_dir,
                       deploy_home=deploy_home, log_path=log_path)
    try:
        _wait_until_serving(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_serving(server: LabServer, process: subprocess.Popen, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    last = "no answer yet"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"JupyterLab exited with {process.returncode}:\n{server.log_tail()}")
        try:
            answer = server.api("status")
            if answer.status_code == 200:
                return
            last = f"{answer.status_code} {answer.text[:200]}"
        except requests.ConnectionError as error:
            last = str(error)
        time.sleep(0.5)
    pytest.fail(f"jupyter-deploy's REST API did not answer within {timeout_s:.0f} s ({last}):\n{server.log_tail()}")


@pytest.fixture
def browser_page(ui_prerequisites, tmp_path):
    """A page of a fresh Chromium profile; console errors are collected on `page.console_errors`."""
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=ui_prerequisites, headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1440, "height": 900})
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.console_errors = []
            page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
            page.set_default_timeout(30_000)
            yield page
        finally:
            context.close()


@pytest.fixture
def screenshot(browser_page):
    """`screenshot("01-step")` saves the page as tests/ui/screenshots/01-step.png; `of=locator`: that element;
    `clip={x, y, width, height}`: that part of the page."""

    def save(name: str, of=None, clip=None) -> None:
        path = str(SCREENSHOTS / f"{name}.png")
        if of is not None:
            of.screenshot(path=path)
        else:
            browser_page.screenshot(path=path, clip=clip)

    return save
