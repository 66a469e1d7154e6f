"""Sweep files: a claim as a curve. One base (an experiment or a
comparison), one or two axes — each a dotted setting path
(engine/setting_paths.py) with its values — and seeds; every trial is the
base with those values set, at one seed (README, "Sweep file").

Every trial is built and validated before anything runs, so a path that does
not exist, a value the file format refuses or a layer stack the value makes
impossible is named with its trial (``trials[12] (GRU, distance=48, seed
1): …``) and nothing trains. A trial's ``key`` hashes everything that decides
its numbers (the experiment with its seed, the epochs, the thread count), so
the results folder can tell a finished trial from a stale one.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.comparison_file import FORMAT as COMPARISON_FORMAT
from engine.comparison_file import LabelledExperiment, _parse_claims, parse_comparison
from engine.errors import SpecError
from engine.experiment_file import (
    FORMAT as EXPERIMENT_FORMAT,
)
from engine.experiment_file import (
    _string,
    _type_name,
    decode_json,
    experiment_to_dict,
    load_experiment,
    migrate_document,
    parse_experiment,
    read_document,
)
from engine.params import shown, shown_key, visible
from engine.seeds import ONE, Seeds, parse_seeds
from engine.spec import Experiment

FORMAT = "cnn-rnn-playground/sweep"
VERSION = 1
TOP_KEYS = ("format", "version", "name", "description", "claims", "base", "axes", "seeds", "epochs", "metric")
AXIS_KEYS = ("path", "label", "values", "range", "with")
RANGE_KEYS = ("from", "to", "step", "count", "scale")
MAX_AXES = 2
MAX_VALUES = 500  # per axis
MAX_TRIALS = 10_000
# What a trial's curve can plot: the run's final validation metric (the
# default), or what it cost.
METRICS = ("final", "val_accuracy", "val_mse", "val_loss", "train_loss", "seconds_per_epoch", "ms_per_batch",
           "samples_per_second", "params")

MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


@dataclass(frozen=True)
class Axis:
    path: str  # "dataset.options.distance"
    values: tuple[Any, ...]
    label: str = ""  # the axis title; the path's last part when not given
    # Settings that move with this one, a value for each of its values: a
    # long-range task's length grows with the distance its keys must fit in.
    linked: tuple[tuple[str, tuple[Any, ...]], ...] = ()

    def settings(self, value: Any) -> list[tuple[str, Any]]:
        """The (path, value) pairs one of the axis's values sets."""
        i = self.values.index(value)
        return [(self.path, value), *((path, values[i]) for path, values in self.linked)]

    @property
    def title(self) -> str:
        return self.label or self.path.rsplit(".", 1)[-1]

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"path": self.path}
        if self.label:
            doc["label"] = self.label
        doc["values"] = list(self.values)
        if self.linked:
            doc["with"] = {path: list(values) for path, values in self.linked}
        return doc


@dataclass(frozen=True)
class Trial:
    index: int  # its place in the sweep's order: experiment, then the axes, then the seed
    label: str  # the experiment's label
    experiment_index: int
    values: tuple[Any, ...]  # one per axis
    seed: int
    experiment: Experiment  # the base with the values and the seed set
    epochs: int | None  # the sweep's override, else the experiment's own
    threads: int  # torch threads it trains with (part of its trajectory)

    @property
    def key(self) -> str:
        """A hash of what decides the trial's numbers."""
        doc = {"experiment": experiment_to_dict(self.experiment), "epochs": self.epochs, "threads": self.threads}
        return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def describe(self, axes: tuple[Axis, ...]) -> str:
        """"GRU, distance=12, seed 1"."""
        parts = [self.label, *(f"{a.title}={json.dumps(v)}" for a, v in zip(axes, self.values, strict=True))]
        return ", ".join(parts) + f", seed {self.seed}"


@dataclass(frozen=True)
class Sweep:
    name: str
    description: str
    claims: tuple[str, ...]
    experiments: tuple[LabelledExperiment, ...]  # one line (or heat map) each
    axes: tuple[Axis, ...]
    seeds: Seeds = ONE
    epochs: int | None = None
    metric: str = "final"
    base: Any = None  # the "base" as written (a path or an inline document), for saving
    source: Path | None = None  # the sweep file, when loaded from one

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(e.label for e in self.experiments)

    def seeds_of(self, index: int) -> tuple[int, ...]:
        return self.seeds.for_seed(self.experiments[index].experiment.training.seed)

    @property
    def trial_count(self) -> int:
        return sum(len(self.seeds_of(i)) for i in range(len(self.experiments))) * math.prod(
            len(a.values) for a in self.axes)

    def trials(self, threads: int | None = None) -> list[Trial]:
        """Every trial, validated; a SpecError names the first impossible one."""
        from engine.threads import training_threads

        threads = threads or training_threads()
        out: list[Trial] = []
        for e, entry in enumerate(self.experiments):
            for values in _grid(self.axes):
                exp = _with_values(entry.experiment, self.axes, values,
                                   _where(len(out), entry.label, self.axes, values))
                for seed in self.seeds_of(e):
                    out.append(Trial(len(out), entry.label, e, values, seed, exp.with_training(seed=seed),
                                     self.epochs, threads))
        return out


def _grid(axes: tuple[Axis, ...]) -> list[tuple[Any, ...]]:
    grid: list[tuple[Any, ...]] = [()]
    for axis in axes:
        grid = [(*g, v) for g in grid for v in axis.values]
    return grid


def _where(index: int, label: str, axes: tuple[Axis, ...], values: tuple[Any, ...]) -> str:
    described = ", ".join([label, *(f"{a.title}={json.dumps(v)}" for a, v in zip(axes, values, strict=True))])
    return f"trials[{index}] ({described})"


def _with_values(exp: Experiment, axes: tuple[Axis, ...], values: tuple[Any, ...], where: str) -> Experiment:
    """``exp`` with each axis's value set, its stack checked against its data."""
    from engine import datasets
    from engine.errors import PlaygroundError
    from engine.setting_paths import with_settings
    from engine.shapes import infer

    try:
        exp = with_settings(exp, [s for axis, value in zip(axes, values, strict=True) for s in axis.settings(value)])
        error = infer(exp.model, datasets.describe(exp.dataset)).error
    except PlaygroundError as exc:
        raise SpecError(where, str(exc)) from None
    if error is not None:
        raise SpecError(where, str(error))
    return exp


def is_sweep_file(path: str | os.PathLike[str]) -> bool:
    try:
        doc = decode_json(read_document(path, "a sweep"))
    except SpecError:
        return False
    return isinstance(doc, dict) and doc.get("format") == FORMAT


def load_sweep(path: str | os.PathLike[str]) -> Sweep:
    data = read_document(path, "a sweep")
    source = Path(path).resolve()
    try:
        return parse_sweep(decode_json(data), source.parent, source)
    except SpecError as exc:
        raise exc.in_file(str(path)) from None


def parse_sweep(doc: Any, base: Path | None = None, source: Path | None = None) -> Sweep:
    """Validate a parsed document (every trial included); paths resolve
    against ``base``, the sweep file's folder."""
    if not isinstance(doc, dict):
        raise SpecError("", f"must be a JSON object, got {_type_name(doc)}")
    if doc.get("format") != FORMAT:
        raise SpecError("format", f'must be "{FORMAT}" (is this a sweep file?)')
    doc = migrate_document(doc, VERSION, MIGRATIONS, "sweeps ")
    for key in doc:
        if key not in TOP_KEYS:
            raise SpecError(shown_key(key), f"unknown key (known: {', '.join(TOP_KEYS)})")
    name = _string(doc.get("name"), "name", 200, required=True)
    description = _string(doc.get("description", ""), "description", 10_000)
    claims = _parse_claims(doc.get("claims", []))
    if "base" not in doc:
        raise SpecError("base", "is missing: the experiment or comparison to sweep (a file path, or written inline)")
    experiments = _parse_base(doc["base"], base)
    axes = _parse_axes(doc.get("axes"))
    seeds = parse_seeds(doc["seeds"]) if "seeds" in doc else ONE
    epochs = doc.get("epochs")
    if epochs is not None and (isinstance(epochs, bool) or not isinstance(epochs, int) or not 1 <= epochs <= 10_000):
        raise SpecError("epochs", f"must be a whole number of epochs from 1 to 10000, got {shown(epochs)}")
    metric = doc.get("metric", "final")
    if metric not in METRICS:
        raise SpecError("metric", f"must be one of {', '.join(METRICS)}, got {shown(metric)}")
    sweep = Sweep(name, description, claims, experiments, axes, seeds, epochs, metric, doc["base"], source)
    n = sweep.trial_count
    if n > MAX_TRIALS:
        sizes = " × ".join([f"{len(experiments)} experiment{'s' if len(experiments) > 1 else ''}",
                            *(f"{len(a.values)} {a.title}" for a in axes), f"{len(seeds)} seeds"])
        raise SpecError("axes", f"makes {n:,} trials ({sizes}); at most {MAX_TRIALS:,} are allowed")
    sweep.trials()  # every trial built and checked now, not halfway through the run
    return sweep


def _parse_base(obj: Any, base: Path | None) -> tuple[LabelledExperiment, ...]:
    if isinstance(obj, str):
        ref = _string(obj, "base", 1000)
        try:
            source = ((base or Path.cwd()) / ref).resolve()
        except (OSError, ValueError, RuntimeError):
            raise SpecError("base", f"{shown(ref)} is not a usable file name") from None
        try:
            doc = decode_json(read_document(source, "an experiment or comparison"))
            if isinstance(doc, dict) and doc.get("format") == COMPARISON_FORMAT:
                return parse_comparison(doc, source.parent).experiments
            exp = load_experiment(source)
        except SpecError as exc:
            inner = f"{exc.path}: {exc.message}" if exc.path else exc.message
            raise SpecError("base", f'"{visible(ref)}": {inner}') from None
        return (LabelledExperiment(exp.name[:40], exp, source),)
    if not isinstance(obj, dict):
        raise SpecError("base", "must be a file path or an experiment or comparison written inline, got "
                        f"{_type_name(obj)}")
    try:
        if obj.get("format") == COMPARISON_FORMAT:
            return parse_comparison(obj, base).experiments
        if obj.get("format") != EXPERIMENT_FORMAT:
            raise SpecError("format", f'must be "{EXPERIMENT_FORMAT}" or "{COMPARISON_FORMAT}"')
        exp = parse_experiment(obj, base)
    except SpecError as exc:
        raise SpecError("base" + (f".{exc.path}" if exc.path else ""), exc.message) from None
    return (LabelledExperiment(exp.name[:40], exp, None),)


def _parse_axes(obj: Any) -> tuple[Axis, ...]:
    if not isinstance(obj, list) or not obj:
        raise SpecError("axes", f"must be a list of one or two axes such as "
                        f'[{{"path": "dataset.options.distance", "values": [4, 8, 16]}}], got {shown(obj)}')
    if len(obj) > MAX_AXES:
        raise SpecError("axes", f"has {len(obj)} axes; a sweep has one (a curve) or two (a heat map)")
    axes = tuple(_parse_axis(a, f"axes[{i}]") for i, a in enumerate(obj))
    if len(axes) == 2 and axes[0].path == axes[1].path:
        raise SpecError("axes[1].path", f"{axes[0].path} is already axes[0]; the two axes must differ")
    return axes


def _parse_axis(obj: Any, where: str) -> Axis:
    if not isinstance(obj, dict):
        raise SpecError(where, f'must be an object with "path" and "values" or "range", got {_type_name(obj)}')
    for key in obj:
        if key not in AXIS_KEYS:
            raise SpecError(f"{where}.{shown_key(key)}", f"unknown key (known: {', '.join(AXIS_KEYS)})")
    path = _string(obj.get("path"), f"{where}.path", 200, required=True)
    label = _string(obj.get("label", ""), f"{where}.label", 60)
    if ("values" in obj) == ("range" in obj):
        raise SpecError(where, 'needs exactly one of "values" (a list) or "range" ({"from", "to", "step"})')
    if "values" in obj:
        values = obj["values"]
        if not isinstance(values, list) or not values:
            raise SpecError(f"{where}.values", f"must be a non-empty list of values, got {shown(values)}")
        for i, value in enumerate(values):
            if isinstance(value, dict | list):
                raise SpecError(f"{where}.values[{i}]", f"must be a number, text, true/false or null, got "
                                f"{_type_name(value)}")
        seen = [json.dumps(v) for v in values]
        for i, text in enumerate(seen):
            if seen.index(text) != i:
                raise SpecError(f"{where}.values[{i}]", f"{text} is already values[{seen.index(text)}]")
        values = tuple(values)
    else:
        values = _range(obj["range"], f"{where}.range")
    if len(values) > MAX_VALUES:
        raise SpecError(where, f"has {len(values)} values; at most {MAX_VALUES} per axis")
    return Axis(path, values, label, _linked(obj.get("with", {}), f"{where}.with", path, len(values)))


def _linked(obj: Any, where: str, own: str, n: int) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    if not isinstance(obj, dict):
        raise SpecError(where, 'must be an object of setting paths, each with a list of values: '
                        f'{{"dataset.options.length": [...]}}, got {_type_name(obj)}')
    linked = []
    for path, values in obj.items():
        if path == own:
            raise SpecError(f"{where}.{shown_key(path)}", "is the axis's own path")
        if not isinstance(values, list) or len(values) != n:
            raise SpecError(f"{where}.{shown_key(path)}", f"must list one value for each of the axis's {n} values, "
                            f"got {shown(values)}")
        linked.append((path, tuple(values)))
    return tuple(linked)


def _range(obj: Any, where: str) -> tuple[Any, ...]:
    """``{"from": 2, "to": 48, "step": 2}`` (both ends included when the steps
    land on them) or ``{"from": 5, "to": 80, "count": 5, "scale": "log"}``;
    whole numbers when both ends are."""
    if not isinstance(obj, dict):
        raise SpecError(where, f'must be an object such as {{"from": 2, "to": 48, "step": 2}}, got {shown(obj)}')
    for key in obj:
        if key not in RANGE_KEYS:
            raise SpecError(f"{where}.{shown_key(key)}", f"unknown key (known: {', '.join(RANGE_KEYS)})")
    ends = []
    for key in ("from", "to"):
        value = obj.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise SpecError(f"{where}.{key}", f"must be a number, got {shown(value)}")
        ends.append(value)
    start, stop = ends
    whole = all(isinstance(v, int) for v in ends)
    scale = obj.get("scale", "linear")
    if scale not in ("linear", "log"):
        raise SpecError(f"{where}.scale", f'must be "linear" or "log", got {shown(scale)}')
    if ("step" in obj) == ("count" in obj):
        raise SpecError(where, 'needs exactly one of "step" or "count"')
    if "step" in obj:
        step = obj["step"]
        if scale == "log":
            raise SpecError(f"{where}.step", 'a log scale takes "count", not "step"')
        if isinstance(step, bool) or not isinstance(step, int | float) or not math.isfinite(step) or step <= 0:
            raise SpecError(f"{where}.step", f"must be a number above 0, got {shown(step)}")
        if stop < start:
            raise SpecError(f"{where}.to", f"must not be below from ({start}), got {stop}")
        n = math.floor((stop - start) / step + 1e-9) + 1
        if n > MAX_VALUES:
            raise SpecError(where, f"has {n:,} values; at most {MAX_VALUES} per axis")
        values = [start + i * step for i in range(n)]
        whole = whole and isinstance(step, int)
    else:
        count = obj["count"]
        if isinstance(count, bool) or not isinstance(count, int) or not 2 <= count <= MAX_VALUES:
            raise SpecError(f"{where}.count", f"must be a whole number from 2 to {MAX_VALUES}, got {shown(count)}")
        if scale == "log":
            if start <= 0 or stop <= 0:
                raise SpecError(where, "a log scale needs from and to above 0")
            values = [start * (stop / start) ** (i / (count - 1)) for i in range(count)]
        else:
            values = [start + (stop - start) * i / (count - 1) for i in range(count)]
    if whole:
        values = list(dict.fromkeys(int(round(v)) for v in values))  # a log range of ints can repeat a value
    else:
        values = [float(f"{v:.6g}") for v in values]
    return tuple(values)


def sweep_to_dict(sweep: Sweep) -> dict[str, Any]:
    doc: dict[str, Any] = {"format": FORMAT, "version": VERSION, "name": sweep.name,
                           "description": sweep.description, "claims": list(sweep.claims)}
    doc["base"] = sweep.base if sweep.base is not None else _inline_base(sweep)
    doc["axes"] = [a.to_json() for a in sweep.axes]
    if sweep.seeds != ONE:
        doc["seeds"] = sweep.seeds.to_json()
    if sweep.epochs is not None:
        doc["epochs"] = sweep.epochs
    if sweep.metric != "final":
        doc["metric"] = sweep.metric
    return doc


def _inline_base(sweep: Sweep) -> dict[str, Any]:
    if len(sweep.experiments) == 1:
        return experiment_to_dict(sweep.experiments[0].experiment)
    return {"format": COMPARISON_FORMAT, "version": 1, "name": sweep.name, "description": "", "claims": [],
            "experiments": [{"label": e.label, "experiment": experiment_to_dict(e.experiment)}
                            for e in sweep.experiments]}
