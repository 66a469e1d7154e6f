"""Every pyqtgraph axis paints from a cached pixmap, and is redrawn only when
what it shows changes.

A live view's image or curve changes several times a second while its axes
do not, yet Qt repaints every item that overlaps the changed region, and an
axis's paint (replaying its QPicture of ticks and labels) was a third of the
window's painting time with every view open (bench/gui_overhead.py). With
``DeviceCoordinateCache`` Qt blits the axis until the axis itself calls
``update()`` (a new range, a resize, a new label), which pyqtgraph already
does whenever its picture changes.

The cache helps only if the axis is not invalidated for nothing: pyqtgraph's
``setRange``, ``setTicks`` and ``setLabel`` throw the picture away even when given what
the axis already shows, and views set them at every snapshot (a colour bar's
unchanged levels and label, a confusion matrix's class names): measured, the confusion
matrix's three axes and the feature maps' colour bar regenerated their
ticks at every frame. Unchanged values are now a no-op.

One hook for every axis the app creates (plots made on the fly, explainers,
pyqtgraph's own PlotItem internals), installed once per process.
"""

from __future__ import annotations

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    import pyqtgraph as pg
    from PySide6.QtWidgets import QGraphicsItem

    original_init = pg.AxisItem.__init__
    original_set_range = pg.AxisItem.setRange
    original_set_ticks = pg.AxisItem.setTicks
    original_set_label = pg.AxisItem.setLabel

    def init(self, *args, **kwargs) -> None:
        original_init(self, *args, **kwargs)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def set_range(self, mn: float, mx: float) -> None:
        if getattr(self, "range", None) != [mn, mx]:  # unequal, NaN or the first: pyqtgraph's own code runs
            original_set_range(self, mn, mx)

    def set_ticks(self, ticks) -> None:
        try:
            same = hasattr(self, "_tickLevels") and bool(ticks == self._tickLevels)
        except (ValueError, TypeError):  # arrays inside: compare no further
            same = False
        if not same:
            original_set_ticks(self, ticks)

    def set_label(self, *args, **kwargs) -> None:
        call = (args, sorted(kwargs.items()))
        if getattr(self, "_last_label_call", None) != call:
            self._last_label_call = call
            original_set_label(self, *args, **kwargs)

    pg.AxisItem.__init__ = init
    pg.AxisItem.setRange = set_range
    pg.AxisItem.setTicks = set_ticks
    pg.AxisItem.setLabel = set_label
    _installed = True
