"""Declarations of user-settable parameters.

Layers, data sets and training settings each declare their parameters once
as ``Param`` objects: name, type, default, allowed range and a one-line help
text. Validation of experiment files and the GUI's generated forms both read
these declarations, so adding a setting is one entry, not a new form.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.errors import SpecError

# Kinds of parameter. "choice" values are strings from ``choices``.
INT, FLOAT, BOOL, CHOICE, STR = "int", "float", "bool", "choice", "str"


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    default: Any
    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    # None stands for "inferred" (e.g. out_features of the output layer).
    allow_none: bool = False
    # A hint for the GUI: edit on a logarithmic scale (learning rates).
    log_scale: bool = False

    def validate(self, value: Any, path: str) -> Any:
        """Return ``value`` normalised, or raise SpecError naming ``path``."""
        if value is None:
            if self.allow_none:
                return None
            raise SpecError(path, f"must be {self.describe()}, got null")
        if self.kind == BOOL:
            if not isinstance(value, bool):
                raise SpecError(path, f"must be true or false, got {_show(value)}")
            return value
        if self.kind == CHOICE:
            if not isinstance(value, str) or value not in self.choices:
                raise SpecError(path, f"must be one of {', '.join(self.choices)}; got {_show(value)}")
            return value
        if self.kind == STR:
            if not isinstance(value, str):
                raise SpecError(path, f"must be a string, got {_show(value)}")
            if self.maximum is not None and len(value) > self.maximum:
                raise SpecError(path, f"must be at most {int(self.maximum)} characters long")
            return value
        if self.kind == INT:
            # bool is an int subclass in Python; true must not pass as 1.
            if isinstance(value, bool) or not isinstance(value, int):
                if isinstance(value, float) and value.is_integer() and math.isfinite(value):
                    value = int(value)
                else:
                    raise SpecError(path, f"must be {self.describe()}, got {_show(value)}")
        elif self.kind == FLOAT:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise SpecError(path, f"must be {self.describe()}, got {_show(value)}")
            if not math.isfinite(value):
                raise SpecError(path, f"must be a finite number, got {_show(value)}")
            value = float(value)
        else:  # pragma: no cover - a programming error in a declaration
            raise AssertionError(f"unknown parameter kind {self.kind!r}")
        if (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        ):
            raise SpecError(path, f"must be {self.describe()}, got {_show(value)}")
        return value

    def describe(self) -> str:
        noun = {INT: "an integer", FLOAT: "a number"}.get(self.kind, self.kind)
        if self.kind == INT and self.minimum == 1 and self.maximum is not None:
            text = f"a positive integer up to {_num(self.maximum)}"
        elif self.kind == INT and self.minimum == 1:
            text = "a positive integer"
        elif self.minimum is not None and self.maximum is not None:
            text = f"{noun} from {_num(self.minimum)} to {_num(self.maximum)}"
        elif self.minimum is not None:
            text = f"{noun} ≥ {_num(self.minimum)}"
        else:
            text = noun
        return text + (" or null (inferred)" if self.allow_none else "")


def validate_params(
    declared: Iterable[Param], given: Mapping[str, Any], path: str
) -> dict[str, Any]:
    """Check ``given`` against ``declared``: unknown keys are errors (a typo must
    not pass silently), missing keys take their defaults."""
    by_name = {p.name: p for p in declared}
    for key in given:
        if key not in by_name:
            known = ", ".join(by_name) or "none"
            raise SpecError(f"{path}.{key}" if path else key, f"unknown setting (known: {known})")
    return {
        name: p.validate(given[name], f"{path}.{name}" if path else name) if name in given else p.default
        for name, p in by_name.items()
    }


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 40 else text[:37] + "..."
