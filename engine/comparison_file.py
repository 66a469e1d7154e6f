"""Comparison files: two or more experiments on the same data, in one JSON file.

The format mirrors the experiment file (README, "Comparison file"): a
top-level object with ``format``, ``version``, ``name``, ``description``,
``claims``, ``seeds`` (optional: how many seeds each experiment trains, or
which; engine/seeds.py) and ``experiments``. Each entry of ``experiments`` has a ``label``
and either ``path`` (an experiment file, relative to the comparison file) or
``experiment`` (an experiment object written inline). Every problem is a
SpecError naming the file and ``experiments[i]``; a referenced file's own
problem keeps its own path too. Saving is atomic; a referenced experiment is
written back as its reference, so the experiment file stays the one place it
lives.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import SpecError
from engine.experiment_file import (
    _string,
    _type_name,
    decode_json,
    experiment_to_dict,
    load_experiment,
    migrate_document,
    parse_experiment,
    read_document,
    write_atomic,
)
from engine.params import shown, shown_key, visible
from engine.seeds import ONE, Seeds, parse_seeds
from engine.spec import Experiment

FORMAT = "cnn-rnn-playground/comparison"
VERSION = 1
TOP_KEYS = ("format", "version", "name", "description", "claims", "seeds", "experiments")
ENTRY_KEYS = ("label", "path", "experiment")
MIN_EXPERIMENTS, MAX_EXPERIMENTS = 2, 8
MAX_LABEL = 40
CLAIM_ID = re.compile(r"C[1-9][0-9]?")

# MIGRATIONS[v] turns a version-v document into a version-(v+1) one, as for
# experiment files. Empty while there is only version 1.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


@dataclass(frozen=True)
class LabelledExperiment:
    label: str  # short name for tables and file names, e.g. "CNN"
    experiment: Experiment
    # The experiment file this entry refers to (absolute), or None when the
    # experiment is written inline. Saving writes the reference, not a copy.
    source: Path | None = None


@dataclass(frozen=True)
class Comparison:
    name: str
    description: str
    claims: tuple[str, ...]
    experiments: tuple[LabelledExperiment, ...]
    seeds: Seeds = ONE  # without the field: one run each, the file's own seed

    def seeds_of(self, index: int) -> tuple[int, ...]:
        """The seeds experiment ``index`` trains."""
        return self.seeds.for_seed(self.experiments[index].experiment.training.seed)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(e.label for e in self.experiments)

    @property
    def dataset(self) -> str:
        """The data set every experiment trains on (validated to be one)."""
        return self.experiments[0].experiment.dataset.name if self.experiments else ""


def is_comparison_file(path: str | os.PathLike[str]) -> bool:
    """True when the file is a JSON object whose format says comparison.
    Anything unreadable is not: the experiment loader then reports why."""
    try:  # read_document: only plain files, and at most MAX_FILE_BYTES of them
        doc = decode_json(read_document(path, "a comparison"))
    except SpecError:
        return False
    return isinstance(doc, dict) and doc.get("format") == FORMAT


def load_comparison(path: str | os.PathLike[str]) -> Comparison:
    name = str(path)
    data = read_document(path, "a comparison")
    try:
        return parse_comparison(decode_json(data), Path(path).resolve().parent)
    except SpecError as exc:
        raise exc.in_file(name) from None


def parse_comparison(doc: Any, base: Path | None = None) -> Comparison:
    """Validate a parsed document; ``path`` references resolve against
    ``base`` (the comparison file's folder; the working folder if None)."""
    if not isinstance(doc, dict):
        raise SpecError("", f"must be a JSON object, got {_type_name(doc)}")
    if doc.get("format") != FORMAT:
        raise SpecError("format", f'must be "{FORMAT}" (is this a comparison file?)')
    doc = migrate(doc)
    for key in doc:
        if key not in TOP_KEYS:
            raise SpecError(shown_key(key), f"unknown key (known: {', '.join(TOP_KEYS)})")
    name = _string(doc.get("name"), "name", 200, required=True)
    description = _string(doc.get("description", ""), "description", 10_000)
    claims = _parse_claims(doc.get("claims", []))
    seeds = parse_seeds(doc["seeds"]) if "seeds" in doc else ONE
    entries = doc.get("experiments")
    if not isinstance(entries, list):
        raise SpecError("experiments", f"must be a list of experiments, got {_type_name(entries)}")
    _check_count(len(entries))
    comparison = Comparison(name, description, claims,
                            tuple(_parse_entry(e, f"experiments[{i}]", base) for i, e in enumerate(entries)), seeds)
    check_comparison(comparison)
    return comparison


def check_comparison(comparison: Comparison) -> None:
    """What a comparison must satisfy beyond each experiment being valid:
    enough experiments, distinct labels, one data set."""
    _check_count(len(comparison.experiments))
    seen: dict[str, int] = {}
    first = comparison.experiments[0].experiment.dataset.name
    for i, entry in enumerate(comparison.experiments):
        if entry.label in seen:
            raise SpecError(f"experiments[{i}].label", f'"{entry.label}" is already the label of '
                            f"experiments[{seen[entry.label]}]; labels name the table rows and must differ")
        seen[entry.label] = i
        used = entry.experiment.dataset.name
        if used != first:
            raise SpecError(f"experiments[{i}]", f'uses data set "{used}", but experiments[0] uses "{first}": '
                            "a comparison trains every model on the same data (options may differ)")


def migrate(doc: dict[str, Any]) -> dict[str, Any]:
    return migrate_document(doc, VERSION, MIGRATIONS, "comparisons ")


def _check_count(n: int) -> None:
    if n < MIN_EXPERIMENTS:
        raise SpecError("experiments", f"has {n} experiment{'s' if n != 1 else ''}; a comparison needs "
                        f"at least {MIN_EXPERIMENTS}")
    if n > MAX_EXPERIMENTS:
        raise SpecError("experiments", f"has {n} experiments; at most {MAX_EXPERIMENTS} are allowed")


def _parse_claims(obj: Any) -> tuple[str, ...]:
    if not isinstance(obj, list):
        raise SpecError("claims", f'must be a list of claim ids such as "C8", got {_type_name(obj)}')
    for i, claim in enumerate(obj):
        if not isinstance(claim, str) or not CLAIM_ID.fullmatch(claim):
            raise SpecError(f"claims[{i}]", f'must be a claim id such as "C8", got {shown(claim)}')
    return tuple(obj)


def _parse_entry(obj: Any, path: str, base: Path | None) -> LabelledExperiment:
    if not isinstance(obj, dict):
        raise SpecError(path, 'must be an object with "label" and "path" or "experiment", '
                        f"got {_type_name(obj)}")
    for key in obj:
        if key not in ENTRY_KEYS:
            raise SpecError(f"{path}.{shown_key(key)}", f"unknown key (known: {', '.join(ENTRY_KEYS)})")
    if ("path" in obj) == ("experiment" in obj):
        raise SpecError(path, 'needs exactly one of "path" (an experiment file) or "experiment" (written inline)')
    if "path" in obj:
        ref = _string(obj["path"], f"{path}.path", 1000)
        try:
            source = ((base or Path.cwd()) / ref).resolve()
        except (OSError, ValueError, RuntimeError):  # a NUL byte in the name; a symlink loop
            raise SpecError(f"{path}.path", f"{shown(ref)} is not a usable file name") from None
        try:
            experiment = load_experiment(source)
        except SpecError as exc:  # name the entry, then the referenced file's own problem
            inner = f"{exc.path}: {exc.message}" if exc.path else exc.message
            raise SpecError(f"{path}.path", f'"{visible(ref)}": {inner}') from None
    else:
        source = None
        try:
            experiment = parse_experiment(obj["experiment"], base)  # its data path: relative to this file
        except SpecError as exc:
            raise SpecError(f"{path}.experiment" + (f".{exc.path}" if exc.path else ""), exc.message) from None
    label = obj.get("label", experiment.name)
    label = _string(label, f"{path}.label", MAX_LABEL)
    if not label.strip():
        raise SpecError(f"{path}.label", "must not be empty")
    return LabelledExperiment(label, experiment, source)


def comparison_to_dict(comparison: Comparison, base: Path | None = None) -> dict[str, Any]:
    """The document; references are written relative to ``base`` (the folder
    the file goes to) when they can be."""
    entries = []
    for e in comparison.experiments:
        if e.source is not None:
            entries.append({"label": e.label, "path": _relative(e.source, base)})
        else:
            entries.append({"label": e.label, "experiment": experiment_to_dict(e.experiment, base)})
    doc: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "name": comparison.name,
        "description": comparison.description,
        "claims": list(comparison.claims),
    }
    if comparison.seeds != ONE:
        doc["seeds"] = comparison.seeds.to_json()
    doc["experiments"] = entries
    return doc


def comparison_to_json(comparison: Comparison, base: Path | None = None) -> str:
    return json.dumps(comparison_to_dict(comparison, base), indent=2, ensure_ascii=False) + "\n"


def save_comparison(comparison: Comparison, path: str | os.PathLike[str]) -> None:
    """Atomic save; refuses a comparison that could not be loaded back."""
    check_comparison(comparison)
    write_atomic(path, comparison_to_json(comparison, Path(path).resolve().parent))


def _relative(source: Path, base: Path | None) -> str:
    if base is None:
        return source.as_posix()
    try:
        return Path(os.path.relpath(source, base)).as_posix()
    except ValueError:  # another drive on Windows: keep it absolute
        return source.as_posix()
