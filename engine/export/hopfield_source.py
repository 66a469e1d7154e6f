"""What an exported Hopfield net needs beside its class: the layer that
settles s ← sign(W s), written out so the file runs with torch and numpy
alone and settles exactly as the engine does (the same sweep orders, drawn
with numpy as engine/hopfield.py draws them, and the same tie rule).

The exported layer recalls; it does not store. Its weights come from the
state dict, as the engine's rule (or gradient) left them.
"""

from __future__ import annotations

from engine.hopfield_module import LOGIT_GAIN

IMPORTS = ["import numpy as np"]


def support_source() -> str:
    return f'''# --- the feedback layer: s <- sign(W s) until nothing changes ----------------------------

LOGIT_GAIN = {LOGIT_GAIN!r}  # two logits per unit, -g*s and g*s: class 1 is "on"


def sweep_order(units: int, sweep: int) -> np.ndarray:
    """The order units are visited in asynchronous sweep ``sweep``: random but fixed."""
    return np.random.default_rng([sweep, units]).permutation(units)


def sign_keep(field: torch.Tensor, current: torch.Tensor) -> torch.Tensor:
    """+1 above zero, -1 below, unchanged at exactly zero."""
    return torch.where(field > 0, 1.0, torch.where(field < 0, -1.0, current))


class Hopfield(nn.Module):
    """A Hopfield net of ``units`` units: the input (N, ...) is binarised to
    +-1, iterated to a fixed point (or ``max_steps`` sweeps) and returned as
    (N, units, 2) logits. ``settle`` gives the states themselves."""

    def __init__(self, units: int, update: str, max_steps: int) -> None:
        super().__init__()
        self.units, self.update, self.max_steps = units, update, max_steps
        self.weight = nn.Parameter(torch.zeros(units, units), requires_grad=False)

    def symmetric_weight(self) -> torch.Tensor:
        w = (self.weight + self.weight.T) / 2
        return w - torch.diag(torch.diagonal(w))

    def settle(self, x: torch.Tensor) -> torch.Tensor:
        w = self.symmetric_weight().detach()
        state = torch.where(x.reshape(len(x), -1) > 0, 1.0, -1.0).to(w.dtype)
        for sweep in range(self.max_steps):
            if self.update == "synchronous":
                nxt = sign_keep(state @ w, state)
            else:
                nxt = state.clone()
                for i in sweep_order(self.units, sweep).tolist():
                    nxt[:, i] = sign_keep(nxt @ w[:, i], nxt[:, i])
            if torch.equal(nxt, state):
                break
            state = nxt
        return state

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        state = self.settle(x)
        return torch.stack((-LOGIT_GAIN * state, LOGIT_GAIN * state), dim=-1)
'''
