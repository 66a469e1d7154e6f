"""The lab's other seeds: a column is one run, and one run is one trajectory,
so with Seeds above one each column's experiment also trains at its next
seeds — after the columns' own runs, in the comparison window's runner pool
(gui/comparison/run.py, probes off) — and the shared curves show each
column's mean over its seeds with the range as a band, as a comparison does.
The columns' views and answers stay those of their own run.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QObject, Signal


class LabSeeds(QObject):
    changed = Signal()  # progress of the other seeds

    def __init__(self, comparison, plots, parent: QObject | None = None, *, in_process: bool = False) -> None:
        super().__init__(parent)
        self.comparison, self.plots, self.in_process = comparison, plots, in_process
        self.count = 1  # seeds per column, its own run included
        self.run = None  # gui.comparison.run.ComparisonRun of the other seeds, while they train

    @property
    def active(self) -> bool:
        return self.run is not None and self.run.is_active

    def start(self, epochs: int | None = None) -> bool:
        """The next ``count - 1`` seeds of every column; False when there are none."""
        from engine.seeds import Seeds
        from gui.comparison.run import ComparisonRun

        if self.count <= 1 or self.active:
            return False
        entries = tuple(dataclasses.replace(e, experiment=e.experiment.with_training(
            seed=e.experiment.training.seed + 1)) for e in self.comparison.experiments)
        others = dataclasses.replace(self.comparison, experiments=entries, seeds=Seeds(count=self.count - 1))
        self.run = ComparisonRun(others, self, in_process=self.in_process)
        self.run.run_started.connect(lambda i, k, info: self.plots.start_experiment(i, info, seed=k + 1))
        self.run.stepped.connect(lambda i, k, batch: self.plots.add_steps(i, batch.steps, batch.losses, seed=k + 1))
        self.run.epoch_ended.connect(lambda i, k, e: self.plots.add_epoch(i, e.epoch, e.val_metric, seed=k + 1))
        self.run.changed.connect(lambda _i: self.changed.emit())
        self.run.completed.connect(lambda _result: self.changed.emit())
        self.run.start(parallel=True, epochs=epochs)
        self.changed.emit()
        return True

    def stop(self) -> None:
        if self.active:
            self.run.stop()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        return self.run.shutdown(timeout_ms) if self.run is not None else True

    def describe(self) -> str:
        """"other seeds: 3 of 4 runs done" while they train, "" otherwise."""
        if self.run is None:
            return ""
        seeds = [s for run in self.run.runs for s in run.seeds]
        done = sum(s.state in ("finished", "stopped", "diverged", "failed", "not run") for s in seeds)
        if not self.active:
            return f"other seeds: {done} runs ended (the curves' bands)"
        return f"other seeds: {done} of {len(seeds)} runs done"
