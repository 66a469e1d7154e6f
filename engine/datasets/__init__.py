"""The built-in data sets: registry, validation, description and loading.

``describe`` is cheap (shapes and task only, no data) because the model
builder calls it on every edit; ``load`` generates the tensors and keeps the
last few results, because the GUI reloads the same data set often. Loaded
bundles are shared through that cache: treat their tensors as read-only.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from engine.datasets import (
    clips,
    csv_sequences,
    image_folder,
    images,
    mnist,
    patterns,
    scenes,
    seq2seq,
    sequences,
    text,
    trees,
)
from engine.datasets.base import DataBundle, DataInfo, DatasetKind
from engine.errors import DataError, SpecError
from engine.params import shown, shown_key, validate_params
from engine.spec import DatasetSpec

__all__ = ["DATASETS", "get_dataset", "validate_dataset", "describe", "load"]

# Display order: images, then video clips, then sequences, then text, then trees, then sequence to
# sequence and captions.
DATASETS: dict[str, DatasetKind] = {k.name: k for k in (*images.KINDS, *image_folder.KINDS, *mnist.KINDS,
                                                         *patterns.KINDS, *clips.KINDS, *sequences.KINDS,
                                                         *csv_sequences.KINDS, *text.KINDS, *trees.KINDS,
                                                         *seq2seq.KINDS, *scenes.KINDS)}

# Checks that involve more than one option, per data set: (options, path) -> None.
_CHECKS: dict[str, Callable[[Mapping[str, Any], str], None]] = {**sequences.CHECKS, **csv_sequences.CHECKS,
                                                                 **patterns.CHECKS, **trees.CHECKS,
                                                                 **seq2seq.CHECKS}

# Generated inputs above this many values (200 MB as float32) are refused up front:
# a typo such as n_samples=100000 with length=1000 must not freeze the machine.
MAX_VALUES = 50_000_000

_CACHE_SIZE = 4
_cache: OrderedDict[tuple[Any, ...], DataBundle] = OrderedDict()
_cache_lock = threading.Lock()


def get_dataset(name: str) -> DatasetKind:
    try:
        return DATASETS[name]
    except (KeyError, TypeError):
        raise SpecError("dataset.name", _unknown(name)) from None


def _unknown(name: Any) -> str:
    return f'unknown data set {shown(name)} (known: {", ".join(DATASETS)})'


def validate_dataset(obj: Any, path: str = "dataset") -> DatasetSpec:
    """Check a parsed-JSON ``{"name": ..., "options": {...}}`` and return a spec
    whose options are complete (defaults filled in)."""
    if not isinstance(obj, Mapping):
        raise SpecError(path, 'must be an object with "name" and optional "options"')
    for key in obj:
        if key not in ("name", "options"):
            raise SpecError(f"{path}.{shown_key(key)}", "unknown setting (known: name, options)")
    if "name" not in obj:
        raise SpecError(f"{path}.name", "missing")
    name = obj["name"]
    if not isinstance(name, str) or name not in DATASETS:
        raise SpecError(f"{path}.name", _unknown(name))
    options = obj.get("options", {})
    if options is None:
        options = {}
    if not isinstance(options, Mapping):
        raise SpecError(f"{path}.options", "must be an object of settings")
    kind = DATASETS[name]
    full = validate_params(kind.params, options, f"{path}.options")
    if name in _CHECKS:
        _CHECKS[name](full, f"{path}.options")
    _check_size(kind, full, f"{path}.options")
    return DatasetSpec(name, full)


def _check_size(kind: DatasetKind, options: Mapping[str, Any], path: str) -> None:
    if "n_samples" not in options:  # digits and text: sizes bounded by their source
        return
    per_sample = math.prod(kind.describe(options).input_shape)
    total = options["n_samples"] * per_sample
    if total > MAX_VALUES:
        raise SpecError(f"{path}.n_samples",
                        f"too much data: {options['n_samples']:,} samples × {per_sample:,} values = "
                        f"{total:,} (limit {MAX_VALUES:,}); use fewer samples or smaller inputs")


def _complete(spec: DatasetSpec) -> DatasetSpec:
    """Validate a spec built in code: fills options it leaves out."""
    return validate_dataset({"name": spec.name, "options": dict(spec.options)})


def describe(spec: DatasetSpec) -> DataInfo:
    """Shapes, task and classes of the data set, without generating it.

    Raises SpecError for invalid options and, for text, DataError when the
    user's file cannot be read (its vocabulary decides the shapes)."""
    spec = _complete(spec)
    return DATASETS[spec.name].describe(spec.options)


def load(spec: DatasetSpec, seed: int) -> DataBundle:
    """Generate (or fetch from the cache) the data; equal (spec, seed) give
    equal data. Raises DataError with a one-line message on failure."""
    spec = _complete(spec)
    key: tuple[Any, ...] = (spec.name, tuple(sorted(spec.options.items())), seed)
    if spec.name == "text":  # the file may have changed under the same options
        key += (text.cache_token(spec.options),)
    elif spec.name == "image_folder":  # so may the folder
        key += (image_folder.cache_token(spec.options),)
    elif spec.name == "csv_sequences":  # so may the CSV file
        key += (csv_sequences.cache_token(spec.options),)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    try:
        bundle = DATASETS[spec.name].generate(spec.options, seed)
    except MemoryError:
        raise DataError(f"{spec.name}: not enough memory to generate the data; "
                        "use fewer samples or smaller inputs") from None
    with _cache_lock:
        _cache[key] = bundle
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return bundle


def clear_cache() -> None:
    """Forget generated bundles (tests, or to free memory)."""
    with _cache_lock:
        _cache.clear()
