"""The unrolled RNN as a chain of cells t = 1…T: the input x_t under each
cell, the hidden state h_t as a colour strip above it, arrows h_(t−1) → cell
→ h_t, and every cell outlined in the one colour of the shared weights.

Everything is a handful of pyqtgraph items fed with arrays (two images, one
line item for all boxes and arrows, one scatter for all arrow heads), so a
sequence of hundreds of steps draws as fast as one of ten. Long sequences
scroll: the plot shows a window of steps and a scroll bar moves it.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import QScrollBar, QVBoxLayout, QWidget

from gui.common import palette as pal
from gui.views.view_panel import centred_levels, diverging_colour_map

SHARED_COLOUR = pal.SHARED  # the shared weights: cell outlines here, the weights' title in the detail
VISIBLE_STEPS = 16  # cells shown at once; more scroll
X_BAND = (0.0, 1.4)  # y ranges of the three bands: the state gets the most room (it has the most rows)
CELL_BAND = (1.8, 2.6)
H_BAND = (3.0, 5.2)
HALF = 0.32  # half a cell's width


class UnrolledChain(QWidget):
    clicked = Signal(int)  # a step t (1…T) the learner clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.steps_count = 0
        self.selected = 0
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.plot = self.graphics.addPlot(row=0, col=0)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.setLabel("bottom", "time step t")
        left = self.plot.getAxis("left")
        left.setTicks([[(sum(X_BAND) / 2, "xₜ in"), (sum(CELL_BAND) / 2, "cell"), (sum(H_BAND) / 2, "hₜ out")], []])
        left.setWidth(56)
        self.x_image = pg.ImageItem(axisOrder="row-major")
        self.x_image.setColorMap(pg.colormap.get("viridis"))
        self.h_image = pg.ImageItem(axisOrder="row-major")
        self.h_image.setColorMap(diverging_colour_map())
        self.lines = pg.PlotDataItem(pen=pg.mkPen(pal.LABEL, width=1))
        self.boxes = pg.PlotDataItem(pen=pg.mkPen(SHARED_COLOUR, width=1))
        self.heads = pg.ScatterPlotItem(size=8, pen=None, brush=pg.mkBrush(pal.LABEL))
        self.highlight = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(255, 200, 0, 60),
                                             pen=pg.mkPen(SHARED_COLOUR, width=1))
        for item in (self.highlight, self.x_image, self.h_image, self.lines, self.boxes, self.heads):
            self.plot.addItem(item)
        self.labels: list[pg.TextItem] = []  # characters under the cells (text data)
        self.h_bar = pg.ColorBarItem(values=(-1, 1), colorMap=diverging_colour_map(), interactive=False,
                                     label="hₜ value", colorMapMenu=False, width=12)
        self.h_bar.setImageItem(self.h_image)
        self.graphics.addItem(self.h_bar, row=0, col=1)
        self.x_bar = pg.ColorBarItem(values=(0, 1), colorMap=pg.colormap.get("viridis"), interactive=False,
                                     label="xₜ value", colorMapMenu=False, width=12)
        self.x_bar.setImageItem(self.x_image)
        self.graphics.addItem(self.x_bar, row=0, col=2)
        self.plot.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self.scroll = QScrollBar(Qt.Orientation.Horizontal)
        self.scroll.setToolTip("Scroll along the sequence: the chart shows up to 16 steps at a time")
        self.scroll.valueChanged.connect(self._show_window)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.graphics.setMinimumHeight(250)
        layout.addWidget(self.graphics)
        layout.addWidget(self.scroll)

    def set_sequence(self, x: np.ndarray, h: np.ndarray, labels: list[str] | None = None,
                     h_levels: tuple[float, float] | None = None) -> None:
        """x (T, F): what each cell reads; h (T, H): the state each leaves; one label per step or None."""
        t_count = x.shape[0]
        self.steps_count = t_count
        self.x_image.setImage(np.ascontiguousarray(x.T, np.float32), autoLevels=False)
        self.x_image.setRect(QRectF(0.5, X_BAND[0], t_count, X_BAND[1] - X_BAND[0]))
        lo, hi = float(x.min()), float(x.max())
        self.x_bar.setLevels((lo, hi if hi > lo else lo + 1))
        self.h_image.setImage(np.ascontiguousarray(h.T, np.float32), autoLevels=False)
        self.h_image.setRect(QRectF(0.5, H_BAND[0], t_count, H_BAND[1] - H_BAND[0]))
        self.h_bar.setLevels(h_levels or centred_levels(h, 1.0 if np.abs(h).max(initial=0) <= 1 else None))
        self._draw_cells(t_count)
        for label in self.labels:
            self.plot.removeItem(label)
        self.labels = []
        for t, text in enumerate(labels or [], start=1):
            item = pg.TextItem(text, color=pal.TEXT, anchor=(0.5, 0))
            item.setPos(t, X_BAND[0] - 0.05)
            self.plot.addItem(item)
            self.labels.append(item)
        self.plot.setYRange(X_BAND[0] - (0.5 if labels else 0.1), H_BAND[1] + 0.1, padding=0)
        self.scroll.setRange(0, max(0, t_count - VISIBLE_STEPS))
        self.scroll.setPageStep(VISIBLE_STEPS)
        self.scroll.setVisible(t_count > VISIBLE_STEPS)
        self._show_window()

    def _draw_cells(self, t_count: int) -> None:
        # One line item for every box and arrow shaft (NaN breaks the path), one scatter for the heads.
        ts = np.arange(1, t_count + 1, dtype=float)
        lo, hi = CELL_BAND
        box_x = np.stack([ts - HALF, ts + HALF, ts + HALF, ts - HALF, ts - HALF, ts * np.nan], axis=1).ravel()
        box_y = np.tile([lo, lo, hi, hi, lo, np.nan], t_count)
        self.boxes.setData(box_x, box_y, connect="finite")
        mid = sum(CELL_BAND) / 2
        shafts = []  # (x0, y0, x1, y1)
        for t in ts:  # h_(t-1) → cell (from the left edge for h_0), x_t → cell, cell → h_t
            start = t - 1 + HALF if t > 1 else 0.55
            shafts += [(start, mid, t - HALF, mid), (t, X_BAND[1], t, lo), (t, hi, t, H_BAND[0])]
        s = np.array(shafts)
        nan = np.full(len(s), np.nan)
        self.lines.setData(np.stack([s[:, 0], s[:, 2], nan], 1).ravel(), np.stack([s[:, 1], s[:, 3], nan], 1).ravel(),
                           connect="finite")
        right = s[0::3]
        ups = np.concatenate([s[1::3], s[2::3]])
        self.heads.setData([
            *({"pos": (x1, y1), "symbol": "t2"} for _, _, x1, y1 in right),
            *({"pos": (x1, y1), "symbol": "t1"} for _, _, x1, y1 in ups),
        ])

    def set_selected(self, t: int) -> None:
        """Highlight step t (1…T) and scroll it into view."""
        self.selected = t
        self.highlight.setRegion((t - 0.5, t + 0.5))
        first = self.scroll.value() + 1
        if t < first:
            self.scroll.setValue(t - 1)
        elif t >= first + VISIBLE_STEPS:
            self.scroll.setValue(t - VISIBLE_STEPS)

    def visible_range(self) -> tuple[int, int]:
        first = self.scroll.value() + 1
        return first, min(self.steps_count, first + VISIBLE_STEPS - 1)

    def _show_window(self, *_args) -> None:
        first, last = self.visible_range()
        self.plot.setXRange(first - 0.5, max(last, first) + 0.5, padding=0)

    def _on_scene_clicked(self, event) -> None:
        pos = self.plot.vb.mapSceneToView(event.scenePos())
        t = int(round(pos.x()))
        if 1 <= t <= self.steps_count and self.plot.vb.sceneBoundingRect().contains(event.scenePos()):
            self.clicked.emit(t)
