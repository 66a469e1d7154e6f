"""Every number of one recurrent layer on one sequence, step by step: the
figures behind the unrolled-RNN explainer (claim C7: h_t is computed from x_t
and h_(t-1) with the same weights at every step).

The recurrence itself is engine.unrolled's twin (the one the gates probe
uses); this module only picks the first layer's forward direction out of it
and splits each step's pre-activation into the part that comes from the input
(W_ih·x_t + b_ih) and the part that comes from the previous state
(W_hh·h_(t-1) + b_hh), which is what a learner needs to see.

Gate names follow engine.unrolled: LSTM input, forget, cell (g), output and
the cell state c_t; GRU reset, update, new. torch orders the weight blocks
i, f, g, o (LSTM) and r, z, n (GRU).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from engine.layers import RECURRENT, REGISTRY, in_group, types_in
from engine.modules import Recurrent, Stack
from engine.spec import Experiment, ModelSpec
from engine.unrolled import unroll

GATES = {t: REGISTRY[t].gates for t in types_in(RECURRENT)}  # {"RNN": (), "LSTM": ("input", …), …}
SYMBOLS = {"input": "i", "forget": "f", "cell": "g", "output": "o", "reset": "r", "update": "z", "new": "n"}

# The built-in example for a model without a recurrent layer: a tiny cell
# reading a short sine wave, small enough that every number fits on screen.
BUILTIN_HIDDEN = 4
BUILTIN_STEPS = 12
BUILTIN_SEED = 0


@dataclass(frozen=True)
class RnnSteps:
    """One sequence through one recurrent layer (first layer, forward direction)."""

    kind: str  # "RNN" | "LSTM" | "GRU"
    activation: str  # "tanh" or "relu" (a plain RNN may use relu)
    x: np.ndarray  # (T, F): what the layer reads at each step
    h: np.ndarray  # (T + 1, H): h[0] is the zero start state, h[t] the state after step t
    c: np.ndarray | None  # (T + 1, H): LSTM cell state, c[0] = 0; None otherwise
    input_part: np.ndarray  # (T, G·H): W_ih·x_t + b_ih, G gate blocks of H
    recurrent_part: np.ndarray  # (T, G·H): W_hh·h_(t-1) + b_hh
    gates: Mapping[str, np.ndarray]  # gate name → (T, H); empty for a plain RNN
    w_ih: np.ndarray  # (G·H, F) — the same at every step
    w_hh: np.ndarray  # (G·H, H)
    b_ih: np.ndarray  # (G·H,), zeros when the layer has no bias
    b_hh: np.ndarray  # (G·H,)

    @property
    def steps(self) -> int:
        return self.x.shape[0]

    @property
    def hidden(self) -> int:
        return self.h.shape[1]

    def block(self, values: np.ndarray, gate: str | None) -> np.ndarray:
        """The rows of a (…, G·H) array that belong to ``gate`` (None: the whole RNN block)."""
        if gate is None:
            return values
        i = GATES[self.kind].index(gate)
        return values[..., i * self.hidden:(i + 1) * self.hidden]

    @property
    def parameter_count(self) -> int:
        """Parameters of this layer direction: the same whatever the sequence length."""
        return self.w_ih.size + self.w_hh.size + self.b_ih.size + self.b_hh.size


def kind_of(rnn: nn.RNNBase) -> str:
    return "LSTM" if isinstance(rnn, nn.LSTM) else "GRU" if isinstance(rnn, nn.GRU) else "RNN"


def rnn_steps(rnn: nn.RNNBase, x: torch.Tensor) -> RnnSteps:
    """The per-step values of ``rnn``'s first layer (forward direction) on one
    sequence ``x`` (T, F), from a zero start state."""
    if x.ndim != 2 or x.shape[1] != rnn.input_size:
        raise ValueError(f"expected one sequence (T, {rnn.input_size}), got shape {tuple(x.shape)}")
    kind = kind_of(rnn)
    x = x.detach().to(torch.float32)
    with torch.no_grad():
        twin = unroll(rnn, x.unsqueeze(0))
        hs = torch.cat([x.new_zeros(1, rnn.hidden_size)] + [h for h in twin.steps[0][0]])  # (T + 1, H)
        w_ih, w_hh = rnn.weight_ih_l0.detach().float(), rnn.weight_hh_l0.detach().float()
        b_ih = rnn.bias_ih_l0.detach().float() if rnn.bias else w_ih.new_zeros(w_ih.shape[0])
        b_hh = rnn.bias_hh_l0.detach().float() if rnn.bias else w_hh.new_zeros(w_hh.shape[0])
        input_part = nn.functional.linear(x, w_ih, b_ih)
        recurrent_part = nn.functional.linear(hs[:-1], w_hh, b_hh)
    named = {k: v[0].numpy() for k, v in twin.gates[0][0].items()}
    c = None
    if kind == "LSTM":
        c = np.concatenate([np.zeros((1, rnn.hidden_size), np.float32), named.pop("cell_state")])
    activation = getattr(rnn, "nonlinearity", "tanh") if kind == "RNN" else "tanh"
    return RnnSteps(kind, activation, x.numpy(), hs.numpy(), c, input_part.numpy(), recurrent_part.numpy(),
                    named, w_ih.numpy(), w_hh.numpy(), b_ih.numpy(), b_hh.numpy())


def first_recurrent(model: ModelSpec) -> int | None:
    """The index of the model's first RNN/LSTM/GRU layer, or None."""
    return next((i for i, layer in enumerate(model.layers) if in_group(layer.type, RECURRENT)), None)


def build_with_weights(experiment: Experiment, info, weights: Mapping[str, np.ndarray] | None) -> Stack:
    """The experiment's model on the CPU in evaluation mode, holding ``weights``
    (a numpy state dict) or, when None, the initial weights training starts
    from (the same seed, so the same numbers as step 0 of a run)."""
    from engine.shapes import build_model
    from engine.weights_file import numpy_to_state

    torch.manual_seed(experiment.training.seed)
    model = build_model(experiment.model, info)
    if weights is not None:
        model.load_state_dict(numpy_to_state(weights))
    return model.eval()


def layer_steps(model: Stack, index: int, sample: np.ndarray | torch.Tensor) -> RnnSteps:
    """Run the layers before ``index`` on one ``sample`` (as the data set gives
    it) and return the per-step values of the recurrent layer ``index``."""
    layer = model.layers[index]
    if not isinstance(layer, Recurrent):
        raise TypeError(f"layer {index} is not a recurrent layer")
    x = torch.as_tensor(np.asarray(sample)).unsqueeze(0)
    with torch.no_grad():
        for before in model.layers[:index]:
            x = before(x)
    return rnn_steps(layer.rnn, x[0])


def builtin_example(kind: str = "GRU") -> tuple[nn.RNNBase, torch.Tensor]:
    """A tiny ``kind`` cell (1 input, 4 hidden units, seeded weights) and the
    sine wave it reads, for a model that has no recurrent layer."""
    cls = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}[kind]
    torch.manual_seed(BUILTIN_SEED)
    rnn = cls(1, BUILTIN_HIDDEN, batch_first=True).eval()
    t = torch.arange(BUILTIN_STEPS, dtype=torch.float32)
    return rnn, torch.sin(2 * torch.pi * t / 8).unsqueeze(1)


def encode_text(text: str, vocab: str) -> np.ndarray:
    """Token ids of ``text`` in the data set's ``vocab``; ValueError naming the
    first character the vocabulary lacks."""
    if not text:
        raise ValueError("type at least one character")
    index = {ch: i for i, ch in enumerate(vocab)}
    missing = next((ch for ch in text if ch not in index), None)
    if missing is not None:
        raise ValueError(f"the character {missing!r} is not in this text's vocabulary")
    return np.array([index[ch] for ch in text], dtype=np.int64)


def _f(v: float) -> str:
    return f"{v:.3f}".replace("-", "−")


def step_equation(s: RnnSteps, t: int, unit: int) -> list[str]:
    """The update of hidden unit ``unit`` at step ``t`` (1…T) written out with
    its numbers, one line per equation: a = input part, b = recurrent part."""
    i, j = t - 1, unit
    a = lambda gate: float(s.block(s.input_part[i], gate)[j])  # noqa: E731
    b = lambda gate: float(s.block(s.recurrent_part[i], gate)[j])  # noqa: E731
    h_prev, h_now = float(s.h[i, j]), float(s.h[t, j])
    if s.kind == "RNN":
        act = s.activation
        return [f"h_t = {act}(W_ih·x_t + b_ih  +  W_hh·h_(t−1) + b_hh)",
                f"h_{t}[{j}] = {act}({_f(a(None))} + {_f(b(None))}) = {act}({_f(a(None) + b(None))}) = {_f(h_now)}"]
    g = {name: float(v[i, j]) for name, v in s.gates.items()}
    lines = []
    for name in GATES[s.kind]:
        sym = SYMBOLS[name]
        if s.kind == "GRU" and name == "new":
            lines.append(f"n = tanh(x part + r·h part) = tanh({_f(a(name))} + {_f(g['reset'])}·{_f(b(name))})"
                         f" = {_f(g[name])}")
            continue
        fn = "tanh" if name == "cell" else "σ"
        lines.append(f"{sym} = {fn}({_f(a(name))} + {_f(b(name))}) = {fn}({_f(a(name) + b(name))}) = {_f(g[name])}")
    if s.kind == "LSTM":
        c_prev, c_now = float(s.c[i, j]), float(s.c[t, j])
        lines.append(f"c_{t} = f·c_(t−1) + i·g = {_f(g['forget'])}·{_f(c_prev)} + {_f(g['input'])}·{_f(g['cell'])}"
                     f" = {_f(c_now)}")
        lines.append(f"h_{t} = o·tanh(c_{t}) = {_f(g['output'])}·tanh({_f(c_now)}) = {_f(h_now)}")
    else:
        lines.append(f"h_{t} = (1 − z)·n + z·h_(t−1) = (1 − {_f(g['update'])})·{_f(g['new'])} + "
                     f"{_f(g['update'])}·{_f(h_prev)} = {_f(h_now)}")
    return lines
