"""The live views for weights read from a file: open an experiment saved
with its weights and Filters, Feature maps, Draw, Predictions and the rest
show that model, as they would at the end of the run that made it — not
"Train a model to see this view" while the status bar says the weights are
loaded and the tests of the trained model score them.

engine.loaded_weights gives the events a run gives before its first step
(RunStarted, a snapshot of the probe samples, the predictions), computed on
a worker; they are fed to the views as a run's would be. A run's own events
take over as soon as one starts; weights that change meanwhile (another
file, a run's) make an older answer stale, and it is dropped.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from gui.common.task import Task


class LoadedWeightsViews(QObject):
    def __init__(self, weights: object, views: object, runner: object, status: Callable[[str], None],
                 parent: QObject | None = None) -> None:
        """``weights``: the window's TrainedWeights; ``views``: its ViewHub;
        ``runner``: its TrainingRunner (a running run owns the views);
        ``status``: shows one line in the status bar."""
        super().__init__(parent)
        self.weights = weights
        self.views = views
        self.runner = runner
        self.status = status
        self.task = Task(self)
        self.shown_source = ""  # the file whose weights the views show, "" when they show a run or nothing
        self._version = 0  # bumped on every change of the weights: an answer for an older one is dropped
        self._again = False
        weights.changed.connect(self._on_weights_changed)

    def _on_weights_changed(self) -> None:
        self._version += 1
        if self.weights.source in ("", "run") or self.weights.weights is None:
            self.shown_source = ""
            return  # a run shows itself; no weights, nothing to show
        self._start()

    def _start(self) -> None:
        if self.task.busy:
            self._again = True  # after the one running, for the newest weights
            return
        from engine.loaded_weights import look_inside

        version, source = self._version, self.weights.source
        experiment, weights = self.weights.experiment, self.weights.weights
        self.task.start(look_inside, experiment, weights,
                        on_returned=lambda events: self._show(version, source, experiment, events),
                        on_errored=lambda exc: self._failed(version, source, exc),
                        on_finished=self._on_finished)

    def _on_finished(self) -> None:
        if self._again:
            self._again = False
            if self.weights.weights is not None and self.weights.source not in ("", "run"):
                self._start()

    def _show(self, version: int, source: str, experiment: object, events: list) -> None:
        from engine.events import Predictions, RunStarted, Snapshot

        if version != self._version or self.runner.is_active:
            return  # other weights since, or a run has the views now
        views = self.views
        views.reset()
        views.begin_run(experiment)
        for event in events:
            if isinstance(event, RunStarted):
                views.on_started(event, origin=f"Trained weights from {source}")
            elif isinstance(event, Snapshot):
                views.on_snapshot(event)
            elif isinstance(event, Predictions):
                views.on_predictions(event)
        views.on_finished()
        self.shown_source = source
        self.status(f"The live views show the trained weights read from {source}.")

    def _failed(self, version: int, source: str, exc: BaseException) -> None:
        if version == self._version:
            self.status(f"The views cannot show the weights from {source}: {exc}")

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        self._again = False
        self.task.shutdown(timeout_ms)
