"""Every pyqtgraph axis paints from a cached pixmap.

A live view's image or curve changes several times a second while its axes
do not, yet Qt repaints every item that overlaps the changed region, and an
axis's paint (replaying its QPicture of ticks and labels) was a third of the
window's painting time with every view open (bench/gui_overhead.py). With
``DeviceCoordinateCache`` Qt blits the axis until the axis itself calls
``update()`` (a new range, a resize, a new label), which pyqtgraph already
does whenever its picture changes.

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

    original = pg.AxisItem.__init__

    def init(self, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    pg.AxisItem.__init__ = init
    _installed = True
