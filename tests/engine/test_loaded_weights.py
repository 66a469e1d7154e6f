"""engine.loaded_weights: the views' events for weights read from a file."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import PlaygroundError
from engine.events import Predictions, RunStarted, Snapshot
from engine.loaded_weights import look_inside
from engine.presets import load_preset
from engine.probes import ProbeSettings
from engine.training import train


def _trained(experiment):
    """The weights a short run ends with, and its last Predictions (made with them)."""
    finished = predictions = None
    for event in train(experiment, device="cpu", probes=ProbeSettings(), epochs=2):
        if isinstance(event, Predictions):
            predictions = event
        finished = event
    return finished.weights, predictions


@pytest.mark.parametrize("seed", [0, 1])
def test_the_snapshot_and_predictions_are_those_of_the_weights_given(seed):
    experiment = load_preset("digits_cnn").with_training(seed=seed, epochs=2)
    weights, after_run = _trained(experiment)
    events = look_inside(experiment, weights)
    started = next(e for e in events if isinstance(e, RunStarted))
    snapshots = [e for e in events if isinstance(e, Snapshot)]
    predictions = next(e for e in events if isinstance(e, Predictions))
    assert snapshots and all(s.step == 0 for s in snapshots)
    # The filters shown are the file's, not a fresh initialisation's.
    np.testing.assert_array_equal(snapshots[-1].filters[0], weights["layers.0.weight"])
    # The Predictions view reads as it did at the end of the run that made the weights.
    np.testing.assert_array_equal(predictions.predicted, after_run.predicted)
    assert predictions.step == 0 and len(started.sample_targets) == len(predictions.predicted)
    fresh = look_inside(experiment, {k: np.zeros_like(v) for k, v in weights.items()})
    assert not np.array_equal(next(e for e in fresh if isinstance(e, Snapshot)).filters[0], weights["layers.0.weight"])


def test_weights_of_another_model_are_refused_with_the_engine_error():
    experiment = load_preset("digits_cnn")
    other = load_preset("digits_mlp")
    with pytest.raises(PlaygroundError):
        look_inside(experiment, _trained(other.with_training(epochs=1))[0])
