"""The live views beyond colour, on hand-built events (no training): the
trajectories' classes told apart by dash as well as colour."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from engine.events import Snapshot
from tests.gui.views.test_view_rnn import FakeRun, open_view


# --- trajectories -------------------------------------------------------------------------------
def test_trajectory_classes_differ_by_dash_as_well_as_colour(qtbot):
    from gui.common.line_styles import dash
    from gui.views.trajectories import HiddenStateTrajectories

    view = open_view(qtbot, HiddenStateTrajectories)
    view.set_run(FakeRun(probe_inputs=np.zeros((6, 5, 1)), probe_targets=np.array([0, 1, 2, 0, 1, 2])))
    states = np.random.default_rng(1).normal(size=(6, 5, 4)).astype(np.float32)
    view.show_snapshot(Snapshot(3, 1, hidden_states={0: states}))
    pens = {line.shown_class: line.opts["pen"] for line in view.class_lines if line.shown_class is not None}
    assert sorted(pens) == [0, 1, 2]
    assert len({pen.style() for pen in pens.values()}) == 3  # three classes, three dash patterns
    assert [pens[c].style() for c in range(3)] == [dash(c) for c in range(3)]
    assert pens[0].style() == Qt.PenStyle.SolidLine
    assert len({pen.color().name() for pen in pens.values()}) == 3  # and their colours still differ
    # The legend draws each class with its own pen, dashes included.
    legend_pens = [sample.item.opts["pen"] for sample, _ in view.legend.items
                   if getattr(sample.item, "shown_class", None) is not None]
    assert {pen.style() for pen in legend_pens} == {pen.style() for pen in pens.values()}
