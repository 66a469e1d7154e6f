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
from engine.layers import IMAGE, SEQUENCE, TOKENS, layer_kind
from engine.shapes import infer
from engine.spec import DatasetSpec, Experiment, ModelSpec
from engine.verdict import format_metric, verdict

CONV_TYPES = ("Conv1d", "Conv2d")


@dataclass(frozen=True)
class Reach:
    """How much of the input one output can see, along one axis."""

    field: int | None  # receptive field; None: the whole input
    size: int  # the input's length in steps, or an image's height in pixels
    unit: str  # "steps" or "px"

    def covers(self, span: int) -> bool:
        return self.field is None or self.field >= span

    def describe(self) -> str:
        if self.field is None:
            return f"all {self.size} {self.unit}"
        return f"{min(self.field, self.size)} of {self.size} {self.unit}"


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
    seconds_per_epoch: float
    samples_per_second: float
    metric: str  # "val_accuracy" or "val_mse"
    value: float | None  # the final validation metric
    reach: Reach | None
    dependency: Dependency | None
    data_options: str  # the data set options where experiments differ, else ""
    status: str  # "ok", "diverged" or "stopped"


@dataclass(frozen=True)
class ComparisonResult:
    name: str
    dataset: str
    metric: str
    baseline: float | None  # the metric of guessing / predicting the mean
    rows: tuple[ComparisonRow, ...]
    verdict: str

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(asdict(self)))  # plain JSON types only

    def table_lines(self) -> list[str]:
        return format_table(self)


def compare(comparison: Comparison, summaries: Sequence[Mapping[str, Any]]) -> ComparisonResult:
    """Rows and verdict for a comparison whose experiments were trained in
    order; ``summaries[i]`` belongs to ``comparison.experiments[i]`` and may
    carry ``"diverged": true`` or ``"stopped": true``."""
    if len(summaries) != len(comparison.experiments):
        raise ValueError(f"{len(summaries)} summaries for {len(comparison.experiments)} experiments")
    experiments = [e.experiment for e in comparison.experiments]
    differing = differing_options([e.dataset for e in experiments])
    rows = tuple(_row(e.label, e.experiment, s, differing)
                 for e, s in zip(comparison.experiments, summaries, strict=True))
    metric = next((r.metric for r in rows if r.metric), "val_accuracy")
    baseline = datasets.describe(experiments[0].dataset).baseline
    return ComparisonResult(comparison.name, comparison.dataset, metric, baseline, rows,
                            verdict(rows, comparison.dataset, metric, baseline))


def differing_options(specs: Sequence[DatasetSpec]) -> tuple[str, ...]:
    keys = dict.fromkeys(k for s in specs for k in s.options)
    return tuple(k for k in keys if len({json.dumps(s.options.get(k)) for s in specs}) > 1)


def _row(label: str, exp: Experiment, summary: Mapping[str, Any], differing: tuple[str, ...]) -> ComparisonRow:
    final = summary.get("final") or {}
    metric = "val_accuracy" if "val_accuracy" in final else "val_mse" if "val_mse" in final else ""
    epochs = int(summary.get("epochs") or 0)
    raw = final.get(metric) if metric else None
    finite = raw is not None and math.isfinite(raw)  # NaN is not JSON, and means the run diverged
    diverged = summary.get("diverged") or (raw is not None and not finite)
    status = "diverged" if diverged else "stopped" if summary.get("stopped") else "ok"
    options = ", ".join(f"{k}={json.dumps(exp.dataset.options.get(k))}" for k in differing)
    return ComparisonRow(
        label=label, model=model_kind(exp.model), params=int(summary.get("params") or 0), epochs=epochs,
        seconds_per_epoch=float(summary.get("seconds") or 0.0) / epochs if epochs else 0.0,
        samples_per_second=float(summary.get("samples_per_second") or 0.0), metric=metric,
        value=float(raw) if finite else None, reach=reach(exp),
        dependency=dependency(exp.dataset), data_options=options, status=status)


def model_kind(model: ModelSpec) -> str:
    """A short name for the architecture: CNN, GRU, LSTM, RNN, CNN+GRU, MLP."""
    types = [layer.type for layer in model.layers]
    recurrent = [layer for layer in model.layers if (lk := layer_kind(layer.type)) and lk.group == "Recurrent"]
    names = "/".join(dict.fromkeys(("Bi" if r.params.get("bidirectional") else "") + r.type for r in recurrent))
    conv = any(t in CONV_TYPES for t in types)
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
    if info.input_kind not in (IMAGE, SEQUENCE, TOKENS):
        return None
    size, unit = (info.input_shape[1], "px") if info.input_kind == IMAGE else (info.input_shape[0], "steps")
    summary = infer(exp.model, info)
    if not summary.ok:
        return None
    # A recurrent layer or a dense layer over a flattened input mixes every
    # position; global pooling does not (it pools each channel separately).
    mixes = any(layer.type == "Flatten" or (lk := layer_kind(layer.type)) is not None and lk.group == "Recurrent"
                for layer in exp.model.layers)
    if mixes:
        return Reach(None, size, unit)
    return Reach(summary.receptive_field or 1, size, unit)


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
    them as text, the window puts them in a table)."""
    show_options = any(r.data_options for r in result.rows)
    head = ["experiment", "model", "params", "epochs", "s/epoch", "samples/s", result.metric, "sees"]
    if show_options:
        head.append("data options")
    body = []
    for r in result.rows:
        value = format_metric(r.metric, r.value) + ("" if r.status == "ok" else f" ({r.status})")
        cells = [r.label, r.model, f"{r.params:,}", str(r.epochs), f"{r.seconds_per_epoch:.3g}",
                 f"{r.samples_per_second:,.0f}", value, r.reach.describe() if r.reach else "–"]
        if show_options:
            cells.append(r.data_options)
        body.append(cells)
    return head, body


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
    deps = {r.dependency for r in result.rows if r.dependency is not None}
    for dep in sorted(deps, key=lambda d: d.span):
        lines.append(f"dependency: {dep.span} steps ({dep.what})")
    if result.baseline is not None:
        how = "guessing" if result.metric == "val_accuracy" else "always predicting the mean"
        lines.append(f"baseline: {how} scores {result.metric} {format_metric(result.metric, result.baseline)}")
    return lines
