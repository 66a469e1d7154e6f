"""Trains the experiments of a comparison, in turn or in parallel, and builds
the comparison table when the last one has ended.

Each experiment gets its own TrainingRunner (not the window's), so each one
trains in its own child process from engine.training_process's pool: "in
parallel" is simply every runner started at once, "in turn" starts the next
when the previous has ended. Probes are off — the comparison shows curves and
final numbers only, and snapshots would cost every run time.

An experiment that fails (its device is missing, its process died) or
diverges keeps its reason and the others carry on. The table is
``engine.comparison_table.compare`` over the experiments that produced a
final metric (the same function the command line uses); the rest are listed
with their reason by the panel.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, Signal

from engine.comparison_file import Comparison
from gui.training_runner import TrainingRunner

WAITING, RUNNING, STOPPING = "waiting", "running", "stopping"
FINISHED, STOPPED, DIVERGED, FAILED, NOT_RUN = "finished", "stopped", "diverged", "failed", "not run"
ENDED = (FINISHED, STOPPED, DIVERGED, FAILED, NOT_RUN)


@dataclass
class ExperimentRun:
    """One experiment's part of the comparison run, as the panel shows it."""

    label: str
    experiment: Any  # engine.spec.Experiment
    runner: TrainingRunner
    state: str = WAITING
    reason: str = ""  # why it failed, diverged or did not run
    info: Any = None  # engine.events.RunStarted
    last_step: int = 0
    last_epoch: Any = None  # engine.events.EpochDone
    summary: dict[str, Any] | None = None  # Finished.summary, as compare() wants it

    @property
    def compared(self) -> bool:
        """Whether it has a final metric for the table (a run stopped or
        diverged after an epoch still has one)."""
        return self.summary is not None and int(self.summary.get("epochs") or 0) > 0


class ComparisonRun(QObject):
    run_started = Signal(int, object)  # index, RunStarted
    stepped = Signal(int, object)  # index, StepBatch
    epoch_ended = Signal(int, object)  # index, EpochDone
    changed = Signal(int)  # index: its state, reason or progress changed
    completed = Signal(object)  # ComparisonResult, or None when no experiment has a result

    def __init__(self, comparison: Comparison, parent: QObject | None = None, *, in_process: bool = False) -> None:
        super().__init__(parent)
        self.comparison = comparison
        self.runs = [ExperimentRun(e.label, e.experiment, self._make_runner(i, in_process))
                     for i, e in enumerate(comparison.experiments)]
        self.parallel = False
        self.epochs: int | None = None
        self.result: Any = None  # engine.comparison_table.ComparisonResult of the last run
        self._stopping = False
        self._started = False

    @property
    def is_active(self) -> bool:
        """From start() until the last experiment has ended."""
        return self._started

    def start(self, parallel: bool, epochs: int | None = None) -> None:
        """Train every experiment, ``epochs`` each when given (else each file's own)."""
        from engine.probes import ProbeSettings

        if self.is_active:
            raise RuntimeError("the comparison is already running; stop it first")
        self.parallel, self.epochs = parallel, epochs
        self.result, self._stopping, self._started = None, False, True
        for i, run in enumerate(self.runs):
            run.state, run.reason, run.info, run.last_step, run.last_epoch, run.summary = (
                WAITING, "", None, 0, None, None)
            run.runner.probes = ProbeSettings.off()
            self.changed.emit(i)
        for i in range(len(self.runs)) if parallel else (0,):
            self._start(i)

    def stop(self) -> None:
        """Stop every running experiment; those still waiting will not run."""
        self._stopping = True
        for i, run in enumerate(self.runs):
            if run.runner.is_active:
                run.runner.stop()
                run.state = STOPPING
                self.changed.emit(i)
        self._complete_if_done()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop and wait until every runner has ended (for closing the window)."""
        self.stop()
        return all([run.runner.shutdown(timeout_ms) for run in self.runs])

    # --- one experiment -----------------------------------------------------------
    def _make_runner(self, index: int, in_process: bool) -> TrainingRunner:
        runner = TrainingRunner(self, in_process=in_process)
        runner.started.connect(partial(self._on_started, index))
        runner.stepped.connect(partial(self._on_stepped, index))
        runner.epoch_ended.connect(partial(self._on_epoch_ended, index))
        runner.diverged.connect(partial(self._on_diverged, index))
        runner.failed.connect(partial(self._on_failed, index))
        runner.finished.connect(partial(self._on_finished, index))
        return runner

    def _start(self, index: int) -> None:
        run = self.runs[index]
        try:
            run.runner.start(run.experiment, epochs=self.epochs)
        except (OSError, RuntimeError) as exc:  # no process and no thread: say so, go on with the rest
            run.state, run.reason = FAILED, f"could not start: {exc}"
            self.changed.emit(index)
            self._next()
            return
        run.state = RUNNING
        self.changed.emit(index)

    def _on_started(self, index: int, info: object) -> None:
        self.runs[index].info = info
        self.run_started.emit(index, info)
        self.changed.emit(index)

    def _on_stepped(self, index: int, batch: object) -> None:
        self.runs[index].last_step = int(batch.steps[-1])
        self.stepped.emit(index, batch)

    def _on_epoch_ended(self, index: int, epoch: object) -> None:
        self.runs[index].last_epoch = epoch
        self.epoch_ended.emit(index, epoch)
        self.changed.emit(index)

    def _on_diverged(self, index: int, event: object) -> None:
        self.runs[index].reason = event.message

    def _on_failed(self, index: int, message: str) -> None:
        self.runs[index].reason = message

    def _on_finished(self, index: int, finished: object) -> None:
        run = self.runs[index]
        if run.runner.outcome == "failed" or finished is None:
            run.state = FAILED
            run.reason = run.reason or "training ended without a result"
        else:
            run.summary = {**finished.summary, "label": run.label, "diverged": finished.diverged,
                           "stopped": finished.stopped}
            run.state = DIVERGED if finished.diverged else STOPPED if finished.stopped else FINISHED
            if run.state == STOPPED and not run.compared:
                run.reason = "stopped before the first epoch ended"
        self.changed.emit(index)
        self._next()

    def _next(self) -> None:
        if not self.parallel and not self._stopping:
            waiting = [i for i, r in enumerate(self.runs) if r.state == WAITING]
            if waiting and not any(r.runner.is_active for r in self.runs):
                self._start(waiting[0])
                return
        self._complete_if_done()

    def _complete_if_done(self) -> None:
        if any(r.runner.is_active for r in self.runs):
            return
        if any(r.state == WAITING for r in self.runs) and not self._stopping:
            return
        if not self._started:
            return  # completed already
        self._started = False
        for i, run in enumerate(self.runs):
            if run.state == WAITING:
                run.state, run.reason = NOT_RUN, "not run: the comparison was stopped"
                self.changed.emit(i)
        self.result = self._compare()
        self.completed.emit(self.result)

    def _compare(self) -> object:
        from engine.comparison_table import compare

        done = [i for i, r in enumerate(self.runs) if r.compared]
        if not done:
            return None
        # The table covers the experiments with a final metric; the panel lists the others with their reason.
        part = dataclasses.replace(self.comparison,
                                   experiments=tuple(self.comparison.experiments[i] for i in done))
        return compare(part, [self.runs[i].summary for i in done])
