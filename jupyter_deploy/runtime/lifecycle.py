"""Which loaded script serves requests: the initial load, SIGHUP reloads, and what /ready reports.

Import and init() run on the event loop's thread, the thread run() runs on: Azure's sync worker runs both on
one thread, and scripts that keep per-thread state (TF1 graphs and sessions, thread-local clients) need it.
The loop therefore waits while init() runs, as a gunicorn worker does not accept before its script loaded:
requests arriving meanwhile queue in the socket's backlog (other workers keep serving). The swap happens in
one assignment, so a request sees either the old script or the new one; a failed reload keeps the old one.
"""

from __future__ import annotations

import asyncio
import traceback
from typing import Callable, Optional

from . import log
from .entry_script import EntryScriptImportError, LoadedScript, import_entry_script
from .settings import RuntimeSettings

ERROR_TAIL_LINES = 12


class LoadFailed(Exception):
    """Import or init() of the entry script failed; ``details`` is the full traceback text."""

    def __init__(self, details: str):
        super().__init__(details)
        self.details = details


def load_and_init(settings: RuntimeSettings) -> LoadedScript:
    """Import the entry script and run its init(); raise LoadFailed with the user's traceback."""
    try:
        script = import_entry_script(settings)
    except EntryScriptImportError as error:
        user_error = error.__cause__ or error
        details = f"{error}:\n" + "".join(
            traceback.format_exception(type(user_error), user_error, user_error.__traceback__)
        )
        raise LoadFailed(details) from None
    except BaseException:
        raise LoadFailed(traceback.format_exc()) from None
    log.info(script.input_mode.describe())
    log.info("Invoking user's init function")
    try:
        script.init()
    except BaseException:
        raise LoadFailed("User's init function failed:\n" + traceback.format_exc()) from None
    log.info("Users's init has completed successfully")
    return script


def traceback_tail(details: str, lines: int = ERROR_TAIL_LINES) -> str:
    return "\n".join(details.rstrip().splitlines()[-lines:])


class ScriptLifecycle:
    def __init__(self, settings: RuntimeSettings):
        self.settings = settings
        self.current: Optional[LoadedScript] = None  # read on every request; swapped atomically
        self.generation = 0  # successful loads
        self.reloads = 0  # finished reload attempts, successful or not
        self.last_reload_error: Optional[str] = None
        self.initial_error: Optional[str] = None
        self._reloading = False
        self._reload_pending = False
        # Called after each load that took effect; the server sets it (heap.py), in-kernel runs leave it None.
        self.after_load: Optional[Callable[[], None]] = None

    # -- initial load -------------------------------------------------------------------------------------------
    def load_blocking(self) -> LoadedScript:
        """Import and init() in the calling thread (tests, dry runs); raises LoadFailed."""
        return self._install(load_and_init(self.settings))

    async def load_initial(self, on_failure: Callable[[str], None]) -> None:
        """Load on a worker thread; on failure call ``on_failure(traceback_text)`` (the server exits there)."""
        await asyncio.sleep(0)  # let the server start first
        try:
            script = load_and_init(self.settings)  # on the loop thread, where run() will run
        except LoadFailed as failure:
            self.initial_error = failure.details
            on_failure(failure.details)
            return
        self._install(script)
        if self._reload_pending:
            await self.reload()

    # -- reloads ----------------------------------------------------------------------------------------------------
    def request_reload(self) -> None:
        """SIGHUP handler (runs on the loop): start a reload, or queue one behind a running load."""
        if self.current is None or self._reloading:
            self._reload_pending = True
            return
        asyncio.get_running_loop().create_task(self.reload())

    async def reload(self) -> None:
        if self._reloading:
            self._reload_pending = True
            return
        self._reloading = True
        try:
            while True:
                self._reload_pending = False
                log.info(f"Reloading the entry script {self.settings.entry_script}")
                try:
                    script = load_and_init(self.settings)  # the loop thread: run()'s thread
                except LoadFailed as failure:
                    log.error("Reload failed; still serving the previous script:\n" + failure.details)
                    self.last_reload_error = traceback_tail(failure.details)
                else:
                    self._install(script)
                    self.last_reload_error = None
                self.reloads += 1
                await asyncio.sleep(0)  # SIGHUPs that arrived meanwhile are handled here
                if not self._reload_pending:
                    break
        finally:
            self._reloading = False

    def _install(self, script: LoadedScript) -> LoadedScript:
        self.current = script
        self.generation += 1
        if self.after_load is not None:
            self.after_load()
        log.info(f"Serving {script.path} (generation {self.generation}, sha256 {script.sha256[:12]})")
        return script

    # -- /ready ---------------------------------------------------------------------------------------------------
    def readiness(self) -> "tuple[int, dict]":
        script = self.current
        if script is None:
            if self.initial_error is not None:
                return 503, {"status": "failed", "error": traceback_tail(self.initial_error)}
            return 503, {"status": "initializing"}
        return 200, {
            "status": "ready",
            "generation": self.generation,
            "reloads": self.reloads,
            "last_reload_error": self.last_reload_error,
            "entry_script_sha256": script.sha256,
        }
