"""A small grid of numbers drawn as coloured cells with the value written in
each, for explainers: rectangles mark a window or a chosen cell, clicks say
which cell was clicked. Reusable by any explainer that shows a small array.

One pyqtgraph ImageItem (row-major, explicit levels) with a colour bar, and
one TextItem per cell made when the grid's shape changes, fed with setText
after. Cells holding NaN are drawn empty (not computed yet). Above
``MAX_WRITTEN`` cells a side the numbers would be illegible: only colour.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPen
from PySide6.QtWidgets import QGraphicsRectItem

from engine.explain.convolution import number
from gui.common import palette as pal
from gui.views.view_panel import diverging_colour_map

MAX_WRITTEN = 12
LEGIBLE_CELL = 22  # pixels: a smaller cell cannot hold "−0.31" legibly, so only its colour shows
INK_MAP = pg.ColorMap([0.0, 1.0], [(255, 255, 255), pal.BLUE])  # white → blue: zeros stay quiet


def fitting_levels(values: np.ndarray) -> tuple[float, float]:
    """Colour levels for these numbers: 0…max when none is negative, else symmetric about 0
    (so white always means zero)."""
    finite = np.asarray(values, np.float64)
    finite = finite[np.isfinite(finite)]
    if not finite.size:
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    if low < 0:
        reach = max(-low, high)
        return -reach, reach
    return 0.0, high if high > 0 else 1.0


class NumberGrid(pg.GraphicsLayoutWidget):
    cell_clicked = Signal(int, int)  # row, column

    def __init__(self, title: str, colour_label: str, parent=None) -> None:
        super().__init__(parent)
        self.values = np.zeros((1, 1))
        self._signed = False
        self._offset = 0
        self._written = False
        self.plot = self.addPlot(title=title)
        self.plot.invertY(True)
        self.plot.setAspectLocked(True)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.setLabel("bottom", "column")
        self.plot.setLabel("left", "row")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.colour_bar = pg.ColorBarItem(values=(0, 1), colorMap=INK_MAP, interactive=False,
                                          width=10, colorMapMenu=False, label=colour_label)
        self.colour_bar.setImageItem(self.image, insert_in=self.plot)
        self.colour_bar.axis.enableAutoSIPrefix(False)
        self.marks: dict[str, QGraphicsRectItem] = {}
        self._texts: list[pg.TextItem] = []
        self._font = QFont()
        self._font.setPointSize(9)
        self.scene().sigMouseClicked.connect(self._on_clicked)
        self.plot.vb.sigResized.connect(lambda _vb: self._fit())
        self.setMinimumSize(170, 170)

    # --- public ---------------------------------------------------------------------
    def set_title(self, title: str, colour_label: str | None = None) -> None:
        self.plot.setTitle(title)
        if colour_label is not None:
            self.colour_bar.getAxis("left").setLabel(colour_label)  # where ColorBarItem puts its label

    def set_values(self, values: np.ndarray, levels: tuple[float, float] | None = None,
                   write: bool = True) -> None:
        """Show ``values`` (H, W); NaN cells stay empty. ``levels`` default to the finite range."""
        values = np.asarray(values, np.float64)
        finite = values[np.isfinite(values)]
        if levels is None:
            levels = fitting_levels(finite)
        # Signed numbers on blue–white–red (white is zero); non-negative ones on white → blue.
        signed = levels[0] < 0
        if signed != self._signed:
            self._signed = signed
            self.colour_bar.setColorMap(diverging_colour_map() if signed else INK_MAP)
        shape_changed = values.shape != self.values.shape
        self.values = values
        self.image.setImage(np.where(np.isfinite(values), values, np.nan).astype(np.float32), levels=levels)
        self.colour_bar.setLevels(levels)
        self._write(values, levels, write and max(values.shape) <= MAX_WRITTEN)
        if shape_changed:
            self._fit()

    def set_offset(self, offset: int) -> None:
        """Number rows and columns from 1 starting ``offset`` cells in (padding is left unnumbered)."""
        if offset != self._offset:
            self._offset = offset
            self._fit()

    def set_mark(self, name: str, cells: tuple[int, int, int, int] | None, colour: str = pal.HIGHLIGHT,
                 width: float = 3.0, dashed: bool = False) -> None:
        """Outline rows r…r+h−1, columns c…c+w−1 given as (r, c, h, w); None hides the mark."""
        item = self.marks.get(name)
        if item is None:
            item = QGraphicsRectItem()
            item.setZValue(10)
            self.plot.addItem(item)
            self.marks[name] = item
        pen = QPen(QColor(colour), width)
        pen.setCosmetic(True)  # width in screen pixels, whatever the zoom
        if dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        item.setPen(pen)
        item.setVisible(cells is not None)
        if cells is not None:
            r, c, h, w = cells
            item.setRect(QRectF(c, r, w, h))

    def mark_rect(self, name: str) -> tuple[int, int, int, int] | None:
        """The cells a mark outlines as (r, c, h, w), or None when hidden (tests read this)."""
        item = self.marks.get(name)
        if item is None or not item.isVisible():
            return None
        rect = item.rect()
        return int(rect.top()), int(rect.left()), int(rect.height()), int(rect.width())

    def written(self) -> list[str]:
        """The numbers written in the cells, row by row ('' where empty)."""
        return [text.textItem.toPlainText() if self._written else "" for text in self._texts]

    def _fit(self) -> None:
        """Show the whole grid, ticks at cell centres, numbers sized to the cells (hidden when too small)."""
        height, width = self.values.shape
        self.plot.setRange(QRectF(0, 0, width, height), padding=0.02)
        for axis, count in (("bottom", width), ("left", height)):
            every = 1 if count - 2 * self._offset <= 16 else 4
            ticks = [(i + 0.5, str(i - self._offset + 1)) for i in range(self._offset, count - self._offset)
                     if (i - self._offset) % every == 0]
            self.plot.getAxis(axis).setTicks([ticks, []])
        cell = self._cell_pixels()
        self._font.setPointSizeF(float(np.clip(cell / 5.2, 6.0, 11.0)))  # "−0.17" fits its cell
        fits = cell >= LEGIBLE_CELL
        for text, value in zip(self._texts, self.values.ravel(), strict=True):
            text.setFont(self._font)
            text.setVisible(bool(self._written and fits and np.isfinite(value)))

    def _cell_pixels(self) -> float:
        """A cell's side on screen (before the first layout: as if legible)."""
        vb = self.plot.vb
        if vb.width() <= 0 or vb.height() <= 0:
            return 40.0
        return min(vb.width() / self.values.shape[1], vb.height() / self.values.shape[0])

    # --- drawing --------------------------------------------------------------------
    def _write(self, values: np.ndarray, levels: tuple[float, float], visible: bool) -> None:
        height, width = values.shape
        self._written = visible
        legible = self._cell_pixels() >= LEGIBLE_CELL
        if len(self._texts) != values.size:
            for text in self._texts:
                self.plot.removeItem(text)
            self._texts = []
            for r in range(height):
                for c in range(width):
                    text = pg.TextItem(anchor=(0.5, 0.5))
                    text.setFont(self._font)
                    text.setPos(c + 0.5, r + 0.5)
                    text.setZValue(5)
                    self.plot.addItem(text)
                    self._texts.append(text)
        low, high = levels
        lut = self.colour_bar.colorMap()
        for text, value in zip(self._texts, values.ravel(), strict=True):
            shown = bool(visible and np.isfinite(value))
            text.setVisible(shown and legible)
            text.setText("")
            if shown:
                t = float(np.clip((value - low) / (high - low), 0.0, 1.0))
                background = lut.map(t, mode="qcolor")
                dark = background.lightnessF() < 0.55
                text.setColor(QColor("white") if dark else QColor("black"))
                text.setText(number(float(value)))

    def _on_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        point = self.plot.vb.mapSceneToView(event.scenePos())
        row, col = int(np.floor(point.y())), int(np.floor(point.x()))
        if 0 <= row < self.values.shape[0] and 0 <= col < self.values.shape[1]:
            self.cell_clicked.emit(row, col)
