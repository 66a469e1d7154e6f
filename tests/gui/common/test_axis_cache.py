"""Axes paint from a cached pixmap (gui/common/axis_cache.py), and the cache
never shows stale ticks: a new range repaints the axis."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem

from gui.common import axis_cache


def _axis_pixels(widget: pg.PlotWidget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(widget.grab().toImage().Format.Format_Grayscale8)
    axis = widget.getPlotItem().getAxis("bottom")
    top = int(axis.mapRectToScene(axis.boundingRect()).top()) + 6  # below the tick marks' reach
    bits = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return bits[top:image.height(), :image.width()].copy()


def test_axes_are_cached_and_repaint_on_a_new_range(qtbot):
    axis_cache.install()
    axis_cache.install()  # twice is once
    widget = pg.PlotWidget(background="w")
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    qtbot.waitExposed(widget)
    axis = widget.getPlotItem().getAxis("bottom")
    assert axis.cacheMode() == QGraphicsItem.CacheMode.DeviceCoordinateCache
    widget.setXRange(0, 1, padding=0)
    before = _axis_pixels(widget)
    assert (before < 200).any(), "tick labels are painted"
    widget.setXRange(1000, 5000, padding=0)
    after = _axis_pixels(widget)
    assert not np.array_equal(before, after), "the axis kept its old ticks"


def test_unchanged_range_ticks_and_label_keep_the_cached_picture(qtbot):
    """Views set a colour bar's levels, class-name ticks and labels at every
    snapshot; given what the axis already shows, it must not regenerate."""
    axis_cache.install()
    axis = pg.AxisItem("bottom")  # not linked to a view: only these calls set its range
    axis.setRange(0.0, 2.0)
    axis.setTicks([[(0.0, "a"), (1.0, "b")], []])
    axis.setLabel("predicted class")
    axis.picture = "kept"  # what paint() would regenerate from, were it cleared
    axis.setRange(0.0, 2.0)
    axis.setTicks([[(0.0, "a"), (1.0, "b")], []])
    axis.setLabel("predicted class")
    assert axis.picture == "kept"
    for change in (lambda: axis.setRange(0.0, 3.0), lambda: axis.setTicks([[(0.0, "c")], []]),
                   lambda: axis.setLabel("true class")):
        axis.picture = "kept"
        change()
        assert axis.picture is None, "a real change must redraw the axis"
    assert axis.range == [0.0, 3.0] and axis.labelText == "true class"
