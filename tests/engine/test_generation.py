"""One-to-many generation (engine/generation.py) and ``--generate``: the
stepped model writes what the re-reading one does, sampling is seeded, and
a bad request is one line before anything trains."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine import claims, datasets
from engine.generation import Generated, generate_steps, generate_text, real_word_share
from engine.presets import load_preset
from engine.weights_file import save_weights, weights_path_for
from tests.engine.test_cli import run


@pytest.fixture(scope="module")
def text_model():
    exp = load_preset("text_lstm")
    bundle = datasets.load(exp.dataset, exp.training.seed)
    torch.manual_seed(3)
    weights = claims.initial_weights(exp, bundle.info)
    return exp, bundle, weights, claims.model_with(exp, weights, bundle.info)


def test_stepping_the_hidden_state_matches_reading_the_whole_text(text_model):
    from engine import generation

    exp, bundle, _weights, model = text_model
    stepped = list(generate_steps(model, "the bank", bundle.vocab, 40, temperature=1.0, seed=5))
    assert generation._steppable(model)
    text = "the bank"
    for g in stepped:  # every probability is the one the whole text so far gives
        p = claims.next_char_probabilities(model, text, bundle.vocab)
        assert g.probability == pytest.approx(p[bundle.vocab.index(g.char)], abs=1e-5)
        assert g.alternatives[0][1] == pytest.approx(p.max(), abs=1e-5)
        text += g.char
    assert all(isinstance(g, Generated) and g.hidden.shape == (128,) for g in stepped)


def test_sampling_is_seeded_and_the_temperature_matters(text_model):
    _exp, bundle, _weights, model = text_model
    a = generate_text(model, "The ", bundle.vocab, 80, temperature=0.7, seed=1)
    assert a == generate_text(model, "The ", bundle.vocab, 80, temperature=0.7, seed=1)
    assert a != generate_text(model, "The ", bundle.vocab, 80, temperature=3.0, seed=1)
    assert len(a) == 80 and set(a) <= set(bundle.vocab)


def test_a_stack_that_cannot_be_stepped_rereads_its_window():
    from engine import generation
    from engine.experiment_file import parse_layer
    from engine.spec import ModelSpec

    exp = load_preset("text_lstm")
    layers = tuple(parse_layer(obj, "layer") for obj in (
        {"type": "Embedding", "embedding_dim": 8},
        {"type": "Conv1d", "out_channels": 8, "kernel_size": 3, "padding": 1},
        {"type": "GRU", "hidden_size": 16, "output": "all"},
        {"type": "Linear", "out_features": None}))
    exp = exp.with_model(ModelSpec(layers))
    bundle = datasets.load(exp.dataset, exp.training.seed)
    model = claims.model_with(exp, claims.initial_weights(exp, bundle.info), bundle.info)
    assert not generation._steppable(model)
    out = list(generate_steps(model, "ab", bundle.vocab, 10, seed=0, window=64))
    assert len(out) == 10 and out[0].hidden.shape == (16,)


def test_real_word_share():
    assert real_word_share("the river bank flows", "The river, the bank.") == pytest.approx(1.0)  # "flows" cut
    assert real_word_share("the xq bank ", "the bank") == pytest.approx(2 / 3)
    assert np.isnan(real_word_share("", "the"))


def test_generate_from_the_weights_beside_the_file(tmp_path, text_model):
    exp, _bundle, weights, _model = text_model
    import shutil

    from engine.preset_paths import builtin_or_given

    path = tmp_path / "text.json"
    shutil.copy(builtin_or_given("text_lstm"), path)
    save_weights(weights_path_for(path), exp, weights)
    code, out, err = run(str(path), "--generate", "The ", "--length", "50", "--sample-seed", "2")
    assert code == 0, err
    assert out.startswith("The ") and len(out.rstrip("\n")) == 54
    assert "50 characters at temperature 0.7" in err
    again = run(str(path), "--generate", "The ", "--length", "50", "--sample-seed", "2")[1]
    assert again == out


@pytest.mark.parametrize("argv, says", [
    (["--generate", ""], "seed is empty"),
    (["--generate", "The €"], "never saw: “€”"),
    (["--generate", "The", "--length", "0"], "length must be from 1"),
    (["--generate", "The", "--length", "1000000000"], "length must be from 1"),
    (["--generate", "The", "--temperature", "0"], "temperature must be above 0"),
    (["--generate", "The", "--temperature", "-2"], "temperature must be above 0"),
    (["--generate", "The"], "has no trained weights"),
])
def test_bad_generate_requests_are_one_line_and_train_nothing(tmp_path, argv, says):
    import shutil

    from engine.preset_paths import builtin_or_given

    path = tmp_path / "t.json"
    shutil.copy(builtin_or_given("text_lstm"), path)
    extra = [] if "no trained" in says else ["--headless", "--epochs", "1"]
    code, out, err = run(str(path), *argv, *extra)
    assert code == 2 and says in err and err.count("\n") == 1, err
    assert "epoch" not in out  # refused before training


def test_generate_refuses_a_model_that_is_not_a_character_model():
    code, _out, err = run("digits_cnn", "--generate", "The")
    assert code == 2 and "needs a character model" in err
