"""Bounded curve history: memory stays fixed however long the run."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gui.common.step_history import StepHistory


def test_a_million_steps_stay_within_capacity_and_evenly_spread():
    history = StepHistory(capacity=1000)
    for start in range(0, 1_000_000, 5000):
        steps = np.arange(start, start + 5000, dtype=float)
        history.extend(steps, np.ones_like(steps))
    assert len(history) <= 1000
    assert history.x[0] == 0
    gaps = np.diff(history.x)
    assert (gaps == history.stride).all()
    assert history.x[-1] > 990_000 - history.stride


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=300), min_size=1, max_size=40),
       st.integers(min_value=2, max_value=64))
def test_kept_points_are_every_stride_th_offered(batches, capacity):
    history = StepHistory(capacity=capacity)
    offered = 0
    for size in batches:
        xs = np.arange(offered, offered + size, dtype=float)
        history.extend(xs, xs * 2)
        offered += size
    assert len(history) <= capacity
    expected = np.arange(0, offered, history.stride, dtype=float)
    assert np.array_equal(history.x, expected)
    assert np.array_equal(history.y, expected * 2)


def test_smoothing_is_bias_corrected_and_sees_every_point():
    history = StepHistory(capacity=4, smoothing=0.5)
    history.extend(np.arange(8.0), np.full(8, 3.0))
    assert np.allclose(history.smoothed, 3.0)  # no pull towards zero at the start
    assert history.nearest(5.2) == int(np.argmin(abs(history.x - 5.2)))
