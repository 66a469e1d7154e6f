"""Runs probe actions (engine.probe_actions) on the trained weights, one
request at a time, on a superqt worker thread.

Probing builds the model, loads the data and evaluates it several times:
seconds of torch work that must not run on the GUI thread (it would freeze
the window, and torch's thread pool on the GUI thread slows training — see
DESIGN.md, Known pitfalls). Results come back on the GUI thread by
``finished_results``; a failure by ``failed`` as one readable line.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QObject, Signal

from engine.spec import Experiment
from gui.common.worker_wait import wait_for_worker


def run_probes(experiment: Experiment, weights: dict[str, np.ndarray], keys: Sequence[str] | None) -> list:
    """Worker thread: the probe actions' results (engine.probe_actions.ProbeResult)."""
    from engine.probe_actions import run_actions

    return run_actions(experiment, weights, keys)


class ProbeRunner(QObject):
    started = Signal(object)  # the titles of the actions that run, as a list
    finished_results = Signal(object)  # list of ProbeResult
    failed = Signal(str)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker = None

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def run(self, experiment: Experiment, weights: dict[str, np.ndarray], keys: Sequence[str] | None) -> bool:
        """Start probing (``keys`` None: every applicable action); False while one already runs."""
        from superqt.utils import create_worker

        from engine.probe_actions import ACTIONS, applicable_actions

        if self.busy:
            return False
        chosen = list(keys) if keys is not None else [a.key for a in applicable_actions(experiment)]
        worker = create_worker(run_probes, experiment, weights, chosen, _start_thread=False, _ignore_errors=True)
        worker.returned.connect(self.finished_results.emit)
        worker.errored.connect(self._on_errored)
        worker.finished.connect(self._on_finished)
        self._worker = worker
        self.busy_changed.emit(True)
        self.started.emit([ACTIONS[k].title for k in chosen if k in ACTIONS])
        worker.start()
        return True

    def _on_errored(self, exc: BaseException) -> None:
        from gui.training.training_runner import describe_error

        self.failed.emit(describe_error(exc))

    def _on_finished(self) -> None:
        self._worker = None
        self.busy_changed.emit(False)

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Wait for a running probe: a QThread destroyed while it runs aborts the process."""
        if self._worker is not None:
            wait_for_worker(self._worker, timeout_ms)
