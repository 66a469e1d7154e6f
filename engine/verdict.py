"""The verdict of a comparison: one line in plain words, made from the numbers
of every seed.

**The rule** (README, "Comparing experiments"): a model beats another only
when their ranges over the seeds do not overlap — its worst seed scores
better than the other's best — and their means differ by more than a tie
(``ACCURACY_TIE`` of accuracy, or ``MSE_TIE`` as a ratio of errors). With one
seed that is the tie margin alone, and the verdict says it rests on one
seed. Anything less is "no clear difference across N seeds" with both
ranges: one run is a draw, not a result.

After the scores come the reasons, when one applies, in this order: the
loser's receptive field is shorter than the distance the label depends on;
the loser stays near chance; the models differ in size by more than
``PARAMS_RATIO`` or in speed by more than ``SPEED_RATIO``; a model was still
improving at its last epoch, so more epochs might change the outcome.
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
PARAMS_RATIO = 2.0  # "has 3.8× the parameters" from here on
SPEED_RATIO = 1.5  # "faster per epoch" from here on


def beats(a: ComparisonRow, b: ComparisonRow, accuracy: bool) -> bool:
    """Whether ``a`` is clearly better than ``b``: every seed of ``a`` better
    than every seed of ``b``, and the means further apart than a tie."""
    if accuracy:
        return a.low > b.high and a.value - b.value >= ACCURACY_TIE  # type: ignore[operator]
    return (a.high < b.low and b.value > a.value * MSE_TIE  # type: ignore[operator]
            and abs(a.value - b.value) >= 1e-4)  # type: ignore[operator]


def verdict(rows: Sequence[ComparisonRow], dataset: str, metric: str, baseline: float | None,
            timed: bool = True) -> str:
    """``timed`` False: the runs shared the processor (trained at once), so
    their speeds say nothing about the models and the verdict leaves them out."""
    accuracy = metric == "val_accuracy"
    # A NaN or infinite metric is a divergence the caller did not flag.
    done = [r for r in rows if r.status != "diverged" and r.value is not None and math.isfinite(r.value)]
    failed = [r.label for r in rows if r not in done]
    partly = [r for r in done if r.diverged_seeds]
    tail = f"; {_names(failed)} diverged" if failed else ""
    tail += "".join(f"; the {r.label} diverged on {_seed_names(r.diverged_seeds)}" for r in partly)
    if not done:
        return f"No result on {dataset}: {_names(failed)} diverged."
    ranked = sorted(done, key=lambda r: -r.value if accuracy else r.value)  # type: ignore[operator]
    scores = " vs ".join(_score(r) for r in ranked)
    n = max(len(r.finite) for r in ranked)
    seeds = "from one seed" if n == 1 else f"across {n} seeds"
    if len(ranked) == 1:
        return f"{scores} on {dataset} {seeds}{tail}."
    best = ranked[0]

    def near_chance(r: ComparisonRow) -> bool:
        """Even its best seed is near chance."""
        if baseline is None:
            return False
        if accuracy:
            return r.high <= baseline + CHANCE_MARGIN  # type: ignore[operator]
        return r.low >= CHANCE_MSE * baseline  # type: ignore[operator]

    chance = f"chance {format_metric(metric, baseline)}"
    growing = [r for r in ranked if r.improving]
    still = (f"; still improving at the last epoch: {_names([r.label for r in growing])} (more epochs may "
             "change this)") if growing else ""
    if all(near_chance(r) for r in ranked):
        who = "Neither model" if len(ranked) == 2 else "No model"
        return f"{who} beat chance on {dataset} {seeds}: {scores} ({chance}){tail}."
    leaders = [r for r in ranked if not beats(best, r, accuracy)]
    if len(leaders) == len(ranked):
        second = ranked[1]
        apart = best.low > second.high if accuracy else best.high < second.low  # type: ignore[operator]
        why = ("within what another seed can change" if n == 1 else "the means are within a tie" if apart
               else "the ranges overlap")
        edge = _edge(ranked, timed)
        return (f"No clear difference on {dataset} {seeds}: {scores} ({why}){'; ' + edge if edge else ''}"
                f"{still}{tail}.")
    losers = [r for r in ranked if r not in leaders]
    reasons: list[str] = []
    for loser in losers:
        short = _short_field(loser, best)
        if short:
            reasons.append(short)
        elif near_chance(loser):
            reasons.append(f"the {loser.label} stays near chance ({format_metric(metric, baseline)})")
    edge = _edge([best, losers[0]], timed) if len(leaders) == 1 else _edge(leaders, timed)
    if edge:
        reasons.append(edge)
    if len(leaders) == 1:
        head = f"{scores} on {dataset} {seeds}"
    else:
        head = (f"No clear difference between {_names([r.label for r in leaders])} on {dataset} {seeds}, "
                f"ahead of {_names([r.label for r in losers])}: {scores}")
    body = (": " if len(leaders) == 1 else "; ") + "; ".join(reasons) if reasons else ""
    return f"{head}{body}{still}{tail}."


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


def _edge(group: Sequence[ComparisonRow], timed: bool = True) -> str:
    """What else tells results apart: size, then speed, between the extremes
    of the group (a winner that is also much larger is worth saying too)."""
    parts = []
    sized = [r for r in group if r.params > 0]
    if len(sized) >= 2:
        small, large = min(sized, key=lambda r: r.params), max(sized, key=lambda r: r.params)
        if large.params > PARAMS_RATIO * small.params:
            parts.append(f"the {large.label} has {_ratio(large.params / small.params)} the parameters "
                         f"of the {small.label} ({large.params:,} vs {small.params:,})")
    clocked = [r for r in group if r.seconds_per_epoch > 0] if timed else []
    if len(clocked) >= 2:
        fast = min(clocked, key=lambda r: r.seconds_per_epoch)
        slow = max(clocked, key=lambda r: r.seconds_per_epoch)
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


def format_range(metric: str, low: float | None, high: float | None) -> str:
    """"0.91–0.95", or one number when the seeds agree to the digits shown."""
    a, b = format_metric(metric, low), format_metric(metric, high)
    return a if a == b else f"{a}–{b}"


def with_range(metric: str, mean: float | None, low: float | None, high: float | None) -> str:
    """"0.93 (0.91–0.95)", or "1.00" when every seed shows the same."""
    a, b = format_metric(metric, low), format_metric(metric, high)
    return format_metric(metric, mean) + ("" if a == b else f" ({a}–{b})")


def _score(r: ComparisonRow) -> str:
    name = r.label if r.metric == "val_accuracy" else f"{r.label} MSE"
    return f"{name} {with_range(r.metric, r.value, r.low, r.high)}"


def _seed_names(seeds: Sequence[int]) -> str:
    return f"seed{'s' if len(seeds) > 1 else ''} {_names([str(s) for s in seeds])}"


def _names(labels: Sequence[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
