"""A sweep's results as points: per experiment and axis value(s), the
metric's mean and range over the seeds, the chance level there, and where
an experiment's receptive field stops covering the dependency the axis sets
(the mark a C8 curve is read against). Used by ``--headless`` (the table and
``--summary-json``) and by the Sweep window. Engine code: no Qt.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.sweep_file import Sweep, Trial

COST_METRICS = ("seconds_per_epoch", "ms_per_batch", "samples_per_second", "params")


def trial_metric(result: Mapping[str, Any], metric: str) -> float | None:
    """One trial's number: its final validation metric or what it cost;
    None for a run that diverged."""
    summary = result.get("summary") or {}
    final = summary.get("final") or {}
    if metric in ("final", "val_accuracy", "val_mse", "val_loss", "train_loss"):
        if result.get("diverged"):
            return None
        key = metric if metric != "final" else ("val_accuracy" if "val_accuracy" in final else "val_mse")
        value = final.get(key)
    elif metric == "seconds_per_epoch":
        epochs = int(summary.get("epochs") or 0)
        value = float(summary.get("seconds") or 0.0) / epochs if epochs else None
    elif metric == "ms_per_batch":
        speed = float(summary.get("samples_per_second") or 0.0)
        batch = (result.get("experiment") or {}).get("training", {}).get("batch_size")
        value = 1000.0 * batch / speed if speed and batch else None
    else:
        value = summary.get(metric)
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def metric_name(sweep: Sweep, results: list[Mapping[str, Any]]) -> str:
    if sweep.metric != "final":
        return sweep.metric
    for r in results:
        final = (r.get("summary") or {}).get("final") or {}
        if "val_accuracy" in final:
            return "val_accuracy"
        if "val_mse" in final:
            return "val_mse"
    return "val_accuracy"


@dataclass(frozen=True)
class Point:
    label: str
    values: tuple[Any, ...]  # one per axis
    seeds: tuple[int, ...]  # the seeds finished
    numbers: tuple[float | None, ...]  # per seed (None: diverged)
    baseline: float | None  # guessing's score there (accuracy/mse metrics only)

    @property
    def finite(self) -> list[float]:
        return [v for v in self.numbers if v is not None]

    @property
    def mean(self) -> float | None:
        return sum(self.finite) / len(self.finite) if self.finite else None

    @property
    def low(self) -> float | None:
        return min(self.finite) if self.finite else None

    @property
    def high(self) -> float | None:
        return max(self.finite) if self.finite else None


@dataclass(frozen=True)
class Mark:
    """The last axis value whose dependency ``label``'s receptive field covers."""

    label: str
    value: Any
    text: str


@dataclass(frozen=True)
class SweepSummary:
    name: str
    metric: str
    axes: tuple[str, ...]  # titles
    paths: tuple[str, ...]
    points: tuple[Point, ...]
    marks: tuple[Mark, ...]
    expected: int  # trials in the sweep
    finished: int

    def of(self, label: str) -> list[Point]:
        return [p for p in self.points if p.label == label]

    def table_lines(self) -> list[str]:
        heads = ["experiment", *self.axes, "seeds", f"{self.metric} mean", "range"]
        rows = []
        for p in self.points:
            rows.append([p.label, *(json.dumps(v) for v in p.values), str(len(p.seeds)), _number(p.mean),
                         f"{_number(p.low)}–{_number(p.high)}" if p.finite else "diverged"])
        widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(heads)]
        lines = ["  ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True))]
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
        for mark in self.marks:
            lines.append(f"mark: {mark.text}")
        baselines = {p.baseline for p in self.points if p.baseline is not None}
        if len(baselines) == 1 and self.metric in ("val_accuracy", "final"):
            lines.append(f"chance: {_number(next(iter(baselines)))}")
        if self.finished < self.expected:
            lines.append(f"finished: {self.finished} of {self.expected} trials")
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {"sweep": self.name, "metric": self.metric, "axes": list(self.paths), "expected": self.expected,
                "finished": self.finished,
                "points": [{"label": p.label, "values": dict(zip(self.paths, p.values, strict=True)),
                            "seeds": list(p.seeds), "per_seed": list(p.numbers), "mean": p.mean, "min": p.low,
                            "max": p.high, "baseline": p.baseline} for p in self.points],
                "marks": [{"label": m.label, "value": m.value, "text": m.text} for m in self.marks]}


def _number(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.4f}" if abs(value) < 1000 else f"{value:,.0f}"


def summarise(sweep: Sweep, trials: list[Trial], results: Mapping[int, Mapping[str, Any]],
              marks: tuple[Mark, ...] | None = None) -> SweepSummary:
    """``results``: trial index → result document (the finished ones).
    ``marks``: ``sweep_marks(sweep, trials)`` when the caller keeps them (they
    depend on the models only, and cost a shape inference per point: a window
    that redraws as results arrive computes them once)."""
    metric = metric_name(sweep, list(results.values()))
    groups: dict[tuple[str, tuple[Any, ...]], list[Trial]] = {}
    for t in trials:
        groups.setdefault((t.label, tuple(json.dumps(v) for v in t.values)), []).append(t)
    points = []
    for group in groups.values():
        done = [t for t in group if t.index in results]
        baseline = _baseline(group[0].experiment.dataset) if metric in ("val_accuracy", "val_mse") else None
        points.append(Point(group[0].label, group[0].values, tuple(t.seed for t in done),
                            tuple(trial_metric(results[t.index], metric) for t in done), baseline))
    return SweepSummary(sweep.name, metric, tuple(a.title for a in sweep.axes), tuple(a.path for a in sweep.axes),
                        tuple(points), sweep_marks(sweep, trials) if marks is None else marks, len(trials),
                        len(results))


_baselines: dict[str, float | None] = {}


def _baseline(spec: Any) -> float | None:
    """Guessing's score on a data set; kept, since describing one can build it
    (a window redraws the summary as every result comes in)."""
    from engine import datasets

    key = json.dumps([spec.name, spec.options], sort_keys=True, default=str)
    if key not in _baselines:
        _baselines[key] = datasets.describe(spec).baseline
    return _baselines[key]


def sweep_marks(sweep: Sweep, trials: list[Trial]) -> tuple[Mark, ...]:
    """On a one-axis sweep whose axis moves a dependency: for each model with a
    finite receptive field, the last value it still covers."""
    from engine.comparison_table import dependency, reach

    if len(sweep.axes) != 1:
        return ()
    marks = []
    for label in sweep.labels:
        firsts = {json.dumps(t.values[0]): t for t in trials if t.label == label}
        covered, field, spans = None, None, set()
        for t in firsts.values():
            dep, seen = dependency(t.experiment.dataset), reach(t.experiment)
            if dep is None or seen is None or seen.field is None:
                covered = None
                break
            spans.add(dep.span)
            field = seen.field
            if seen.covers(dep.span):
                covered = t.values[0]
        if field is not None and covered is not None and len(spans) > 1:  # the axis moves the dependency
            marks.append(Mark(label, covered, f"{label}: receptive field {field} steps covers "
                              f"{sweep.axes[0].title} ≤ {json.dumps(covered)}"))
    return tuple(marks)
