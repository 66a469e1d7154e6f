"""The parameter explainer's numbers (claim C2) against torch: the terms of
every layer add up to the parameter count of the torch layer built from the
same settings, for every preset's model and for random layer settings."""

from __future__ import annotations

import random

import pytest
from torch import nn

from engine import datasets
from engine.explain.parameters import dense_counterpart, explain_model, human, layer_terms
from engine.layers import IMAGE, SEQUENCE, TOKENS, VECTOR, BuildContext
from engine.presets import list_presets, load_preset
from engine.shapes import build_model
from engine.spec import LayerSpec, ModelSpec


def _count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("key", [p.key for p in list_presets()])
def test_terms_add_up_to_the_built_models_parameters(key):
    experiment = load_preset(key)
    info = datasets.describe(experiment.dataset)
    explained = explain_model(experiment.model, info)
    model = build_model(experiment.model, info)
    assert len(explained.layers) == len(model.layers)
    for layer, module in zip(explained.layers, model.layers, strict=True):
        assert layer.total == _count(module), (key, layer.index, layer.type, layer.formula())
        if layer.type in ("Conv1d", "Conv2d", "Linear", "RNN", "LSTM", "GRU", "Embedding"):
            assert layer.terms[0].name != "parameters"  # taken apart, not the fallback
    assert explained.total == _count(model)


def test_the_claims_worked_example_reads_as_a_formula():
    # C2: 16 filters of 3×3 on 1 channel = 144 weights + 16 biases.
    terms, _ = layer_terms("Conv2d", {"out_channels": 16, "kernel_size": 3, "bias": True},
                           BuildContext(IMAGE, (1, 8, 8)))
    text = " + ".join(t.text() for t in terms)
    assert text == "16 filters × 1 input channel × 3×3 kernel = 144 weights + 16 biases"


def test_digits_cnn_sentence_names_conv_and_dense_totals():
    experiment = load_preset("digits_cnn")
    explained = explain_model(experiment.model, datasets.describe(experiment.dataset))
    ours, dense = explained.group_totals()["conv"]
    assert ours == 160 + 4640
    assert f"{ours:,}" in explained.sentence() and human(dense) in explained.sentence()
    first = explained.layers[0]
    # Dense from the 1×8×8 input (64) to the 16×8×8 output (1,024): 64·1024 + 1024.
    assert first.dense == 64 * 1024 + 1024 and first.ratio == pytest.approx(first.dense / 160)


def test_dense_counterpart_is_a_real_linear_of_the_flattened_sizes():
    ctx = BuildContext(SEQUENCE, (20, 3))
    count, words = dense_counterpart("GRU", ctx, VECTOR, (16,), True)
    assert count == _count(nn.Linear(60, 16))
    assert "60 inputs" in words and "16 outputs" in words
    count, _ = dense_counterpart("Embedding", BuildContext(TOKENS, (10,), 7), SEQUENCE, (10, 4), True)
    assert count == _count(nn.Linear(10 * 7, 40))
    assert dense_counterpart("BatchNorm2d", BuildContext(IMAGE, (4, 5, 5)), IMAGE, (4, 5, 5), True)[0] is None
    assert dense_counterpart("ReLU", ctx, SEQUENCE, (20, 3), False) == (None, "")


def test_random_layer_settings_match_torch():
    rng = random.Random(6)
    for _ in range(60):
        kind = rng.choice(["Conv1d", "Conv2d", "Linear", "RNN", "LSTM", "GRU", "BatchNorm1d", "BatchNorm2d",
                           "Embedding"])
        bias = rng.random() < 0.7
        if kind in ("Conv1d", "Conv2d"):
            groups = rng.choice([1, 1, 2, 4])
            c_in, out = groups * rng.randint(1, 5), groups * rng.randint(1, 6)
            k = rng.randint(1, 7)
            params = {"out_channels": out, "kernel_size": k, "bias": bias, "groups": groups}
            cls = nn.Conv2d if kind == "Conv2d" else nn.Conv1d
            module = cls(c_in, out, k, groups=groups, bias=bias)
            ctx = BuildContext(IMAGE, (c_in, 9, 9)) if kind == "Conv2d" else BuildContext(SEQUENCE, (9, c_in))
        elif kind == "Linear":
            n_in, n_out = rng.randint(1, 50), rng.randint(1, 50)
            params, module = {"out_features": n_out, "bias": bias}, nn.Linear(n_in, n_out, bias=bias)
            ctx = BuildContext(VECTOR, (n_in,))
        elif kind in ("RNN", "LSTM", "GRU"):
            n_in, h, layers = rng.randint(1, 12), rng.randint(1, 20), rng.randint(1, 3)
            bidir = rng.random() < 0.5
            params = {"hidden_size": h, "num_layers": layers, "bidirectional": bidir, "bias": bias}
            module = getattr(nn, kind)(n_in, h, num_layers=layers, bidirectional=bidir, bias=bias)
            ctx = BuildContext(SEQUENCE, (7, n_in))
        elif kind.startswith("BatchNorm"):
            c = rng.randint(1, 30)
            params = {}
            module = nn.BatchNorm2d(c) if kind == "BatchNorm2d" else nn.BatchNorm1d(c)
            ctx = BuildContext(IMAGE, (c, 4, 4)) if kind == "BatchNorm2d" else BuildContext(VECTOR, (c,))
        else:
            v, d = rng.randint(2, 80), rng.randint(1, 40)
            params, module = {"embedding_dim": d}, nn.Embedding(v, d)
            ctx = BuildContext(TOKENS, (12,), v)
        terms, per_gate = layer_terms(kind, params, ctx)
        assert sum(t.count for t in terms) == _count(module), (kind, params, ctx)
        if kind in ("RNN", "LSTM", "GRU"):
            # One term per (layer, direction) for each of input and recurrent weights.
            assert sum("input weights" in t.name for t in terms) == layers * (2 if bidir else 1)
            assert "does not depend on the length" in per_gate


def test_recurrent_terms_follow_torchs_weight_shapes_per_gate():
    lstm = nn.LSTM(5, 7, num_layers=2, bidirectional=True)
    terms, per_gate = layer_terms("LSTM", {"hidden_size": 7, "num_layers": 2, "bidirectional": True},
                                  BuildContext(SEQUENCE, (3, 5)))
    by_name = {t.name: t.count for t in terms}
    assert by_name["input weights (layer 1, forward)"] == lstm.weight_ih_l0.numel() == 4 * 7 * 5
    assert by_name["input weights (layer 2, backward)"] == lstm.weight_ih_l1_reverse.numel() == 4 * 7 * 14
    assert by_name["recurrent weights (layer 2, backward)"] == lstm.weight_hh_l1_reverse.numel()
    assert by_name["recurrent biases (layer 1, forward)"] == lstm.bias_hh_l0.numel()
    assert "input gate, forget gate, cell candidate, output gate" in per_gate


def test_an_invalid_stack_explains_the_layers_before_the_problem():
    info = datasets.describe(load_preset("digits_cnn").dataset)
    model = ModelSpec((LayerSpec("Conv2d", {"out_channels": 4, "kernel_size": 3, "stride": 1, "padding": 0,
                                            "dilation": 1, "bias": True}),
                       LayerSpec("LSTM", {})))
    explained = explain_model(model, info)
    assert [layer.type for layer in explained.layers] == ["Conv2d"]
    assert explained.total == 4 * 9 + 4


def test_a_linear_on_a_flat_vector_is_its_own_dense_counterpart():
    explained = explain_model(load_preset("digits_mlp").model,
                              datasets.describe(load_preset("digits_mlp").dataset))
    linear = explained.with_params[0]
    assert linear.ratio == pytest.approx(1.0)  # a Linear on a flat vector is its own dense counterpart
    assert "only dense layers" in explained.sentence()


def test_a_hopfield_net_explains_its_symmetric_weights_and_why_the_energy_cannot_rise():
    exp = load_preset("hopfield_digits")
    model = explain_model(exp.model, datasets.describe(exp.dataset))
    layer = model.layers[0]
    assert layer.total == 256 * 256 and layer.formula() == "256 units × 256 units = 65,536 weights"
    assert "32,640 free weights" in layer.per_gate and "never rises" in layer.per_gate
    assert "synchronous" in layer.per_gate and layer.dense is None
    assert "feedback" in model.sentence() and "C16" in model.sentence()


@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_a_tree_net_names_its_one_cell_and_relates_grid_chain_and_tree(cell):
    exp = load_preset("expressions_tree")
    exp = exp.with_model(exp.model.with_layer(0, exp.model.layers[0].with_params(cell=cell)))
    info = datasets.describe(exp.dataset)
    model = explain_model(exp.model, info)
    layer = model.layers[0]
    assert layer.total == sum(p.numel() for p in build_model(exp.model, info).layers[0].parameters())
    assert [t.name for t in layer.terms] == ["token embeddings", "weights from the token", "biases",
                                             "weights from the children"]
    assert "grid" in layer.per_gate and "chain" in layer.per_gate and "tree" in layer.per_gate
    assert "does not depend" in layer.per_gate and layer.dense is None
    assert "C17" in model.sentence()
