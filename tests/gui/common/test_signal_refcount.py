"""Regression: PySide6 6.12.0 on CPython 3.11 drops a reference to
True/False/None on some calls (Signal.emit among them); a long run then dies
with 'Fatal Python error: bool_dealloc'. We pin PySide6 below 6.12 on 3.11;
this test fails if a wheel with that bug comes back."""

from __future__ import annotations

import sys

import pytest

pytest.importorskip("PySide6")
from PySide6.QtCore import QObject, Qt, QThread, Signal  # noqa: E402

N_SIGNALS = 50_000


class Emitter(QObject):
    ticked = Signal(bool, object)


class EmittingThread(QThread):
    def __init__(self, emitter: Emitter) -> None:
        super().__init__()
        self.emitter = emitter

    def run(self) -> None:
        for i in range(N_SIGNALS):
            # bool and None arguments are what lost references in 6.12.0.
            self.emitter.ticked.emit(i % 2 == 0, None)


def test_many_signals_from_a_thread_keep_singleton_refcounts(qtbot):
    received = []
    emitter = Emitter()
    # Direct connection: the slot runs in the emitting thread, so all 50,000
    # calls go through emit's argument conversion without queueing events.
    emitter.ticked.connect(lambda flag, value: received.append(flag), Qt.DirectConnection)
    before = {name: sys.getrefcount(obj) for name, obj in (("True", True), ("False", False), ("None", None))}
    thread = EmittingThread(emitter)
    with qtbot.waitSignal(thread.finished, timeout=120_000):
        thread.start()
    thread.wait()
    after = {name: sys.getrefcount(obj) for name, obj in (("True", True), ("False", False), ("None", None))}
    assert len(received) == N_SIGNALS
    # A leak upwards is harmless; a fall of thousands is the bug (immortal
    # objects on 3.12+ report a constant huge count).
    for name in before:
        assert after[name] >= before[name] - 100, f"refcount of {name} fell: {before[name]} -> {after[name]}"
