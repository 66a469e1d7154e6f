"""Snapshots of a model's inside: filters, feature maps, hidden states.

Taken on a few fixed probe samples, returned as numpy copies, and rate-bounded
by ``ProbeClock`` so that probing never dominates training.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from engine.events import Snapshot
from engine.modules import ChannelsFirst, Recurrent, Stack


@dataclass(frozen=True)
class ProbeSettings:
    filters: bool = True
    feature_maps: bool = True
    hidden_states: bool = True
    n_probes: int = 8
    # At most one snapshot per this many seconds...
    min_interval: float = 0.5
    # ...and never more than this fraction of the training time so far.
    budget: float = 0.05

    @property
    def any(self) -> bool:
        return self.filters or self.feature_maps or self.hidden_states


class ProbeClock:
    """Decides when a snapshot is due and keeps account of their cost."""

    def __init__(self, settings: ProbeSettings) -> None:
        self.settings = settings
        self.spent = 0.0
        self.last = -float("inf")

    def due(self, elapsed: float) -> bool:
        s = self.settings
        return (s.any and elapsed - self.last >= s.min_interval
                and self.spent <= s.budget * max(elapsed, 1e-9))

    def record(self, elapsed: float, cost: float) -> None:
        self.last = elapsed
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


@torch.no_grad()
def take_snapshot(model: Stack, probe_x: torch.Tensor, settings: ProbeSettings,
                  step: int, epoch: int) -> Snapshot:
    filters: dict[int, np.ndarray] = {}
    maps: dict[int, np.ndarray] = {}
    hidden: dict[int, np.ndarray] = {}
    was_training = model.training
    model.eval()
    try:
        x = probe_x
        for index, layer in enumerate(model.layers):
            inner = layer.inner if isinstance(layer, ChannelsFirst) else layer
            if settings.filters and isinstance(inner, (nn.Conv1d, nn.Conv2d)):
                filters[index] = _numpy(inner.weight)
            if settings.hidden_states and isinstance(layer, Recurrent):
                # The top layer's state at every step, whatever the output mode.
                hidden[index] = _numpy(layer.rnn(x)[0])
            x = layer(x)
            if settings.feature_maps and x.dim() >= 3 and not isinstance(layer, Recurrent):
                maps[index] = _numpy(x)
    finally:
        model.train(was_training)
    return Snapshot(step, epoch, filters, maps, hidden)


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().to("cpu", torch.float32).numpy().copy()


def timed_snapshot(model: Stack, probe_x: torch.Tensor, clock: ProbeClock, elapsed: float,
                   step: int, epoch: int) -> Snapshot:
    start = time.perf_counter()
    snap = take_snapshot(model, probe_x, clock.settings, step, epoch)
    clock.record(elapsed, time.perf_counter() - start)
    return snap
