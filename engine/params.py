"""Declarations of user-settable parameters.

Layers, data sets and training settings each declare their parameters once
as ``Param`` objects: name, type, default, allowed range and a one-line help
text. Validation of experiment files and the GUI's generated forms both read
these declarations, so adding a setting is one entry, not a new form.
"""

from __future__ import annotations

import json
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
    # A hint for the model stack: show this setting in the layer's row even at its default.
    key: bool = False

    def validate(self, value: Any, path: str) -> Any:
        """Return ``value`` normalised, or raise SpecError naming ``path``."""
        if value is None:
            if self.allow_none:
                return None
            raise SpecError(path, f"must be {self.describe()}, got null")
        if isinstance(value, float) and not math.isfinite(value):  # NaN/Infinity in a file, named by its field
            raise SpecError(path, f"{shown(value)} is not allowed; numbers must be finite")
        if self.kind == BOOL:
            if not isinstance(value, bool):
                raise SpecError(path, f"must be true or false, got {shown(value)}")
            return value
        if self.kind == CHOICE:
            if not isinstance(value, str) or value not in self.choices:
                raise SpecError(path, f"must be one of {', '.join(self.choices)}; got {shown(value)}")
            return value
        if self.kind == STR:
            if not isinstance(value, str):
                raise SpecError(path, f"must be a string, got {shown(value)}")
            if self.maximum is not None and len(value) > self.maximum:
                raise SpecError(path, f"must be at most {int(self.maximum)} characters long")
            return check_encodable(value, path)
        if self.kind == INT:
            # bool is an int subclass in Python; true must not pass as 1.
            if isinstance(value, bool) or not isinstance(value, int):
                if isinstance(value, float) and value.is_integer() and math.isfinite(value):
                    value = int(value)
                else:
                    raise SpecError(path, f"must be {self.describe()}, got {shown(value)}")
        elif self.kind == FLOAT:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise SpecError(path, f"must be {self.describe()}, got {shown(value)}")
            try:
                value = float(value)
            except OverflowError:  # an integer such as 10**400 has no float
                raise SpecError(path, f"must be {self.describe()}, got {shown(value)}") from None
        else:  # pragma: no cover - a programming error in a declaration
            raise AssertionError(f"unknown parameter kind {self.kind!r}")
        if (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        ):
            raise SpecError(path, f"must be {self.describe()}, got {shown(value)}")
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
            where = f"{path}.{shown_key(key)}" if path else shown_key(key)
            raise SpecError(where, f"unknown setting (known: {known})")
    return {
        name: p.validate(given[name], f"{path}.{name}" if path else name) if name in given else p.default
        for name, p in by_name.items()
    }


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


def check_encodable(text: str, path: str) -> str:
    """``text``, unless it holds a lone UTF-16 surrogate (JSON's "\\ud800"):
    such a string loads but cannot be written back as UTF-8, so it is refused
    here rather than when the user saves."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise SpecError(path, f"holds an invalid character ({visible(text[exc.start])}, a lone surrogate) "
                        f"at position {exc.start}") from None
    return text


def visible(text: str) -> str:
    """``text`` as a message shows it: control characters, line separators and
    lone surrogates escaped (``\\n``, ``\\x00``, ``\\u2028``), so a message that
    quotes a user's key, cell or file name stays one readable line."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def shown_key(key: str) -> str:
    """A key of the user's as a field path shows it: one line, at most 40 characters."""
    return visible(key if len(key) <= 40 else key[:37] + "...")


def shown(value: Any) -> str:
    """A value as a one-line message quotes it, at most 40 characters."""
    if value is None:
        return "null"  # what the file says
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**40:
        # repr of a huge integer is long (and past 4,300 digits refused by Python)
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1:,} digits"
    if isinstance(value, str):
        text = f'"{visible(value[:60])}"'
    elif isinstance(value, (list, dict)):
        text = _container(value)
    else:
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _container(value: list[Any] | dict[str, Any]) -> str:
    try:
        return visible(json.dumps(value, ensure_ascii=False)[:60])  # JSON, as the file wrote it
    except (RecursionError, ValueError):  # nested past Python's limit, or a huge integer inside
        return "a deeply nested list" if isinstance(value, list) else "a deeply nested object"
