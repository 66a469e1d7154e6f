"""Runs the trained model on one input the user made (a drawn digit, a typed
prefix) and reports what it saw, off the GUI thread.

The model lives in an ``engine.inspect.Inspector`` on CPU, loaded with the
weights of the snapshot being shown (the latest one during training, an
older one when the user scrubs the timeline), so drawing never touches the
training model nor waits for the training loop. Requests are coalesced: a
user drawing fast makes many requests, but only the newest pending one runs
once the previous has finished, and results come back by the ``inspected``
signal on the GUI thread.
"""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import QObject, Signal

from gui.common.task import Task


class InspectionRunner(QObject):
    inspected = Signal(object)  # engine.inspect.Inspection
    failed = Signal(str)  # one readable line

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._engine = None  # engine.inspect.Inspector for the current run's model
        self._model_key: object = None
        self._experiment = self._info = None
        self._weights: dict[str, np.ndarray] | None = None
        self._weights_version = 0
        self._pending: np.ndarray | None = None
        self.task = Task(self)
        self.last: object | None = None  # the latest Inspection
        self.last_version = -1  # the weights version the latest Inspection was made with
        from gui.trained.context_runner import ContextRunner

        # The Text probe's second worker: context length and two prefixes compared.
        self.context = ContextRunner(self)

    @property
    def ready(self) -> bool:
        """Whether there are weights to run (a run has produced a snapshot)."""
        return self._weights is not None

    @property
    def busy(self) -> bool:
        return self.task.busy

    @property
    def weights_version(self) -> int:
        """Grows with every set_weights: an Inspection made with an older one is out of date."""
        return self._weights_version

    @property
    def experiment(self) -> object | None:
        """The spec of the run whose model this inspects."""
        return self._experiment

    @property
    def weights(self) -> dict[str, np.ndarray] | None:
        """The weights inspections run with (the shown snapshot's)."""
        return self._weights

    def set_run(self, experiment, run_info) -> None:
        """A new run: its model spec and data description; weights follow."""
        with self._lock:
            self._experiment, self._info = experiment, getattr(run_info, "info", None)
            self._model_key = (experiment, self._info)
            self._engine = None
            self._weights = None
            self._weights_version += 1

    def set_weights(self, weights: dict[str, np.ndarray] | None) -> None:
        if weights is None:
            return
        with self._lock:
            self._weights = weights
            self._weights_version += 1
            waiting = self._pending is not None
        if waiting and not self.task.busy:  # a request made before there were weights
            self._start_worker()

    def request(self, x: np.ndarray) -> None:
        """Run the model on one sample (the newest request wins)."""
        with self._lock:
            self._pending = np.asarray(x)
        if not self.task.busy and self.ready:
            self._start_worker()

    def _start_worker(self) -> None:
        self.task.start(self._work, on_yielded=self._on_yielded, on_errored=self._on_errored,
                        on_finished=self._on_finished)

    def _work(self):
        """Worker thread: take the newest request, run it, repeat until none."""
        from engine.inspect import Inspector

        loaded_version = -1
        while True:
            with self._lock:
                x, self._pending = self._pending, None
                if x is None or self._weights is None:
                    return
                if self._engine is None:
                    self._engine = Inspector(self._experiment, self._info)
                    loaded_version = -1
                engine, weights, version = self._engine, self._weights, self._weights_version
            if version != loaded_version:
                engine.load(weights)
                loaded_version = version
            yield version, engine.inspect(x)

    def _on_yielded(self, made) -> None:
        self.last_version, inspection = made
        self.last = inspection
        self.inspected.emit(inspection)

    def _on_errored(self, exc: BaseException) -> None:
        from gui.training.training_runner import describe_error

        self.failed.emit(describe_error(exc))

    def _on_finished(self) -> None:
        with self._lock:
            again = self._pending is not None and self._weights is not None
        if again:  # a request arrived as the worker was finishing
            self._start_worker()

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Wait for a running inspection (a QThread must not be destroyed running)."""
        self.context.shutdown(timeout_ms)
        with self._lock:
            self._pending = None
        self.task.shutdown(timeout_ms)

