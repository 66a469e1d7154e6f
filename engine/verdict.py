"""The verdict of a comparison: one line in plain words, made from the numbers.

It names the winner and the scores (the margin is their difference), then the
reason when one applies, in this order: the loser's receptive field is
shorter than the distance the label depends on; the loser stays near chance;
one model has far fewer parameters or trains far faster. Results closer than
``ACCURACY_TIE`` (or ``MSE_TIE`` as a ratio) are "no clear difference": a
couple of points of accuracy is within what another seed can change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.comparison_table import ComparisonRow

ACCURACY_TIE = 0.02  # absolute
MSE_TIE = 1.1  # ratio of the worse to the better error
CHANCE_MARGIN = 0.05  # accuracy within this of guessing is "near chance"
CHANCE_MSE = 0.9  # an error above this share of the baseline's is "near chance"
PARAMS_RATIO = 2.0  # "fewer parameters" from here on
SPEED_RATIO = 1.5  # "faster per epoch" from here on


def verdict(rows: Sequence[ComparisonRow], dataset: str, metric: str, baseline: float | None) -> str:
    accuracy = metric == "val_accuracy"
    # A NaN or infinite metric is a divergence the caller did not flag.
    done = [r for r in rows if r.status != "diverged" and r.value is not None and math.isfinite(r.value)]
    failed = [r.label for r in rows if r not in done]
    tail = f"; {_names(failed)} diverged" if failed else ""
    if not done:
        return f"No result on {dataset}: {_names(failed)} diverged."
    ranked = sorted(done, key=lambda r: -r.value if accuracy else r.value)  # type: ignore[operator]
    scores = " vs ".join(_score(r) for r in ranked)
    if len(ranked) == 1:
        return f"{scores} on {dataset}{tail}."
    best, second = ranked[0], ranked[1]

    def near_chance(r: ComparisonRow) -> bool:
        if baseline is None:
            return False
        return r.value <= baseline + CHANCE_MARGIN if accuracy else r.value >= CHANCE_MSE * baseline  # type: ignore[operator]

    def tie(a: ComparisonRow, b: ComparisonRow) -> bool:
        if accuracy:
            return abs(a.value - b.value) < ACCURACY_TIE  # type: ignore[operator]
        return b.value <= a.value * MSE_TIE or abs(a.value - b.value) < 1e-4  # type: ignore[operator]

    chance = f"chance {format_metric(metric, baseline)}"
    if all(near_chance(r) for r in ranked):
        who = "Neither model" if len(ranked) == 2 else "No model"
        return f"{who} beat chance on {dataset}: {scores} ({chance}){tail}."
    if tie(best, second):
        edge = _edge([r for r in ranked if tie(best, r)])
        return f"No clear difference on {dataset}: {scores}{'; ' + edge if edge else ''}{tail}."

    reasons: list[str] = []
    for loser in ranked[1:]:
        if tie(best, loser):
            continue
        short = _short_field(loser, best)
        if short:
            reasons.append(short)
        elif near_chance(loser):
            reasons.append(f"the {loser.label} stays near chance ({format_metric(metric, baseline)})")
    if not reasons:
        edge = _edge([best, second])
        if edge:
            reasons.append(edge)
    return f"{scores} on {dataset}{': ' + '; '.join(reasons) if reasons else ''}{tail}."


def _short_field(loser: ComparisonRow, best: ComparisonRow) -> str | None:
    """The receptive-field sentence, when it explains the loss: the loser's
    field is shorter than the dependency and the winner's is not."""
    dep = loser.dependency
    if dep is None or loser.reach is None or loser.reach.covers(dep.span):
        return None
    if best.reach is not None and best.dependency is not None and not best.reach.covers(best.dependency.span):
        return None
    return (f"the {loser.label}'s receptive field ({loser.reach.field} steps) is shorter than the "
            f"dependency ({dep.span} steps)")


def _edge(group: Sequence[ComparisonRow]) -> str:
    """What else tells results apart: size, then speed, between the extremes
    of the group (in either direction: a winner that is also much larger is
    worth saying too)."""
    parts = []
    sized = [r for r in group if r.params > 0]
    if len(sized) >= 2:
        small, large = min(sized, key=lambda r: r.params), max(sized, key=lambda r: r.params)
        if large.params >= PARAMS_RATIO * small.params:
            parts.append(f"the {small.label} has {_ratio(large.params / small.params)} fewer parameters "
                         f"than the {large.label} ({small.params:,} vs {large.params:,})")
    timed = [r for r in group if r.seconds_per_epoch > 0]
    if len(timed) >= 2:
        fast = min(timed, key=lambda r: r.seconds_per_epoch)
        slow = max(timed, key=lambda r: r.seconds_per_epoch)
        if slow.seconds_per_epoch >= SPEED_RATIO * fast.seconds_per_epoch:
            parts.append(f"the {fast.label} trains {_ratio(slow.seconds_per_epoch / fast.seconds_per_epoch)} "
                         "faster per epoch")
    return "; ".join(parts)


def _ratio(x: float) -> str:
    return f"{x:.0f}×" if x >= 10 else f"{x:.1f}×"


def format_metric(metric: str, value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if metric == "val_accuracy" else f"{value:.3g}"


def _score(r: ComparisonRow) -> str:
    if r.metric == "val_accuracy":
        return f"{r.label} {format_metric(r.metric, r.value)}"
    return f"{r.label} MSE {format_metric(r.metric, r.value)}"


def _names(labels: Sequence[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
