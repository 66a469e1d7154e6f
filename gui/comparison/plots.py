"""The comparison's two overlay plots: training loss and the validation
metric, one curve per experiment in its own colour, against epochs — the
mean over the experiment's seeds, with a shaded band from the lowest to the
highest seed (a single seed: its own curve, no band to see).

Averaging over seeds: gui/common/seed_bands.py (each seed's smoothed per-step
loss, or its metric per epoch, on the x of the seed that has got furthest).

Epochs, not steps, on the x axis: experiments with other batch sizes or
data options take different numbers of steps per epoch, and an epoch is the
unit the table reports. The loss is the smoothed training loss (the raw
per-step loss of several models on top of each other is unreadable); the
metric is the validation accuracy in per cent, or the validation MSE, once
per epoch, with the baseline of guessing (or predicting the mean) as a dashed
line. One legend above both plots rather than one inside each: inside, it
always covered some curve (accuracies end at the top right, a model that
learns nothing keeps its loss there). As in gui/training/curves.py: items made once and fed with ``setData``, bounded
StepHistory buffers, 1 px pens (2 px for the metric, which has few points).
"""

from __future__ import annotations

from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui.common import line_styles
from gui.common import palette as pal
from gui.common.seed_bands import across_seeds
from gui.common.step_history import StepHistory
from gui.views.steady_range import SteadyRange

# Tableau's categorical colours: distinct from each other and on white.
COLOURS = tuple(c for c in pal.SERIES if c not in (pal.GREY, pal.OLIVE))
TEXT = pal.TEXT


def colour(index: int) -> str:
    return COLOURS[index % len(COLOURS)]


def legend_html(labels: list[str]) -> str:
    """A line of colour sample and label per experiment, as rich text."""
    return "&nbsp;&nbsp;&nbsp;&nbsp;".join(
        f'<span style="color:{colour(i)}; font-weight:bold">━━</span>&nbsp;{escape(label)}'
        for i, label in enumerate(labels))


class ComparisonPlots(QWidget):
    def __init__(self, labels: list[str] | tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.labels = list(labels)
        self.metric_name = "accuracy"
        # Per experiment, per seed index: the loss (smoothed) and metric histories.
        self.losses: list[dict[int, StepHistory]] = [{} for _ in labels]
        self.metrics: list[dict[int, StepHistory]] = [{} for _ in labels]
        self._steps_per_epoch = [1] * len(labels)
        self.loss_widget, self.loss_plot = self._plot("Training loss (smoothed; mean and range over seeds)", "loss")
        self.metric_widget, self.metric_plot = self._plot("Validation accuracy", "accuracy (%)")
        self.metric_plot.setXLink(self.loss_plot)
        self.loss_bands = [self._band(self.loss_plot, i) for i in range(len(labels))]
        self.metric_bands = [self._band(self.metric_plot, i) for i in range(len(labels))]
        self.loss_curves = [self._curve(self.loss_plot, i, symbol=False) for i in range(len(labels))]
        self.metric_curves = [self._curve(self.metric_plot, i, symbol=True) for i in range(len(labels))]
        self.baseline_line = pg.InfiniteLine(angle=0, pen=pg.mkPen(pal.LABEL, width=1, style=Qt.PenStyle.DashLine),
                                             label="chance", labelOpts={"color": pal.LABEL, "position": 0.9})
        self.baseline_line.hide()
        self.metric_plot.addItem(self.baseline_line)
        # Ranges that grow in steps instead of autorange at every draw: a refitted range
        # regenerated the axes at every flush, a tenth of a lab's drawing.
        self.steady = {"epochs": SteadyRange(self.loss_plot, axes="x"), "loss": SteadyRange(self.loss_plot, axes="y"),
                       "metric": SteadyRange(self.metric_plot, axes="y")}
        for steady in self.steady.values():  # one x axis: a pan of either plot is the user's
            steady.follow_user_of(self.metric_plot if steady.plot is self.loss_plot else self.loss_plot)
        self.legend = QLabel(legend_html(self.labels))
        self.legend.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.legend.setAccessibleName("Legend")
        self.legend.setToolTip("Each line is an experiment's mean over its seeds; the shaded band around it "
                               "runs from its lowest to its highest seed")
        plots = QHBoxLayout()
        plots.addWidget(self.loss_widget, 1)
        plots.addWidget(self.metric_widget, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.legend)
        layout.addLayout(plots, 1)
        self.setMinimumHeight(220)

    @staticmethod
    def _plot(title: str, y_label: str) -> tuple[pg.PlotWidget, pg.PlotItem]:
        widget = pg.PlotWidget(background="w")
        plot = widget.getPlotItem()
        plot.setTitle(title, color=TEXT, size="11pt")
        for axis in ("left", "bottom"):
            plot.getAxis(axis).setTextPen(TEXT)
            plot.getAxis(axis).setPen(pal.FRAME)
            plot.getAxis(axis).enableAutoSIPrefix(False)
        plot.setLabel("bottom", "epoch", color=TEXT)
        plot.setLabel("left", y_label, color=TEXT)
        plot.setClipToView(True)
        plot.setDownsampling(mode="peak")
        return widget, plot

    def _curve(self, plot: pg.PlotItem, index: int, symbol: bool) -> pg.PlotDataItem:
        # Each experiment its own dash and symbol as well as colour: told apart without colour.
        options = ({"symbol": line_styles.symbol(index), "symbolSize": 6, "symbolPen": None,
                    "symbolBrush": colour(index)} if symbol else {})
        return plot.plot([], [], pen=pg.mkPen(colour(index), width=2 if symbol else 1,
                                             style=line_styles.dash(index)),
                         name=self.labels[index], **options)

    @staticmethod
    def _band(plot: pg.PlotItem, index: int) -> pg.FillBetweenItem:
        """The min–max band: two faint edges and the fill between them."""
        edge = QColor(colour(index))
        edge.setAlpha(90)
        fill = QColor(colour(index))
        fill.setAlpha(50)
        low, high = (pg.PlotCurveItem([], [], pen=pg.mkPen(edge, width=1)) for _ in range(2))
        band = pg.FillBetweenItem(low, high, brush=pg.mkBrush(fill))
        for item in (low, high, band):
            plot.addItem(item)
        band.low, band.high = low, high  # the edges, to feed them and to read them back
        return band

    # --- feeding --------------------------------------------------------------
    def reset(self) -> None:
        for per_seed in (*self.losses, *self.metrics):
            per_seed.clear()
        for curve in (*self.loss_curves, *self.metric_curves):
            curve.setData([], [])
        for band in (*self.loss_bands, *self.metric_bands):
            band.low.setData([], [])
            band.high.setData([], [])
        self.baseline_line.hide()
        for plot in (self.loss_plot, self.metric_plot):
            plot.enableAutoRange()
        for steady in self.steady.values():
            steady.reset()

    def start_experiment(self, index: int, info: object, seed: int = 0) -> None:
        """``info``: the RunStarted of experiment ``index`` at its ``seed``-th seed."""
        self._steps_per_epoch[index] = max(1, info.steps_per_epoch)
        self.losses[index][seed] = StepHistory(smoothing=0.9)
        self.metrics[index][seed] = StepHistory(capacity=10_000, smoothing=0.0)
        if info.metric != self.metric_name:
            self.metric_name = info.metric
            accuracy = info.metric == "accuracy"
            self.metric_plot.setTitle("Validation accuracy" if accuracy else "Validation MSE", color=TEXT,
                                      size="11pt")
            self.metric_plot.setLabel("left", "accuracy (%)" if accuracy else "MSE", color=TEXT)
        if info.baseline is not None:
            self.baseline_line.setValue(self._metric_value(info.baseline))
            self.baseline_line.label.setFormat("chance" if info.metric == "accuracy" else "mean")
            self.baseline_line.show()

    def add_steps(self, index: int, steps: np.ndarray, losses: np.ndarray, seed: int = 0) -> None:
        history = self.losses[index].get(seed)
        if history is None:
            return
        history.extend(np.asarray(steps, float) / self._steps_per_epoch[index], losses)
        self._draw(self.loss_curves[index], self.loss_bands[index],
                   [(h.x, h.smoothed) for h in self.losses[index].values()])
        self._fit()

    def add_epoch(self, index: int, epoch: int, val_metric: float, seed: int = 0) -> None:
        self.add_epochs(index, [(epoch, val_metric)], seed)

    def add_epochs(self, index: int, epochs: list[tuple[int, float]], seed: int = 0) -> None:
        """Several (epoch, validation metric) at once, drawn once: a lab's short
        epochs came ten a second per column, each redrawing every marker."""
        history = self.metrics[index].get(seed)
        if history is None or not epochs:
            return
        for epoch, val_metric in epochs:
            history.append(epoch, self._metric_value(val_metric))
        self._draw(self.metric_curves[index], self.metric_bands[index],
                   [(h.x, h.y) for h in self.metrics[index].values()])
        self._fit()

    def _fit(self) -> None:
        def data(curves, bands, which: int) -> np.ndarray:
            # xData / yData: all of it (getData is what the clip to the view left).
            items = (*curves, *(edge for band in bands for edge in (band.low, band.high)))
            parts = [(item.xData, item.yData)[which] for item in items]
            return np.concatenate([p for p in parts if p is not None and len(p)] or [np.zeros(0)])

        x = np.concatenate([data(self.loss_curves, self.loss_bands, 0), data(self.metric_curves, [], 0)])
        self.steady["epochs"].fit(x, x)
        self.steady["loss"].fit(x, data(self.loss_curves, self.loss_bands, 1))
        self.steady["metric"].fit(x, data(self.metric_curves, self.metric_bands, 1))

    @staticmethod
    def _draw(curve: pg.PlotDataItem, band: pg.FillBetweenItem, curves: list) -> None:
        x, mean, low, high = across_seeds(curves)
        curve.setData(x, mean)
        if len(curves) > 1:
            band.low.setData(x, low)
            band.high.setData(x, high)
        elif band.low.xData is not None and len(band.low.xData):
            # One seed has no range; the band's path (pyqtgraph rebuilds it whole on
            # every change) cost most of a lab's drawing time for nothing.
            band.low.setData([], [])
            band.high.setData([], [])

    def _metric_value(self, value: float) -> float:
        return value * 100.0 if self.metric_name == "accuracy" else value
