"""Shared fixtures. Every test fails if it leaves a thread running (the
napari habit): a leaked worker is how 'QThread: Destroyed while thread is
still running' aborts reach users."""

from __future__ import annotations

import os
import sys
import threading

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def no_leaked_threads():
    before = set(threading.enumerate())
    yield
    leaked = []
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=5)
        if thread.is_alive() and not thread.daemon:
            leaked.append(thread.name)
    assert not leaked, f"test left threads running: {leaked}"
    # superqt workers run on Qt's global thread pool, invisible to threading.
    if "PySide6.QtCore" in sys.modules:
        from PySide6.QtCore import QThreadPool

        pool = QThreadPool.globalInstance()
        pool.waitForDone(5000)
        assert pool.activeThreadCount() == 0, "test left Qt pool workers running"
