"""take_snapshot fills every Snapshot field, in the documented shapes,
without disturbing the model's gradients or mode."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from engine import probes
from engine.events import QUANTILES
from engine.modules import Recurrent, Stack
from engine.probes import GradientBatch, ProbeSettings, histogram, take_snapshot
from engine.training import Objective

P, T, F, H, C = 5, 9, 3, 6, 4


def recurrent_model(cls=nn.LSTM, bidirectional=False, output="last") -> Stack:
    torch.manual_seed(0)
    rnn = cls(F, H, num_layers=2, batch_first=True, bidirectional=bidirectional)
    width = H * (2 if bidirectional else 1)
    return Stack([Recurrent(rnn, output), nn.Linear(width, C)])


def snapshot(model, settings=None, classification=True, y=None):
    x = torch.randn(P, T, F)
    y = torch.randint(0, C, (P,)) if y is None else y
    batch = GradientBatch(x, y, Objective(classification).loss)
    return take_snapshot(model, x, settings or ProbeSettings(), 3, 1, gradient_batch=batch,
                         classification=classification)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_lstm_snapshot_has_gates_states_gradients_and_outputs(bidirectional):
    model = recurrent_model(nn.LSTM, bidirectional)
    snap = snapshot(model)
    gates = snap.gates[0]
    assert set(gates) == {"input", "forget", "cell", "output", "cell_state"}
    assert all(g.shape == (P, T, H) and g.dtype == np.float32 for g in gates.values())
    for name in ("input", "forget", "output"):
        assert 0 <= gates[name].min() and gates[name].max() <= 1
    directions = 2 if bidirectional else 1
    assert snap.hidden_states[0].shape == (P, T, H * directions)
    # The gate view's h_t = o_t · tanh(c_t) matches the hidden state (forward direction).
    np.testing.assert_allclose(gates["output"] * np.tanh(gates["cell_state"]), snap.hidden_states[0][..., :H],
                               atol=1e-5)
    assert snap.grad_through_time[0].shape == (T,) and snap.grad_through_time[0].max() > 0
    assert snap.probe_outputs.shape == (P, C)
    np.testing.assert_allclose(snap.probe_outputs.sum(axis=1), 1.0, atol=1e-5)
    assert snap.feature_maps == {} and snap.filters == {}


def test_gru_gates_and_plain_rnn_has_none():
    snap = snapshot(recurrent_model(nn.GRU))
    assert set(snap.gates[0]) == {"reset", "update", "new"}
    assert snap.gates[0]["update"].shape == (P, T, H)
    snap = snapshot(recurrent_model(nn.RNN))
    assert snap.gates == {} and snap.hidden_states[0].shape == (P, T, H)
    assert snap.grad_through_time[0].shape == (T,)


def test_histograms_count_every_parameter_and_grads_appear_after_backward():
    model = recurrent_model(nn.GRU)
    snap = snapshot(model)
    assert snap.grad_histograms == {}  # no step taken yet
    assert set(snap.weight_histograms) == {0, 1}
    for index, hist in snap.weight_histograms.items():
        n = sum(p.numel() for p in model.layers[index].parameters())
        assert hist.counts.sum() == n and hist.counts.shape == (probes.HISTOGRAM_BINS,)
        assert hist.edges.shape == (probes.HISTOGRAM_BINS + 1,)
        assert hist.quantiles.shape == (len(QUANTILES),) and np.all(np.diff(hist.quantiles) >= 0)
    Objective(True).loss(model(torch.randn(2, T, F)), torch.tensor([0, 1])).backward()
    snap = snapshot(model)
    assert set(snap.grad_histograms) == {0, 1}
    assert snap.grad_histograms[1].counts.sum() == H * C + C


def test_constant_tensor_histogram_is_guarded():
    hist = histogram(torch.zeros(10))
    assert hist.counts.sum() == 10 and hist.edges[0] < 0 < hist.edges[-1]
    np.testing.assert_array_equal(hist.quantiles, 0.0)


def test_snapshot_leaves_parameter_grads_and_training_mode_alone():
    model = recurrent_model(nn.LSTM)
    model.train()
    Objective(True).loss(model(torch.randn(2, T, F)), torch.tensor([0, 1])).backward()
    before = {name: p.grad.clone() for name, p in model.named_parameters()}
    snapshot(model)
    assert model.training
    for name, p in model.named_parameters():
        assert torch.equal(p.grad, before[name]), name


def test_weights_reload_into_a_fresh_model_and_are_skipped_for_big_models(monkeypatch):
    model = recurrent_model(nn.GRU).eval()
    snap = snapshot(model)
    assert set(snap.weights) == set(model.state_dict())
    assert all(w.dtype == np.float32 for w in snap.weights.values())
    twin = Stack([Recurrent(nn.GRU(F, H, num_layers=2, batch_first=True), "last"), nn.Linear(H, C)]).eval()
    twin.load_state_dict({k: torch.from_numpy(v) for k, v in snap.weights.items()})
    x = torch.randn(2, T, F)
    with torch.no_grad():
        assert torch.allclose(twin(x), model(x))
    monkeypatch.setattr(probes, "WEIGHT_COPY_LIMIT", 10)
    assert snapshot(model).weights is None


def test_regression_outputs_are_raw_values_and_cnn_has_maps():
    torch.manual_seed(0)
    model = Stack([Recurrent(nn.GRU(F, H, batch_first=True), "all"), nn.Linear(H, 2)])
    snap = snapshot(model, classification=False, y=torch.randn(P, T, 2))
    assert snap.probe_outputs.shape == (P, T, 2)
    assert snap.grad_through_time[0].shape == (T,)

    cnn = Stack([nn.Conv2d(1, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 6 * 6, C)])
    x = torch.randn(P, 1, 8, 8)
    snap = take_snapshot(cnn, x, ProbeSettings(), 1, 1)
    assert snap.filters[0].shape == (3, 1, 3, 3)
    assert set(snap.feature_maps) == {0, 1} and snap.feature_maps[1].shape == (P, 3, 6, 6)
    assert snap.grad_through_time == {} and snap.gates == {}


def test_settings_switch_probes_off():
    assert ProbeSettings().any and ProbeSettings().predictions
    off = ProbeSettings.off()
    assert not off.any and not off.predictions and off.n_probes == ProbeSettings().n_probes
    only_gates = ProbeSettings(filters=False, feature_maps=False, hidden_states=False, gradients=False,
                               histograms=False, weights=False, outputs=False)
    assert only_gates.any
    snap = snapshot(recurrent_model(nn.LSTM), only_gates)
    assert set(snap.gates) == {0} and snap.hidden_states == {} and snap.grad_through_time == {}
    assert snap.weights is None and snap.probe_outputs is None and snap.weight_histograms == {}
