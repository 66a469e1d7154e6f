"""One setting of an experiment, named by a dotted path into its file:
``training.learning_rate``, ``dataset.options.distance``,
``model.layers[0].hidden_size``. "The same model with one setting changed"
(the lab's Compare With…) is the experiment with the value at that path
replaced and the result validated as a file would be, so an impossible
value is refused with the file's own message.
"""

from __future__ import annotations

import json
import re
from typing import Any

from engine.errors import SpecError
from engine.spec import Experiment

_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?")
_SECTIONS = ("training", "dataset", "model")  # what a setting can be (not name, format, version…)


def setting_paths(experiment: Experiment) -> list[str]:
    """Every changeable leaf of ``experiment``, in the file's order."""
    from engine.experiment_file import experiment_to_dict

    doc = experiment_to_dict(experiment)
    found: list[str] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key != "type":  # a layer's type is the layer, not a setting of it
                    walk(item, f"{path}.{key}" if path else key)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, f"{path}[{i}]")
        elif path.split(".")[0] in _SECTIONS and path != "dataset.name":
            found.append(path)

    walk({k: doc[k] for k in _SECTIONS if k in doc}, "")
    return found


def get_setting(experiment: Experiment, path: str) -> Any:
    from engine.experiment_file import experiment_to_dict

    parent, key = _locate(experiment_to_dict(experiment), path)
    return parent[key]


def with_setting(experiment: Experiment, path: str, value: Any) -> Experiment:
    """``experiment`` with ``path`` set to ``value``, validated; a SpecError names
    the path when it does not exist, and the file's own message when the value
    is impossible."""
    return with_settings(experiment, [(path, value)])


def with_settings(experiment: Experiment, settings: list[tuple[str, Any]]) -> Experiment:
    """Several settings changed at once and validated together (a sweep's
    distance and the length it needs)."""
    from engine.experiment_file import experiment_to_dict, parse_experiment

    doc = experiment_to_dict(experiment)
    for path, value in settings:
        parent, key = _locate(doc, path)
        parent[key] = value
    return parse_experiment(doc)


def parse_value(text: str) -> Any:
    """A typed value: JSON (3, 0.001, true, null, "adam"), else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text.strip()


def _locate(doc: dict, path: str) -> tuple[Any, Any]:
    parts = path.split(".")
    if not path or parts[0] not in _SECTIONS:
        raise SpecError(path or "(empty)", f"a setting starts with {', '.join(_SECTIONS)}")
    node: Any = doc
    for n, part in enumerate(parts):
        match = _PART.fullmatch(part)
        if match is None:
            raise SpecError(path, f"“{part}” is not a setting name")
        name, index = match.group(1), match.group(2)
        last = n == len(parts) - 1 and index is None
        if not isinstance(node, dict) or name not in node:
            raise SpecError(path, f"there is no setting “{name}” here")
        if last:
            return node, name
        node = node[name]
        if index is not None:
            if not isinstance(node, list) or int(index) >= len(node):
                raise SpecError(path, f"“{name}” has no item {index}")
            if n == len(parts) - 1:
                return node, int(index)
            node = node[int(index)]
    raise SpecError(path, "not a setting")
