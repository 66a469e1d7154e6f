"""The filter fields a lesson records of a run (engine/lesson_measure.filter_fields) are the
numbers bench/claims.py measures for C4: engine/claims.py's relative change and neighbour
correlation of the first convolution's kernel, from the run's start to its end."""

from __future__ import annotations

import numpy as np
import pytest

from engine import claims
from engine.events import Finished
from engine.lesson_measure import filter_fields, first_conv_key
from engine.lesson_targets import FILTER_FIELDS, RUN_FIELDS
from engine.presets import load_preset
from engine.training import train


def trained_weights(experiment, initial_weights=None):
    for event in train(experiment, device="cpu", initial_weights=initial_weights):
        if isinstance(event, Finished):
            return event.weights
    raise AssertionError("the run never finished")


@pytest.fixture(scope="module")
def small_cnn():
    """digits_cnn for one epoch (the claim trains it for 25): its first filters have moved."""
    experiment = load_preset("digits_cnn").with_training(epochs=1, seed=1)
    return experiment, trained_weights(experiment)


def test_the_filter_fields_are_claim_c4s_numbers_for_a_trained_cnn(small_cnn):
    experiment, weights = small_cnn
    assert set(FILTER_FIELDS) <= set(RUN_FIELDS)
    assert first_conv_key(experiment, weights) == "layers.0.weight"
    # As bench/claims.py's c4 measures them.
    before = claims.initial_weights(experiment)["layers.0.weight"]
    after = weights["layers.0.weight"]
    fields = filter_fields(experiment, weights)
    assert fields == {"filters_moved": claims.relative_change(before, after),
                      "filter_smoothness": claims.neighbour_correlation(after),
                      "filter_smoothness_start": claims.neighbour_correlation(before)}
    assert fields["filters_moved"] > 0.05
    assert all(isinstance(v, float) and np.isfinite(v) for v in fields.values())


def test_a_continued_run_is_measured_from_the_weights_it_was_given(small_cnn):
    experiment, first = small_cnn
    second = trained_weights(experiment, initial_weights=first)
    fields = filter_fields(experiment, second, start=first)
    key = "layers.0.weight"
    assert fields["filters_moved"] == claims.relative_change(first[key], second[key])
    assert fields["filter_smoothness_start"] == claims.neighbour_correlation(first[key])
    # Without them, the start is the seed's fresh initialisation.
    fresh = filter_fields(experiment, second)
    assert fresh["filter_smoothness_start"] == claims.neighbour_correlation(claims.initial_weights(experiment)[key])
    assert fresh["filters_moved"] != fields["filters_moved"]


def test_a_model_without_a_convolution_or_without_weights_has_no_filter_fields(small_cnn):
    mlp = load_preset("digits_mlp")
    assert filter_fields(mlp, claims.initial_weights(mlp)) == dict.fromkeys(FILTER_FIELDS)
    assert filter_fields(small_cnn[0], None) == dict.fromkeys(FILTER_FIELDS)
    assert filter_fields(small_cnn[0], {}) == dict.fromkeys(FILTER_FIELDS)


def test_a_conv1d_kernel_is_read_as_one_row():
    experiment = load_preset("motif_cnn")
    start = claims.initial_weights(experiment)
    key = first_conv_key(experiment, start)
    assert key is not None and start[key].ndim == 3
    moved = {k: v * 1.5 if k == key else v for k, v in start.items()}
    fields = filter_fields(experiment, moved)
    assert fields["filters_moved"] == pytest.approx(0.5)
    assert fields["filter_smoothness"] == pytest.approx(claims.neighbour_correlation(start[key][:, :, None, :]))
