"""A two-axis sweep as heat maps: per experiment, the mean metric over the
seeds in a cell per (axis 0 value × axis 1 value), the number written in the
cell, the values as tick labels; with exactly two experiments also their
difference (A − B) on a diverging scale centred on zero, so "where does A
win" is the red/blue split.

The experiments' maps share one colour scale (one colour bar), so the same
colour is the same number in every map. A small grid, side by side (three to
a row). Cells without a finished seed stay blank. Clicking a cell emits
``cell_clicked(label, values)`` (not on the difference map, which is no
trial's).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal

from gui.common import palette as pal
from gui.sweep.curve_plot import _tick, metric_scale, metric_title
from gui.views.view_panel import diverging_colour_map

PER_ROW = 3
MAX_CELL_TEXTS = 400  # more cells than this: no numbers written in them (unreadable anyway)


class _ClickableImage(pg.ImageItem):
    def __init__(self, on_click) -> None:
        super().__init__(axisOrder="row-major")
        self._on_click = on_click

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 - pyqtgraph override
        if ev.button() == Qt.MouseButton.LeftButton:
            pos = ev.pos()
            self._on_click(int(pos.x()), int(pos.y()))
            ev.accept()


class HeatMaps(pg.GraphicsLayoutWidget):
    cell_clicked = Signal(str, object)  # experiment label, axis values (a tuple)

    def __init__(self, labels: tuple[str, ...], axes, parent=None) -> None:
        super().__init__(parent)
        self.setBackground("w")
        self.labels = tuple(labels)
        self.axes = tuple(axes)
        self.xs, self.ys = self.axes[0].values, self.axes[1].values
        self.scale = 1.0
        self.means: dict[str, np.ndarray] = {}  # per experiment: rows = axis 1, columns = axis 0
        self.difference: np.ndarray | None = None
        self.images: dict[str, pg.ImageItem] = {}
        self.texts: dict[str, list[pg.TextItem]] = {}
        self.plots: dict[str, pg.PlotItem] = {}
        names = list(self.labels)
        self.difference_name = f"{names[0]} − {names[1]}" if len(names) == 2 else None
        if self.difference_name:
            names.append(self.difference_name)
        self.colour_map = pg.colormap.get("viridis")
        # Experiments' maps three to a row, their shared colour bar after the first row; the
        # difference (and its own bar) after that, so no bar squeezes a map.
        columns = min(PER_ROW, len(self.labels))
        places = [(n // PER_ROW, n % PER_ROW) for n in range(len(self.labels))]
        if self.difference_name:
            places.append((0, columns + 1))
        for n, name in enumerate(names):
            row, col = places[n]
            plot = self.addPlot(row=row, col=col, title=name)
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(False, False)
            plot.hideButtons()
            plot.setAspectLocked(False)
            plot.setLabel("bottom", self.axes[0].title, color=pal.TEXT)
            plot.setLabel("left", self.axes[1].title, color=pal.TEXT)
            plot.getAxis("bottom").setTicks([[(i + 0.5, _tick(v)) for i, v in enumerate(self.xs)]])
            plot.getAxis("left").setTicks([[(j + 0.5, _tick(v)) for j, v in enumerate(self.ys)]])
            for side in ("bottom", "left"):
                plot.getAxis(side).setTextPen(pal.TEXT)
                plot.getAxis(side).setPen(pal.FRAME)
            plot.titleLabel.setText(name, color=pal.TEXT)
            is_difference = name == self.difference_name
            image = _ClickableImage(lambda i, j, l=name, d=is_difference: None if d else self._on_cell(l, i, j))
            image.setColorMap(diverging_colour_map() if is_difference else self.colour_map)
            plot.addItem(image)
            plot.setRange(xRange=(0, len(self.xs)), yRange=(0, len(self.ys)), padding=0)
            self.images[name], self.plots[name] = image, plot
            self.texts[name] = self._cell_texts(plot)
        shared = [self.images[name] for name in self.labels]
        self.colour_bar = pg.ColorBarItem(values=(0, 1), colorMap=self.colour_map, interactive=False, width=14)
        self.colour_bar.setImageItem(shared)
        self.addItem(self.colour_bar, row=0, col=columns)
        self.difference_bar = None
        if self.difference_name:
            self.difference_bar = pg.ColorBarItem(values=(-1, 1), colorMap=diverging_colour_map(),
                                                  interactive=False, width=14)
            self.difference_bar.setImageItem(self.images[self.difference_name])
            self.addItem(self.difference_bar, row=0, col=columns + 2)

    def _cell_texts(self, plot: pg.PlotItem) -> list[pg.TextItem]:
        if len(self.xs) * len(self.ys) > MAX_CELL_TEXTS:
            return []
        texts = []
        for j in range(len(self.ys)):
            for i in range(len(self.xs)):
                text = pg.TextItem("", color=pal.TEXT, anchor=(0.5, 0.5), fill=pal.BAND)
                text.setPos(i + 0.5, j + 0.5)
                plot.addItem(text)
                texts.append(text)
        return texts

    def show(self, summary) -> None:  # noqa: A003 - fed like the other plots
        self.scale = metric_scale(summary.metric)
        index = {(json.dumps(x), json.dumps(y)): (i, j) for i, x in enumerate(self.xs) for j, y in enumerate(self.ys)}
        for label in self.labels:
            grid = np.full((len(self.ys), len(self.xs)), np.nan, np.float32)
            for p in summary.of(label):
                if p.mean is not None:
                    i, j = index[(json.dumps(p.values[0]), json.dumps(p.values[1]))]
                    grid[j, i] = p.mean * self.scale
            self.means[label] = grid
        finite = np.concatenate([g[np.isfinite(g)] for g in self.means.values()])
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if high <= low:
            high = low + 1e-9
        for label in self.labels:
            self._draw(label, self.means[label], (low, high))
        self.colour_bar.setLevels((low, high))
        self.colour_bar.setLabel("right", metric_title(summary.metric))
        if self.difference_name:
            a, b = self.means[self.labels[0]], self.means[self.labels[1]]
            self.difference = a - b
            spread = np.nanmax(np.abs(self.difference)) if np.isfinite(self.difference).any() else 1.0
            spread = float(spread) or 1e-9
            self._draw(self.difference_name, self.difference, (-spread, spread), signed=True)
            self.difference_bar.setLevels((-spread, spread))
            self.difference_bar.setLabel("right", f"difference in {metric_title(summary.metric)}")

    def _draw(self, name: str, grid: np.ndarray, levels: tuple[float, float], signed: bool = False) -> None:
        self.images[name].setImage(grid, levels=levels, autoLevels=False)  # NaN: drawn transparent, a blank cell
        self.images[name].setRect(0, 0, len(self.xs), len(self.ys))
        for text, value in zip(self.texts[name], grid.ravel(), strict=False):
            text.setText("" if not np.isfinite(value) else _number(value, signed, self.scale))

    def _on_cell(self, label: str, i: int, j: int) -> None:
        if 0 <= i < len(self.xs) and 0 <= j < len(self.ys):
            self.cell_clicked.emit(label, (self.xs[i], self.ys[j]))

    def cell_text(self, name: str, i: int, j: int) -> str:
        """The number written in cell (axis 0 index ``i``, axis 1 index ``j``)."""
        return self.texts[name][j * len(self.xs) + i].toPlainText()


def _number(value: Any, signed: bool, scale: float) -> str:
    spec = ".1f" if scale == 100 else ".3g"  # per cent: one decimal
    return format(value, ("+" if signed else "") + spec)
