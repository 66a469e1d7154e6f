"""Experiment files: JSON in, validated Experiment out, and back.

The contract (README, "Experiment file"): a top-level object with ``format``,
``version``, ``name``, ``description``, ``dataset``, ``model.layers`` and
``training``. Loading reports the first problem with its path
(``model.layers[3].kernel_size: must be a positive integer…``); unknown keys
are errors. Older versions are migrated step by step through ``MIGRATIONS``;
a newer version is refused. Saving is atomic and round-trips exactly.

A data set's ``path`` (the user's own data) is stored relative to the
experiment file when the data sits beside or below it and resolved against
the file's folder on load (engine/datasets/data_paths.py).
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.datasets import data_paths, validate_dataset
from engine.errors import SpecError, WriteFailed
from engine.layers import REGISTRY
from engine.params import check_encodable, shown, shown_key, validate_params, visible
from engine.spec import MAX_LAYERS, TRAINING_PARAMS, Experiment, LayerSpec, ModelSpec, TrainingSpec

FORMAT = "cnn-rnn-playground/experiment"
VERSION = 1
MAX_FILE_BYTES = 2_000_000
TOP_KEYS = ("format", "version", "name", "description", "dataset", "model", "training")

# MIGRATIONS[v] turns a version-v document into a version-(v+1) one. Empty
# while there is only version 1; the chain is exercised by the tests.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def load_experiment(path: str | os.PathLike[str]) -> Experiment:
    """Read and validate a file; every problem is a SpecError naming the file."""
    name = str(path)
    data = read_document(path, "an experiment")
    try:
        return parse_experiment(decode_json(data), Path(path).parent)
    except SpecError as exc:
        raise exc.in_file(name) from None


def read_document(path: str | os.PathLike[str], what: str) -> bytes:
    """The bytes of an experiment or comparison file (``what``: "an
    experiment", "a comparison"); every problem is a SpecError naming it."""
    name = str(path)
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError
        # A device or pipe (/dev/zero, a FIFO) has no size and may never end,
        # or block on open: only plain files are read.
        if not stat.S_ISREG(mode):
            raise SpecError("", f"is not a plain file (a device or pipe?), not {what} file", name)
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # bounded even if the file grows meanwhile
        if len(data) > MAX_FILE_BYTES:
            raise SpecError("", f"file is too large (over {MAX_FILE_BYTES:,} bytes; {what} is at most "
                            f"{MAX_FILE_BYTES:,})", name)
        return data
    except FileNotFoundError:
        raise SpecError("", "no such file", name) from None
    except IsADirectoryError:
        raise SpecError("", f"is a folder, not {what} file", name) from None
    except OSError as exc:
        raise SpecError("", f"cannot read: {exc.strerror or exc}", name) from None
    except ValueError:  # a NUL byte or a lone surrogate in the name (a path from a comparison file)
        raise SpecError("", "cannot read: the file name holds an invalid character", visible(name)) from None


def decode_json(data: bytes | str) -> Any:
    """Strict JSON: UTF-8, bounded nesting and number size. NaN and Infinity
    are read as floats so that validation refuses them naming their field
    (``training.learning_rate: NaN is not allowed``): every value of a document
    is validated, none is kept unchecked."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise SpecError("", f"not UTF-8 text (bad byte at offset {exc.start})") from None

    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError("", f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise SpecError("", "not valid JSON: nested too deeply") from None
    except ValueError as exc:  # e.g. an integer with thousands of digits
        raise SpecError("", f"not valid JSON: {exc}") from None


def parse_experiment(doc: Any, base: str | os.PathLike[str] | None = None) -> Experiment:
    """Validate a parsed document; a relative data ``path`` is resolved against
    folder ``base`` (the experiment file's), or left as it is when None."""
    if not isinstance(doc, dict):
        raise SpecError("", f"must be a JSON object, got {_type_name(doc)}")
    if doc.get("format") != FORMAT:
        raise SpecError("format", f'must be "{FORMAT}" (is this an experiment file?)')
    doc = migrate(doc)
    for key in doc:
        if key not in TOP_KEYS:
            raise SpecError(shown_key(key), f"unknown key (known: {', '.join(TOP_KEYS)})")
    name = _string(doc.get("name"), "name", 200, required=True)
    description = _string(doc.get("description", ""), "description", 10_000)
    if "dataset" not in doc:
        raise SpecError("dataset", "missing")
    dataset = data_paths.resolve_spec(validate_dataset(doc["dataset"], "dataset"), base)
    model = _parse_model(doc.get("model"))
    training = _parse_training(doc.get("training", {}))
    return Experiment(name, description, dataset, model, training)


def migrate(doc: dict[str, Any]) -> dict[str, Any]:
    return migrate_document(doc, VERSION, MIGRATIONS, "")


def migrate_document(doc: dict[str, Any], latest: int, migrations: dict[int, Any], kind: str) -> dict[str, Any]:
    """Bring a versioned document (experiment or comparison: ``kind`` names
    it in the message, e.g. "comparisons ") up to version ``latest``, one
    migration step at a time."""
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise SpecError("version", f"must be a positive integer, got {shown(version)}")
    if version > latest:
        raise SpecError("version", f"file is version {shown(version)}, written by a newer CNN-RNN Playground; "
                        f"this one reads {kind}up to version {latest} — please update the app")
    while version < latest:
        step = migrations.get(version)
        if step is None:
            raise SpecError("version", f"no migration from version {version}")
        doc = step(dict(doc))
        version += 1
        doc["version"] = version
    return doc


def _parse_model(obj: Any) -> ModelSpec:
    if not isinstance(obj, dict):
        raise SpecError("model", f'must be an object with "layers", got {_type_name(obj)}')
    for key in obj:
        if key != "layers":
            raise SpecError(f"model.{shown_key(key)}", 'unknown key (known: layers)')
    layers = obj.get("layers")
    if not isinstance(layers, list):
        raise SpecError("model.layers", f"must be a list of layers, got {_type_name(layers)}")
    if len(layers) > MAX_LAYERS:
        raise SpecError("model.layers", f"has {len(layers)} layers; at most {MAX_LAYERS} are allowed")
    return ModelSpec(tuple(parse_layer(layer, f"model.layers[{i}]") for i, layer in enumerate(layers)))


def parse_layer(obj: Any, path: str) -> LayerSpec:
    if not isinstance(obj, dict):
        raise SpecError(path, f'must be an object with a "type", got {_type_name(obj)}')
    type_ = obj.get("type")
    if not isinstance(type_, str):
        raise SpecError(f"{path}.type", "missing or not a string")
    kind = REGISTRY.get(type_)
    if kind is None:
        raise SpecError(f"{path}.type", f'unknown layer type "{visible(type_[:40])}" (known: {", ".join(REGISTRY)})')
    given = {k: v for k, v in obj.items() if k != "type"}
    return LayerSpec(type_, validate_params(kind.params, given, path))


def _parse_training(obj: Any) -> TrainingSpec:
    if not isinstance(obj, dict):
        raise SpecError("training", f"must be an object, got {_type_name(obj)}")
    return TrainingSpec(**validate_params(TRAINING_PARAMS, obj, "training"))


def experiment_to_dict(exp: Experiment, base: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The document of ``exp``; with ``base`` (the folder it is saved in), a data
    ``path`` beside or below that folder is written relative to it."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": exp.name,
        "description": exp.description,
        "dataset": {"name": exp.dataset.name,
                    "options": data_paths.store_options(dict(exp.dataset.options), base)},
        "model": {"layers": [{"type": layer.type, **layer.params} for layer in exp.model.layers]},
        "training": exp.training.as_dict(),
    }


def experiment_to_json(exp: Experiment, base: str | os.PathLike[str] | None = None) -> str:
    return json.dumps(experiment_to_dict(exp, base), indent=2, ensure_ascii=False) + "\n"


def save_experiment(exp: Experiment, path: str | os.PathLike[str]) -> None:
    write_atomic(path, experiment_to_json(exp, Path(path).parent))


def write_atomic(path: str | os.PathLike[str], data: str | bytes, private: bool = False) -> None:
    """Write ``data`` (text, as UTF-8 and as it is, or bytes) to a temporary
    file beside ``path``, flush it to disk, then rename over the target: a
    crash or full disk leaves the old file whole and no temporary file, and
    the OSError says why. ``private`` keeps the file readable by its owner only
    (autosaves). Writers whose own file output cannot fail cleanly (torch's
    zip writer aborts the process from C++ on a short write) serialise into
    memory and come here."""
    from engine.file_modes import give_ordinary_mode

    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    except OSError as exc:
        raise WriteFailed(exc.errno, exc.strerror or str(exc), str(target)) from None
    try:
        if not private:
            give_ordinary_mode(tmp)
        if isinstance(data, str):
            data = data.encode("utf-8")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise WriteFailed(exc.errno, exc.strerror or str(exc), str(target)) from None
        raise


STALE_SECONDS = 600  # a temporary file this old was left by a killed save, not one still being written


def remove_stale_temporaries(path: str | os.PathLike[str], older_than: float = STALE_SECONDS) -> list[Path]:
    """Remove what a save killed half-way left beside ``path``: the atomic
    writer's ``.NAME.*.tmp`` files of the document and of its weights file,
    when older than ``older_than`` seconds (a newer one may be another
    process saving right now). Returns what was removed; never raises."""
    import glob
    import time

    from engine.weights_file import weights_path_for

    target = Path(path)
    now = time.time()
    removed = []
    for name in (target.name, weights_path_for(target).name):
        try:
            candidates = list(target.parent.glob(f".{glob.escape(name)}.*.tmp"))
        except OSError:
            continue
        for tmp in candidates:
            try:
                if now - tmp.stat().st_mtime >= older_than and tmp.is_file():
                    tmp.unlink()
                    removed.append(tmp)
            except OSError:
                pass
    return removed


def _string(value: Any, path: str, max_len: int, required: bool = False) -> str:
    if value is None and required:
        raise SpecError(path, "missing")
    if not isinstance(value, str):
        raise SpecError(path, f"must be a string, got {_type_name(value)}")
    if len(value) > max_len:
        raise SpecError(path, f"is {len(value):,} characters long; at most {max_len:,} are allowed")
    return check_encodable(value, path)


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            int: "a number", float: "a number", type(None): "null"}.get(type(value), type(value).__name__)
