"""The convolution explainer's numbers (engine/explain/convolution.py) against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.explain import convolution as cv


def _torch(grid: np.ndarray) -> torch.Tensor:
    return torch.tensor(grid, dtype=torch.float64)[None, None]


def test_c1_worked_example_sums_to_4():
    steps = cv.convolution_steps(cv.C1_PATCH, cv.C1_KERNEL)
    assert len(steps) == 1
    assert steps[0].value == 4
    np.testing.assert_array_equal(steps[0].products, cv.C1_PATCH * cv.C1_KERNEL)
    assert cv.equation(steps[0], cv.CONVOLUTION, cv.C1_KERNEL) == \
        "1·1 + 0·0 + 1·0 + 0·1 + 1·1 + 0·0 + 1·1 + 0·1 + 1·1 = 4"
    # C1's patch looks the same turned half a turn, so flipping the kernel would give 4 too;
    # on a patch that is not, torch (and we) do not flip: cross-correlation.
    assert float((cv.C1_PATCH * cv.C1_KERNEL[::-1, ::-1]).sum()) == 4
    patch = np.arange(9.0).reshape(3, 3)
    (step,) = cv.convolution_steps(patch, cv.C1_KERNEL)
    assert step.value == float((patch * cv.C1_KERNEL).sum()) != float((patch * cv.C1_KERNEL[::-1, ::-1]).sum())
    assert F.conv2d(_torch(patch), _torch(cv.C1_KERNEL)).item() == step.value
    assert F.conv2d(_torch(cv.C1_PATCH), _torch(cv.C1_KERNEL)).item() == 4


def test_c5_max_pool_is_3_and_names_the_winning_cell():
    (step,) = cv.pooling_steps(cv.C5_GRID, 2, mode=cv.MAX_POOL)
    assert step.value == 3 and step.chosen == (1, 0)
    assert cv.equation(step, cv.MAX_POOL) == "max(1, 2, 3, 0) = 3"
    (average,) = cv.pooling_steps(cv.C5_GRID, 2, mode=cv.AVG_POOL)
    assert average.value == 1.5
    assert cv.equation(average, cv.AVG_POOL) == "(1 + 2 + 3 + 0) / 4 = 1.5"


@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("padding", [0, 1, 2])
@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_convolution_equals_torch_conv2d(stride, padding, size):
    rng = np.random.default_rng(stride * 100 + padding * 10 + size)
    grid = rng.normal(size=(7, 9))
    kernel = rng.normal(size=(size, size))
    bias = float(rng.normal())
    steps = cv.convolution_steps(grid, kernel, stride, padding, bias)
    shape = cv.out_shape(grid.shape, size, stride, padding)
    ours = cv.assemble(steps, shape)
    theirs = F.conv2d(_torch(grid), _torch(kernel), torch.tensor([bias], dtype=torch.float64),
                      stride=stride, padding=padding)[0, 0].numpy()
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    for step in steps:  # every position's sum is its products' sum (plus the bias)
        assert step.value == pytest.approx(step.products.sum() + bias)


@pytest.mark.parametrize("mode, torch_pool", [(cv.MAX_POOL, F.max_pool2d), (cv.AVG_POOL, F.avg_pool2d)])
@pytest.mark.parametrize("stride", [1, 2, None])
@pytest.mark.parametrize("padding", [0, 1, 2])
@pytest.mark.parametrize("size", [2, 3, 4])
def test_pooling_equals_torch(mode, torch_pool, stride, padding, size):
    if 2 * padding > size:
        with pytest.raises(cv.ExplainError, match="at most half the window"):
            cv.pooling_steps(np.zeros((6, 6)), size, stride, padding, mode)
        with pytest.raises(RuntimeError):  # torch refuses the same settings
            torch_pool(torch.zeros(1, 1, 6, 6), size, stride, padding)
        return
    rng = np.random.default_rng(size * 100 + padding * 10 + (stride or 0))
    grid = rng.normal(size=(7, 8)) - 2.0  # mostly negative: max pooling's padding must never win
    steps = cv.pooling_steps(grid, size, stride, padding, mode)
    ours = cv.assemble(steps, cv.out_shape(grid.shape, size, stride or size, padding))
    theirs = torch_pool(_torch(grid), size, stride, padding)[0, 0].numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    if mode == cv.MAX_POOL:
        _, indices = F.max_pool2d(_torch(grid), size, stride, padding, return_indices=True)
        width = grid.shape[1]
        for step, index in zip(steps, indices[0, 0].flatten().tolist(), strict=True):
            row, col = step.top + step.chosen[0] - padding, step.left + step.chosen[1] - padding
            assert row * width + col == index  # the cell we highlight is the one torch picked


def test_output_size_and_same_padding_keeps_the_size():
    assert cv.output_size(8, 3, 1, 1) == 8  # 'same': padding (k−1)/2 keeps the size
    assert cv.output_size(8, 3, 1, 0) == 6
    assert cv.output_size(8, 2, 2, 0) == 4  # downsampling is what shrinks the map
    assert cv.output_size(7, 3, 2, 1) == 4


def test_refusals_are_one_line():
    with pytest.raises(cv.ExplainError, match="larger than the padded input"):
        cv.convolution_steps(np.zeros((2, 2)), np.ones((3, 3)))
    with pytest.raises(cv.ExplainError, match="square"):
        cv.convolution_steps(np.zeros((4, 4)), np.ones((2, 3)))


def test_assemble_leaves_uncomputed_cells_empty():
    steps = cv.convolution_steps(np.arange(16.0).reshape(4, 4), np.ones((2, 2)), 2)
    partial = cv.assemble(steps, (2, 2), upto=1)
    assert partial[0, 0] == 0 + 1 + 4 + 5 and np.isnan(partial).sum() == 3


def test_numbers_read_well():
    assert cv.number(4.0) == "4" and cv.number(-0.314) == "−0.31" and cv.number(0.5) == "0.5"
    assert cv.number(-np.inf) == "−∞"
    step = cv.convolution_steps(np.array([[-1.0]]), np.array([[0.25]]), bias=0.5)[0]
    assert cv.equation(step, cv.CONVOLUTION, np.array([[0.25]]), bias=0.5) == "(−1)·0.25 + bias 0.5 = 0.25"
