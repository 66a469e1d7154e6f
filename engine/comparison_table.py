"""The comparison table: one row per experiment of a comparison, built from
the summaries its runs produced, plus the verdict line.

``compare(comparison, summaries)`` is a pure function of a Comparison and the
summary dicts that training produced (``engine.training``'s ``Finished.summary``,
as the command line writes it), so the headless command line and the GUI,
which collects its own summaries, build the same table. Each row also says how
far one output of the model can see (its receptive field, or the whole input
when a recurrent or dense layer mixes every position) against the distance
the data set's label depends on.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from engine import datasets
from engine.comparison_file import Comparison
from engine.layers import CONVOLUTION, IMAGE, RECURRENT, RECURSIVE, SEQUENCE, TOKENS, VIDEO, in_group
from engine.seeds import seed_list
from engine.shapes import infer
from engine.spec import DatasetSpec, Experiment, ModelSpec
from engine.verdict import format_metric, verdict, with_range


@dataclass(frozen=True)
class Reach:
    """How much of the input one output can see, along one axis."""

    field: int | None  # receptive field; None: the whole input
    size: int  # the input's length in steps, or an image's height in pixels
    unit: str  # "steps" or "px"
    width: int | None = None  # an image's width: its field is a square, its size height × width

    def covers(self, span: int) -> bool:
        return self.field is None or self.field >= span

    def describe(self) -> str:
        """"3 of 60 steps", "all 60 steps"; for images "5×5 of 8×8 px", "all 8×8 px"."""
        whole = f"{self.size}×{self.width}" if self.width else str(self.size)
        if self.field is None:
            return f"all {whole} {self.unit}"
        field = min(self.field, self.size)
        return f"{f'{field}×{min(self.field, self.width)}' if self.width else field} of {whole} {self.unit}"


@dataclass(frozen=True)
class Dependency:
    """How many consecutive steps a model must see at once to relate the
    parts of a sequence the target depends on."""

    span: int
    what: str


@dataclass(frozen=True)
class ComparisonRow:
    label: str
    model: str  # "CNN", "GRU", "CNN+GRU", "MLP", ...
    params: int
    epochs: int
    seconds_per_epoch: float  # mean over the seeds
    samples_per_second: float  # mean over the seeds
    metric: str  # "val_accuracy" or "val_mse"
    value: float | None  # the final validation metric: the mean over the seeds that finished
    reach: Reach | None
    dependency: Dependency | None
    data_options: str  # the data set options where experiments differ, else ""
    status: str  # "ok", "diverged" (every seed) or "stopped"
    seeds: tuple[int, ...] = ()
    values: tuple[float | None, ...] = ()  # the final metric per seed (None: diverged, no epoch)
    low: float | None = None  # the worst and best seed's
    high: float | None = None
    improving: bool = False  # its mean curve still gained at the last epochs (verdict: more epochs may change it)

    @property
    def finite(self) -> tuple[float, ...]:
        return tuple(v for v in self.values if v is not None)

    @property
    def diverged_seeds(self) -> tuple[int, ...]:
        return tuple(s for s, v in zip(self.seeds, self.values, strict=True) if v is None)


@dataclass(frozen=True)
class ComparisonResult:
    name: str
    dataset: str
    metric: str
    baseline: float | None  # the metric of guessing / predicting the mean
    rows: tuple[ComparisonRow, ...]
    verdict: str
    # How many runs trained at once: 1 is in turn, each with the processor to
    # itself; more shared it, so times per epoch do not compare.
    at_once: int = 1

    @property
    def seeds(self) -> int:
        return max((len(r.seeds) for r in self.rows), default=1)

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(asdict(self)))  # plain JSON types only

    def table_lines(self) -> list[str]:
        return format_table(self)


Summaries = Mapping[str, Any] | Sequence[Mapping[str, Any]]


def compare(comparison: Comparison, summaries: Sequence[Summaries], at_once: int = 1) -> ComparisonResult:
    """Rows and verdict for a comparison whose experiments were trained;
    ``summaries[i]`` belongs to ``comparison.experiments[i]``: one summary,
    or a list of them, one per seed. A summary may carry ``"diverged": true``
    or ``"stopped": true``."""
    if len(summaries) != len(comparison.experiments):
        raise ValueError(f"{len(summaries)} summaries for {len(comparison.experiments)} experiments")
    experiments = [e.experiment for e in comparison.experiments]
    differing = differing_options([e.dataset for e in experiments])
    rows = tuple(_row(e.label, e.experiment, [s] if isinstance(s, Mapping) else list(s), differing)
                 for e, s in zip(comparison.experiments, summaries, strict=True))
    metric = next((r.metric for r in rows if r.metric), "val_accuracy")
    baseline = datasets.describe(experiments[0].dataset).baseline
    return ComparisonResult(comparison.name, comparison.dataset, metric, baseline, rows,
                            verdict(rows, comparison.dataset, metric, baseline, timed=at_once <= 1),
                            max(1, at_once))


def differing_options(specs: Sequence[DatasetSpec]) -> tuple[str, ...]:
    keys = dict.fromkeys(k for s in specs for k in s.options)
    return tuple(k for k in keys if len({json.dumps(s.options.get(k)) for s in specs}) > 1)


def final_metric(summary: Mapping[str, Any]) -> tuple[str, float | None]:
    """(metric name, its final value) of one run's summary; None for a run
    that diverged or ended before its first epoch."""
    final = summary.get("final") or {}
    metric = "val_accuracy" if "val_accuracy" in final else "val_mse" if "val_mse" in final else ""
    raw = final.get(metric) if metric else None
    finite = raw is not None and math.isfinite(raw)  # NaN is not JSON, and means the run diverged
    return metric, float(raw) if finite and not summary.get("diverged") else None


def _row(label: str, exp: Experiment, summaries: list[Mapping[str, Any]],
         differing: tuple[str, ...]) -> ComparisonRow:
    finals = [final_metric(s) for s in summaries]
    metric = next((m for m, _ in finals if m), "")
    values = tuple(v for _, v in finals)
    finite = [v for v in values if v is not None]
    status = "diverged" if not finite else "stopped" if any(s.get("stopped") for s in summaries) else "ok"
    epochs = [int(s.get("epochs") or 0) for s in summaries]
    options = ", ".join(f"{k}={json.dumps(exp.dataset.options.get(k))}" for k in differing)
    per_epoch = [float(s.get("seconds") or 0.0) / e for s, e in zip(summaries, epochs, strict=True) if e]
    return ComparisonRow(
        label=label, model=model_kind(exp.model), params=int(summaries[0].get("params") or 0),
        epochs=max(epochs, default=0), seconds_per_epoch=_mean(per_epoch) or 0.0,
        samples_per_second=_mean([float(s.get("samples_per_second") or 0.0) for s in summaries]) or 0.0,
        metric=metric, value=_mean(finite), reach=reach(exp), dependency=dependency(exp.dataset),
        data_options=options, status=status,
        seeds=tuple(int(s.get("seed", exp.training.seed)) for s in summaries), values=values,
        low=min(finite) if finite else None, high=max(finite) if finite else None,
        improving=still_improving(mean_curve(summaries), metric == "val_accuracy" or not metric))


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def mean_curve(summaries: Sequence[Mapping[str, Any]]) -> list[float]:
    """The validation metric per epoch, averaged over the seeds that reached
    that epoch without diverging."""
    curves = [[h["val_metric"] for h in s.get("history") or []] for s in summaries if not s.get("diverged")]
    longest = max((len(c) for c in curves), default=0)
    out = []
    for i in range(longest):
        at = [c[i] for c in curves if len(c) > i and math.isfinite(c[i])]
        if at:
            out.append(sum(at) / len(at))
    return out


def still_improving(curve: Sequence[float], accuracy: bool) -> bool:
    """Whether the last epoch beats every epoch before the last fifth of
    the run by more than a tie: the model was still learning when it stopped."""
    from engine.verdict import ACCURACY_TIE, MSE_TIE

    if len(curve) < 5:
        return False
    before, last = curve[:len(curve) - max(1, len(curve) // 5)], curve[-1]
    if accuracy:
        return last >= max(before) + ACCURACY_TIE
    return last * MSE_TIE < min(before)


def model_kind(model: ModelSpec) -> str:
    """A short name for the architecture: CNN, GRU, LSTM, RNN, CNN+GRU, TreeRNN, MLP."""
    types = [layer.type for layer in model.layers]
    recurrent = [layer for layer in model.layers
                 if in_group(layer.type, RECURRENT) or in_group(layer.type, RECURSIVE)]
    names = "/".join(dict.fromkeys(("Bi" if r.params.get("bidirectional") else "") + r.type for r in recurrent))
    conv = any(in_group(t, CONVOLUTION) for t in types)
    if conv and names:
        return f"CNN+{names}"
    if names:
        return names
    if conv:
        return "CNN"
    linear = types.count("Linear")
    return "MLP" if linear > 1 else "linear" if linear else "other"


def reach(exp: Experiment) -> Reach | None:
    """The receptive field of the model's output along the input's first
    spatial axis; None where it does not apply (flat inputs, an invalid stack)."""
    info = datasets.describe(exp.dataset)
    if info.input_kind not in (IMAGE, SEQUENCE, TOKENS, VIDEO):
        return None
    # A clip's image layers run on every frame: its field is in one frame's pixels.
    spatial = {IMAGE: 1, VIDEO: 2}.get(info.input_kind)
    size, unit = (info.input_shape[spatial], "px") if spatial else (info.input_shape[0], "steps")
    width = info.input_shape[spatial + 1] if spatial else None
    summary = infer(exp.model, info)
    if not summary.ok:
        return None
    if summary.sees_all:  # engine.shapes: a recurrent or Flatten+dense layer mixes every position
        return Reach(None, size, unit, width)
    return Reach(summary.receptive_field or 1, size, unit, width)


def dependency(spec: DatasetSpec) -> Dependency | None:
    """The span the target depends on, for the data sets that have one."""
    o = spec.options
    if spec.name == "long_range":
        return Dependency(o["distance"] + 1, f"the keys stand at least {o['distance']} steps apart")
    if spec.name == "copy_memory":
        gap = o["n_memorize"] + o["length"]
        return Dependency(gap + 1, f"each symbol is recalled {gap} steps after it was seen")
    if spec.name == "adding":
        return Dependency(o["length"], f"the two marked values can be up to {o['length'] - 1} steps apart")
    if spec.name == "motif":
        return Dependency(o["motif_length"], f"a motif is {o['motif_length']} consecutive symbols")
    return None


def table_cells(result: ComparisonResult) -> tuple[list[str], list[list[str]]]:
    """Heading and one row of cells per experiment (the command line prints
    them as text, the window puts them in a table). Over several seeds each
    number is the mean, and the metric also shows the range (min–max)."""
    show_options = any(r.data_options for r in result.rows)
    timing = "in turn" if result.at_once == 1 else f"{result.at_once} at once"
    metric = result.metric + (f" (mean, range over {result.seeds} seeds)" if result.seeds > 1 else "")
    head = ["experiment", "model", "params", "epochs", f"s/epoch ({timing})", f"samples/s ({timing})", metric,
            "sees"]
    if show_options:
        head.append("data options")
    body = []
    for r in result.rows:
        value = with_range(r.metric, r.value, r.low, r.high)
        if r.status != "ok":
            value += f" ({r.status})"
        elif r.diverged_seeds:
            value += f" ({len(r.diverged_seeds)} diverged)"
        cells = [r.label, r.model, f"{r.params:,}", str(r.epochs), f"{r.seconds_per_epoch:.3g}",
                 f"{r.samples_per_second:,.0f}", value, r.reach.describe() if r.reach else "–"]
        if show_options:
            cells.append(r.data_options)
        body.append(cells)
    return head, body


def seed_values(row: ComparisonRow) -> str:
    """Every seed's value, for a tooltip: "seed 0: 0.93, seed 1: 0.95"."""
    return ", ".join(f"seed {s}: {format_metric(row.metric, v) if v is not None else 'diverged'}"
                     for s, v in zip(row.seeds, row.values, strict=True))


def format_table(result: ComparisonResult) -> list[str]:
    """Plain-text table, then the dependency (if any) and the verdict."""
    head, body = table_cells(result)
    widths = [max(len(row[i]) for row in (head, *body)) for i in range(len(head))]
    right = {2, 3, 4, 5, 6}  # numbers line up on the right

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    lines = [line(head), line(["-" * w for w in widths]), *(line(c) for c in body)]
    lines += table_notes(result)
    lines.append(f"verdict: {result.verdict}")
    return lines


def table_notes(result: ComparisonResult) -> list[str]:
    """The lines under the table: the dependency (if any) and the chance level."""
    lines = []
    if result.seeds > 1:
        seeds = {r.seeds for r in result.rows}
        which = f" ({seed_list(next(iter(seeds)))})" if len(seeds) == 1 else ""
        lines.append(f"seeds: {result.seeds} per experiment{which}; each number is their mean, the metric "
                     "also its range")
    if result.at_once > 1:
        lines.append(f"timing: {result.at_once} runs trained at once and shared the processor, so s/epoch and "
                     "samples/s do not compare; run them in turn for that")
    deps = {r.dependency for r in result.rows if r.dependency is not None}
    for dep in sorted(deps, key=lambda d: d.span):
        lines.append(f"dependency: {dep.span} steps ({dep.what})")
    if result.baseline is not None:
        how = "guessing" if result.metric == "val_accuracy" else "always predicting the mean"
        lines.append(f"baseline: {how} scores {result.metric} {format_metric(result.metric, result.baseline)}")
    return lines
