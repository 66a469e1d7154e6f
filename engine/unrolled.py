"""An unrolled, step-by-step twin of torch's fused recurrent layers.

torch's fused nn.RNN / nn.LSTM / nn.GRU return only the top layer's states
and the final state: no gates, no cell state per step (pytorch/pytorch
#31423). The probes need both, and the gradient-through-time view needs every
h_t as a node of the autograd graph. So this module recomputes the layer one
step at a time with the module's *own* parameters, following torch's
documented equations, and keeps everything. Training keeps the fused module;
this twin only runs for probes, so clarity beats speed here (the input
projection of all steps is still done in one matrix product).

Dropout between stacked layers is not applied: the twin reproduces the module
in evaluation mode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from engine.modules import Recurrent, Stack

LSTM_GATES = ("input", "forget", "cell", "output", "cell_state")
GRU_GATES = ("reset", "update", "new")


@dataclass
class Unrolled:
    """What the twin computed for a batch of N sequences of T steps."""

    output: torch.Tensor  # (N, T, D·H): the fused module's output
    h_n: torch.Tensor  # (L·D, N, H)
    c_n: torch.Tensor | None  # (L·D, N, H), LSTM only
    # [layer][direction] → the T states (N, H) in time order. These are the
    # very tensors the recurrence used, so autograd.grad over them gives the
    # total derivative through the recurrence.
    steps: list[list[list[torch.Tensor]]]
    # [layer][direction] → gate name → (N, T, H); empty dicts for nn.RNN.
    gates: list[list[dict[str, torch.Tensor]]]


def unroll(rnn: nn.RNNBase, x: torch.Tensor, keep_gates: bool = True) -> Unrolled:
    """Run ``rnn`` (batch_first, zero initial state) on ``x`` (N, T, F) one step at a time."""
    if not rnn.batch_first:
        raise ValueError("the unrolled twin expects a batch_first recurrent layer")
    if getattr(rnn, "proj_size", 0):
        raise ValueError("the unrolled twin does not support LSTM proj_size")
    directions = 2 if rnn.bidirectional else 1
    cell = _cell_for(rnn)
    layer_input = x
    h_finals, c_finals, steps, gates = [], [], [], []
    for layer in range(rnn.num_layers):
        layer_steps, layer_gates, outputs = [], [], []
        for direction in range(directions):
            suffix = f"_l{layer}" + ("_reverse" if direction else "")
            w_ih, w_hh = getattr(rnn, "weight_ih" + suffix), getattr(rnn, "weight_hh" + suffix)
            b_ih = getattr(rnn, "bias_ih" + suffix) if rnn.bias else None
            b_hh = getattr(rnn, "bias_hh" + suffix) if rnn.bias else None
            # The input projection of every step at once: (N, T, gates·H).
            projected = nn.functional.linear(layer_input, w_ih, b_ih)
            hs, c_last, named = _run_direction(cell, projected, w_hh, b_hh, rnn.hidden_size,
                                               reverse=bool(direction), keep_gates=keep_gates)
            layer_steps.append(hs)
            layer_gates.append(named)
            outputs.append(torch.stack(hs, dim=1))
            # The final state is the last one computed: t = T-1 forwards, t = 0 backwards.
            h_finals.append(hs[0] if direction else hs[-1])
            if c_last is not None:
                c_finals.append(c_last)
        steps.append(layer_steps)
        gates.append(layer_gates)
        layer_input = torch.cat(outputs, dim=2) if directions == 2 else outputs[0]
    return Unrolled(layer_input, torch.stack(h_finals), torch.stack(c_finals) if c_finals else None,
                    steps, gates)


# (projected input x_t, h_(t-1), c_(t-1), W_hh, b_hh) → (h_t, c_t, named gates)
Cell = Callable[[torch.Tensor, torch.Tensor, torch.Tensor | None, torch.Tensor, torch.Tensor | None],
                tuple[torch.Tensor, torch.Tensor | None, dict[str, torch.Tensor]]]


def _cell_for(rnn: nn.RNNBase) -> Cell:
    if isinstance(rnn, nn.LSTM):
        return _lstm_cell
    if isinstance(rnn, nn.GRU):
        return _gru_cell
    return _rnn_cell(torch.tanh if rnn.nonlinearity == "tanh" else torch.relu)


def _run_direction(cell: Cell, projected: torch.Tensor, w_hh: torch.Tensor, b_hh: torch.Tensor | None,
                   hidden: int, reverse: bool, keep_gates: bool
                   ) -> tuple[list[torch.Tensor], torch.Tensor | None, dict[str, torch.Tensor]]:
    n, steps = projected.shape[0], projected.shape[1]
    h = projected.new_zeros(n, hidden)
    c: torch.Tensor | None = projected.new_zeros(n, hidden) if cell is _lstm_cell else None
    hs: list[torch.Tensor | None] = [None] * steps
    per_gate: dict[str, list[torch.Tensor | None]] = {}
    for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
        h, c, named = cell(projected[:, t], h, c, w_hh, b_hh)
        hs[t] = h
        if keep_gates:
            for name, value in named.items():
                per_gate.setdefault(name, [None] * steps)[t] = value
    stacked = {name: torch.stack(values, dim=1) for name, values in per_gate.items()}  # type: ignore[arg-type]
    return hs, c, stacked  # type: ignore[return-value]


def _rnn_cell(activation: Callable[[torch.Tensor], torch.Tensor]) -> Cell:
    def cell(xi, h, c, w_hh, b_hh):
        # h_t = act(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh)
        return activation(xi + nn.functional.linear(h, w_hh, b_hh)), None, {}

    return cell


def _lstm_cell(xi, h, c, w_hh, b_hh):
    # torch orders the four gate blocks i, f, g, o.
    i, f, g, o = (xi + nn.functional.linear(h, w_hh, b_hh)).chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c = f * c + i * g
    h = o * torch.tanh(c)
    return h, c, {"input": i, "forget": f, "cell": g, "output": o, "cell_state": c}


def _gru_cell(xi, h, c, w_hh, b_hh):
    # torch orders the three blocks r, z, n; the reset gate scales the
    # *recurrent* part of the candidate, bias b_hn included.
    x_r, x_z, x_n = xi.chunk(3, dim=1)
    h_r, h_z, h_n = nn.functional.linear(h, w_hh, b_hh).chunk(3, dim=1)
    r = torch.sigmoid(x_r + h_r)
    z = torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)
    h = (1 - z) * n + z * h
    return h, None, {"reset": r, "update": z, "new": n}


def recurrent_forward(layer: Recurrent, x: torch.Tensor, keep_gates: bool = True
                      ) -> tuple[torch.Tensor, Unrolled]:
    """``layer(x)`` computed by the twin, and everything the twin kept."""
    result = unroll(layer.rnn, x, keep_gates)
    if layer.output == "all":
        return result.output, result
    if layer.rnn.bidirectional:
        return torch.cat((result.h_n[-2], result.h_n[-1]), dim=1), result
    return result.h_n[-1], result


def gradient_through_time(model: Stack, index: int, x: torch.Tensor, y: torch.Tensor,
                          loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> np.ndarray:
    """For each step t, the batch mean of ‖∂loss/∂h_t‖ for the top layer of the
    recurrent layer ``index`` (both directions' states concatenated at t).

    The derivative is the total one through the recurrence: a step that only
    influences the output through later steps still gets its gradient (the
    vanishing-gradient picture). ``loss_fn`` averages over the batch, so each
    sample's gradient is scaled back by N: the figures are those of one
    sample's own loss and do not depend on the batch size.

    Only ``autograd.grad`` with respect to the states is used, so the
    parameters' ``.grad`` (the optimizer's business) is left untouched. The
    model runs in evaluation mode and its mode is restored.
    """
    layer = model.layers[index]
    if not isinstance(layer, Recurrent):
        raise TypeError(f"layer {index} is not a recurrent layer")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for before in model.layers[:index]:
                x = before(x)
        with torch.enable_grad():
            out, result = recurrent_forward(layer, x, keep_gates=False)
            for after in model.layers[index + 1:]:
                # Later recurrent layers run unrolled too: cuDNN refuses to
                # backpropagate through a fused RNN in evaluation mode.
                out = recurrent_forward(after, out, keep_gates=False)[0] if isinstance(after, Recurrent) else after(out)
            loss = loss_fn(out, y)
            top = result.steps[-1]  # [direction][t] → (N, H)
            states = [h for direction in top for h in direction]
            grads = torch.autograd.grad(loss, states, allow_unused=True)
    finally:
        model.train(was_training)
    n, steps = x.shape[0], len(top[0])
    # ‖[g_forward, g_backward]‖² = ‖g_forward‖² + ‖g_backward‖²: the norm of
    # the gradient with respect to the concatenated state.
    squares = torch.zeros(n, steps)
    for i, g in enumerate(grads):
        if g is not None:
            squares[:, i % steps] += (g.detach().to("cpu", torch.float32) ** 2).sum(dim=1)
    return (squares.sqrt().mean(dim=0) * n).numpy()
