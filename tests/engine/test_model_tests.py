"""Probe actions on trained models: shift test (C3), pixel permutation and
time-step shuffle (C10), a different input size or length (C6)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine import datasets
from engine.errors import PlaygroundError
from engine.events import Finished
from engine.experiment_file import parse_experiment
from engine.model_tests import applicable_tests, run_model_tests, shift_distances, shift_images
from engine.shapes import build_model
from engine.training import train
from engine.weights_file import WeightsFileError, state_to_numpy


def experiment(layers, dataset="digits", options=None, **training):
    return parse_experiment({
        "format": "cnn-rnn-playground/experiment", "version": 1, "name": "p", "description": "",
        "dataset": {"name": dataset, "options": options or {}},
        "model": {"layers": layers}, "training": {"epochs": 3, "learning_rate": 0.01, **training},
    })


def trained_weights(exp):
    return [e for e in train(exp) if isinstance(e, Finished)][0].weights


def untrained_weights(exp):
    torch.manual_seed(0)
    return state_to_numpy(build_model(exp.model, datasets.describe(exp.dataset)))


POOLED_CNN = [{"type": "Conv2d", "out_channels": 8, "padding": 1}, {"type": "ReLU"},
              {"type": "Conv2d", "out_channels": 16, "padding": 1}, {"type": "ReLU"},
              {"type": "GlobalMaxPool"}, {"type": "Linear"}]
MLP = [{"type": "Flatten"}, {"type": "Linear", "out_features": 64}, {"type": "ReLU"}, {"type": "Linear"}]
FLAT_CNN = [{"type": "Conv2d", "out_channels": 8}, {"type": "ReLU"}, {"type": "Flatten"}, {"type": "Linear"}]
GRU = [{"type": "GRU", "hidden_size": 16}, {"type": "Linear"}]
# Shapes only ever in the left half: shifted right by half the image they land
# where an MLP has seen nothing but noise, and where no shape is cut off.
LEFT_SHAPES = {"n_samples": 800, "position": "left", "noise": 0.05}


@pytest.mark.parametrize("seed", [0, 2])
def test_shifted_images_keep_a_pooled_cnn_accurate_but_not_an_mlp(seed):
    """Seeds 0-4 at 1 and 2 threads: the CNN 0.92-1.00 before and after, the
    MLP 0.19-0.33 after (seed 2 is the CNN's lowest)."""
    cnn = experiment(POOLED_CNN, "shapes", LEFT_SHAPES, seed=seed)
    mlp = experiment(MLP, "shapes", LEFT_SHAPES, seed=seed)
    cnn_results = run_model_tests(cnn, trained_weights(cnn), ["shift"])
    mlp_results = run_model_tests(mlp, trained_weights(mlp), ["shift"])
    assert [r.name for r in cnn_results] == ["Shift test, 2 px right", "Shift test, 4 px right",
                                             "Shift test, 8 px right"]
    cnn_far, mlp_far = cnn_results[-1], mlp_results[-1]
    assert cnn_far.claim == "C3" and cnn_far.metric == "accuracy" and cnn_far.refusal is None
    assert cnn_far.before > 0.8 and cnn_far.after > 0.8  # found wherever it is
    assert mlp_far.after < 0.45  # chance is 0.25
    assert (cnn_far.before - cnn_far.after) < (mlp_far.before - mlp_far.after)
    assert "kept most of it" in cnn_far.note and "wherever it is" in cnn_far.note
    assert "tied to positions" in mlp_far.note and "out of the frame" not in mlp_far.note


def test_shift_moves_pixels_and_fills_with_zeros():
    x = torch.arange(1, 7, dtype=torch.float32).reshape(1, 1, 1, 6)
    assert shift_images(x, 2).flatten().tolist() == [0, 0, 1, 2, 3, 4]
    assert shift_images(x, -2).flatten().tolist() == [3, 4, 5, 6, 0, 0]
    assert shift_images(x, 0).flatten().tolist() == [1, 2, 3, 4, 5, 6]
    assert shift_distances(8) == (1, 2, 4) and shift_distances(16) == (2, 4, 8)


def test_flatten_linear_refuses_a_new_size_with_a_readable_message():
    exp = experiment(FLAT_CNN)
    (result,) = run_model_tests(exp, untrained_weights(exp), ["new_size"])
    assert result.name == "Input size 8×8 → 12×12" and result.claim == "C6"
    assert result.after is None
    assert result.refusal == ("layer 4 (Linear) weight was trained as 10×288, 12×12 images would need 10×800: "
                              "after Flatten the number of features grows with the input, so a fixed-size "
                              "Linear cannot take it; end the convolutions with global pooling to take any size")
    assert result.note.startswith("refused 12×12 images (the 8×8 ones scaled up smoothly): ")


def test_pooled_cnn_takes_a_larger_image():
    exp = experiment(POOLED_CNN[:-2] + [{"type": "GlobalAvgPool"}, {"type": "Linear"}], epochs=2)
    (result,) = run_model_tests(exp, trained_weights(exp), ["new_size"])
    assert result.refusal is None and 0.0 <= result.after <= 1.0
    # Taking the size is one thing, keeping the accuracy another: the note says which held,
    # never "fell close to chance; the model takes any size" (issue #16, item 14).
    assert ("the model takes any size" in result.note) != ("does not carry over" in result.note)
    assert not ("close to chance" in result.note and "takes any size" in result.note)


@pytest.mark.parametrize("seed", [0, 4])
def test_rnn_takes_another_length_and_an_order_dependent_task_suffers_from_shuffling(seed):
    """Over seeds 0-4 at 1 and 2 threads the row-reading GRU lost 0.22 to 0.59
    of its accuracy on shuffled rows (seed 4 loses least)."""
    exp = experiment(GRU, "digits", {"as_sequence": True}, seed=seed)
    weights = trained_weights(exp)
    (shuffled,) = run_model_tests(exp, weights, ["shuffle_steps"])
    assert shuffled.claim == "C10" and shuffled.before > 0.5
    assert shuffled.after < shuffled.before - 0.15  # rows out of order: the digit is mostly gone
    assert "the order of the steps matters" in shuffled.note

    motif = experiment(GRU, "motif", {"n_samples": 400, "length": 20}, epochs=1)
    (longer,) = run_model_tests(motif, trained_weights(motif), ["new_size"])
    assert longer.name == "Sequence length 20 → 40"
    assert longer.refusal is None and 0.0 <= longer.after <= 1.0


def test_regression_per_step_data_reports_mse_for_shuffle_and_length():
    exp = experiment([{"type": "GRU", "hidden_size": 8, "output": "all"}, {"type": "Linear"}], "sine",
                     {"n_samples": 300, "length": 20, "target": "every_step"}, epochs=1)
    results = run_model_tests(exp, trained_weights(exp))
    assert [r.action for r in results] == ["shuffle_steps", "new_size"]
    assert all(r.metric == "mse" and r.after is not None and r.after >= 0 for r in results)


def test_flatten_on_sequences_refuses_another_length():
    exp = experiment([{"type": "Conv1d", "out_channels": 4}, {"type": "ReLU"}, {"type": "Flatten"},
                      {"type": "Linear"}], "motif", {"n_samples": 200, "length": 20})
    (result,) = run_model_tests(exp, untrained_weights(exp), ["new_size"])
    assert result.after is None and result.refusal.startswith("layer 4 (Linear) weight was trained as 4×72, "
                                                              "sequences of length 40 would need 4×152")


def test_pixel_permutation_uses_the_data_sets_fixed_permutation():
    exp = experiment(MLP, epochs=2)
    weights = trained_weights(exp)
    (result,) = run_model_tests(exp, weights, ["permute_pixels"])
    # The same numbers as training data generated with permute_pixels on.
    permuted = experiment(MLP, options={"permute_pixels": True})
    bundle = datasets.load(permuted.dataset, 0)
    model = build_model(exp.model, bundle.info)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
    from engine.training import Objective, evaluate
    assert result.after == pytest.approx(evaluate(model, bundle.x_val, bundle.y_val, Objective(True))[1])
    assert result.after < result.before - 0.3 and "train with permute_pixels on" in result.note


def test_applicable_actions_follow_the_data():
    def keys(exp):
        return [a.key for a in applicable_tests(exp)]

    assert keys(experiment(FLAT_CNN)) == ["shift", "permute_pixels", "new_size"]
    assert keys(experiment(FLAT_CNN, options={"permute_pixels": True})) == ["shift", "new_size"]
    assert keys(experiment(GRU, "digits", {"as_sequence": True})) == ["permute_pixels", "shuffle_steps"]
    assert keys(experiment(GRU, "motif")) == ["shuffle_steps", "new_size"]
    assert keys(experiment(GRU, "motif", {"shuffle_steps": True})) == ["new_size"]


def test_refusals_for_wrong_weights_and_actions_that_do_not_apply():
    exp = experiment(FLAT_CNN)
    with pytest.raises(WeightsFileError, match=r"the trained weights: layer 1 \(Conv2d\) weight is 8×1×3×3, "
                                               r"the model needs 4×1×3×3"):
        run_model_tests(experiment([{"type": "Conv2d", "out_channels": 4}, *FLAT_CNN[1:]]), untrained_weights(exp))
    with pytest.raises(PlaygroundError, match="Time-step shuffle: does not apply"):
        run_model_tests(exp, untrained_weights(exp), ["shuffle_steps"])


def test_probe_actions_leave_the_global_random_state_alone():
    exp = experiment(FLAT_CNN)
    weights = untrained_weights(exp)
    state = torch.get_rng_state()
    results = run_model_tests(exp, weights)
    assert torch.equal(state, torch.get_rng_state())
    assert len({r.before for r in results}) == 1  # one "before" for every action
    np.testing.assert_array_equal(weights["layers.0.weight"], untrained_weights(exp)["layers.0.weight"])
