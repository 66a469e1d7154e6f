"""Runs the tests of a trained model (engine.model_tests) on the trained weights, one
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
from gui.common.task import Task


def run_tests(experiment: Experiment, weights: dict[str, np.ndarray], keys: Sequence[str] | None) -> list:
    """Worker thread: the tests' results (engine.model_tests.ModelTestResult)."""
    from engine.model_tests import run_model_tests

    return run_model_tests(experiment, weights, keys)


class ModelTestRunner(QObject):
    started = Signal(object)  # the titles of the actions that run, as a list
    finished_results = Signal(object)  # list of ModelTestResult
    failed = Signal(str)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.task = Task(self)
        self.task.busy_changed.connect(self.busy_changed)

    @property
    def busy(self) -> bool:
        return self.task.busy

    def run(self, experiment: Experiment, weights: dict[str, np.ndarray], keys: Sequence[str] | None) -> bool:
        """Start probing (``keys`` None: every applicable action); False while one already runs."""
        from engine.model_tests import MODEL_TESTS, applicable_tests

        if self.busy:
            return False
        chosen = list(keys) if keys is not None else [a.key for a in applicable_tests(experiment)]
        self.task.start(run_tests, experiment, weights, chosen, on_returned=self.finished_results.emit,
                        on_errored=self._on_errored)
        self.started.emit([MODEL_TESTS[k].title for k in chosen if k in MODEL_TESTS])
        return True

    def _on_errored(self, exc: BaseException) -> None:
        from gui.training.training_runner import describe_error

        self.failed.emit(describe_error(exc))

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Wait for a running test: a QThread destroyed while it runs aborts the process."""
        self.task.shutdown(timeout_ms)
