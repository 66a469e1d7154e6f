"""Trains the experiments of a comparison at each of their seeds, in turn or
several at once, and builds the comparison table when the last run has ended.

Every (experiment, seed) pair is one job. Jobs go to a small pool of
TrainingRunners (not the window's), each training in a child process of
engine.training_process's pool: "in turn" is one runner, "in parallel" as
many as the machine has cores for beside the window (at least two), and a
runner that ends one job takes the next. Probes are off — the comparison
shows curves and final numbers only, and snapshots would cost every run time.

A seed that fails (its device is missing, its process died) or diverges
keeps its reason and the others carry on. The table is
``engine.comparison_table.compare`` over each experiment's seeds (the same
function the command line uses); experiments without any seed that finished
an epoch are listed with their reason by the panel.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, Signal

from engine.comparison_file import Comparison
from gui.training.training_runner import TrainingRunner

WAITING, RUNNING, STOPPING = "waiting", "running", "stopping"
FINISHED, STOPPED, DIVERGED, FAILED, NOT_RUN = "finished", "stopped", "diverged", "failed", "not run"
ENDED = (FINISHED, STOPPED, DIVERGED, FAILED, NOT_RUN)
MIN_PARALLEL = 2  # "in parallel" runs two at once even where the cores say one


@dataclass
class SeedRun:
    """One seed of one experiment."""

    seed: int
    experiment: Any  # engine.spec.Experiment at this seed
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


@dataclass
class ExperimentRun:
    """One experiment's part of the comparison run: a row of the panel."""

    label: str
    experiment: Any  # engine.spec.Experiment, as the file has it
    seeds: list[SeedRun] = field(default_factory=list)

    @property
    def state(self) -> str:
        states = [s.state for s in self.seeds]
        if STOPPING in states:
            return STOPPING
        if RUNNING in states:
            return RUNNING
        if all(s == WAITING for s in states):
            return WAITING
        if WAITING in states:
            return RUNNING  # between two seeds
        if len(set(states)) == 1:
            return states[0]
        if any(s.compared for s in self.seeds):
            return STOPPED if STOPPED in states or NOT_RUN in states else FINISHED
        for kind in (DIVERGED, FAILED, STOPPED, NOT_RUN):
            if kind in states:
                return kind
        return FINISHED

    @property
    def compared(self) -> bool:
        return any(s.compared for s in self.seeds)

    @property
    def reason(self) -> str:
        """The reasons of the seeds that did not finish, one per kind."""
        many = len(self.seeds) > 1
        return "; ".join(dict.fromkeys(f"{f'seed {s.seed}: ' if many else ''}{s.reason}"
                                       for s in self.seeds if s.reason))

    @property
    def current(self) -> SeedRun | None:
        """The seed training now (the first, in parallel), or None."""
        return next((s for s in self.seeds if s.state in (RUNNING, STOPPING)), None)

    @property
    def active(self) -> bool:
        return self.current is not None

    @property
    def last_step(self) -> int:
        return sum(s.last_step for s in self.seeds)

    @property
    def info(self) -> Any:
        return next((s.info for s in self.seeds if s.info is not None), None)

    @property
    def total_steps(self) -> int:
        info = self.info
        return info.total_steps * len(self.seeds) if info is not None else 0


class ComparisonRun(QObject):
    run_started = Signal(int, int, object)  # experiment index, seed index, RunStarted
    stepped = Signal(int, int, object)  # experiment index, seed index, StepBatch
    epoch_ended = Signal(int, int, object)  # experiment index, seed index, EpochDone
    changed = Signal(int)  # experiment index: its state, reason or progress changed
    completed = Signal(object)  # ComparisonResult, or None when no experiment has a result
    runner_created = Signal(object)  # a TrainingRunner joined the pool (the Runs table records it)

    def __init__(self, comparison: Comparison, parent: QObject | None = None, *, in_process: bool = False) -> None:
        super().__init__(parent)
        self.comparison = comparison
        self.in_process = in_process
        self.runs = [ExperimentRun(e.label, e.experiment) for e in comparison.experiments]
        self.runners: list[TrainingRunner] = []
        self._job_of: dict[int, tuple[int, int]] = {}  # id(runner) → (experiment, seed index)
        self.parallel = False
        self.epochs: int | None = None
        self.seed_count = len(comparison.seeds)
        self.at_once = 1  # the most runs that trained at once in the last run
        self.result: Any = None  # engine.comparison_table.ComparisonResult of the last run
        self._stopping = False
        self._started = False
        self._prepare_seeds()

    @property
    def is_active(self) -> bool:
        """From start() until the last run has ended."""
        return self._started

    def seeds_of(self, index: int, count: int | None = None) -> tuple[int, ...]:
        """The seeds experiment ``index`` trains at ``count`` seeds (the file's
        own list when the count is the file's)."""
        from engine.seeds import Seeds

        count = count or self.seed_count
        seeds = self.comparison.seeds if count == len(self.comparison.seeds) else Seeds(count=count)
        return seeds.for_seed(self.comparison.experiments[index].experiment.training.seed)

    def set_seed_count(self, count: int) -> None:
        """How many seeds the next run trains (the rows show them at once)."""
        if not self.is_active:
            self.seed_count = count
            self._prepare_seeds()

    def slots(self, parallel: bool) -> int:
        from engine.threads import parallel_slots

        jobs = sum(len(r.seeds) for r in self.runs)
        return 1 if not parallel else max(1, min(jobs, max(MIN_PARALLEL, parallel_slots(keep_for_window=True))))

    def start(self, parallel: bool, epochs: int | None = None, seeds: int | None = None) -> None:
        """Train every experiment at each of its seeds, ``epochs`` each when
        given (else each file's own)."""
        if self.is_active:
            raise RuntimeError("the comparison is already running; stop it first")
        self.parallel, self.epochs = parallel, epochs
        self.seed_count = seeds or self.seed_count
        self.result, self._stopping, self._started, self.at_once = None, False, True, 1
        self._prepare_seeds()
        for i in range(len(self.runs)):
            self.changed.emit(i)
        while len(self.runners) < self.slots(parallel):
            self._add_runner()
        for runner in self.runners[:self.slots(parallel)]:
            if not self._start_next(runner):
                break

    def stop(self) -> None:
        """Stop every running seed; those still waiting will not run."""
        self._stopping = True
        for runner in self.runners:
            if runner.is_active and id(runner) in self._job_of:
                runner.stop()
                i, k = self._job_of[id(runner)]
                self.runs[i].seeds[k].state = STOPPING
                self.changed.emit(i)
        self._complete_if_done()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop and wait until every runner has ended (for closing the window)."""
        self.stop()
        return all([runner.shutdown(timeout_ms) for runner in self.runners])

    # --- the pool ---------------------------------------------------------------
    def _prepare_seeds(self) -> None:
        for i, run in enumerate(self.runs):
            run.seeds = [SeedRun(s, run.experiment.with_training(seed=s)) for s in self.seeds_of(i)]

    def _add_runner(self) -> None:
        runner = TrainingRunner(self, in_process=self.in_process)
        from engine.probes import ProbeSettings

        runner.probes = ProbeSettings.off()
        for signal, slot in ((runner.started, self._on_started), (runner.stepped, self._on_stepped),
                             (runner.epoch_ended, self._on_epoch_ended), (runner.diverged, self._on_diverged),
                             (runner.failed, self._on_failed), (runner.finished, self._on_finished),
                             (runner.run_ended, self._on_run_ended)):
            signal.connect(partial(slot, runner))
        self.runners.append(runner)
        self.runner_created.emit(runner)

    def _start_next(self, runner: TrainingRunner) -> bool:
        """Give the runner the next waiting job; False when there is none."""
        if self._stopping:
            return False
        job = next(((i, k) for i, run in enumerate(self.runs) for k, s in enumerate(run.seeds)
                    if s.state == WAITING), None)
        if job is None:
            return False
        i, k = job
        seed = self.runs[i].seeds[k]
        self._job_of[id(runner)] = job
        seed.state = RUNNING
        try:
            runner.start(seed.experiment, epochs=self.epochs)
        except (OSError, RuntimeError) as exc:  # no process and no thread: say so, go on with the rest
            seed.state, seed.reason = FAILED, f"could not start: {exc}"
            del self._job_of[id(runner)]
            self.changed.emit(i)
            return self._start_next(runner)
        self.at_once = max(self.at_once, sum(r.is_active for r in self.runners))
        self.changed.emit(i)
        return True

    def _seed(self, runner: TrainingRunner) -> tuple[int, int, SeedRun] | None:
        job = self._job_of.get(id(runner))
        if job is None:
            return None
        return job[0], job[1], self.runs[job[0]].seeds[job[1]]

    # --- what a runner reports ---------------------------------------------------
    def _on_started(self, runner: TrainingRunner, info: object) -> None:
        if (found := self._seed(runner)) is not None:
            i, k, seed = found
            seed.info = info
            self.run_started.emit(i, k, info)
            self.changed.emit(i)

    def _on_stepped(self, runner: TrainingRunner, batch: object) -> None:
        if (found := self._seed(runner)) is not None:
            i, k, seed = found
            seed.last_step = int(batch.steps[-1])
            self.stepped.emit(i, k, batch)

    def _on_epoch_ended(self, runner: TrainingRunner, epoch: object) -> None:
        if (found := self._seed(runner)) is not None:
            i, k, seed = found
            seed.last_epoch = epoch
            self.epoch_ended.emit(i, k, epoch)
            self.changed.emit(i)

    def _on_diverged(self, runner: TrainingRunner, event: object) -> None:
        if (found := self._seed(runner)) is not None:
            found[2].reason = event.message

    def _on_failed(self, runner: TrainingRunner, message: str) -> None:
        if (found := self._seed(runner)) is not None:
            found[2].reason = message

    def _on_finished(self, runner: TrainingRunner, finished: object) -> None:
        if (found := self._seed(runner)) is None:
            return
        i, _, seed = found
        if runner.outcome == "failed" or finished is None:
            seed.state = FAILED
            seed.reason = seed.reason or "training ended without a result"
        else:
            seed.summary = {**finished.summary, "label": self.runs[i].label, "diverged": finished.diverged,
                            "stopped": finished.stopped}
            seed.state = DIVERGED if finished.diverged else STOPPED if finished.stopped else FINISHED
            if seed.state == STOPPED and not seed.compared:
                seed.reason = "stopped before the first epoch ended"
        self.changed.emit(i)

    def _on_run_ended(self, runner: TrainingRunner) -> None:
        # After every `finished` slot (the Runs table's recorder among them) has
        # run: the next job may start on this runner now.
        self._job_of.pop(id(runner), None)
        if not self._start_next(runner):
            self._complete_if_done()

    def _complete_if_done(self) -> None:
        if any(r.is_active for r in self.runners) or not self._started:
            return
        waiting = any(s.state == WAITING for run in self.runs for s in run.seeds)
        if waiting and not self._stopping:
            return
        self._started = False
        for i, run in enumerate(self.runs):
            for seed in run.seeds:
                if seed.state in (WAITING, STOPPING):
                    seed.state = NOT_RUN if seed.state == WAITING else STOPPED
                    seed.reason = seed.reason or "not run: the comparison was stopped"
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
        # A seed that diverged before its first epoch still counts: as a diverged seed.
        return compare(part, [[s.summary for s in self.runs[i].seeds
                               if s.summary is not None and (s.compared or s.state == DIVERGED)] for i in done],
                       at_once=self.at_once)
