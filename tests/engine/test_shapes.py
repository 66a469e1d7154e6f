"""Shape inference: per-layer shapes, parameter counts, receptive fields and
readable refusals — and a property test against a real forward pass."""

from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.datasets.base import DataInfo
from engine.errors import ShapeError
from engine.layers import REGISTRY
from engine.params import BOOL, CHOICE, FLOAT, INT
from engine.shapes import build_model, infer
from engine.spec import LayerSpec, ModelSpec

DIGITS = DataInfo("image", (1, 8, 8), "classification", False, 10)
SEQ = DataInfo("sequence", (30, 4), "classification", False, 3)
TAGGING = DataInfo("sequence", (30, 4), "classification", True, 5)
TOKENS = DataInfo("tokens", (16,), "classification", True, 40, vocab_size=40)


def layer(type_: str, **params) -> LayerSpec:
    return LayerSpec(type_, {**REGISTRY[type_].defaults(), **params})


def stack(*layers: LayerSpec) -> ModelSpec:
    return ModelSpec(tuple(layers))


def test_conv2d_32_filters_3x3_one_channel_no_bias_has_288_weights():
    s = infer(stack(layer("Conv2d", out_channels=32, bias=False), layer("Flatten"), layer("Linear")), DIGITS)
    assert s.ok
    assert s.rows[0].params == 288
    assert s.rows[0].shape == (32, 6, 6)


def test_conv_parameter_count_does_not_depend_on_image_size():
    big = DataInfo("image", (1, 64, 64), "classification", False, 10)
    m = stack(layer("Conv2d", out_channels=32), layer("GlobalAvgPool"), layer("Linear"))
    assert infer(m, DIGITS).total_params == infer(m, big).total_params


def test_rnn_parameter_count_does_not_depend_on_sequence_length():
    long = DataInfo("sequence", (300, 4), "classification", False, 3)
    m = stack(layer("GRU", hidden_size=16), layer("Linear"))
    assert infer(m, SEQ).total_params == infer(m, long).total_params == 3 * (16 * 4 + 16 * 16 + 2 * 16) + 51


def test_receptive_field_of_conv_pool_stack():
    m = stack(layer("Conv2d"), layer("MaxPool2d"), layer("Conv2d", padding=1), layer("GlobalAvgPool"),
              layer("Linear"))
    s = infer(m, DIGITS)
    assert [r.receptive_field for r in s.rows[:3]] == [3, 4, 8]
    assert s.receptive_field == 8


def test_dilated_conv1d_receptive_field():
    m = stack(layer("Conv1d", kernel_size=3, dilation=1), layer("Conv1d", kernel_size=3, dilation=2),
              layer("Conv1d", kernel_size=3, dilation=4), layer("GlobalMaxPool"), layer("Linear"))
    assert infer(m, SEQ).receptive_field == 15


def test_output_layer_size_follows_the_data_set():
    s = infer(stack(layer("Flatten"), layer("Linear", out_features=None)), DIGITS)
    assert s.rows[-1].shape == (10,)


def test_linear_after_conv_is_refused_with_a_hint():
    s = infer(stack(layer("Conv2d"), layer("Linear")), DIGITS)
    assert not s.ok
    assert s.error.index == 1
    assert "Linear after Conv2d needs Flatten or global pooling first" in str(s.error)


def test_kernel_larger_than_input_names_the_layer():
    s = infer(stack(layer("Conv2d"), layer("Conv2d"), layer("Conv2d"), layer("Conv2d", kernel_size=5),
                    layer("Flatten"), layer("Linear")), DIGITS)
    assert s.error.index == 3 and "larger than the input" in s.error.message


@pytest.mark.parametrize("model, index, words", [
    (stack(layer("GRU"), layer("Linear")), 0, "ToSequence"),
    (stack(layer("Conv1d"), layer("Linear")), 0, "Conv2d"),
    (stack(layer("Flatten"), layer("Conv2d")), 1, "before Flatten"),
    (stack(layer("Flatten"), layer("Linear", out_features=None), layer("Linear", out_features=4)), 1,
     "last Linear"),
])
def test_impossible_stacks_on_images(model, index, words):
    s = infer(model, DIGITS)
    assert s.error is not None and s.error.index == index and words in s.error.message


def test_sequence_output_for_a_per_sample_task_is_refused():
    s = infer(stack(layer("GRU", output="all"), layer("Linear")), SEQ)
    assert "output='last'" in s.error.message


def test_per_step_task_needs_a_sequence_out():
    assert infer(stack(layer("GRU", output="all"), layer("Linear")), TAGGING).ok
    assert "every step" in infer(stack(layer("GRU"), layer("Linear")), TAGGING).error.message


def test_tokens_need_an_embedding():
    assert "Embedding" in infer(stack(layer("GRU"), layer("Linear")), TOKENS).error.message
    s = infer(stack(layer("Embedding", embedding_dim=8), layer("LSTM", output="all"), layer("Linear")), TOKENS)
    assert s.ok and s.rows[0].params == 40 * 8


def test_build_model_raises_the_same_error():
    with pytest.raises(ShapeError, match=r"model.layers\[1\]"):
        build_model(stack(layer("Conv2d"), layer("Linear")), DIGITS)


def test_hybrid_conv_to_gru():
    s = infer(stack(layer("Conv2d", padding=1), layer("ToSequence", order="rows"), layer("GRU"),
                    layer("Linear")), DIGITS)
    assert s.ok and s.rows[1].shape == (8, 16 * 8)


# --- property test: inference agrees with torch, or refuses by name --------

INFOS = [DIGITS, DataInfo("image", (3, 12, 10), "classification", False, 4), SEQ, TAGGING, TOKENS,
         DataInfo("sequence", (20, 2), "regression", False, 1)]


@st.composite
def layer_specs(draw) -> LayerSpec:
    kind = REGISTRY[draw(st.sampled_from(sorted(REGISTRY)))]
    params = {}
    for p in kind.params:
        if p.allow_none and draw(st.booleans()):
            params[p.name] = None
        elif p.kind == INT:
            lo = int(p.minimum)
            params[p.name] = draw(st.integers(lo, min(int(p.maximum), lo + 6)))
        elif p.kind == FLOAT:
            params[p.name] = draw(st.floats(p.minimum, min(p.maximum, 0.9)))
        elif p.kind == BOOL:
            params[p.name] = draw(st.booleans())
        elif p.kind == CHOICE:
            params[p.name] = draw(st.sampled_from(p.choices))
    return LayerSpec(kind.type, params)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(info=st.sampled_from(INFOS), layers=st.lists(layer_specs(), min_size=1, max_size=6))
def test_inferred_shapes_equal_a_real_forward_pass(info, layers):
    model_spec = ModelSpec(tuple(layers))
    summary = infer(model_spec, info)
    if not summary.ok:
        assert isinstance(summary.error, ShapeError)
        assert 0 <= summary.error.index < len(layers)
        return
    model = build_model(model_spec, info).eval()
    if info.input_kind == "tokens":
        x = torch.randint(0, info.vocab_size, (2, *info.input_shape))
    else:
        x = torch.randn(2, *info.input_shape)
    with torch.no_grad():
        outputs = model.forward_all(x)
    assert [tuple(o.shape[1:]) for o in outputs] == [r.shape for r in summary.rows]
    assert sum(p.numel() for p in model.parameters()) == summary.total_params


def test_inference_runs_on_the_cpu_without_the_compiler_stack_or_the_random_stream():
    """Issue #18: meta-device execution imported torch._dynamo and sympy (~2 s,
    ~100 MB on the first edit); ordinary layers are probed on the CPU instead,
    inside fork_rng, so an edit does not move a seeded run's random stream.
    Shapes and errors are the same as before (the tests above)."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, torch\n"
        "from engine import datasets\n"
        "from engine.shapes import infer\n"
        "from engine.layers import layer_kind\n"
        "from engine.spec import LayerSpec, ModelSpec\n"
        "def layer(type_, **params):\n"
        "    return LayerSpec(type_, {**layer_kind(type_).defaults(), **params})\n"
        "info = datasets.describe(datasets.validate_dataset({'name': 'digits', 'options': {}}))\n"
        "torch.manual_seed(3); before = torch.rand(1)\n"
        "torch.manual_seed(3)\n"
        "layers = [layer('Conv2d', out_channels=8, kernel_size=3), layer('ReLU'), layer('Flatten'),\n"
        "          layer('Linear', out_features=None)]\n"
        "summary = infer(ModelSpec(tuple(layers)), info)\n"
        "assert summary.error is None, summary.error\n"
        "assert torch.rand(1).item() == before.item(), 'inference moved the random stream'\n"
        "heavy = [m for m in ('torch._dynamo', 'sympy') if m in sys.modules]\n"
        "sys.exit(f'imported {heavy}' if heavy else 0)\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
