"""One background job at a time, on a superqt worker: the lifecycle every
room used to write by hand (start unless busy, clear on finish, wait at
shutdown), in the shape of Orange's ConcurrentMixin.

``start`` runs ``fn(*args)`` on Qt's thread pool; ``on_returned`` and
``on_errored`` get its result or exception on the GUI thread, then
``on_finished`` runs, with ``busy`` already False (so a handler may start
the next job or refresh actions that depend on it). ``shutdown`` waits for
a running job while the GUI keeps processing events — a QThread destroyed
while it runs aborts the process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from gui.common.worker_wait import wait_for_worker


class Task(QObject):
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker: Any = None  # the running superqt worker, None when idle

    @property
    def busy(self) -> bool:
        return self.worker is not None

    def start(self, fn: Callable[..., Any], *args: Any, on_returned: Callable[[Any], None] | None = None,
              on_errored: Callable[[BaseException], None] | None = None,
              on_finished: Callable[[], None] | None = None) -> bool:
        """Run ``fn(*args)`` on a worker; False (and nothing runs) while one is busy."""
        if self.busy:
            return False
        from superqt.utils import create_worker

        worker = create_worker(fn, *args, _start_thread=False, _ignore_errors=True)
        if on_returned is not None:
            worker.returned.connect(on_returned)
        if on_errored is not None:
            worker.errored.connect(on_errored)
        worker.finished.connect(self._on_finished)
        if on_finished is not None:
            worker.finished.connect(on_finished)
        self.worker = worker
        self.busy_changed.emit(True)
        worker.start()
        return True

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Wait (at most ``timeout_ms``) for the running job, if any."""
        if self.worker is not None:
            wait_for_worker(self.worker, timeout_ms)

    def _on_finished(self) -> None:
        self.worker = None
        self.busy_changed.emit(False)
