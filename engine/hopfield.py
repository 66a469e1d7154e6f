"""A Hopfield network's arithmetic in numpy: storage rules, settling to a
fixed point, energy, where a run ended, and the capacity curve (claim C16).

numpy only, no torch: the window's Settling view runs it on drawn inputs,
and the window does not import torch. ``engine/hopfield_module.py`` is the
torch layer the training loop uses; it follows the same dynamics (the same
sweep orders, the same tie rule), and a test holds the two equal.

States are ±1 vectors of N units. The weights are symmetric with a zero
diagonal, which is what makes E = −½ sᵀWs a Lyapunov function: under
asynchronous updates (one unit at a time) E can only fall or stay, so the
state must stop at a fixed point. Synchronous updates (all units at once)
may instead end in a two-state cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RULES = ("hebbian", "projection", "gradient")
UPDATES = ("asynchronous", "synchronous")
MAX_UNITS = 4096  # a 4,096² float32 weight matrix is 64 MB; beyond that the machine, not the idea, is tested
CLASSICAL_LIMIT = 0.138  # Amit, Gutfreund & Sompolinsky (1985): Hebbian capacity ≈ 0.138 N random patterns
RECALLED = 0.95  # a probe counts as recalled when it ends within 5 % of the pixels of its pattern


def symmetric(weight: np.ndarray) -> np.ndarray:
    """The weights the dynamics use: (W + Wᵀ)/2 with a zero diagonal
    (idempotent on stored weights; a gradient-trained matrix needs it)."""
    w = (np.asarray(weight, np.float64) + np.asarray(weight, np.float64).T) / 2
    np.fill_diagonal(w, 0.0)
    return w


def hebbian(patterns: np.ndarray) -> np.ndarray:
    """W = (1/N) Σ p pᵀ, zero diagonal: each pair of units that agree in the
    stored patterns is pulled together ("fire together, wire together")."""
    p = _patterns(patterns)
    w = p.T @ p / p.shape[1]
    np.fill_diagonal(w, 0.0)
    return w


def projection(patterns: np.ndarray) -> np.ndarray:
    """The pseudo-inverse rule (Personnaz et al. 1985): W = Pᵀ(PPᵀ)⁺P projects
    onto the span of the patterns, so correlated patterns (digits share most
    of their background) are stored exactly as long as they are independent."""
    p = _patterns(patterns)
    w = p.T @ np.linalg.pinv(p @ p.T) @ p
    np.fill_diagonal(w, 0.0)
    return w


def store(patterns: np.ndarray, rule: str) -> np.ndarray:
    if rule == "projection":
        return projection(patterns)
    return hebbian(patterns)


def _patterns(patterns: np.ndarray) -> np.ndarray:
    p = np.asarray(patterns, np.float64)
    if p.ndim != 2 or p.shape[0] == 0:
        raise ValueError("patterns must be a non-empty (count, units) array")
    return p


def energy(weight: np.ndarray, states: np.ndarray) -> np.ndarray:
    """E = −½ sᵀWs for one state (N,) or each of a batch (B, N)."""
    s = np.asarray(states, np.float64)
    return -0.5 * np.einsum("...i,ij,...j->...", s, weight, s)


def sweep_order(units: int, sweep: int) -> np.ndarray:
    """The order units are visited in asynchronous sweep ``sweep``: random,
    but fixed, so a run and its replay (and the torch layer) agree."""
    return np.random.default_rng([sweep, units]).permutation(units)


def sign_keep(field: np.ndarray, current: np.ndarray) -> np.ndarray:
    """+1 above zero, −1 below, unchanged at exactly zero (the usual tie rule)."""
    return np.where(field > 0, 1.0, np.where(field < 0, -1.0, current))


def step(weight: np.ndarray, states: np.ndarray, update: str, sweep: int) -> np.ndarray:
    """One iteration: every unit updated once, all at once (synchronous) or
    one after another in ``sweep_order`` (asynchronous)."""
    s = np.array(states, np.float64, copy=True)
    if update == "synchronous":
        return sign_keep(s @ weight, s)
    for i in sweep_order(weight.shape[0], sweep):
        s[..., i] = sign_keep(s @ weight[:, i], s[..., i])
    return s


@dataclass(frozen=True)
class Settling:
    """One state's path from its start to where it stopped."""

    states: np.ndarray  # (iterations + 1, N): the start, then after each iteration
    energies: np.ndarray  # (iterations + 1,)
    converged: bool  # the last iteration changed nothing

    @property
    def iterations(self) -> int:
        return len(self.states) - 1


def settle(weight: np.ndarray, start: np.ndarray, update: str = "asynchronous",
           max_steps: int = 20) -> Settling:
    """Iterate s ← sign(W s) from ``start`` until nothing changes or
    ``max_steps`` iterations have run. ``start`` is binarised first (drawn or
    grey inputs: above zero is +1)."""
    w = np.asarray(weight, np.float64)
    s = np.asarray(start, np.float64).reshape(-1)
    if w.ndim != 2 or w.shape[0] != w.shape[1]:
        raise ValueError(f"the weights must be a square matrix, not {w.shape}")
    if s.size != w.shape[0]:
        raise ValueError(f"the pattern has {s.size} values but the network has {w.shape[0]} units; "
                         f"draw or pick a pattern of {w.shape[0]} pixels")
    s = np.where(s > 0, 1.0, -1.0)
    states, converged = [s], False
    for sweep in range(max_steps):
        nxt = step(w, s, update, sweep)
        states.append(nxt)
        if np.array_equal(nxt, s):
            converged = True
            break
        s = nxt
    stacked = np.stack(states)
    return Settling(stacked, energy(w, stacked), converged)


def settle_batch(weight: np.ndarray, starts: np.ndarray, update: str, max_steps: int) -> np.ndarray:
    """The final states of many starts (B, N) at once (the capacity probe)."""
    s = np.where(np.asarray(starts, np.float64) > 0, 1.0, -1.0)
    for sweep in range(max_steps):
        nxt = step(weight, s, update, sweep)
        if np.array_equal(nxt, s):
            break
        s = nxt
    return s


def overlaps(states: np.ndarray, patterns: np.ndarray) -> np.ndarray:
    """m = s·p / N of each state with each pattern: 1 is the pattern, −1 its
    negative (also a fixed point: E is the same for s and −s)."""
    p = np.asarray(patterns, np.float64)
    return np.asarray(states, np.float64) @ p.T / p.shape[1]


@dataclass(frozen=True)
class Outcome:
    kind: str  # "stored", "reversed", "spurious" (a fixed point that is no stored pattern), "no fixed point"
    pattern: int | None  # the stored pattern it ended on (or nearest to)
    overlap: float  # with that pattern

    def describe(self) -> str:
        if self.kind == "stored":
            return f"recalled stored pattern {self.pattern + 1}"
        if self.kind == "reversed":
            return f"ended on the negative of pattern {self.pattern + 1} (also a minimum of E)"
        if self.kind == "spurious":
            near = ("" if self.pattern is None
                    else f"; nearest: pattern {self.pattern + 1}, overlap {self.overlap:.2f}")
            return f"a spurious state (a mixture, no stored pattern){near}"
        return "no fixed point within the step limit (synchronous updates can cycle)"


def outcome(run: Settling, patterns: np.ndarray | None) -> Outcome:
    if not run.converged:
        return Outcome("no fixed point", None, 0.0)
    if patterns is None or len(patterns) == 0:
        return Outcome("spurious", None, 0.0)
    m = overlaps(run.states[-1], patterns)
    best = int(np.argmax(np.abs(m)))
    if m[best] >= 1.0 - 1e-9:
        return Outcome("stored", best, float(m[best]))
    if m[best] <= -1.0 + 1e-9:
        return Outcome("reversed", best, float(m[best]))
    return Outcome("spurious", best, float(m[best]))


def corrupt(patterns: np.ndarray, rng: np.random.Generator, corruption: str, amount: float) -> np.ndarray:
    """Probes: each pattern with a random ``amount`` of its units flipped, or
    with the last ``amount`` of its rows (images: the bottom) set to −1."""
    p = np.array(patterns, np.float32, copy=True)
    if corruption == "occlude":
        cut = int(round(p.shape[1] * (1.0 - amount)))
        p[:, cut:] = -1.0
        return p
    flips = rng.random(p.shape) < amount
    p[flips] *= -1.0
    return p


@dataclass(frozen=True)
class CapacityCurve:
    units: int
    counts: np.ndarray  # patterns stored, K
    pixel_accuracy: np.ndarray  # mean fraction of units right after settling
    recalled: np.ndarray  # fraction of probes within RECALLED of their pattern

    @property
    def loads(self) -> np.ndarray:
        return self.counts / self.units

    def table(self) -> str:
        lines = ["patterns  K/N    pixel accuracy  recalled"]
        for k, load, acc, rec in zip(self.counts, self.loads, self.pixel_accuracy, self.recalled, strict=True):
            lines.append(f"{int(k):8d}  {load:5.3f}  {acc:14.3f}  {rec:8.2f}")
        return "\n".join(lines)


def capacity(patterns: np.ndarray, rule: str = "hebbian", *, flip: float = 0.2, update: str = "asynchronous",
             max_steps: int = 20, trials: int = 3, counts: np.ndarray | None = None,
             seed: int = 0) -> CapacityCurve:
    """Store the first K of ``patterns`` for each K in ``counts`` and probe
    every stored one ``trials`` times with ``flip`` of its units flipped.
    A gradient-trained net has no storage rule: its curve is the Hebbian one."""
    p = np.where(np.asarray(patterns, np.float64) > 0, 1.0, -1.0)
    n = p.shape[1]
    if counts is None:
        counts = np.unique(np.linspace(1, len(p), min(len(p), 12)).round().astype(int))
    rng = np.random.default_rng([seed, 16])
    accuracy, recalled = [], []
    for k in counts:
        stored = p[:k]
        w = store(stored, rule)
        targets = np.repeat(stored, trials, axis=0)
        final = settle_batch(w, corrupt(targets, rng, "flip", flip), update, max_steps)
        agree = (final == targets).mean(axis=1)
        accuracy.append(agree.mean())
        recalled.append((agree >= RECALLED).mean())
    return CapacityCurve(n, np.asarray(counts), np.asarray(accuracy), np.asarray(recalled))
