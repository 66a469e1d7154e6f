"""Runs of one experiment at several seeds, taken together.

Two runs belong to one group when their experiments are the same but for
``training.seed``: the same model, data and training settings, so what
tells them apart is the trajectory a seed gives. A group is what the Runs
tab shows as one row (mean and range of the runs' numbers, expandable to
each run) and what "Show" draws as a mean curve with a min–max band. Plain
Python over RunRecords: no widgets.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from gui.common.seed_bands import across_seeds
from gui.runs.run_history import RunRecord, group_key


@dataclass(eq=False)
class RunGroup:
    key: str
    records: list[RunRecord] = field(default_factory=list)
    title: str = ""  # set by a rename; else made from the experiment's name
    overlaid: bool = False  # its mean and band are drawn over the live curves

    @property
    def id(self) -> int:
        """The first run's id: the group's colour and its place in run order."""
        return min(r.id for r in self.records)

    @property
    def name(self) -> str:
        return self.title or f"{self.records[0].experiment.name} × {len(self.records)} seeds"

    @property
    def seeds(self) -> list[int]:
        return [r.experiment.training.seed for r in self.records]

    @property
    def metric(self) -> str:
        return self.records[0].metric

    @property
    def params(self) -> int | None:
        return next((r.params for r in self.records if r.params is not None), None)

    @property
    def best_values(self) -> list[float]:
        return [v for r in self.records if (v := r.best_val_metric) is not None]

    @property
    def best_mean(self) -> float | None:
        values = self.best_values
        return sum(values) / len(values) if values else None

    @property
    def seconds_per_epoch(self) -> float | None:
        return _mean([r.seconds_per_epoch for r in self.records])

    @property
    def samples_per_second(self) -> float | None:
        return _mean([r.samples_per_second for r in self.records])

    @property
    def outcome(self) -> str:
        """"3 finished", "2 finished, 1 diverged"."""
        counts: dict[str, int] = {}
        for r in self.records:
            counts[r.outcome or "stopped"] = counts.get(r.outcome or "stopped", 0) + 1
        return ", ".join(f"{n} {what}" for what, n in counts.items())

    @property
    def bad(self) -> bool:
        return any(r.outcome in ("failed", "diverged") for r in self.records)

    def best_text(self) -> str:
        """"93.1% (91.0–95.0%) acc.", or the MSE's mean and range."""
        values = self.best_values
        if not values:
            return "—"
        mean, low, high = sum(values) / len(values), min(values), max(values)
        if self.metric == "accuracy":
            spread = "" if f"{low:.1%}" == f"{high:.1%}" else f" ({100 * low:.1f}–{high:.1%})"
            return f"{mean:.1%}{spread} acc."
        spread = "" if f"{low:.4g}" == f"{high:.4g}" else f" ({low:.4g}–{high:.4g})"
        return f"{mean:.4g}{spread} MSE"

    def per_seed_text(self) -> str:
        """One line per run: its seed, its best value and how it ended."""
        def value(r: RunRecord) -> str:
            best = r.best_val_metric
            if best is None:
                return "—"
            return f"{best:.1%}" if self.metric == "accuracy" else f"{best:.4g}"

        return "\n".join(f"seed {r.experiment.training.seed}: {value(r)} ({r.outcome or 'stopped'}) — {r.name}"
                         for r in self.records)

    def loss_band(self, x_of) -> tuple[np.ndarray, ...]:
        """(x, mean, low, high) of the runs' smoothed training loss; ``x_of(record, steps)``
        turns a run's steps into the plot's x."""
        return across_seeds([(x_of(r, r.steps), r.smoothed_losses) for r in self.records if len(r.steps)])

    def metric_band(self, x_of) -> tuple[np.ndarray, ...]:
        """(x, mean, low, high) of the runs' validation metric per epoch (accuracy in per cent)."""
        scale = 100.0 if self.metric == "accuracy" else 1.0
        return across_seeds([(x_of(r, np.array([e.step for e in r.epochs], float)),
                              scale * np.array([e.val_metric for e in r.epochs], float))
                             for r in self.records if r.epochs])


def grouped(records: Iterable[RunRecord]) -> dict[str, list[RunRecord]]:
    """The records by group key, in run order."""
    out: dict[str, list[RunRecord]] = {}
    for record in records:
        out.setdefault(group_key(record), []).append(record)
    return out


def _mean(values: Sequence[float | None]) -> float | None:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return sum(finite) / len(finite) if finite else None
