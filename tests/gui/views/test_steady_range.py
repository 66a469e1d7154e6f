"""Live plots whose range holds still while the data moves inside it: a
range refitted at every snapshot regenerated both axes at every frame (the
hidden-state trajectories spent half of each paint on them)."""

from __future__ import annotations

import numpy as np
import pytest


def test_the_range_holds_while_the_data_stays_inside_and_fills_it():
    from gui.views.steady_range import steady

    first = steady(None, 0.13, 0.91)
    assert first[0] <= 0.13 and first[1] >= 0.91
    assert first[1] - first[0] <= 2 * (0.91 - 0.13)  # headroom, not a far-off range
    assert steady(first, 0.15, 0.88) == first  # moved a little inside: unchanged
    grown = steady(first, 0.15, 1.4)  # left it: a new range that holds the data
    assert grown != first and grown[0] <= 0.15 and grown[1] >= 1.4
    shrunk = steady(grown, 0.50, 0.52)  # far smaller than its range: refitted around it
    assert shrunk[0] <= 0.50 and shrunk[1] >= 0.52 and shrunk[1] - shrunk[0] < 0.2
    assert steady(shrunk, float("nan"), 1.0) == shrunk  # nothing finite to fit: left as it is
    single = steady(None, 3.0, 3.0)
    assert single[0] < 3.0 < single[1]
    epochs = steady(None, 0.0, 31.0)  # data that never goes below zero: no negative epochs on the axis
    assert -1.0 < epochs[0] <= 0.0 and epochs[1] >= 31.0
    assert steady(None, -0.3, 31.0)[0] <= -0.3


@pytest.mark.parametrize("seed", range(5))
def test_a_drifting_cloud_changes_the_range_a_few_times_not_every_frame(seed):
    from gui.views.steady_range import steady

    rng = np.random.default_rng(seed)
    current, changes = None, 0
    centre = np.zeros(2)
    for _ in range(200):
        centre += rng.normal(0, 0.01, 2)
        points = centre + rng.normal(0, 1.0, (64, 2))
        new = steady(current, float(points.min()), float(points.max()))
        assert new[0] <= points.min() and points.max() <= new[1]
        changes += new != current
        current = new
    assert changes <= 20


def test_a_plot_follows_its_data_steadily_until_the_user_pans(qtbot):
    import pyqtgraph as pg

    from gui.views.steady_range import SteadyRange

    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.show()
    plot = widget.getPlotItem()
    steady = SteadyRange(plot)
    steady.fit(np.array([0.0, 1.0]), np.array([-2.0, 2.0]))
    fitted = plot.vb.viewRange()
    assert fitted[0][0] <= 0.0 and fitted[0][1] >= 1.0 and fitted[1][0] <= -2.0 and fitted[1][1] >= 2.0
    steady.fit(np.array([0.05, 0.97]), np.array([-1.9, 1.8]))
    assert plot.vb.viewRange() == fitted
    plot.vb.translateBy(x=5.0)  # a pan, as a mouse drag does it
    plot.vb.sigRangeChangedManually.emit(plot.vb.state["mouseEnabled"])
    panned = plot.vb.viewRange()
    steady.fit(np.array([0.0, 30.0]), np.array([-2.0, 2.0]))
    assert plot.vb.viewRange() == panned  # the user's view is left alone
    steady.reset()  # the "A" button, or a new run
    steady.fit(np.array([0.0, 30.0]), np.array([-2.0, 2.0]))
    assert plot.vb.viewRange()[0][1] >= 30.0
