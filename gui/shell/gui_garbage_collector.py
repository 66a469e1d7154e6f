"""Python's cyclic garbage collector, run on the GUI thread only.

Automatic collection runs in whichever thread happens to allocate. With
training and data loading on worker threads, a collection there can destroy
Qt objects that belonged to the GUI (a closed window's widgets, a finished
worker's signal object); their C++ destructors then run on the wrong thread
and can deadlock against the GUI thread (seen here: a test run froze with
the engine loader mid-allocation and the GUI thread building a window). So
automatic collection is switched off and a timer on the GUI thread collects
instead, generation by generation, when the usual thresholds are exceeded —
the remedy pyqtgraph's GarbageCollector uses too.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 1000


class GuiGarbageCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> None:
        count0, count1, count2 = gc.get_count()
        if count0 > self.threshold[0]:
            gc.collect(0)
            if count1 > self.threshold[1]:
                gc.collect(1)
                if count2 > self.threshold[2]:
                    gc.collect(2)

    @staticmethod
    def freeze_startup_objects() -> None:
        """Exempt everything alive now (torch, Qt, pyqtgraph: some 400,000
        objects that live as long as the process) from future collections:
        a full collection took 350 ms of GUI time before, microseconds after."""
        gc.freeze()

    def uninstall(self) -> None:
        """Back to automatic collection (tests)."""
        self.timer.stop()
        if self._was_enabled:
            gc.enable()
