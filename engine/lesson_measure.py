"""What a lesson measures and how it judges: the values a step records (from
a run's summary, a test of the trained model, or the model open in the
window), the right answer of a prediction given those values, and whether
an exercise's goal is met. The learner's own run decides every answer; the
author's ``expect`` is only checked by the tests against the claims'
measurements."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.lesson_file import Goal, Prediction
from engine.lesson_targets import FILTER_FIELDS

Values = Mapping[str, Mapping[str, Any]]  # record name → field → value


def run_fields(summary: Mapping[str, Any]) -> dict[str, Any]:
    """A finished run's fields (engine/lesson_targets.RUN_FIELDS) from its summary."""
    final = dict(summary.get("final") or {})
    epochs = int(summary.get("epochs") or 0)
    history = summary.get("history") or []
    fields: dict[str, Any] = {k: final.get(k) for k in ("val_accuracy", "val_mse", "val_loss", "train_loss")}
    fields.update(params=summary.get("params"), epochs=epochs,
                  seconds_per_epoch=(summary.get("seconds", 0.0) / epochs) if epochs else None,
                  samples_per_second=summary.get("samples_per_second"))
    if fields["val_accuracy"] is not None:
        metrics = [h["val_metric"] for h in history if _finite(h.get("val_metric"))]
        fields["best_val_accuracy"] = max(metrics) if metrics else None
    return fields


def first_conv_key(experiment, weights: Mapping[str, Any]) -> str | None:
    """The key in ``weights`` (a numpy state dict) of the first convolution's kernel: the first
    Conv2d or Conv1d layer of the model, its (out, in, kh, kw) or (out, in, k) weight (a layer
    wrapped for clips or sequences keeps it one level down). None when the model has none."""
    from engine.layers import CONVOLUTION, types_in

    convolutions = types_in(CONVOLUTION)
    index = next((i for i, layer in enumerate(experiment.model.layers) if layer.type in convolutions), None)
    if index is None:
        return None
    prefix = f"layers.{index}."
    return next((k for k, w in weights.items() if k.startswith(prefix) and k.endswith("weight")
                 and getattr(w, "ndim", 0) in (3, 4)), None)


def filter_fields(experiment, weights: Mapping[str, Any] | None,
                  start: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """FILTER_FIELDS of a run of ``experiment`` that ended with ``weights`` and started from
    ``start`` (the weights it was given, "Continue Training"); without them, from the fresh
    initialisation its seed gives (engine/claims.initial_weights, as ``train`` builds it). As
    bench/claims.py measures C4: engine/claims.relative_change and neighbour_correlation of the
    first convolution's kernel (a Conv1d's (out, in, k) read as one row of k). All None when the
    model has no convolution or there are no weights. Torch work (the model built once, on the
    CPU, when there is no ``start``): call it after a run, not during one."""
    empty: dict[str, Any] = dict.fromkeys(FILTER_FIELDS)
    key = first_conv_key(experiment, weights) if weights else None
    if key is None:
        return empty
    import numpy as np

    from engine import claims

    if start is None or key not in start:
        start = claims.initial_weights(experiment)
    before, after = np.asarray(start[key]), np.asarray(weights[key])
    if before.shape != after.shape:
        return empty

    def as_2d(kernel: np.ndarray) -> np.ndarray:
        return kernel[:, :, None, :] if kernel.ndim == 3 else kernel

    return {"filters_moved": claims.relative_change(before, after),
            "filter_smoothness": claims.neighbour_correlation(as_2d(after)),
            "filter_smoothness_start": claims.neighbour_correlation(as_2d(before))}


def test_fields(results: Iterable[Any]) -> dict[str, Any]:
    """Fields of the tests of a trained model (engine.model_tests.ModelTestResult):
    the last result of each test — the largest shift (half the image), the
    one the claims measure (docs/claims.json: "Shift test, 8 px right")."""
    fields: dict[str, Any] = {}
    for result in results:
        key = result.action
        fields[f"{key}_before"] = result.before
        fields[f"{key}_after"] = None if result.refusal else result.after
        fields[f"{key}_refused"] = 1 if result.refusal else 0
    return fields


def model_fields(experiment) -> dict[str, Any]:
    """The model in the window: its parameter count, whether it builds for the data (1/0), and the
    side of the maps after its first convolution and its first pooling layer (claims C1, C5)."""
    from engine import datasets
    from engine.errors import PlaygroundError
    from engine.layers import CONVOLUTION, REGISTRY, types_in
    from engine.shapes import infer

    try:
        summary = infer(experiment.model, datasets.describe(experiment.dataset))
    except PlaygroundError:
        return {"params": None, "valid": 0, "size_after_conv": None, "size_after_pool": None}
    rows = summary.rows if summary.ok else ()
    return {"params": summary.total_params if summary.ok else None, "valid": 1 if summary.ok else 0,
            "size_after_conv": _side(rows, types_in(CONVOLUTION)),
            # windowed pooling only: a global pool leaves no map to measure
            "size_after_pool": _side(rows, tuple(t for t in types_in("Pooling") if REGISTRY[t].window))}


def _side(rows, types: tuple[str, ...]) -> int | None:
    """The first such layer's output side: a map's height ((C, H, W), a clip's (T, C, H, W)), a sequence's
    length (T, C)."""
    row = next((r for r in rows if r.type in types), None)
    if row is None:
        return None
    return int(row.shape[-2] if len(row.shape) >= 3 else row.shape[0])


def value_of(name: str, values: Values) -> Any:
    record, _, field = name.partition(".")
    value = (values.get(record) or {}).get(field)
    return value if _finite(value) else None


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class Outcome:
    """A prediction judged against the run: the right answer, and whether the learner's was."""
    right: Any  # the choice text, or the measured number
    correct: bool
    measured: str  # the values it came from, as text: "CNN 0.97, MLP 0.26"


def right_answer(prediction: Prediction, values: Values) -> Any | None:
    """The answer the measured values give; None while one is still missing."""
    measured = [value_of(v, values) for v in prediction.values]
    if any(m is None for m in measured):
        return None
    rule = prediction.answer
    if "higher" in rule:
        a, b = measured
        within = float(rule.get("within", 0.0))
        if within and abs(a - b) <= within:
            return prediction.choices[2]
        return prediction.choices[0] if a > b else prediction.choices[1]
    value = measured[0]
    if prediction.choices:
        return prediction.choices[sum(1 for cut in rule["cuts"] if value >= cut)]
    return value


def judge(prediction: Prediction, given: Any, values: Values) -> Outcome | None:
    """The learner's ``given`` answer against the measured one; None while a value is missing."""
    right = right_answer(prediction, values)
    if right is None:
        return None
    text = ", ".join(f"{v} {_show(value_of(v, values))}" for v in prediction.values)
    if prediction.choices:
        return Outcome(right, given == right, text)
    tolerance = float(prediction.answer.get("within", 0.1))
    relative = prediction.answer.get("relative", True)
    try:
        guess = float(given)
    except (TypeError, ValueError):
        return Outcome(right, False, text)
    allowed = tolerance * abs(right) if relative else tolerance
    return Outcome(right, abs(guess - right) <= allowed, text)


def _show(value: Any) -> str:
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) >= 10):
        return f"{int(value):,}"
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"


@dataclass(frozen=True)
class GoalCheck:
    met: bool
    lines: tuple[str, ...]  # one per requirement: "val_accuracy ≥ 0.95: 0.962 ✓"


def check_goal(goal: Goal, values: Values) -> GoalCheck:
    lines, met = [], True
    for requirement in goal.require:
        measured = value_of(requirement.value, values)
        ok = requirement.met(measured)
        met &= ok
        shown = "not measured yet" if measured is None else _show(measured)
        lines.append(f"{requirement.text()}: {shown} {'✓' if ok else '✗'}")
    return GoalCheck(bool(met), tuple(lines))
