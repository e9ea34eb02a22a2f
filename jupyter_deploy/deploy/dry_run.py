"""Running an entry script in this process exactly as the service container would, before building anything.

The script goes into a throwaway app root next to `azureml-models/<name>/<version>` symlinks to the registered
version folders; `AZUREML_MODEL_DIR` is set to the same relative path the container gets and the working
directory is the app root, so path arithmetic in `init()` behaves as in the service. The request goes through
the runtime's own ASGI app (`ScoringApp`), so input handling (plain `run(data)`, `request_headers`, `@rawhttp`,
inference-schema) and the answer's status, headers and error shapes are the container's. The kernel's working
directory, environment variables, `sys.path` and modules are put back afterwards.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..display.cards import dry_run_html
from ..display.html import body_text
from ..registry import Model, Workspace, resolve_model
from ..runtime import settings as contract
from .targets.local.container import model_dir_variable

_TRACEBACK_RE = re.compile(r"Encountered Exception: (Traceback.*?)(?=^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [IWE] |\Z)",
                           re.S | re.M)


@dataclass
class DryRunResult:
    """What init() and one request did; `error` holds the script's own traceback when something it ran raised."""

    script: str
    models: list[str]
    model_dir: str
    init_seconds: float | None = None
    request_seconds: float | None = None
    run_ms: float | None = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    error: str | None = None
    log: str = ""

    @property
    def ok(self) -> bool:
        """init() succeeded and run() did not raise (a 4xx the script or input handling chose is still ok)."""
        return self.error is None

    def lines(self) -> list[str]:
        models = ", ".join(self.models) or "no models"
        lines = [f"Dry run of {self.script} with {models} (AZUREML_MODEL_DIR={self.model_dir})"]
        if self.init_seconds is not None:
            lines.append(f"import and init(): {'ok' if self.status is not None or self.error is None else 'failed'} "
                         f"in {self.init_seconds * 1000:.1f} ms")
        if self.status is not None:
            run_time = f"run() {self.run_ms:.1f} ms, " if self.run_ms is not None else ""
            lines.append(f"HTTP {self.status} ({run_time}request {self.request_seconds * 1000:.1f} ms)")
        return lines

    def body_text(self) -> str:
        return body_text(self.body)

    def __repr__(self) -> str:
        lines = self.lines()
        if self.status is not None:
            lines.append(self.body_text())
        if self.error:
            lines.append(self.error.rstrip())
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return dry_run_html(self)


def dry_run(workspace: Workspace, script_source: str, models: Iterable[Model | str] = (), sample: str | bytes | None = None,
            *, script_name: str = "score.py", headers: dict[str, str] | None = None) -> DryRunResult:
    """Import the script, run init(), then POST `sample` (if given) to /score; never raises for the script's own errors."""
    resolved = [resolve_model(workspace, model) for model in models]
    model_dir = model_dir_variable(resolved) if resolved else ""
    result = DryRunResult(script=script_name, models=[m.id for m in resolved], model_dir=model_dir)
    app_root = Path(tempfile.mkdtemp(prefix="jupyter-deploy-dry-run-"))
    (app_root / script_name).write_text(script_source, encoding="utf-8")
    for model in resolved:
        link = app_root / contract.MODELS_FOLDER / model.name / str(model.version)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(model.path, target_is_directory=True)
    environ = {contract.ENV_APP_ROOT: str(app_root), contract.ENV_ENTRY_SCRIPT: script_name,
               contract.ENV_MODEL_DIR: model_dir, contract.ENV_SERVICE_NAME: "dry-run"}
    captured = io.StringIO()
    try:
        with _service_like_process(app_root, environ), contextlib.redirect_stdout(captured), \
                contextlib.redirect_stderr(captured):
            _run_in_app(result, environ, sample, headers)
    finally:
        result.log = captured.getvalue().replace(f"{app_root}{os.sep}", "")
        shutil.rmtree(app_root, ignore_errors=True)
    if result.error is None and result.status is not None and result.status >= 500:
        match = _TRACEBACK_RE.search(result.log)
        result.error = match.group(1).rstrip() if match else result.log.strip() or None
    if result.error:
        result.error = _without_runtime_frames(result.error.replace(f"{app_root}{os.sep}", ""))
    return result


def _without_runtime_frames(traceback_text: str) -> str:
    """Keep the script's frames: the runtime's own (which called init()/run()) are not the user's concern."""
    runtime_dir = os.path.join(os.path.dirname(os.path.abspath(contract.__file__)), "")
    kept: list[str] = []
    skipping = False
    for line in traceback_text.splitlines():
        if line.startswith('  File "'):
            skipping = line[len('  File "'):].startswith(runtime_dir)
        elif not line.startswith("    "):
            skipping = False
        if not skipping:
            kept.append(line)
    return "\n".join(kept)


def _run_in_app(result: DryRunResult, environ: dict[str, str], sample: str | bytes | None,
                headers: dict[str, str] | None) -> None:
    # Imported only when a dry run happens: the runtime's app puts its azureml stand-ins first on sys.path.
    from ..runtime.app import ScoringApp
    from ..runtime.lifecycle import LoadFailed

    app = ScoringApp(contract.load_settings(environ))
    started = time.perf_counter()
    try:
        app.lifecycle.load_blocking()
    except LoadFailed as failure:
        result.init_seconds = time.perf_counter() - started
        result.error = failure.details
        return
    result.init_seconds = time.perf_counter() - started
    if sample is None:
        return
    body = sample.encode("utf-8") if isinstance(sample, str) else bytes(sample)
    sent = {"content-type": "application/json", **{k.lower(): v for k, v in (headers or {}).items()}}
    started = time.perf_counter()
    status, answer_headers, payload = _post(app, body, sent)
    result.request_seconds = time.perf_counter() - started
    result.status = status
    result.headers = answer_headers
    run_ms = answer_headers.get("x-ms-run-fn-exec-ms")
    result.run_ms = float(run_ms) if run_ms else None
    try:
        result.body = json.loads(payload)
    except ValueError:
        result.body = payload.decode("utf-8", "replace")


def _post(app, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """One POST /score through the ASGI app, driven by hand: the kernel's event loop may already be running,
    and the app only awaits our receive/send, so the coroutine completes in a single step on this thread
    (run() executes on the main thread, as in the container)."""
    raw_headers = [(k.encode("latin-1"), str(v).encode("latin-1")) for k, v in headers.items()]
    raw_headers.append((b"content-length", str(len(body)).encode()))
    scope = {
        "type": "http", "http_version": "1.1", "method": "POST", "path": "/score", "raw_path": b"/score",
        "query_string": b"", "headers": raw_headers, "scheme": "http", "server": ("127.0.0.1", contract.CONTAINER_PORT),
        "client": ("127.0.0.1", 0), "root_path": "",
    }
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    coroutine = app(scope, receive, send)
    try:
        coroutine.send(None)
    except StopIteration:
        pass
    else:  # the app awaited something only an event loop can finish: not the runtime we know
        coroutine.close()
        raise RuntimeError("the scoring app suspended during a dry run; run the request through an event loop instead")
    start = next(m for m in sent if m["type"] == "http.response.start")
    payload = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    answer_headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in start.get("headers", [])}
    return start["status"], answer_headers, payload


@contextlib.contextmanager
def _service_like_process(app_root: Path, environ: dict[str, str]):
    """cwd = app root and the service's environment variables, restored (with sys.path and modules) afterwards."""
    from ..runtime.entry_script import drop_app_modules

    saved_cwd = os.getcwd()
    saved_env = {name: os.environ.get(name) for name in environ}
    saved_path = list(sys.path)
    os.chdir(app_root)
    os.environ.update(environ)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        sys.path[:] = saved_path
        drop_app_modules([os.path.realpath(app_root)])
        sys.modules.pop("entry_module", None)
