"""Snapshots of a model's inside: filters, feature maps, hidden states, gates,
gradient through time, weight and gradient histograms, weights and outputs.

Taken on a few fixed probe samples (and, for the gradient, a small validation
batch), returned as numpy copies, and rate-bounded by ``ProbeClock`` so that
probing never dominates training.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, fields, replace

import numpy as np
import torch
from torch import nn

from engine.decoder_module import Decoder
from engine.events import QUANTILES, Histogram, Snapshot
from engine.modules import ChannelsFirst, PerFrame, Recurrent, Stack
from engine.tree_modules import TreeRNN
from engine.unrolled import gradient_through_time, recurrent_forward

HISTOGRAM_BINS = 40
WEIGHT_COPY_LIMIT = 2_000_000  # parameters; bigger models send no weights at probe rate
GRADIENT_SAMPLES = 64  # validation samples for the gradient-through-time probe

# The probes a snapshot can hold; ``any`` is true when one of them is on.
_PROBES = ("filters", "feature_maps", "hidden_states", "gates", "gradients", "histograms", "weights",
           "outputs")


@dataclass(frozen=True)
class ProbeSettings:
    filters: bool = True
    feature_maps: bool = True
    hidden_states: bool = True
    gates: bool = True  # LSTM/GRU gates and cell state, via the unrolled twin
    gradients: bool = True  # ‖∂loss/∂h_t‖ per step for recurrent layers
    histograms: bool = True  # weight and gradient histograms per layer
    weights: bool = True  # the state_dict, for the GUI's InspectionRunner
    outputs: bool = True  # the model's output on the probe samples
    # Not a snapshot probe: a Predictions event after each epoch's evaluation.
    predictions: bool = True
    n_probes: int = 8
    # A snapshot when this many seconds (of training time) have passed since
    # the last one (with the snapshot's own cost and the epochs' evaluations
    # between them, 0.08 gives the window 10–12 frames a second of wall time:
    # 0.1 gave 9)...
    min_interval: float = 0.08
    # ...or when 1/spread of the run's steps have: a run of a few seconds
    # still gets ~spread snapshots from its start (0: the time rule only)...
    spread: int = 64
    # ...but never more than this fraction of the training time so far.
    budget: float = 0.05
    # The gradient-through-time probe (a backward pass through the unrolled
    # net: 20 ms of a copy-memory LSTM's 25 ms snapshot) at most this often;
    # the snapshots between carry none, and the view keeps the last one.
    gradient_interval: float = 1.0
    # Weight and gradient histograms (most of a digits CNN's snapshot cost) at
    # most this often; the Histograms view shows the latest one measured.
    histogram_interval: float = 0.25

    @property
    def any(self) -> bool:
        return any(getattr(self, name) for name in _PROBES)

    @classmethod
    def off(cls) -> ProbeSettings:
        """No snapshots and no predictions: the headless command line's setting."""
        return cls(**{f.name: False for f in fields(cls) if f.type in ("bool", bool)})


class ProbeClock:
    """Decides when a snapshot is due and keeps account of their cost."""

    def __init__(self, settings: ProbeSettings, total_steps: int = 0) -> None:
        self.settings = settings
        self.spent = 0.0
        self.last = -float("inf")
        self.last_step = -(10 ** 9)
        self.last_gradient = -float("inf")
        self.last_histogram = -float("inf")
        self.every = total_steps / settings.spread if settings.spread > 0 and total_steps > 0 else float("inf")

    def due(self, elapsed: float, step: int = 0) -> bool:
        s = self.settings
        waited = elapsed - self.last >= s.min_interval or step - self.last_step >= self.every
        return s.any and waited and self.spent <= s.budget * max(elapsed, 1e-9)

    def gradient_due(self, elapsed: float) -> bool:
        return elapsed - self.last_gradient >= self.settings.gradient_interval

    def histogram_due(self, elapsed: float) -> bool:
        return elapsed - self.last_histogram >= self.settings.histogram_interval

    def record(self, elapsed: float, cost: float, step: int = 0, *, charged: bool = True) -> None:
        self.last = elapsed
        self.last_step = step
        if charged:
            self.spent += cost

    def charge(self, cost: float) -> None:
        """Other probing work (predictions) that counts against the budget."""
        self.spent += cost


def choose_probes(y: torch.Tensor, n: int) -> torch.Tensor:
    """Indices of ``n`` samples, one per class in turn where labels allow, so
    trajectory and prediction views show every class."""
    if y.dtype != torch.long or y.dim() != 1:
        return torch.arange(min(n, len(y)))
    chosen: list[int] = []
    by_class = [torch.nonzero(y == c).flatten().tolist() for c in torch.unique(y).tolist()]
    depth = 0
    while len(chosen) < min(n, len(y)):
        added = False
        for members in by_class:
            if depth < len(members) and len(chosen) < n:
                chosen.append(members[depth])
                added = True
        if not added:
            break
        depth += 1
    return torch.tensor(chosen, dtype=torch.long)


@dataclass(frozen=True)
class GradientBatch:
    """The validation batch and loss the gradient-through-time probe uses."""

    x: torch.Tensor
    y: torch.Tensor
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def take_snapshot(model: Stack, probe_x: torch.Tensor, settings: ProbeSettings, step: int, epoch: int,
                  *, gradient_batch: GradientBatch | None = None, classification: bool = True) -> Snapshot:
    """Everything ``settings`` asks for, as numpy copies. Runs the model in
    evaluation mode and restores its mode; parameters' ``.grad`` are read,
    never written (the gradient probe uses autograd.grad on the states)."""
    filters: dict[int, np.ndarray] = {}
    maps: dict[int, np.ndarray] = {}
    hidden: dict[int, np.ndarray] = {}
    gates: dict[int, dict[str, np.ndarray]] = {}
    outputs = None
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            x = probe_x
            for index, layer in enumerate(model.layers):
                inner = layer.inner if isinstance(layer, (ChannelsFirst, PerFrame)) else layer
                if settings.filters and isinstance(inner, (nn.Conv1d, nn.Conv2d)):
                    filters[index] = _numpy(inner.weight)
                if isinstance(layer, Recurrent):
                    x = _probe_recurrent(layer, x, settings, index, hidden, gates)
                    continue
                if isinstance(layer, TreeRNN):
                    # (P, T, H): at each token the state of the node it stands for
                    # (a digit's leaf, an operator's node), zeros at brackets and padding.
                    x, states = layer.forward_states(x, positions=settings.hidden_states)
                    if states is not None:
                        hidden[index] = _numpy(states)
                    continue
                if isinstance(layer, Decoder):
                    # (P, T, H): the state after writing each output step, from its own fed-back guesses.
                    x, states = layer.forward_states(x)
                    if settings.hidden_states:
                        hidden[index] = _numpy(states)
                    continue
                x = layer(x)
                if settings.feature_maps and x.dim() >= 3:
                    maps[index] = _numpy(x)
            if settings.outputs:
                outputs = _numpy(torch.softmax(x, dim=-1) if classification else x)
        through_time: dict[int, np.ndarray] = {}
        if settings.gradients and gradient_batch is not None:
            for index, layer in enumerate(model.layers):
                if isinstance(layer, Recurrent):
                    through_time[index] = gradient_through_time(model, index, gradient_batch.x,
                                                                gradient_batch.y, gradient_batch.loss)
    finally:
        model.train(was_training)
    weight_hists, grad_hists = ({}, {}) if not settings.histograms else _histograms(model)
    return Snapshot(step, epoch, filters, maps, hidden, gates, through_time, weight_hists, grad_hists,
                    _weights(model) if settings.weights else None, outputs)


def _probe_recurrent(layer: Recurrent, x: torch.Tensor, settings: ProbeSettings, index: int,
                     hidden: dict[int, np.ndarray], gates: dict[int, dict[str, np.ndarray]]) -> torch.Tensor:
    """Run a recurrent layer for the probes; the fused module unless gates are
    wanted (the unrolled twin is several times slower)."""
    gated = isinstance(layer.rnn, (nn.LSTM, nn.GRU))
    if settings.gates and gated:
        out, result = recurrent_forward(layer, x)
        # Top layer, forward direction: what the gate view shows.
        gates[index] = {name: _numpy(value) for name, value in result.gates[-1][0].items()}
        if settings.hidden_states:
            hidden[index] = _numpy(result.output)
        return out
    if settings.hidden_states:
        # The top layer's state at every step, whatever the output mode.
        hidden[index] = _numpy(layer.rnn(x)[0])
    return layer(x)


def _histograms(model: Stack) -> tuple[dict[int, Histogram], dict[int, Histogram]]:
    weights: dict[int, Histogram] = {}
    grads: dict[int, Histogram] = {}
    for index, layer in enumerate(model.layers):
        params = list(layer.parameters())
        if not params:
            continue
        weights[index] = histogram(torch.cat([p.detach().flatten() for p in params]))
        with_grad = [p.grad.detach().flatten() for p in params if p.grad is not None]
        if with_grad:
            grads[index] = histogram(torch.cat(with_grad))
    return weights, grads


def histogram(values: torch.Tensor, bins: int = HISTOGRAM_BINS) -> Histogram:
    """``bins`` equal bins from the minimum to the maximum, and the quantiles."""
    v = values.detach().to("cpu", torch.float32).numpy()
    finite = v[np.isfinite(v)]
    if finite.size == 0:
        finite = np.zeros(1, np.float32)
    low, high = float(finite.min()), float(finite.max())
    if high <= low:  # a constant tensor (zero biases at the start): one unit-wide range
        low, high = low - 0.5, high + 0.5
    # One sort serves both (np.histogram and np.quantile took 3 ms of a digits
    # CNN's 4 ms snapshot). Edges as np.histogram's; a value on an inner edge
    # counts in the bin above it, the maximum in the last; quantiles linear.
    ordered = np.sort(finite)
    edges = np.linspace(low, high, bins + 1)
    cuts = np.searchsorted(ordered, edges[1:-1], side="left")
    counts = np.diff(np.concatenate(([0], cuts, [ordered.size])))
    position = np.asarray(QUANTILES, np.float64) * (ordered.size - 1)
    below = np.floor(position).astype(np.int64)
    above = np.minimum(below + 1, ordered.size - 1)
    quantiles = ordered[below] + (position - below) * (ordered[above].astype(np.float64) - ordered[below])
    return Histogram(edges.astype(np.float32), counts.astype(np.int64), quantiles.astype(np.float32))


def _weights(model: Stack) -> dict[str, np.ndarray] | None:
    if sum(p.numel() for p in model.parameters()) > WEIGHT_COPY_LIMIT:
        return None
    # Integer buffers (BatchNorm's num_batches_tracked) keep their type.
    return {name: (_numpy(t) if t.is_floating_point() else t.detach().cpu().numpy().copy())
            for name, t in model.state_dict().items()}


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().to("cpu", torch.float32).numpy().copy()


def timed_snapshot(model: Stack, probe_x: torch.Tensor, clock: ProbeClock, elapsed: float,
                   step: int, epoch: int, final: bool = False, **kwargs) -> Snapshot:
    """A snapshot, its cost recorded; the gradient and histogram probes only
    when their own, slower clocks say so (and always in the first and the last
    snapshot of a run). The one before the first step is not charged to the
    budget: it is part of starting, and its cold caches would otherwise hold
    back the snapshots of a short run's first second."""
    first = clock.last == -float("inf")
    if kwargs.get("gradient_batch") is not None:
        if final or clock.gradient_due(elapsed):
            clock.last_gradient = elapsed
        else:
            kwargs = {**kwargs, "gradient_batch": None}
    settings = clock.settings
    if settings.histograms:
        if first or final or clock.histogram_due(elapsed):
            clock.last_histogram = elapsed
        else:
            settings = replace(settings, histograms=False)
    start = time.perf_counter()
    snap = take_snapshot(model, probe_x, settings, step, epoch, **kwargs)
    clock.record(elapsed, time.perf_counter() - start, step, charged=not first)
    return snap
