"""The lab's shared input reaches each column as that column's own data set
would have given it, and the edits do what they say."""

from __future__ import annotations

import numpy as np
import pytest

from engine import datasets
from engine.comparison_file import load_comparison
from engine.lab_input import Edits, adapt, adapt_target, apply_edits, edit_target, fits, plain_spec
from engine.presets import PRESETS_DIR


def columns(name: str):
    return [e.experiment for e in load_comparison(PRESETS_DIR / f"{name}.json").experiments]


@pytest.mark.parametrize("name", ["compare_digits_cnn_gru", "compare_permuted_pixels", "compare_shuffled_steps",
                                  "compare_copy_memory"])
def test_a_plain_sample_adapted_is_the_columns_own_sample(name):
    """The same validation sample, through each column's form options
    (rows for the GRU, its fixed pixel permutation, its step shuffle)."""
    experiments = columns(name)
    source = plain_spec(experiments[0].dataset)
    plain = datasets.load(source, experiments[0].training.seed)
    for experiment in experiments:
        assert fits(source, experiment.dataset) is None
        own = datasets.load(experiment.dataset, experiment.training.seed)
        for i in (0, 5):
            x = adapt(plain.x_val[i].numpy(), experiment)
            np.testing.assert_array_equal(x, own.x_val[i].numpy())
            np.testing.assert_array_equal(adapt_target(plain.y_val[i].numpy(), experiment), own.y_val[i].numpy())


def test_another_data_set_does_not_fit_and_says_why():
    digits = columns("compare_digits_cnn_gru")[0].dataset
    shapes = columns("compare_shift")[0].dataset
    assert "“digits” sample; this column trains on “shapes”" in fits(digits, shapes)
    other_position = shapes.with_options(position="anywhere")
    assert "differs in position" in fits(shapes, other_position)
    assert fits(shapes, shapes.with_options(n_samples=500)) is None  # another count: still its kind of sample


def test_image_edits():
    x = np.zeros((1, 8, 8), np.float32)
    x[0, 2, 3] = 1.0
    shifted = apply_edits(x, Edits(shift_x=2, shift_y=-1))
    assert shifted[0, 1, 5] == 1.0 and shifted.sum() == 1.0 and x[0, 2, 3] == 1.0  # a copy
    assert apply_edits(x, Edits(shift_x=8)).sum() == 0  # moved out: nothing comes back round
    permuted = apply_edits(x, Edits(permute=True))
    assert permuted.sum() == 1.0 and not np.array_equal(permuted, x)
    np.testing.assert_array_equal(permuted, apply_edits(x, Edits(permute=True)))  # one fixed permutation
    full = np.ones((1, 8, 8), np.float32)
    blanked = apply_edits(full, Edits(occlude=True, occlude_at=0.0, occlude_size=0.25))
    assert blanked.sum() == 64 - 4 and blanked[0, 3:5, 0:2].sum() == 0
    assert Edits(shift_x=2, shift_y=-1).describe(image=True) == "shifted 2 right, 1 up"
    assert Edits().describe(image=True) == "as sampled" and not Edits().any


def test_sequence_edits_move_per_step_targets_with_their_steps():
    x = np.eye(6, dtype=np.float32)  # step t has feature t
    y = np.arange(6)
    later = apply_edits(x, Edits(shift_x=2))
    assert later[:2].sum() == 0 and later[2, 0] == 1.0
    assert edit_target(y, Edits(shift_x=2)).tolist() == [-100, -100, 0, 1, 2, 3]
    shuffled, moved = apply_edits(x, Edits(permute=True)), edit_target(y, Edits(permute=True))
    np.testing.assert_array_equal(shuffled.argmax(axis=1), moved)  # each step keeps its answer
    assert apply_edits(x, Edits(length=4)).shape == (4, 6)
    longer = apply_edits(x, Edits(length=9))
    assert longer.shape == (9, 6) and longer[6:].sum() == 0
    assert edit_target(y, Edits(length=9)).tolist()[6:] == [-100] * 3
    assert edit_target(np.array(3), Edits(shift_x=2)) == 3  # a label stays
    assert Edits(shift_x=-1, permute=True).describe(image=False) == "shifted 1 step earlier · steps shuffled"
