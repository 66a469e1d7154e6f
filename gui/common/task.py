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

from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal


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
              on_finished: Callable[[], None] | None = None,
              on_yielded: Callable[[Any], None] | None = None) -> bool:
        """Run ``fn(*args)`` on a worker; False (and nothing runs) while one is busy.
        A generator function gets a GeneratorWorker: ``on_yielded`` takes each value."""
        if self.busy:
            return False
        from superqt.utils import create_worker

        worker = create_worker(fn, *args, _start_thread=False, _ignore_errors=True)
        if on_returned is not None:
            worker.returned.connect(on_returned)
        if on_yielded is not None:
            worker.yielded.connect(on_yielded)
        if on_errored is not None:
            worker.errored.connect(on_errored)
        worker.finished.connect(self._on_finished)
        if on_finished is not None:
            worker.finished.connect(on_finished)
        self.worker = worker
        self.busy_changed.emit(True)
        worker.start()
        return True

    def shutdown(self, timeout_ms: int = 10_000, stop: bool = False) -> None:
        """Wait (at most ``timeout_ms``) for the running job, if any; ``stop``
        first asks a generator job to end at its next yield.

        Waits for this Task's own finish handler, connected when the job
        started: a ``finished`` emitted just before the wait but not yet
        delivered still ends it (waiting on ``finished`` itself would miss
        that one and sit out the whole timeout)."""
        if self.worker is None:
            return
        if stop and hasattr(self.worker, "quit"):
            self.worker.quit()
        loop = QEventLoop()
        self.busy_changed.connect(loop.quit)
        QTimer.singleShot(timeout_ms, loop.quit)
        if self.worker is not None:
            loop.exec()
        self.busy_changed.disconnect(loop.quit)

    def _on_finished(self) -> None:
        self.worker = None
        self.busy_changed.emit(False)
