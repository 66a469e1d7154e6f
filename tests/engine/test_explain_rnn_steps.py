"""The unrolled-RNN explainer's numbers equal torch's RNNCell / LSTMCell /
GRUCell and the fused layers, on random weights and on a trained layer."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from torch import nn

from engine import datasets
from engine.events import Finished
from engine.experiment_file import parse_experiment
from engine.explain.rnn_steps import (
    GATES,
    build_with_weights,
    builtin_example,
    encode_text,
    first_recurrent,
    layer_steps,
    rnn_steps,
    step_equation,
)
from engine.training import train

ATOL = 1e-5
MAKERS = {
    "RNN-tanh": (lambda **kw: nn.RNN(nonlinearity="tanh", **kw), lambda f, h: nn.RNNCell(f, h, nonlinearity="tanh")),
    "RNN-relu": (lambda **kw: nn.RNN(nonlinearity="relu", **kw), lambda f, h: nn.RNNCell(f, h, nonlinearity="relu")),
    "LSTM": (nn.LSTM, nn.LSTMCell),
    "GRU": (nn.GRU, nn.GRUCell),
}


def cell_like(rnn: nn.RNNBase, make_cell) -> nn.RNNCellBase:
    """A torch cell holding the first layer's forward weights."""
    cell = make_cell(rnn.input_size, rnn.hidden_size)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(rnn, f"{name}_l0"))
    return cell


def assert_matches_cell(steps, rnn: nn.RNNBase, make_cell, x: torch.Tensor) -> None:
    cell = cell_like(rnn, make_cell)
    h = torch.zeros(1, rnn.hidden_size)
    c = torch.zeros(1, rnn.hidden_size)
    with torch.no_grad():
        for t in range(x.shape[0]):
            if isinstance(cell, nn.LSTMCell):
                h, c = cell(x[t:t + 1], (h, c))
                np.testing.assert_allclose(steps.c[t + 1], c[0].numpy(), atol=ATOL)
            else:
                h = cell(x[t:t + 1], h)
            np.testing.assert_allclose(steps.h[t + 1], h[0].numpy(), atol=ATOL)


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


@pytest.mark.parametrize("kind", list(MAKERS))
def test_steps_equal_torch_cells_and_fused_layer(kind):
    make_layer, make_cell = MAKERS[kind]
    torch.manual_seed(3)
    rnn = make_layer(input_size=3, hidden_size=5, batch_first=True).eval()
    x = torch.randn(7, 3)
    steps = rnn_steps(rnn, x)
    assert steps.h.shape == (8, 5) and not steps.h[0].any()  # h_0 = 0
    assert_matches_cell(steps, rnn, make_cell, x)
    with torch.no_grad():
        fused = rnn(x.unsqueeze(0))[0][0].numpy()
    np.testing.assert_allclose(steps.h[1:], fused, atol=ATOL)
    # The split of the pre-activation: W_ih x_t + b_ih and W_hh h_(t-1) + b_hh.
    np.testing.assert_allclose(steps.input_part, x.numpy() @ steps.w_ih.T + steps.b_ih, atol=ATOL)
    np.testing.assert_allclose(steps.recurrent_part, steps.h[:-1] @ steps.w_hh.T + steps.b_hh, atol=ATOL)
    total = steps.input_part + steps.recurrent_part
    if kind.startswith("RNN"):
        act = np.tanh if kind.endswith("tanh") else (lambda v: np.maximum(v, 0))
        np.testing.assert_allclose(steps.h[1:], act(total), atol=ATOL)
        assert not steps.gates
    elif kind == "LSTM":
        assert tuple(steps.gates) == GATES["LSTM"]
        for name in ("input", "forget", "output"):
            np.testing.assert_allclose(steps.gates[name], sigmoid(steps.block(total, name)), atol=ATOL)
        np.testing.assert_allclose(steps.gates["cell"], np.tanh(steps.block(total, "cell")), atol=ATOL)
    else:
        assert tuple(steps.gates) == GATES["GRU"]
        r = sigmoid(steps.block(total, "reset"))
        np.testing.assert_allclose(steps.gates["reset"], r, atol=ATOL)
        np.testing.assert_allclose(steps.gates["update"], sigmoid(steps.block(total, "update")), atol=ATOL)
        n = np.tanh(steps.block(steps.input_part, "new") + r * steps.block(steps.recurrent_part, "new"))
        np.testing.assert_allclose(steps.gates["new"], n, atol=ATOL)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_first_layer_of_a_deep_bidirectional_stack(kind):
    make_layer, make_cell = MAKERS[kind]
    torch.manual_seed(4)
    rnn = make_layer(input_size=2, hidden_size=3, num_layers=2, bidirectional=True, batch_first=True).eval()
    x = torch.randn(5, 2)
    assert_matches_cell(rnn_steps(rnn, x), rnn, make_cell, x)


def test_weights_shared_and_parameter_count_independent_of_length():
    rnn, x = builtin_example("LSTM")
    short, long = rnn_steps(rnn, x[:3]), rnn_steps(rnn, x)
    assert short.parameter_count == long.parameter_count == sum(p.numel() for p in rnn.parameters())
    np.testing.assert_array_equal(short.w_hh, long.w_hh)
    np.testing.assert_allclose(short.h, long.h[:4], atol=ATOL)  # the same updates for the common steps


def test_a_trained_gru_layer_from_a_real_run():
    experiment = parse_experiment({
        "format": "cnn-rnn-playground/experiment", "version": 1, "name": "t", "description": "",
        "dataset": {"name": "sine", "options": {"n_samples": 128, "length": 12}},
        "model": {"layers": [{"type": "GRU", "hidden_size": 6}, {"type": "Linear", "out_features": None}]},
        "training": {"epochs": 2, "batch_size": 32, "learning_rate": 0.05, "seed": 1, "device": "cpu"},
    })
    finished = [e for e in train(experiment) if isinstance(e, Finished)][0]
    bundle = datasets.load(experiment.dataset, experiment.training.seed)
    model = build_with_weights(experiment, bundle.info, finished.weights)
    initial = build_with_weights(experiment, bundle.info, None)
    assert not torch.equal(model.layers[0].rnn.weight_hh_l0, initial.layers[0].rnn.weight_hh_l0)  # it trained
    index = first_recurrent(experiment.model)
    assert index == 0
    sample = bundle.x_val[3]
    steps = layer_steps(model, index, sample)
    assert_matches_cell(steps, model.layers[0].rnn, nn.GRUCell, sample)
    with torch.no_grad():  # the layer's output (its last state) is h_T
        np.testing.assert_allclose(steps.h[-1], model.layers[0](sample.unsqueeze(0))[0].numpy(), atol=ATOL)


def test_layers_before_the_recurrent_one_feed_it():
    """Text: an Embedding turns characters into the vectors x_t the LSTM reads."""
    experiment = parse_experiment({
        "format": "cnn-rnn-playground/experiment", "version": 1, "name": "t", "description": "",
        "dataset": {"name": "text", "options": {"length": 16}},
        "model": {"layers": [{"type": "Embedding", "embedding_dim": 4}, {"type": "LSTM", "hidden_size": 5,
                                                                          "output": "all"},
                             {"type": "Linear", "out_features": None}]},
    })
    info = datasets.describe(experiment.dataset)
    model = build_with_weights(experiment, info, None)
    vocab = datasets.text.corpus("").vocab
    ids = encode_text("the bank", vocab)
    steps = layer_steps(model, first_recurrent(experiment.model), ids)
    with torch.no_grad():
        embedded = model.layers[0](torch.from_numpy(ids))
        np.testing.assert_allclose(steps.x, embedded.numpy(), atol=ATOL)
        np.testing.assert_allclose(steps.h[1:], model.layers[1](embedded.unsqueeze(0))[0].numpy(), atol=ATOL)
    assert_matches_cell(steps, model.layers[1].rnn, nn.LSTMCell, embedded)


def test_no_recurrent_layer_and_text_errors():
    assert first_recurrent(parse_experiment({
        "format": "cnn-rnn-playground/experiment", "version": 1, "name": "t", "description": "",
        "dataset": {"name": "digits"}, "model": {"layers": [{"type": "Flatten"}, {"type": "Linear"}]},
    }).model) is None
    with pytest.raises(ValueError, match="'§' is not in"):
        encode_text("ab§", "ab ")
    with pytest.raises(ValueError, match="at least one"):
        encode_text("", "ab")


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_the_written_equation_carries_the_engine_numbers(kind):
    rnn, x = builtin_example(kind)
    steps = rnn_steps(rnn, x)
    t, unit = 5, 2
    lines = step_equation(steps, t, unit)
    last = lines[-1]
    assert last.startswith(f"h_{t}")
    value = float(re.findall(r"−?\d+\.\d+", last)[-1].replace("−", "-"))
    assert value == pytest.approx(steps.h[t, unit], abs=1e-3)
    for name in GATES[kind]:
        assert any(f"{steps.gates[name][t - 1, unit]:.3f}".replace("-", "−") in line for line in lines)
