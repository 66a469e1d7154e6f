"""Sequences from the user's CSV file, for recurrent layers and 1-D convolutions.

Two layouts:
- ``wide``: one row per sequence, one value per column (the time steps), and
  optionally a label column;
- ``long``: one row per (sequence, time step): an id column, an optional time
  column (else the file order), one or more value columns (several = several
  features per step), and optionally a label column (one label per id).

Two targets:
- ``class``: the label column names each sequence's class (many-to-one);
- ``next_value``: windows of ``window`` steps, each predicting the values at
  the step after it (forecasting). Each sequence's last ``val_fraction`` of
  targets is for validation, so validation targets are never trained on.

Sequences of different lengths are refused unless ``ragged`` is ``pad``:
then shorter ones get zeros in front (after normalisation, so a zero is the
mean), which keeps each sequence's real end as the last step a recurrent
layer reads. Forecasting windows never need padding.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.datasets import csv_table, data_paths
from engine.datasets import transforms as tf
from engine.datasets.base import CLASSIFICATION, REGRESSION, SEQUENCE, DataBundle, DataInfo, DatasetKind
from engine.datasets.csv_table import Table, short_cell
from engine.errors import DataError, SpecError
from engine.params import BOOL, CHOICE, INT, STR, Param, visible

MAX_STEPS = 5000  # a longer sequence is a job for forecasting windows
MAX_VALUES = 50_000_000  # as for generated data: 200 MB of float32


@dataclass(frozen=True)
class Prepared:
    """The file turned into arrays, before the train/validation split."""
    info: DataInfo
    x: np.ndarray  # float32 (N, T, F)
    y: np.ndarray  # int64 (N,) classes, or float32 (N, F) next values
    is_val: np.ndarray | None  # forecasting: bool (N,), the time split; None: random split
    names: tuple[str, ...]  # each sample's sequence, for previews ("row 3", "id 'a'")


_cache: OrderedDict[tuple[Any, ...], Prepared] = OrderedDict()
_cache_lock = threading.Lock()


def cache_token(options: Mapping[str, Any]) -> tuple[str, int, int]:
    """What, besides the options, decides the data: the file's version."""
    return data_paths.stamp(options["path"]) if options["path"] else ("", 0, 0)


def prepare(o: Mapping[str, Any]) -> Prepared:
    """Read and shape the file (cached by file version and options)."""
    if not o["path"]:
        raise DataError("CSV file: no file chosen; set path (or use Import ▸ CSV sequences…)")
    file = data_paths.locate(o["path"], "CSV file")
    key = (data_paths.stamp(o["path"]), tuple(sorted(o.items())))
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    result = _prepare(file, o)
    with _cache_lock:
        _cache[key] = result
        while len(_cache) > 4:
            _cache.popitem(last=False)
    return result


def read_table(path: str, header: bool, delimiter: str, limit: int | None = None) -> Table:
    """The file as a table of text cells (``limit`` rows for a preview)."""
    file = data_paths.locate(path, "CSV file")
    text = csv_table.read_text(file, file.name)
    return csv_table.parse(text, file.name, header, csv_table.sniff_delimiter(text, delimiter), limit)


def _prepare(file: Path, o: Mapping[str, Any]) -> Prepared:
    table = read_table(str(file), o["header"], o["delimiter"])
    if o["layout"] == "wide":
        seqs, labels, names, features = _wide(table, o)
    else:
        seqs, labels, names, features = _long(table, o)
    if o["normalisation"] == "zscore":
        seqs = _standardise(seqs)
    if o["target"] == "class":
        return _classes(seqs, labels, names, o, table.file)
    return _windows(seqs, names, features, o, table.file)


# ------------------------------------------------------------------ layouts

Sequences = list[np.ndarray]  # each float64 (T_i, F)


def _wide(table: Table, o: Mapping[str, Any]) -> tuple[Sequences, list[str] | None, list[str], int]:
    # A label column is never a time step, even when forecasting ignores it.
    label = table.column(o["label_column"], "label_column") if o["label_column"] else None
    seqs, labels, names = [], [] if o["target"] == "class" else None, []
    for i, row in enumerate(table.rows):
        cells = [j for j in range(len(row)) if j != label]
        while cells and not row[cells[-1]].strip():
            cells.pop()  # a short row ends in empty cells or simply ends: ragged
        if not cells:
            raise DataError(f"{table.where(i)}: has no values")
        seqs.append(np.array([[table.number(i, j)] for j in cells]))
        if labels is not None and label is not None:
            labels.append(table.text(i, label))
        names.append(f"row {table.row_numbers[i]}")
    return seqs, labels, names, 1


def _long(table: Table, o: Mapping[str, Any]) -> tuple[Sequences, list[str] | None, list[str], int]:
    id_col = table.column(o["id_column"], "id_column")
    time_col = table.column(o["time_column"], "time_column") if o["time_column"] else None
    value_cols = [table.column(name.strip(), "value_columns") for name in o["value_columns"].split(",")]
    label = table.column(o["label_column"], "label_column") if o["target"] == "class" else None
    groups: dict[str, list[int]] = {}
    for i in range(len(table.rows)):
        groups.setdefault(table.text(i, id_col), []).append(i)
    seqs, labels, names = [], [] if label is not None else None, []
    for ident, rows in groups.items():
        if time_col is not None:
            times = np.array([table.number(i, time_col) for i in rows])
            order = np.argsort(times, kind="stable")
            rows = [rows[k] for k in order]
            same = np.flatnonzero(np.diff(times[order]) == 0)
            if len(same):
                a, b = rows[same[0]], rows[same[0] + 1]
                raise DataError(f"{table.file}: id '{short_cell(ident)}' has time {times[order][same[0]]:g} twice "
                                f"(rows {table.row_numbers[a]} and {table.row_numbers[b]})")
        seqs.append(np.array([[table.number(i, j) for j in value_cols] for i in rows]))
        if labels is not None:
            values: dict[str, int] = {}
            for i in sorted(rows):
                values.setdefault(table.text(i, label), i)
            if len(values) > 1:
                (a, ra), (b, rb) = list(values.items())[:2]
                raise DataError(f"{table.file}: id '{short_cell(ident)}' has two labels, '{short_cell(a)}' "
                                f"(row {table.row_numbers[ra]}) and '{short_cell(b)}' (row {table.row_numbers[rb]}); "
                                "one sequence has one class")
            labels.append(next(iter(values)))
        names.append(f"id '{short_cell(ident)}'")
    return seqs, labels, names, len(value_cols)


def _standardise(seqs: Sequences) -> Sequences:
    """Per feature, with the mean and standard deviation of the whole file."""
    every = np.concatenate(seqs)
    mean, std = every.mean(0), every.std(0)
    std[std == 0] = 1.0  # a constant feature stays 0 rather than dividing by zero
    return [(s - mean) / std for s in seqs]


# ------------------------------------------------------------------ targets


def _classes(seqs: Sequences, labels: list[str] | None, names: list[str], o: Mapping[str, Any],
             file: str) -> Prepared:
    assert labels is not None
    lengths = [len(s) for s in seqs]
    t_len = max(lengths)
    if t_len > MAX_STEPS:
        raise DataError(f"{file}: {names[lengths.index(t_len)]} has {t_len:,} steps; at most {MAX_STEPS:,} "
                        "are supported (forecast with windows instead)")
    if min(lengths) != t_len:
        if o["ragged"] != "pad":
            short = lengths.index(min(lengths))
            raise DataError(f"{file}: sequences differ in length ({names[short]} has {min(lengths)} "
                            f"values, {names[lengths.index(t_len)]} has {t_len}); make them equal "
                            "or set ragged to pad")
        seqs = [np.concatenate([np.zeros((t_len - len(s), s.shape[1])), s]) for s in seqs]
    classes = _sorted_classes(labels)
    if len(classes) < 2:
        raise DataError(f"{file}: column '{visible(o['label_column'])}' has only one class "
                        f"('{short_cell(classes[0])}'); "
                        "classification needs at least two")
    n = len(seqs)
    _check_split(n, o["val_fraction"], file, "sequences")
    index = {c: k for k, c in enumerate(classes)}
    y = np.array([index[label] for label in labels], dtype=np.int64)
    majority = float(np.bincount(y).max() / n)
    info = DataInfo(SEQUENCE, (t_len, seqs[0].shape[1]), CLASSIFICATION, False, len(classes),
                    class_names=tuple(classes), baseline=majority)
    return Prepared(info, np.stack(seqs).astype(np.float32), y, None, tuple(names))


def _sorted_classes(labels: list[str]) -> list[str]:
    """Class names in order: numerically when every label is a number."""
    unique = set(labels)
    try:
        return sorted(unique, key=float)
    except ValueError:
        return sorted(unique)


def _windows(seqs: Sequences, names: list[str], features: int, o: Mapping[str, Any], file: str) -> Prepared:
    w = o["window"]
    xs, ys, val, owners = [], [], [], []
    for k, s in enumerate(seqs):
        n = len(s) - w  # windows: s[i:i+w] -> s[i+w]
        if n < 1:
            continue
        cut = int(round(len(s) * (1 - o["val_fraction"])))
        windows = np.lib.stride_tricks.sliding_window_view(s, w, axis=0)[:n]  # (n, F, w)
        xs.append(windows.transpose(0, 2, 1))
        ys.append(s[w:])
        val.append(np.arange(w, len(s)) >= cut)
        owners += [names[k]] * n
    if not xs:
        longest = max(len(s) for s in seqs)
        raise DataError(f"{file}: too few samples for a validation split: the longest sequence has "
                        f"{longest} values; window {w} needs at least {w + 2}; use a shorter window")
    x, y, is_val = np.concatenate(xs), np.concatenate(ys), np.concatenate(val)
    if x.size > MAX_VALUES:
        raise DataError(f"{file}: {len(x):,} windows of {w} steps are too much data; use a shorter window")
    if is_val.all() or not is_val.any():
        part = "validation" if not is_val.any() else "training"
        raise DataError(f"{file}: too few samples for a validation split: no {part} windows "
                        f"({len(x)} windows of {w} steps); use longer sequences, a shorter window "
                        "or another val_fraction")
    train_mean = y[~is_val].mean(0)
    baseline = float(((y[is_val] - train_mean) ** 2).mean())
    info = DataInfo(SEQUENCE, (w, features), REGRESSION, False, features, baseline=baseline)
    return Prepared(info, x.astype(np.float32), y.astype(np.float32), is_val, tuple(owners))


def _check_split(n: int, val_fraction: float, file: str, what: str) -> None:
    if n * val_fraction < 0.5 or n < 2:
        need = max(2, int(np.ceil(0.5 / val_fraction)) + 1)
        raise DataError(f"{file}: too few samples for a validation split: {n} {what}, and "
                        f"val_fraction {val_fraction:g} of them is less than one; need at least {need}")


# ------------------------------------------------------------------ the kind


def _describe(o: Mapping[str, Any]) -> DataInfo:
    return prepare(o).info


def _generate(o: Mapping[str, Any], seed: int) -> DataBundle:
    p = prepare(o)
    if p.is_val is None:
        return tf.split_bundle(p.info, p.x, p.y, o, seed)
    return tf.make_bundle(p.info, p.x[~p.is_val], p.y[~p.is_val], p.x[p.is_val], p.y[p.is_val])


def _check(o: Mapping[str, Any], path: str) -> None:
    if o["target"] == "class" and not o["label_column"]:
        raise SpecError(f"{path}.label_column", "needed when target is class: the column with each "
                        "sequence's class")
    if o["layout"] == "long":
        if not o["id_column"]:
            raise SpecError(f"{path}.id_column", "needed for the long layout")
        if not o["value_columns"].strip(", "):
            raise SpecError(f"{path}.value_columns", "needed for the long layout")


def _column_param(name: str, default: str, help_text: str) -> Param:
    return Param(name, STR, default, help_text, maximum=200)


CSV_SEQUENCES = DatasetKind(
    name="csv_sequences", title="CSV sequences (your file)",
    help=("Sequences from your own CSV file. Wide layout: one row per sequence, one value per "
          "column, optionally a label column. Long layout: one row per time step with an id "
          "column, an optional time column and one or more value columns. The target is either "
          "the class in a label column, or the next value after a window (forecasting; the last "
          "part of every sequence is kept for validation). Sequences of different lengths are "
          "refused unless 'ragged' is pad (zeros in front). Use Import ▸ CSV sequences… for a "
          "preview."),
    params=(
        Param("path", STR, "", "The CSV file (UTF-8). Saved relative to the experiment file when it "
              "is beside or below it.", maximum=1000),
        Param("layout", CHOICE, "wide", "wide: one row per sequence; long: one row per time step "
              "with id/time/value columns.", choices=("wide", "long")),
        Param("header", BOOL, True, "The first row names the columns (without it, columns are "
              "numbered from 1)."),
        Param("delimiter", CHOICE, "auto", "What separates the cells; auto guesses.",
              choices=tuple(csv_table.DELIMITERS)),
        Param("target", CHOICE, "class", "class: predict the label column; next_value: forecast "
              "the value after a window.", choices=("class", "next_value")),
        _column_param("label_column", "", "The column with each sequence's class (target class)."),
        _column_param("id_column", "id", "Long layout: the column that says which sequence a row "
                      "belongs to."),
        _column_param("time_column", "time", "Long layout: the column to order steps by; empty for "
                      "the file's order."),
        _column_param("value_columns", "value", "Long layout: the value column, or several "
                      "separated by commas (one feature each)."),
        Param("window", INT, 20, "Forecasting: steps the network sees before predicting the "
              "next value.", minimum=1, maximum=1000),
        Param("ragged", CHOICE, "refuse", "Sequences of different lengths (target class): refuse, "
              "or pad the shorter ones with zeros in front.", choices=("refuse", "pad")),
        Param("normalisation", CHOICE, "zscore", "zscore: per feature, subtract the file's mean "
              "and divide by its standard deviation; none: use the values as they are.",
              choices=("zscore", "none")),
        tf.VAL_FRACTION,
    ),
    describe=_describe, generate=_generate,
)

KINDS = (CSV_SEQUENCES,)
CHECKS = {"csv_sequences": _check}
