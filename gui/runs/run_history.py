"""Every training run of the session, kept after it ends.

A RunRecord is what one run leaves behind: the experiment it started from,
its device and size, the per-epoch rows, the per-step training loss (thinned
by a StepHistory, so a long run costs no more than a short one), the final
numbers, speed, outcome, final weights and the weights it was given to
start from, if any. A RunRecorder fills one from a TrainingRunner's signals
and hands it to the RunHistory when the run ends, whatever the ending
(finished, stopped, diverged or failed). The RunHistory is the list the
runs table and the curve overlays watch; it has no widgets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from engine.events import EpochDone
from engine.spec import Experiment
from gui.common.step_history import StepHistory

# Points of the per-step loss kept per run: plenty for an overlay curve.
STEP_CAPACITY = 4_000
SMOOTHING = 0.85  # as the live curve's "training (smoothed)"


@dataclass
class RunRecord:
    id: int
    name: str
    experiment: Experiment
    device: str = ""
    params: int | None = None
    metric: str = "accuracy"  # "accuracy" (higher is better) or "mse" (lower is better)
    steps_per_epoch: int = 1
    epochs: list[EpochDone] = field(default_factory=list)
    steps: np.ndarray = field(default_factory=lambda: np.empty(0))
    losses: np.ndarray = field(default_factory=lambda: np.empty(0))
    smoothed_losses: np.ndarray = field(default_factory=lambda: np.empty(0))
    summary: dict[str, Any] | None = None  # Finished.summary (None when the run failed)
    samples_per_second: float | None = None
    outcome: str = ""  # "finished" | "stopped" | "diverged" | "failed"
    message: str = ""  # why it diverged or failed, in one line
    weights: dict[str, np.ndarray] | None = None  # Finished.weights
    # The weights it started from when it was given some (Continue Training, a weights file: the
    # runner's dict itself, not a copy); None: the fresh initialisation of its seed.
    initial_weights: dict[str, np.ndarray] | None = None
    overlaid: bool = False  # its curves are drawn over the live ones

    @property
    def final(self) -> dict[str, Any]:
        return (self.summary or {}).get("final", {})

    @property
    def seconds_per_epoch(self) -> float | None:
        """Mean wall time of the completed epochs (evaluation included)."""
        if not self.epochs:
            return None
        return sum(e.seconds for e in self.epochs) / len(self.epochs)

    @property
    def best_val_metric(self) -> float | None:
        """Highest validation accuracy, or lowest validation MSE, of any epoch."""
        values = [e.val_metric for e in self.epochs if math.isfinite(e.val_metric)]
        if not values:
            return None
        return max(values) if self.metric == "accuracy" else min(values)


def group_key(record: RunRecord) -> str:
    """The experiment with its seed set aside: equal for runs that differ only in their seed."""
    import hashlib

    from engine.experiment_file import experiment_to_json

    key = getattr(record, "_group_key", None)
    if key is None:  # the spec never changes: the digest is made once per record
        text = experiment_to_json(record.experiment.with_training(seed=0))
        key = hashlib.sha1(text.encode("utf-8")).hexdigest()
        record._group_key = key  # type: ignore[attr-defined]
    return key


class RunHistory(QObject):
    added = Signal(object)  # RunRecord
    renamed = Signal(object)
    removed = Signal(object)
    overlay_changed = Signal(object)  # its `overlaid` flag changed
    # Runs of one experiment at several seeds (gui/runs/run_groups.py), by group key:
    group_overlay_changed = Signal(str)  # its mean and band are shown or not
    group_renamed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.records: list[RunRecord] = []
        self._next_id = 1
        self._runs_of: dict[str, int] = {}  # experiment name -> runs started (names are never reused)
        self.overlaid_groups: set[str] = set()
        self.group_titles: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self.records)

    def new_record(self, experiment: Experiment) -> RunRecord:
        """A record for a run about to start, named "<experiment name> #n"
        (not in the list until ``add``)."""
        base = experiment.name or "Untitled"
        n = self._runs_of[base] = self._runs_of.get(base, 0) + 1
        record = RunRecord(self._next_id, f"{base} #{n}", experiment)
        self._next_id += 1
        return record

    def add(self, record: RunRecord) -> None:
        self.records.append(record)
        self.added.emit(record)

    def get(self, run_id: int) -> RunRecord | None:
        return next((r for r in self.records if r.id == run_id), None)

    def rename(self, record: RunRecord, name: str) -> bool:
        """False (and nothing changes) for an empty name."""
        name = name.strip()
        if not name or record not in self.records:
            return False
        if name != record.name:
            record.name = name
            self.renamed.emit(record)
        return True

    def remove(self, record: RunRecord) -> None:
        if record in self.records:
            self.records.remove(record)
            record.overlaid = False
            self.removed.emit(record)
            key = self.group_key_of(record)
            if key in self.overlaid_groups and len(self.group(key)) < 2:  # no group left to draw
                self.set_group_overlaid(key, False)

    # --- groups of seeds ---------------------------------------------------------
    @staticmethod
    def group_key_of(record: RunRecord) -> str:
        return group_key(record)

    def group(self, key: str) -> list[RunRecord]:
        """The runs of one group, in run order."""
        return [r for r in self.records if self.group_key_of(r) == key]

    def set_group_overlaid(self, key: str, on: bool) -> None:
        if on != (key in self.overlaid_groups) and (not on or len(self.group(key)) >= 2):
            (self.overlaid_groups.add if on else self.overlaid_groups.discard)(key)
            self.group_overlay_changed.emit(key)

    def rename_group(self, key: str, name: str) -> bool:
        """False (and nothing changes) for an empty name."""
        name = name.strip()
        if not name:
            return False
        if self.group_titles.get(key) != name:
            self.group_titles[key] = name
            self.group_renamed.emit(key)
        return True

    def set_overlaid(self, record: RunRecord, on: bool) -> None:
        if record in self.records and record.overlaid != on:
            record.overlaid = on
            self.overlay_changed.emit(record)

    def export_metrics(self, record: RunRecord, path: str) -> None:
        """The run's per-epoch metrics in the CSV format of ``--metrics-out``
        (the same writer); raises OSError for a file-system problem."""
        from engine.headless import write_metrics

        write_metrics(path, record.epochs, record.metric)


class RunRecorder(QObject):
    """Turns one runner's signals into a RunRecord per run.

    The record is made when the runner starts (from ``runner.experiment``,
    the spec the run started from), since a run can fail before RunStarted
    (a missing device does)."""

    def __init__(self, runner: QObject, history: RunHistory) -> None:
        super().__init__(runner)
        self.runner = runner
        self.history = history
        self.current: RunRecord | None = None
        self._trace = StepHistory(capacity=STEP_CAPACITY, smoothing=SMOOTHING)
        runner.state_changed.connect(self._on_state_changed)
        runner.started.connect(self._on_started)
        runner.stepped.connect(self._on_stepped)
        runner.epoch_ended.connect(self._on_epoch_ended)
        runner.diverged.connect(self._on_diverged)
        runner.failed.connect(self._on_failed)
        runner.finished.connect(self._on_finished)

    def _on_state_changed(self, state: str) -> None:
        from gui.training.training_runner import STARTING

        if state == STARTING and self.current is None:
            experiment = self.runner.experiment
            if experiment is not None:
                self.current = self.history.new_record(experiment)
                self.current.device = experiment.training.device
                self.current.initial_weights = getattr(self.runner, "initial_weights", None)
                self._trace.clear()

    def _on_started(self, run: object) -> None:
        if (record := self.current) is not None:
            record.device, record.params, record.metric = run.device, run.params, run.metric
            record.steps_per_epoch = max(1, run.steps_per_epoch)

    def _on_stepped(self, batch: object) -> None:
        if self.current is not None:
            self._trace.extend(batch.steps, batch.losses)
            self.current.samples_per_second = batch.last.samples_per_second

    def _on_epoch_ended(self, epoch: EpochDone) -> None:
        if self.current is not None:
            self.current.epochs.append(epoch)

    def _on_diverged(self, event: object) -> None:
        if self.current is not None:
            self.current.message = event.message

    def _on_failed(self, message: str) -> None:
        if self.current is not None:
            self.current.message = message

    def _on_finished(self, finished: object) -> None:
        record, self.current = self.current, None
        if record is None:
            return
        trace = self._trace
        record.steps, record.losses, record.smoothed_losses = trace.x.copy(), trace.y.copy(), trace.smoothed.copy()
        record.outcome = self.runner.outcome or "stopped"
        if finished is not None:
            record.summary = finished.summary
            record.weights = finished.weights
            record.device = finished.summary.get("device", record.device)
            if finished.summary.get("samples_per_second"):
                record.samples_per_second = float(finished.summary["samples_per_second"])
        self.history.add(record)
