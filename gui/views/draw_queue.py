"""Draws live views one per turn of the event loop instead of all at once.

With every view open, drawing a snapshot in all of them took 20–55 ms of
Python on the GUI thread (over 100 ms for a run's first), and in that time
the window answered nothing: a 10 ms timer fired up to 170 ms late at the
99th percentile (bench/gui_overhead.py). One view at a time, with the event
loop turning between them, keeps each block to a single view's cost while
the whole picture still arrives within a few frames. A newer job for the
same view and part replaces the one waiting, so a view never draws stale
data; ``flush`` draws everything at once (the end of a run, a scrub).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable

from PySide6.QtCore import QObject, QTimer


class DrawQueue(QObject):
    def __init__(self, on_drained: Callable[[float], None], parent: QObject | None = None) -> None:
        """``on_drained(cpu_seconds)`` is called when the last waiting job has run,
        with the GUI-thread CPU time the jobs since the queue was last empty took."""
        super().__init__(parent)
        self._jobs: dict[Hashable, Callable[[], None]] = {}  # insertion-ordered: views draw in order
        self._on_drained = on_drained
        self._cost = 0.0
        self.began: float | None = None  # monotonic time the jobs now waiting began to be queued
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._run_one)

    @property
    def pending(self) -> bool:
        return bool(self._jobs)

    def put(self, key: Hashable, job: Callable[[], None]) -> None:
        if self.began is None:
            self.began = time.monotonic()
        self._jobs.pop(key, None)
        self._jobs[key] = job
        if not self._timer.isActive():
            self._timer.start()

    def clear(self) -> None:
        self._jobs.clear()
        self._timer.stop()
        self._cost = 0.0
        self.began = None

    def flush(self) -> None:
        while self._jobs:
            self._run_one()

    def _run_one(self) -> None:
        if not self._jobs:
            return
        key = next(iter(self._jobs))
        job = self._jobs.pop(key)
        cpu = time.thread_time()
        job()
        self._cost += time.thread_time() - cpu
        if self._jobs:
            self._timer.start()
        else:
            cost, self._cost = self._cost, 0.0
            self._on_drained(cost)  # ``began`` still tells when these jobs began
            self.began = None
