"""A one-axis sweep as curves: the final metric (y) against the axis value
(x), one line per experiment — the mean over its seeds, with a translucent
band from the lowest to the highest seed — the chance level dashed, and,
where the summary knows it, a vertical dashed line in the experiment's
colour at the last value its receptive field still covers (the C8 curve is
read against it).

Each experiment has its own dash pattern and marker as well as its colour,
so the lines stay apart in grey print and for colour-blind readers. The
legend sits in a row above the plot, never over a curve. A log x axis when
the values are all positive and span ten times or more (learning rates,
lengths 25…800); the positions are log10 of the values, with the values as
tick labels. Axis values that are not numbers (an optimiser's name) stand at
0, 1, 2… with their names as ticks.

Items are made once per experiment and fed with ``setData`` (``show``).
Clicking a point emits ``point_clicked(label, values)``.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor

from gui.common import palette as pal
from gui.common.line_styles import DASHES, SYMBOLS
from gui.comparison.plots import colour

BAND_ALPHA = 50  # of 255: bands of two experiments overlap and both stay visible
MAX_VALUE_TICKS = 12  # more axis values than this: pyqtgraph's own ticks
PERCENT_METRICS = ("val_accuracy",)


def metric_title(metric: str) -> str:
    return {"val_accuracy": "validation accuracy (%)", "val_mse": "validation MSE", "val_loss": "validation loss",
            "train_loss": "training loss", "seconds_per_epoch": "seconds per epoch",
            "ms_per_batch": "ms per batch", "samples_per_second": "samples per second",
            "params": "parameters"}.get(metric, metric)


def metric_scale(metric: str) -> float:
    return 100.0 if metric in PERCENT_METRICS else 1.0


class AxisPositions:
    """Where each axis value stands on the x axis, and its tick text."""

    def __init__(self, values: tuple[Any, ...]) -> None:
        self.values = values
        self.numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        positive = self.numeric and all(v > 0 for v in values)
        self.log = bool(positive and max(values) >= 10 * min(values))

    def x(self, value: Any) -> float:
        if not self.numeric:
            return float(self.values.index(value))
        return math.log10(value) if self.log else float(value)

    def ticks(self) -> list[tuple[float, str]] | None:
        if self.numeric and not self.log and len(self.values) > MAX_VALUE_TICKS:
            return None
        values = self.values
        if len(values) > MAX_VALUE_TICKS:  # every other one, ends kept
            step = math.ceil(len(values) / MAX_VALUE_TICKS)
            values = values[::step]
        return [(self.x(v), _tick(v)) for v in values]


def _tick(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return value if isinstance(value, str) else json.dumps(value)


class CurvePlot(pg.GraphicsLayoutWidget):
    point_clicked = Signal(str, object)  # experiment label, axis values (a tuple)

    def __init__(self, labels: tuple[str, ...], axis, parent=None) -> None:
        super().__init__(parent)
        self.setBackground("w")
        self.labels = tuple(labels)
        self.axis = axis
        self.positions = AxisPositions(axis.values)
        self.scale = 1.0
        self.legend = pg.LegendItem(colCount=min(4, max(1, len(labels) + 1)), labelTextColor=pal.TEXT,
                                    labelTextSize="10pt", frame=False)
        self.addItem(self.legend, row=0, col=0)
        self.plot: pg.PlotItem = self.addPlot(row=1, col=0)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setLabel("bottom", axis.title + (" (log scale)" if self.positions.log else ""), color=pal.TEXT)
        self.plot.setMenuEnabled(False)
        for side in ("bottom", "left"):
            self.plot.getAxis(side).setTextPen(pal.TEXT)
            self.plot.getAxis(side).setPen(pal.FRAME)
        ticks = self.positions.ticks()
        if ticks is not None:
            self.plot.getAxis("bottom").setTicks([ticks])
        self.lows, self.highs, self.bands, self.curves, self.marks = [], [], [], [], {}
        self.point_values: list[list[tuple]] = [[] for _ in self.labels]  # per curve: each point's axis values
        for i, label in enumerate(self.labels):
            c = QColor(colour(i))
            low, high = pg.PlotCurveItem(pen=pg.mkPen(None)), pg.PlotCurveItem(pen=pg.mkPen(None))
            c.setAlpha(BAND_ALPHA)
            band = pg.FillBetweenItem(low, high, brush=pg.mkBrush(c))
            for item in (low, high, band):
                self.plot.addItem(item)
            curve = pg.PlotDataItem(pen=pg.mkPen(colour(i), width=2, style=DASHES[i % len(DASHES)]),
                                    symbol=SYMBOLS[i % len(SYMBOLS)], symbolSize=9, symbolBrush=colour(i),
                                    symbolPen=pg.mkPen(pal.TEXT if i else colour(i), width=1), name=label)
            curve.sigPointsClicked.connect(lambda _item, points, *_rest, l=label: self._on_clicked(l, points))
            self.plot.addItem(curve)
            self.legend.addItem(curve, label)
            self.lows.append(low)
            self.highs.append(high)
            self.bands.append(band)
            self.curves.append(curve)
        self.chance = pg.PlotDataItem(pen=pg.mkPen(pal.LABEL, width=1, style=Qt.PenStyle.DashLine), name="chance")
        self.plot.addItem(self.chance)
        self.legend.addItem(self.chance, "chance")
        self.chance_label = pg.TextItem("chance", color=pal.LABEL, anchor=(1, 1))
        self.plot.addItem(self.chance_label)
        self.chance_label.hide()

    def show(self, summary) -> None:  # noqa: A003 - fed like the other plots
        """Draw ``summary`` (engine/sweep_summary.SweepSummary)."""
        self.scale = metric_scale(summary.metric)
        self.plot.setLabel("left", metric_title(summary.metric), color=pal.TEXT)
        chance_x, chance_y = [], []
        for i, label in enumerate(self.labels):
            points = [p for p in summary.of(label) if p.mean is not None]
            points.sort(key=lambda p: self.positions.x(p.values[0]))
            x = np.array([self.positions.x(p.values[0]) for p in points], float)
            mean = np.array([p.mean for p in points], float) * self.scale
            low = np.array([p.low for p in points], float) * self.scale
            high = np.array([p.high for p in points], float) * self.scale
            self.curves[i].setData(x, mean)
            self.point_values[i] = [p.values for p in points]  # for a click: point index → axis values
            self.lows[i].setData(x, low)
            self.highs[i].setData(x, high)
            if not chance_x:
                chance = [(xi, p.baseline) for xi, p in zip(x, points, strict=True) if p.baseline is not None]
                chance_x, chance_y = [c[0] for c in chance], [c[1] * self.scale for c in chance]
        if not chance_x:  # no experiment has a point yet: chance over the whole axis
            chance_x, chance_y = self._chance_everywhere(summary)
        self.chance.setData(chance_x, chance_y)
        if chance_x:
            self.chance_label.setPos(chance_x[-1], chance_y[-1])
        self.chance_label.setVisible(bool(chance_x))
        self._show_marks(summary)

    def _chance_everywhere(self, summary) -> tuple[list[float], list[float]]:
        points = sorted((p for p in summary.points if p.baseline is not None),
                        key=lambda p: self.positions.x(p.values[0]))
        seen: dict[float, float] = {}
        for p in points:
            seen.setdefault(self.positions.x(p.values[0]), p.baseline * self.scale)
        return list(seen), list(seen.values())

    def _show_marks(self, summary) -> None:
        wanted = {(m.label, json.dumps(m.value)): m for m in summary.marks if m.label in self.labels}
        for key in list(self.marks):
            if key not in wanted:
                self.plot.removeItem(self.marks.pop(key))
        for n, (key, mark) in enumerate(sorted(wanted.items())):
            if key in self.marks:
                continue
            i = self.labels.index(mark.label)
            line = pg.InfiniteLine(pos=self.positions.x(mark.value), angle=90, movable=False,
                                   pen=pg.mkPen(colour(i), width=1.5, style=Qt.PenStyle.DashLine),
                                   label=f"{mark.label}: field covers ≤ {_tick(mark.value)}",
                                   labelOpts={"color": colour(i), "position": 0.92 - 0.08 * (n % 6),
                                              "anchors": [self._label_side(mark.value)] * 2, "fill": pal.BAND})
            line.setToolTip(mark.text)
            # Under the curves and deaf to clicks: a point on the mark's value must still open.
            line.setZValue(-5)
            line.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            line.label.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            self.plot.addItem(line)
            self.marks[key] = line

    def _label_side(self, value) -> tuple[float, float]:
        """A mark's label right of its line, or left of it in the axis's last third (not clipped at the edge)."""
        xs = [self.positions.x(v) for v in self.axis.values]
        low, high = min(xs), max(xs)
        right_part = high > low and (self.positions.x(value) - low) / (high - low) > 2 / 3
        return (1.0, 0.5) if right_part else (0.0, 0.5)

    def _on_clicked(self, label: str, points) -> None:
        if not points:
            return
        index = points[0].index()
        values = self.point_values[self.labels.index(label)]
        if 0 <= index < len(values):
            self.point_clicked.emit(label, tuple(values[index]))

    def band(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(x, low, high) of experiment ``index``'s band, as drawn."""
        x, low = self.lows[index].getData()
        _, high = self.highs[index].getData()
        return x, low, high
