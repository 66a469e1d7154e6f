"""The unrolled twin reproduces torch's fused recurrent layers, and the
gradient through time has the known answer on a tiny linear-regime RNN."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from engine import datasets
from engine.modules import Recurrent, Stack
from engine.presets import load_preset
from engine.shapes import build_model
from engine.training import Objective
from engine.unrolled import GRU_GATES, LSTM_GATES, gradient_through_time, recurrent_forward, unroll

KINDS = {
    "rnn_tanh": lambda **kw: nn.RNN(nonlinearity="tanh", **kw),
    "rnn_relu": lambda **kw: nn.RNN(nonlinearity="relu", **kw),
    "lstm": nn.LSTM,
    "gru": nn.GRU,
}


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("kind", list(KINDS))
def test_twin_equals_fused_module(kind, num_layers, bidirectional):
    torch.manual_seed(num_layers * 10 + bidirectional)
    rnn = KINDS[kind](input_size=3, hidden_size=5, num_layers=num_layers, batch_first=True,
                      bidirectional=bidirectional, dropout=0.3 if num_layers > 1 else 0.0).eval()
    x = torch.randn(4, 7, 3)
    with torch.no_grad():
        fused_out, fused_state = rnn(x)
        twin = unroll(rnn, x)
    assert torch.allclose(twin.output, fused_out, atol=1e-5)
    h_n = fused_state[0] if kind == "lstm" else fused_state
    assert torch.allclose(twin.h_n, h_n, atol=1e-5)
    directions = 2 if bidirectional else 1
    assert len(twin.steps) == num_layers and all(len(layer) == directions for layer in twin.steps)
    assert all(len(d) == 7 and d[0].shape == (4, 5) for layer in twin.steps for d in layer)
    if kind == "lstm":
        assert torch.allclose(twin.c_n, fused_state[1], atol=1e-5)
        gates = twin.gates[-1][0]
        assert set(gates) == set(LSTM_GATES)
        # The cell state at the last step is the fused module's c_n (forward direction, top layer).
        assert torch.allclose(gates["cell_state"][:, -1], fused_state[1][-directions], atol=1e-5)
        if bidirectional:  # backward direction: its final cell state is the one at t = 0
            assert torch.allclose(twin.gates[-1][1]["cell_state"][:, 0], fused_state[1][-1], atol=1e-5)
        for name in ("input", "forget", "output"):
            assert gates[name].min() >= 0 and gates[name].max() <= 1
        assert gates["cell"].abs().max() <= 1
    elif kind == "gru":
        assert twin.c_n is None
        gates = twin.gates[-1][0]
        assert set(gates) == set(GRU_GATES)
        for name in ("reset", "update"):
            assert gates[name].min() >= 0 and gates[name].max() <= 1
        assert gates["new"].shape == (4, 7, 5)
    else:
        assert twin.c_n is None and twin.gates[-1][0] == {}


@pytest.mark.parametrize("output", ["last", "all"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_recurrent_forward_equals_the_layer(output, bidirectional):
    torch.manual_seed(1)
    layer = Recurrent(nn.GRU(2, 4, num_layers=2, batch_first=True, bidirectional=bidirectional), output).eval()
    x = torch.randn(3, 6, 2)
    with torch.no_grad():
        out, _ = recurrent_forward(layer, x)
        assert torch.allclose(out, layer(x), atol=1e-5)


def test_twin_allows_autograd_into_the_parameters():
    rnn = nn.LSTM(2, 3, batch_first=True)
    twin = unroll(rnn, torch.randn(2, 4, 2))
    twin.output.sum().backward()
    assert rnn.weight_hh_l0.grad is not None and rnn.weight_hh_l0.grad.abs().sum() > 0


def tiny_rnn(w: float) -> Stack:
    """A 1-unit tanh RNN with no input weights and no biases: on zero inputs
    h_t stays 0, tanh' = 1 there, so ∂h_(t+1)/∂h_t = w exactly."""
    rnn = nn.RNN(1, 1, batch_first=True)
    with torch.no_grad():
        for name, p in rnn.named_parameters():
            p.fill_(w if name == "weight_hh_l0" else 0.0)
    torch.manual_seed(0)
    return Stack([Recurrent(rnn, "last"), nn.Linear(1, 2)])


@pytest.mark.parametrize("w", [0.5, -0.8, 1.5])
def test_gradient_through_time_known_answer(w):
    steps = 12
    model = tiny_rnn(w)
    x, y = torch.zeros(5, steps, 1), torch.tensor([0, 1, 0, 1, 1])
    norms = gradient_through_time(model, 0, x, y, Objective(True).loss)
    assert norms.shape == (steps,) and norms[-1] > 0
    expected = np.abs(w) ** (steps - 1 - np.arange(steps)) * norms[-1]
    np.testing.assert_allclose(norms, expected, rtol=1e-4)
    # Every sample alike, so the batch mean is one sample's own gradient:
    # the figure does not depend on the batch size.
    one = gradient_through_time(model, 0, x[:1], y[:1], Objective(True).loss)
    np.testing.assert_allclose(one[-1], gradient_through_time(model, 0, x[:1].repeat(8, 1, 1),
                                                              y[:1].repeat(8), Objective(True).loss)[-1],
                               rtol=1e-5)


def test_gradient_through_time_leaves_parameter_grads_and_mode_alone():
    model = tiny_rnn(0.9)
    model.train()
    marker = torch.full_like(model.layers[1].weight, 7.0)
    model.layers[1].weight.grad = marker.clone()
    gradient_through_time(model, 0, torch.randn(3, 5, 1), torch.tensor([0, 1, 1]), Objective(True).loss)
    assert torch.equal(model.layers[1].weight.grad, marker)
    assert model.layers[0].rnn.weight_hh_l0.grad is None
    assert model.training


@pytest.mark.parametrize("preset", ["adding_lstm", "motif_gru", "digits_gru_rows"])
def test_gradient_through_time_shapes_on_presets(preset):
    exp = load_preset(preset)
    bundle = datasets.load(exp.dataset, exp.training.seed)
    info = bundle.info
    model = build_model(exp.model, info)
    index = next(i for i, layer in enumerate(model.layers) if isinstance(layer, Recurrent))
    x, y = bundle.x_val[:16], bundle.y_val[:16]
    norms = gradient_through_time(model, index, x, y, Objective(info.task == "classification").loss)
    with torch.no_grad():
        steps = model.forward_all(x)[index - 1].shape[1] if index else x.shape[1]
    assert norms.shape == (steps,) and norms.dtype == np.float32
    assert np.all(np.isfinite(norms)) and np.all(norms >= 0) and norms.max() > 0


def test_gradient_through_time_of_a_lower_layer_reaches_through_a_later_recurrent_layer():
    torch.manual_seed(0)
    model = Stack([Recurrent(nn.LSTM(2, 4, batch_first=True), "all"), Recurrent(nn.GRU(4, 3, batch_first=True), "last"),
                   nn.Linear(3, 2)])
    x, y = torch.randn(4, 6, 2), torch.tensor([0, 1, 1, 0])
    for index in (0, 1):
        norms = gradient_through_time(model, index, x, y, Objective(True).loss)
        assert norms.shape == (6,) and np.all(norms > 0)
