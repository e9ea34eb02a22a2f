"""The capture writer: rows queued on the request path, written as JSON Lines by one background thread.

The thread runs only while something is captured; until then the event loop polls the switches (``tick()``).

Scoring never waits on the disk: a request only appends a tuple to a queue (bounded; beyond it rows are
dropped and counted). The writer wakes every ``FLUSH_INTERVAL_S`` (or sooner when rows arrive), encodes the
batch, appends it to one file per partition — ``modeldata/<model>/<version>/<designation>/<yyyy>/<mm>/<dd>/``,
Azure's blob layout — and flushes, so a killed container loses at most the rows of the last interval. Files
rotate beyond ``max_file_bytes``; beyond ``max_store_bytes`` the oldest files are deleted. A store that cannot
be written (read-only, full) costs the rows of that batch, one warning in the log and a counter, never a request.

Hand-written rather than logging.handlers.QueueHandler/RotatingFileHandler: those rotate one file by name
(renaming under other workers' feet) and know no partitions or store-wide bound.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import threading
import time
from datetime import datetime, timezone
from typing import Any, Dict, Optional, Tuple

from .. import log
from .contract import (MODELDATA_FOLDER, REQUEST_DESIGNATION, TELEMETRY_DESIGNATION, MonitoringSettings,
                       read_switches)

FLUSH_INTERVAL_S = 0.1
SWITCH_POLL_S = 0.5
MAX_QUEUED_ROWS = 50_000
BATCH_ROWS = 5_000



def _body_value(body: bytes) -> Any:
    """A JSON body as its value, other text as a string, binary as {"base64": ...}."""
    if not body:
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(body).decode("ascii")}
    try:
        return json.loads(text)
    except ValueError:
        return text


class CaptureWriter:
    def __init__(self, settings: MonitoringSettings, metrics=None):
        self.settings = settings
        self.metrics = metrics
        self.collect_model_data = settings.collect_model_data
        self.app_insights = settings.app_insights
        self._queue: "queue.SimpleQueue" = queue.SimpleQueue()
        self._files: Dict[Tuple[str, ...], Tuple[str, Any, int]] = {}  # partition -> (path, handle, size)
        self._sequence = 0
        self._store_bytes: Optional[int] = None
        self._failing = False
        self._switches_mtime: Optional[float] = None
        self._last_poll = 0.0
        self._thread: Optional[threading.Thread] = None
        self._stop = threading.Event()
        self._write_lock = threading.Lock()  # drain() from another thread (shutdown, tests) vs the writer
        self.poll_switches()

    # -- switches ---------------------------------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self.collect_model_data or self.app_insights

    def poll_switches(self) -> None:
        """Apply the host's switches file when it changed (``service.update(collect_model_data=...)``)."""
        data_dir = self.settings.data_dir
        if data_dir:
            try:
                mtime = os.stat(os.path.join(data_dir, "switches.json")).st_mtime
            except OSError:
                mtime = None
            if mtime is not None and mtime != self._switches_mtime:
                self._switches_mtime = mtime
                switches = read_switches(data_dir) or {}
                collect = bool(switches.get("collectModelData", self.collect_model_data))
                if collect != self.collect_model_data:
                    log.info(f"Model data collection is now {'on' if collect else 'off'}")
                self.collect_model_data = collect
                self.app_insights = bool(switches.get("appInsightsEnabled", self.app_insights))
        if self.metrics is not None:
            self.metrics.collection_enabled.set(1 if self.collect_model_data else 0)

    # -- the request path (event-loop thread) -----------------------------------------------------------------------
    def submit(self, row: tuple) -> None:
        if self._queue.qsize() >= MAX_QUEUED_ROWS:
            if self.metrics is not None:
                self.metrics.capture_dropped.inc()
            return
        self._queue.put(row)

    def request_row(self, started_wall: float, request_id: str, status: int, latency_ms: float,
                    body: bytes, output: bytes) -> None:
        if self.collect_model_data:
            self.submit(("r", started_wall, request_id, status, latency_ms, body, output))
        if self.app_insights:
            self.submit(("t", started_wall, request_id, status, latency_ms, None, None))

    def collector_row(self, *, model: Optional[tuple], designation: str, data: Any, correlation_id: Optional[str]) -> bool:
        """The sink of the azureml collector stand-ins (called inside run())."""
        if not self.collect_model_data:
            return False
        self.submit(("c", time.time(), correlation_id, model, designation, data))
        return True

    # -- the writer thread ------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the writer thread once rows can come (collection or telemetry on); `tick()` does it later if not.

        No thread while nothing is captured: its wake-ups every ``FLUSH_INTERVAL_S`` each take the GIL from
        run(), and with every core busy (two workers running a TensorFlow model) run() then waits for the OS
        to schedule the writer: ours ran a few per cent slower than Azure's workers, which have no such thread."""
        if self.active and self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="jupyter-deploy-capture", daemon=True)
            self._thread.start()

    def tick(self) -> None:
        """From the event loop, a few times a second (server.py's housekeeping; never during run()): while no
        writer thread runs, poll the switches here, and start the thread when they turn capture on."""
        if self._thread is None and self._poll_switches_when_due():
            self.start()

    def _poll_switches_when_due(self) -> bool:
        """poll_switches() at most every ``SWITCH_POLL_S``; True when it polled."""
        now = time.monotonic()
        if now - self._last_poll < SWITCH_POLL_S:
            return False
        self._last_poll = now
        self.poll_switches()
        return True

    def close(self, timeout_s: float = 5.0) -> None:
        """Write everything queued, then stop (clean shutdown)."""
        self._stop.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout_s)
        self.drain()
        with self._write_lock:
            for _, handle, _ in self._files.values():
                try:
                    handle.close()
                except OSError:
                    pass
            self._files.clear()

    def _loop(self) -> None:
        """Wake on a fixed interval and take the whole queue at once.

        Not ``queue.get()`` per row: under load that wakes this thread for every request, and each wake takes
        the GIL from the event loop (measured: a third of the requests/s at c=32).
        """
        while not self._stop.wait(FLUSH_INTERVAL_S):
            self._poll_switches_when_due()
            self.drain()

    def drain(self) -> None:
        """Write whatever is queued right now (the calling thread)."""
        batch = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            batch.append(item)
        for start in range(0, len(batch), BATCH_ROWS):
            self._write(batch[start:start + BATCH_ROWS])

    def _write(self, batch: list) -> None:
        if not batch or not self.settings.data_dir:
            return
        with self._write_lock:
            self._write_locked(batch)

    def _write_locked(self, batch: list) -> None:
        grouped: Dict[Tuple[str, ...], list] = {}
        counts: Dict[str, int] = {}
        for item in batch:
            partition, line = self._encode(item)
            grouped.setdefault(partition, []).append(line)
            counts[partition[2]] = counts.get(partition[2], 0) + 1
        try:
            for partition, lines in grouped.items():
                for line in lines:  # one by one into the 64 KiB file buffer, so every file rotates at its bound
                    self._append(partition, line.encode("utf-8"))
                self._files[partition][1].flush()  # one write per partition and batch
        except OSError as error:
            if self.metrics is not None:
                self.metrics.capture_failures.inc(len(batch))
            if not self._failing:
                self._failing = True
                log.warning(f"Could not write captured data to {self.settings.data_dir} ({error}); "
                            "requests are still answered, their rows are lost until the store is writable again.")
            self._files.clear()
            return
        if self._failing:
            self._failing = False
            log.info("Captured data is being written again")
        if self.metrics is not None:
            for designation, count in counts.items():
                self.metrics.captured.labels(designation).inc(count)

    def _encode(self, item: tuple) -> Tuple[Tuple[str, ...], str]:
        settings = self.settings
        kind = item[0]
        stamp = item[1]
        day = datetime.fromtimestamp(stamp, timezone.utc)
        row: Dict[str, Any] = {"time": day.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
        if kind == "c":
            _, _, correlation, model, designation, data = item
            name, version = settings.partition_model
            if model and model[0]:
                name, version = model[0], model[1] or self._version_of(model[0]) or version
            row.update(request_id=correlation, designation=designation, data=data)
        else:
            _, _, request_id, status, latency_ms, body, output = item
            designation = REQUEST_DESIGNATION if kind == "r" else TELEMETRY_DESIGNATION
            name, version = settings.partition_model
            row.update(request_id=request_id, designation=designation)
            if kind == "r":
                row.update(data=_body_value(body), output=_body_value(output))
            row.update(status=status, latency_ms=round(latency_ms, 3))
        row.update(service=settings.service_name, model_ids=list(settings.model_ids))
        partition = (name, str(version), designation, "%04d" % day.year, "%02d" % day.month, "%02d" % day.day)
        return partition, json.dumps(row, default=str, separators=(",", ":")) + "\n"

    def _version_of(self, model_name: str) -> Optional[str]:
        for model_id in self.settings.model_ids:
            name, _, version = model_id.partition(":")
            if name == model_name:
                return version
        return None

    def _append(self, partition: Tuple[str, ...], data: bytes) -> None:
        entry = self._files.get(partition)
        if entry is None or entry[2] + len(data) > self.settings.max_file_bytes and entry[2] > 0:
            if entry is not None:
                entry[1].close()
            entry = self._open(partition)
        path, handle, size = entry
        handle.write(data)
        self._files[partition] = (path, handle, size + len(data))
        self._account(len(data))

    def _open(self, partition: Tuple[str, ...]):
        folder = os.path.join(self.settings.data_dir, MODELDATA_FOLDER, *partition)
        os.makedirs(folder, exist_ok=True)
        self._sequence += 1
        stamp = datetime.now(timezone.utc).strftime("%H%M%S")
        path = os.path.join(folder, f"data-{stamp}-{os.getpid()}-{self._sequence:04d}.jsonl")
        handle = open(path, "ab", buffering=1 << 16)
        return path, handle, 0

    def _account(self, written: int) -> None:
        """Keep the whole store under max_store_bytes by deleting its oldest files."""
        if self._store_bytes is None:
            self._store_bytes = _folder_bytes(os.path.join(self.settings.data_dir, MODELDATA_FOLDER))
        self._store_bytes += written
        if self._store_bytes <= self.settings.max_store_bytes:
            return
        files = []
        for root, _, names in os.walk(os.path.join(self.settings.data_dir, MODELDATA_FOLDER)):
            for name in names:
                path = os.path.join(root, name)
                try:
                    info = os.stat(path)
                except OSError:
                    continue
                files.append((info.st_mtime, path, info.st_size))
        open_paths = {entry[0] for entry in self._files.values()}
        total = sum(size for _, _, size in files)
        for _, path, size in sorted(files):
            if total <= self.settings.max_store_bytes * 0.9:
                break
            if path in open_paths:
                continue
            try:
                os.unlink(path)
                total -= size
            except OSError:
                pass
        self._store_bytes = total


def _folder_bytes(folder: str) -> int:
    total = 0
    for root, _, names in os.walk(folder):
        for name in names:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return total
