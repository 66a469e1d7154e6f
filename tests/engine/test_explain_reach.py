"""Receptive field against memory (claims C8, C9): the box an output sees
equals the input positions whose gradient is non-zero in the real torch
model, the field equals the --summary one, and the gradient reach reads the
gradient-through-time probe of a real RNN."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine import datasets
from engine.explain.reach import conv_reach, gradient_reach, recurrent_layers
from engine.presets import list_presets, load_preset
from engine.shapes import build_model, infer
from engine.spec import LayerSpec, ModelSpec
from engine.unrolled import gradient_through_time


def _conv(out, k, stride=1, padding=0, dilation=1, dims=2):
    return LayerSpec(f"Conv{dims}d", {"out_channels": out, "kernel_size": k, "stride": stride,
                                      "padding": padding, "dilation": dilation, "bias": True})


def _support(experiment, reach, position):
    """Input positions whose gradient from one output of layer ``reach.last`` is non-zero."""
    info = datasets.describe(experiment.dataset)
    torch.manual_seed(0)
    model = build_model(experiment.model, info).double()
    x = torch.randn((1, *info.input_shape), dtype=torch.float64, requires_grad=True)
    out = model.forward_all(x)[reach.last]
    # Sum over channels so that no single weight of zero hides a tap.
    picked = out[0, :, position[0], position[1]].sum() if reach.image else out[0, position[0], :].sum()
    (grad,) = torch.autograd.grad(picked, x)
    if reach.image:
        rows, cols = np.nonzero(grad[0].abs().sum(0).numpy())
        return rows.min(), rows.max(), cols.min(), cols.max()
    steps = np.nonzero(grad[0].abs().sum(1).numpy())[0]
    return steps.min(), steps.max()


@pytest.mark.parametrize("stack", [
    (_conv(4, 3, padding=1), LayerSpec("Tanh"), LayerSpec("AvgPool2d", {"kernel_size": 2, "stride": None,
                                                                          "padding": 0}),
     _conv(4, 3, stride=2, dilation=2, padding=2)),
    (_conv(3, 5, stride=2), _conv(2, 3, dilation=3, padding=1)),
])
def test_image_box_is_where_the_gradient_reaches(stack):
    base = load_preset("shift_cnn")  # 16×16 images
    head = (LayerSpec("GlobalAvgPool"), LayerSpec("Linear", {"out_features": None, "bias": True}))
    experiment = base.with_model(ModelSpec((*stack, *head)))
    reach = conv_reach(experiment)
    assert reach is not None and reach.last == len(stack) - 1 and reach.mixed_by == "GlobalAvgPool"
    for position in [(0, 0), reach.centre(), tuple(n - 1 for n in reach.out_size)]:
        assert tuple(reach.box(*position)) == tuple(int(v) for v in _support(experiment, reach, position))


def test_sequence_interval_is_where_the_gradient_reaches():
    base = load_preset("long_range_dilated_cnn")
    stack = (_conv(4, 5, dilation=2, padding=4, dims=1), LayerSpec("Tanh"), _conv(4, 3, stride=2, dims=1))
    experiment = base.with_model(ModelSpec((*stack, LayerSpec("GRU", {"hidden_size": 4}),
                                            LayerSpec("Linear", {"out_features": None, "bias": True}))))
    experiment = experiment.with_model(ModelSpec(tuple(
        layer if layer.type != "GRU" else LayerSpec("GRU", {"hidden_size": 4, "num_layers": 1,
                                                             "bidirectional": False, "dropout": 0.0,
                                                             "output": "last"})
        for layer in experiment.model.layers)))
    reach = conv_reach(experiment)
    assert reach.mixed_by == "GRU" and reach.last == 2
    for position in [(0,), reach.centre(), (reach.out_size[0] - 1,)]:
        assert reach.interval(position[0]) == tuple(int(v) for v in _support(experiment, reach, position))
    assert reach.dependency is not None and "needs" in reach.text()


@pytest.mark.parametrize("key", [p.key for p in list_presets()])
def test_field_is_the_summarys_receptive_field(key):
    experiment = load_preset(key)
    summary = infer(experiment.model, datasets.describe(experiment.dataset))
    reach = conv_reach(experiment)
    if reach is None:
        assert not any(layer.type.startswith(("Conv", "MaxPool", "AvgPool")) for layer in experiment.model.layers)
    else:
        assert reach.field == summary.rows[reach.last].receptive_field


def test_dependency_against_field_on_the_long_range_presets():
    plain, dilated = conv_reach(load_preset("long_range_cnn")), conv_reach(load_preset("long_range_dilated_cnn"))
    assert plain.covers_dependency() is False and "cannot see" in plain.text()
    assert dilated.covers_dependency() is True and "it covers" in dilated.text()


def test_gradient_reach_counts_the_steps_back_to_below_the_threshold():
    norms = 0.5 ** np.arange(20)[::-1]  # halves at every step back from the last
    reach = gradient_reach(norms)
    assert reach.steps_back == 10  # 0.5**10 < 1e-3 <= 0.5**9
    assert reach.first_step_below == 9 and "after 10 steps" in reach.text()
    assert gradient_reach(np.ones(30)).steps_back is None
    assert "stays above" in gradient_reach(np.ones(30)).text()
    assert gradient_reach(np.zeros(5)).reference == 0
    assert gradient_reach(np.array([1.0, 0.5, 0.0])).reference == 1.0  # last step got nothing: the largest


def test_gradient_reach_of_a_real_rnn_is_shorter_than_an_lstms():
    base = load_preset("copy_memory_rnn")
    info = datasets.describe(base.dataset)
    bundle = datasets.load(base.dataset, 0)
    x, y = bundle.x_val[:16], bundle.y_val[:16]
    loss = torch.nn.CrossEntropyLoss(ignore_index=-100)

    def per_step_loss(out, target):
        return loss(out.reshape(-1, out.shape[-1]), target.reshape(-1))

    reaches = {}
    for kind in ("RNN", "LSTM"):
        layers = list(base.model.layers)
        index = recurrent_layers(base)[0]
        params = dict(layers[index].params)
        if kind == "LSTM":
            params.pop("nonlinearity", None)
            params["forget_bias"] = 3.0
        layers[index] = LayerSpec(kind, params)
        experiment = base.with_model(ModelSpec(tuple(layers)))
        torch.manual_seed(0)
        model = build_model(experiment.model, info)
        with torch.no_grad():  # small recurrent weights: a plain RNN's gradient then vanishes fast
            model.layers[index].rnn.weight_hh_l0.mul_(0.3)
        norms = gradient_through_time(model, index, x, y, per_step_loss)
        reaches[kind] = gradient_reach(norms)
    rnn, lstm = reaches["RNN"], reaches["LSTM"]
    assert rnn.steps_back is not None
    assert lstm.steps_back is None or lstm.steps_back > rnn.steps_back
