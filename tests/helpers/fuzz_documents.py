"""Hypothesis strategies for experiment and comparison documents (used by
tests/gui/data/test_fuzz_files.py): the built-in presets and documents built from the
layer and data-set registries, mutated structurally, then written out as
JSON text that may itself be damaged.

The mutations are what a hand-edited or damaged file holds: keys dropped or
added (known names in the wrong place, odd unicode), values of the wrong
type, extreme numbers (NaN, ±inf, 10**4000, -0.0, 2**63), lists where
objects are expected, nesting near Python's recursion limit, wrong versions,
unknown layer types and parameters out of range. Values for a known setting
are drawn mostly from its declared range, so most documents get past
validation to the data set and the shape inference behind it.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from engine.comparison_file import FORMAT as COMPARISON_FORMAT
from engine.datasets import DATASETS
from engine.experiment_file import FORMAT as EXPERIMENT_FORMAT
from engine.layers import REGISTRY
from engine.params import BOOL, CHOICE, FLOAT, INT, Param
from engine.spec import TRAINING_PARAMS
from tests.helpers.fuzzing import rarely

PRESETS = Path(__file__).resolve().parents[2] / "presets"


def _presets(fmt: str) -> dict[str, dict[str, Any]]:
    docs = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(PRESETS.glob("*.json"))}
    return {name: doc for name, doc in docs.items() if doc.get("format") == fmt}


EXPERIMENTS = _presets(EXPERIMENT_FORMAT)
COMPARISONS = _presets(COMPARISON_FORMAT)
BY_DATASET: dict[str, list[str]] = {}
for _name, _doc in EXPERIMENTS.items():
    BY_DATASET.setdefault(_doc["dataset"]["name"], []).append(_name)

# Paths a data set or a comparison entry may name; the test's workspace holds
# data.csv, corpus.txt and images/ beside the documents, and the presets.
PATHS = ["", ".", "..", "/", "~", "/dev/zero", "/dev/null", "/proc/self/status", "missing.json", "data.csv",
         "corpus.txt", "images", "images/cats", "sub/../data.csv", "a\x00b", "x\ud800", "é/ü.csv", "x/" * 150,
         *EXPERIMENTS, *COMPARISONS, "fuzzed.json", "saved.json"]

ODD_STRINGS = ["", " ", "\x00", "a\nb", "\r\n", "\t", "\x0b\x0c", "\x1c\x85", "\u2028", "\u2029", "\ufeff",
               "\ud800", "x\udfff", "\u202eevil", "é", "日本語", "🙂" * 3, "\\", '"', "null", "NaN", "1e999",
               "-1", "C8", "C0", "C100", *REGISTRY, *DATASETS, *PATHS]
# Long strings are made, not listed: Hypothesis' statistics print each strategy's repr.
long_text = st.sampled_from([41, 201, 1001, 10_001]).map(lambda n: "x" * n)
odd_text = (st.text(max_size=20) | st.sampled_from(ODD_STRINGS) | long_text
            | st.text(st.sampled_from(["\x00", "\n", "\ud800", "\u2028", " ", "é", "🙂", '"', "\\", "a"]),
                      max_size=8))

EXTREMES = [0, -0.0, 1, -1, 2, 3.0, 0.5, 1.5, -7, 31, 32, 33, 64, 65, 1024, 4096, 8192, 10_000, 2**31 - 1,
            2**31, 2**53 + 1, 2**63, 2**64, 10**30, 1e-7, 1e-300, 5e-324, 1e308, -1e308, float("nan"),
            float("inf"), float("-inf")]
huge_ints = st.sampled_from([400, 4000, -400]).map(lambda d: 10**d if d > 0 else -(10**-d))
numbers = st.sampled_from(EXTREMES) | huge_ints | st.integers(-3, 70) | st.integers() | st.floats()
scalars = st.none() | st.booleans() | numbers | odd_text

_PARAMS: dict[str, list[Param]] = {}
for _p in [*TRAINING_PARAMS, *(p for k in REGISTRY.values() for p in k.params),
           *(p for k in DATASETS.values() for p in k.params)]:
    _PARAMS.setdefault(_p.name, []).append(_p)
KNOWN_KEYS = ["format", "version", "name", "description", "dataset", "model", "training", "layers", "type",
              "options", "claims", "experiments", "label", "path", "experiment", *_PARAMS]
keys = st.sampled_from(KNOWN_KEYS) | odd_text
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5)
                           | st.dictionaries(keys, inner, max_size=5), max_leaves=12)


def param_value(p: Param) -> st.SearchStrategy[Any]:
    """Mostly a value inside the declared range, sometimes anything."""
    if p.kind == INT:
        valid = st.integers(int(p.minimum if p.minimum is not None else -5),
                            int(min(p.maximum if p.maximum is not None else 100, 10**6)))
        if p.maximum is not None and p.maximum > 256:
            valid = valid | st.integers(int(p.minimum or 0), 256)  # small values build quickly
    elif p.kind == FLOAT:
        valid = st.floats(p.minimum, p.maximum)
    elif p.kind == BOOL:
        valid = st.booleans()
    elif p.kind == CHOICE:
        valid = st.sampled_from(p.choices)
    else:
        valid = st.sampled_from(PATHS) if p.name == "path" else odd_text
    extra = st.none() if p.allow_none else st.nothing()
    # One value in twenty is anything at all: most documents stay valid up to
    # the data set and the shapes, the mutations break them further.
    return rarely(scalars, extra | valid)


def settings_of(params: tuple[Param, ...] | list[Param]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional={p.name: param_value(p) for p in params})


@st.composite
def layers(draw: st.DrawFn) -> dict[str, Any]:
    type_ = draw(rarely(odd_text, st.sampled_from(list(REGISTRY))))
    kind = REGISTRY.get(type_)
    return {"type": type_, **(draw(settings_of(kind.params)) if kind else {})}


@st.composite
def datasets(draw: st.DrawFn) -> dict[str, Any]:
    name = draw(st.sampled_from(list(DATASETS)))
    return {"name": name, "options": draw(settings_of(DATASETS[name].params))}


@st.composite
def built_experiments(draw: st.DrawFn) -> dict[str, Any]:
    """A document assembled from the registries: any data set, any layers."""
    text = rarely(odd_text, st.text(max_size=30))
    return {"format": EXPERIMENT_FORMAT, "version": 1, "name": draw(text), "description": draw(text),
            "dataset": draw(datasets()), "model": {"layers": draw(st.lists(layers(), max_size=8))},
            "training": draw(settings_of(TRAINING_PARAMS))}


@st.composite
def built_comparisons(draw: st.DrawFn) -> dict[str, Any]:
    """Entries on one data set: references to presets, or inline documents."""
    group = draw(st.sampled_from(sorted(BY_DATASET)))
    entries = []
    for i in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from(BY_DATASET[group]))
        entry: dict[str, Any] = {"path": name} if draw(st.booleans()) else {"experiment": EXPERIMENTS[name]}
        if draw(st.booleans()):
            entry["label"] = f"E{i}"
        entries.append(entry)
    return {"format": COMPARISON_FORMAT, "version": 1, "name": draw(rarely(odd_text, st.text(max_size=30))),
            "description": "",
            "claims": draw(st.lists(st.sampled_from(["C1", "C8", "C15", "C99"]), max_size=2)),
            "experiments": entries}


# ------------------------------------------------------------------ mutation

def _nodes(doc: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _nodes(value, (*path, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from _nodes(value, (*path, i))


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _put(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    _get(doc, path[:-1])[path[-1]] = value
    return doc


def deep(depth: int) -> str:
    """A placeholder that ``serialised`` writes as ``depth`` nested lists."""
    return f"__deep_{depth}__"


OPERATIONS = ("replace", "plausible", "delete", "add_key", "wrap", "unwrap", "deep", "insert_layer", "resize",
              "version")


@st.composite
def mutated(draw: st.DrawFn, docs: st.SearchStrategy[dict[str, Any]], most: int = 3) -> Any:
    doc = copy.deepcopy(draw(docs))
    for _ in range(draw(st.integers(0, most))):
        path = draw(st.sampled_from(list(_nodes(doc))))
        node = _get(doc, path)
        op = draw(st.sampled_from(OPERATIONS))
        if op == "replace":
            doc = _put(doc, path, draw(json_values))
        elif op == "plausible" and path and path[-1] in _PARAMS:
            doc = _put(doc, path, draw(param_value(draw(st.sampled_from(_PARAMS[path[-1]])))))
        elif op == "delete" and path:
            del _get(doc, path[:-1])[path[-1]]
        elif op == "add_key" and isinstance(node, dict):
            node[draw(keys)] = draw(json_values | layers())
        elif op == "wrap":
            doc = _put(doc, path, draw(st.sampled_from([[node], {"layers": node}, {"type": node}])))
        elif op == "unwrap" and isinstance(node, (list, dict)) and node:
            doc = _put(doc, path, draw(st.sampled_from(list(node.values() if isinstance(node, dict) else node))))
        elif op == "deep":
            doc = _put(doc, path, deep(draw(st.integers(1, 1100) | st.integers(985, 1000))))
        elif op == "insert_layer" and isinstance(node, list):
            node.insert(draw(st.integers(0, len(node))), draw(layers()))
        elif op == "resize" and isinstance(node, list):
            n = draw(st.integers(0, 70))
            doc = _put(doc, path, (node * (n // max(len(node), 1) + 1))[:n] if node else [None] * n)
        elif op == "version" and isinstance(doc, dict):
            doc["version"] = draw(st.sampled_from([0, -1, 2, 99, 1.0, 1.5, "1", True, None, [1], 10**30]))
    return doc


@st.composite
def serialised(draw: st.DrawFn, doc: Any) -> bytes:
    """``doc`` as a file's bytes: JSON as a person or a tool writes it, sometimes damaged."""
    text = json.dumps(doc, indent=draw(st.sampled_from([None, 2])), ensure_ascii=draw(st.booleans()))
    text = re.sub(r'"__deep_(\d+)__"', lambda m: "[" * int(m[1]) + "]" * int(m[1]), text)
    data = text.encode("utf-8", "surrogatepass")  # a lone surrogate becomes invalid UTF-8
    damage = draw(st.sampled_from(["none"] * 56 + ["truncate", "insert", "flip", "bom", "utf16", "latin1",
                                                  "trailing", "duplicate_key"]))
    if damage == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif damage == "insert":
        i = draw(st.integers(0, len(data)))
        data = data[:i] + draw(st.binary(min_size=1, max_size=4)) + data[i:]
    elif damage == "flip" and data:
        i = draw(st.integers(0, len(data) - 1))
        data = data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1:]
    elif damage == "bom":
        data = b"\xef\xbb\xbf" + data
    elif damage == "utf16":
        data = text.encode("utf-16", "surrogatepass")
    elif damage == "latin1":
        data = text.encode("latin-1", "replace")
    elif damage == "trailing":
        data += draw(st.sampled_from([b"\n", b"}", b",", b" {}", b"\x00", b"//comment"]))
    elif damage == "duplicate_key" and data.startswith(b"{"):
        data = b'{"name": 1, ' + data[1:] if len(data) > 2 else data
    return data


experiment_documents = mutated(st.sampled_from(list(EXPERIMENTS.values())) | built_experiments())
comparison_documents = mutated(st.sampled_from(list(COMPARISONS.values())) | built_comparisons())
