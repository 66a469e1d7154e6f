"""The Hopfield layer: a whole feedback network as one torch module.

Its input is a probe image of ±1 (one unit per pixel); it iterates
s ← sign(W s) to a fixed point (or the step limit) and returns two logits
per unit, −g·s and g·s, so that the training loop's per-step cross-entropy
and accuracy read as "pixels recalled". The dynamics are engine/hopfield.py's
(same sweep orders, same tie rule).

The weights are stored, not descended, under the Hebbian and projection
rules: ``store`` is called by the training loop with each batch's clean
targets and recomputes W from every distinct pattern seen so far, so the
epochs after the first change nothing (the rule is one-shot). Under the
gradient rule W is trained by backpropagation through a few synchronous
steps of the continuous dynamics s ← tanh(W s), and evaluated as the binary
net with the symmetric part of what it learned.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from engine import hopfield

LOGIT_GAIN = 2.0  # a settled ±1 unit is right with probability σ(4) ≈ 0.98 under cross-entropy
GRADIENT_STEPS = 5  # unrolled steps of the continuous net while training by gradient


class Hopfield(nn.Module):
    def __init__(self, units: int, rule: str, update: str, max_steps: int) -> None:
        super().__init__()
        self.units, self.rule, self.update, self.max_steps = units, rule, update, max_steps
        learn = rule == "gradient"
        init = torch.randn(units, units) * (0.01 if learn else 0.0)
        self.weight = nn.Parameter(init, requires_grad=learn)
        self._stored: dict[bytes, np.ndarray] = {}

    @property
    def stores(self) -> bool:
        """True when the weights come from a storage rule, not from gradients."""
        return self.rule != "gradient"

    def effective_weight(self) -> torch.Tensor:
        if self.rule != "gradient":
            return self.weight
        w = (self.weight + self.weight.T) / 2
        return w - torch.diag(torch.diagonal(w))

    @torch.no_grad()
    def store(self, targets: torch.Tensor) -> None:
        """Add each distinct clean pattern in ``targets`` (B, N) of 0/1 and,
        when one is new, recompute W from all patterns stored so far."""
        patterns = (targets.reshape(len(targets), -1).to("cpu", torch.float32).numpy() * 2 - 1)
        before = len(self._stored)
        for p in patterns:
            self._stored.setdefault(p.astype(np.int8).tobytes(), p)
        if len(self._stored) == before:  # every step after the first epoch: nothing new, W stands
            return
        stored = np.stack(list(self._stored.values()))
        w = hopfield.store(stored, self.rule)
        self.weight.copy_(torch.from_numpy(w.astype(np.float32)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = x.reshape(len(x), -1)
        if self.rule == "gradient" and self.training:
            w = self.effective_weight()
            state = s
            for _ in range(GRADIENT_STEPS):
                state = torch.tanh(state @ w)
            return self._logits(state)
        return self._logits(self.settle(s))

    def settle(self, s: torch.Tensor) -> torch.Tensor:
        w = self.effective_weight().detach()
        state = torch.where(s > 0, 1.0, -1.0).to(w.dtype)
        for sweep in range(self.max_steps):
            nxt = self._step(w, state, sweep)
            if torch.equal(nxt, state):
                break
            state = nxt
        return state

    def _step(self, w: torch.Tensor, state: torch.Tensor, sweep: int) -> torch.Tensor:
        if self.update == "synchronous":
            return _sign_keep(state @ w, state)
        state = state.clone()
        for i in hopfield.sweep_order(self.units, sweep).tolist():
            state[:, i] = _sign_keep(state @ w[:, i], state[:, i])
        return state

    @staticmethod
    def _logits(state: torch.Tensor) -> torch.Tensor:
        return torch.stack((-LOGIT_GAIN * state, LOGIT_GAIN * state), dim=-1)


def _sign_keep(field: torch.Tensor, current: torch.Tensor) -> torch.Tensor:
    return torch.where(field > 0, 1.0, torch.where(field < 0, -1.0, current))
