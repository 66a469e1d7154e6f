"""A sweep's run on a worker thread: ``run_sweep`` blocks until every
missing trial has trained (in training processes, or on Dask), so it runs
on a superqt worker (gui/common/task.py) and its events come to the GUI
thread through a queued signal — the window never does torch work, and
never waits.

Stop sets the engine's stop event: no trial starts after it, the running
ones stop between batches (and are not written, so a later Run trains them
again). ``shutdown`` stops and waits, for a window that closes.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from gui.common.task import Task


class SweepRunner(QObject):
    evented = Signal(object)  # an engine sweep event, delivered on the GUI thread
    _arrived = Signal(object)  # emitted on the worker thread
    finished = Signal(object)  # the SweepOutcome, or None when the run broke
    failed = Signal(str)  # one line: why the run broke
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.task = Task(self)
        self.task.busy_changed.connect(self.busy_changed)
        self._stop: threading.Event | None = None
        self._arrived.connect(self.evented, Qt.ConnectionType.QueuedConnection)

    @property
    def busy(self) -> bool:
        return self.task.busy

    @property
    def stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    def start(self, sweep, folder, trials: list, *, jobs: int | None = None, cluster: str | None = None) -> bool:
        """Train ``trials`` (those without a result; the engine skips the rest
        again); False while a run is going."""
        from engine.sweep_run import run_sweep

        if self.busy:
            return False
        self._stop = stop = threading.Event()

        def work() -> Any:
            return run_sweep(sweep, folder, jobs=jobs, cluster=cluster or None, on_event=self._arrived.emit,
                             stop=stop, trials=trials)

        return self.task.start(work, on_returned=self.finished.emit, on_errored=self._on_errored)

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()

    def shutdown(self, timeout_ms: int = 30_000) -> None:
        """Stop and wait for the worker (and so its training processes)."""
        self.stop()
        self.task.shutdown(timeout_ms)

    def _on_errored(self, exc: BaseException) -> None:
        from engine.errors import describe_error

        self.failed.emit(describe_error(exc))
        self.finished.emit(None)
