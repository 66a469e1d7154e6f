"""Lab files: two to four experiments trained side by side, saved trained.

A lab *is* a comparison: it is saved as an ordinary comparison file
(engine/comparison_file.py), so it opens as a comparison too, and every rule
of that format holds (labels, one data set, experiments referenced by path
or written inline). What a comparison does not hold is trained weights, so
each column's weights sit beside the lab file, as an experiment's weights sit
beside the experiment (engine/weights_file.py, ``weights_path_for``)::

    my-lab.json                      the comparison: names, labels, experiments
    my-lab.column-1.weights.npz      column 1's trained weights (if trained)
    my-lab.column-2.weights.npz      column 2's ...
    ...

Keeping the weights out of the JSON keeps the comparison readable, diffable
and small, keeps one weights format (no pickle, checked before it is read),
and lets a lab lose its weights — deleted, damaged, or no longer fitting an
experiment that was edited since — without losing the lab: that column opens
untrained with a sentence saying why, and the other columns open trained.

An experiment referenced by path stays a reference (``save_comparison``
writes it relative to the lab's folder), so a lab saved in another folder
still finds it; moving the lab alone, without what it references, does not.

Every file is written atomically (a temporary file beside it, renamed over
it): a save that fails leaves each file either old or new and no temporary
file. The column weights go first and the comparison file last, so the lab
file on disk only ever names columns whose weights were written; stale weights
files (a column saved untrained now, columns of an earlier, bigger lab) are
removed only after the comparison file is in place.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.comparison_file import Comparison, check_comparison, load_comparison, save_comparison
from engine.errors import PlaygroundError
from engine.weights_file import SUFFIX, check_weights, load_weights, save_weights

MIN_COLUMNS, MAX_COLUMNS = 2, 4

Weights = Mapping[str, np.ndarray]


class LabError(PlaygroundError):
    """A lab that cannot be opened or saved as one (too few or too many
    columns; a file that could not be written)."""


@dataclass(frozen=True)
class Lab:
    comparison: Comparison
    # Per column: its trained weights (name → array), or None when it has no
    # weights file or the one beside the lab cannot be used.
    weights: tuple[dict[str, np.ndarray] | None, ...]
    # Per column: why its weights file was not used, or None.
    problems: tuple[str | None, ...]


def check_columns(n: int) -> None:
    """Raise LabError unless a lab can hold ``n`` experiments."""
    if n < MIN_COLUMNS:
        raise LabError(f"a lab holds two to four experiments; this one has {n} — "
                       "open the experiment on its own instead")
    if n > MAX_COLUMNS:
        raise LabError(f"a lab holds two to four experiments; this one has {n} — open it as a comparison instead")


def column_weights_path(lab_path: str | os.PathLike[str], index: int) -> Path:
    """Where column ``index`` (from 0) keeps its weights:
    ``a/lab.json`` → ``a/lab.column-1.weights.npz`` for index 0."""
    if index < 0:
        raise ValueError(f"a column index starts at 0, got {index}")
    p = Path(lab_path)
    stem = p.name[: -len(".json")] if p.name.lower().endswith(".json") else p.name
    return p.with_name(f"{stem}.column-{index + 1}{SUFFIX}")


def save_lab(path: str | os.PathLike[str], comparison: Comparison, weights: Sequence[Weights | None]) -> None:
    """Save ``comparison`` as the lab file ``path`` and ``weights[i]`` beside
    it for each column (None: that column is untrained, and a weights file
    of it from an earlier save is removed). Everything is checked before
    anything is written: SpecError for a comparison that could not be loaded
    back, LabError for a column count a lab cannot hold, WeightsFileError for
    weights that do not fit their column's model. A write that fails raises
    LabError naming the file, with the OSError's reason."""
    experiments = comparison.experiments
    check_columns(len(experiments))
    check_comparison(comparison)
    if len(weights) != len(experiments):
        raise LabError(f"a lab of {len(experiments)} columns needs {len(experiments)} weights (or None), "
                       f"got {len(weights)}")
    for i, (entry, w) in enumerate(zip(experiments, weights, strict=True)):
        if w is not None:
            check_weights(w, entry.experiment, f'cannot save column {i + 1} "{entry.label}"')
    for i, (entry, w) in enumerate(zip(experiments, weights, strict=True)):
        if w is not None:
            try:
                save_weights(column_weights_path(path, i), entry.experiment, dict(w))
            except PlaygroundError as exc:  # WeightsFileError: the file and the reason
                raise LabError(str(exc)) from exc
    try:
        save_comparison(comparison, path)
    except OSError as exc:  # WriteFailed: "cannot write <file>: <reason>"
        raise LabError(str(exc)) from exc
    stale = [i for i, w in enumerate(weights) if w is None] + list(range(len(experiments), MAX_COLUMNS))
    for i in stale:
        target = column_weights_path(path, i)
        try:
            target.unlink(missing_ok=True)
        except OSError as exc:  # left there, it would reopen as this column's weights
            raise LabError(f"cannot remove the old weights {target}: {exc.strerror or exc}") from exc


def load_lab(path: str | os.PathLike[str]) -> Lab:
    """Open a lab: its comparison (SpecError naming the file and
    ``experiments[i]`` for any problem there; LabError for a column count a
    lab cannot hold) and each column's weights file beside it. A weights file
    that is damaged or does not fit its column's model gives that column no
    weights and a problem sentence; the other columns load as usual."""
    comparison = load_comparison(path)
    check_columns(len(comparison.experiments))
    weights: list[dict[str, np.ndarray] | None] = []
    problems: list[str | None] = []
    for i, entry in enumerate(comparison.experiments):
        file = column_weights_path(path, i)
        if not (file.exists() or file.is_symlink()):
            weights.append(None)
            problems.append(None)
            continue
        try:
            weights.append(load_weights(file, entry.experiment))
            problems.append(None)
        except PlaygroundError as exc:  # WeightsFileError; or the model cannot be built (ShapeError, DataError)
            weights.append(None)
            problems.append(f'column {i + 1} "{entry.label}": the weights beside the lab do not fit: {exc}')
    return Lab(comparison, tuple(weights), tuple(problems))


__all__ = ["MAX_COLUMNS", "MIN_COLUMNS", "Lab", "LabError", "check_columns", "column_weights_path", "save_lab",
           "load_lab"]
