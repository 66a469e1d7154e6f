"""Waiting for a superqt worker to finish while the GUI keeps processing events.

A QThread destroyed while it runs aborts the process, so closing the window,
a reset or a shutdown waits for running workers — without freezing, since
their last signals still need the event loop to arrive.
"""

from __future__ import annotations

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QDialog, QWidget


def wait_for_worker(worker, timeout_ms: int) -> None:
    """Return when ``worker`` has emitted ``finished`` (or after ``timeout_ms``).
    Callers pass their worker only while its finished handler has not run."""
    if worker is None:
        return
    loop = QEventLoop()
    worker.finished.connect(loop.quit)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


def finish_dialogs(window: QWidget) -> None:
    """Finish ``window``'s open dialogs the way their Cancel or Close would
    (``done``), before the window goes. A dialog with a worker (a download,
    an image folder being read) stops and waits for it in ``done``; closing
    the window alone reached only ``reject``, which for the download dialog
    means "cancel, stay open": the app quit with the worker still running."""
    for dialog in window.findChildren(QDialog):
        if dialog.isVisible():
            dialog.done(QDialog.DialogCode.Rejected)
