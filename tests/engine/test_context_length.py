"""C14 measured, not hard-coded: how much context a character model uses on
held-out text, and what two prefixes a user types tell apart."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine import claims as measure
from engine import datasets
from engine.experiment_file import parse_experiment
from engine.presets import load_preset


def text_model(layers):
    exp = parse_experiment({**_doc(), "model": {"layers": layers}})
    bundle = datasets.load(exp.dataset, 0)
    torch.manual_seed(0)
    return measure.model_with(exp, measure.initial_weights(exp, bundle.info), bundle.info), bundle


def _doc():
    from engine.experiment_file import experiment_to_dict

    return experiment_to_dict(load_preset("text_lstm"))


def test_a_model_that_reads_one_character_uses_one_character_of_context():
    """Embedding → Linear at every step: nothing but the last character counts."""
    model, bundle = text_model([{"type": "Embedding", "embedding_dim": 8}, {"type": "Linear"}])
    curve = measure.context_curve(model, bundle.x_val, bundle.y_val, samples=64)
    assert curve.window == bundle.x_val.shape[1] and curve.samples == 64
    assert max(curve.distance) < 1e-6 and curve.used == 1
    assert curve.loss[0] == pytest.approx(curve.full_loss)


def test_a_recurrent_model_s_predictions_depend_on_more_than_the_last_characters():
    model, bundle = text_model([{"type": "Embedding", "embedding_dim": 16}, {"type": "LSTM", "hidden_size": 32,
                                                                              "output": "all"}, {"type": "Linear"}])
    curve = measure.context_curve(model, bundle.x_val, bundle.y_val, samples=32)
    assert curve.lengths == (1, 2, 4, 8, 16, 32)  # shorter than the 64-character window
    assert curve.distance[0] > curve.distance[-1]  # the more of the window it reads, the closer to the whole
    assert all(0 <= d <= 1 for d in curve.distance)


def test_two_typed_prefixes_share_a_tail_and_the_sentence_says_what_it_means():
    model, bundle = text_model([{"type": "Embedding", "embedding_dim": 16}, {"type": "LSTM", "hidden_size": 32,
                                                                              "output": "all"}, {"type": "Linear"}])
    c = measure.compare_prefixes(model, "the river bank", "a deposit at the bank", bundle.vocab)
    assert c.shared_tail == len(" bank") and 0 <= c.distance <= 1
    assert np.isclose(c.p_a.sum(), 1) and np.isclose(c.p_b.sum(), 1)
    assert c.sentence(bundle.vocab, used=16).startswith("The last 5 characters are the same")
    assert "longer than the ~4 characters this model uses" in c.sentence(bundle.vocab, used=4)
    same = measure.compare_prefixes(model, "abc", "xyz", bundle.vocab)
    assert same.shared_tail == 0 and same.sentence(bundle.vocab, 16).startswith("The prefixes end differently")
