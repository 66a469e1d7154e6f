"""The comparison's two overlay plots: training loss and the validation
metric, one curve per experiment in its own colour, against epochs.

Epochs, not steps, on the x axis: experiments with other batch sizes or
data options take different numbers of steps per epoch, and an epoch is the
unit the table reports. The loss is the smoothed training loss (the raw
per-step loss of several models on top of each other is unreadable); the
metric is the validation accuracy in per cent, or the validation MSE, once
per epoch, with the baseline of guessing (or predicting the mean) as a dashed
line. One legend above both plots rather than one inside each: inside, it
always covered some curve (accuracies end at the top right, a model that
learns nothing keeps its loss there). As in gui/curves.py: items made once and fed with ``setData``, bounded
StepHistory buffers, 1 px pens (2 px for the metric, which has few points).
"""

from __future__ import annotations

from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui.step_history import StepHistory

# Tableau's categorical colours: distinct from each other and on white.
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")
TEXT = "#333"


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
        self.losses = [StepHistory(smoothing=0.9) for _ in labels]
        self.metrics = [StepHistory(capacity=10_000, smoothing=0.0) for _ in labels]
        self._steps_per_epoch = [1] * len(labels)
        self.loss_widget, self.loss_plot = self._plot("Training loss (smoothed)", "loss")
        self.metric_widget, self.metric_plot = self._plot("Validation accuracy", "accuracy (%)")
        self.metric_plot.setXLink(self.loss_plot)
        self.loss_curves = [self._curve(self.loss_plot, i, symbol=False) for i in range(len(labels))]
        self.metric_curves = [self._curve(self.metric_plot, i, symbol=True) for i in range(len(labels))]
        self.baseline_line = pg.InfiniteLine(angle=0, pen=pg.mkPen("#777", width=1, style=Qt.PenStyle.DashLine),
                                             label="chance", labelOpts={"color": "#555", "position": 0.9})
        self.baseline_line.hide()
        self.metric_plot.addItem(self.baseline_line)
        self.legend = QLabel(legend_html(self.labels))
        self.legend.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.legend.setAccessibleName("Legend")
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
            plot.getAxis(axis).setPen("#888")
            plot.getAxis(axis).enableAutoSIPrefix(False)
        plot.setLabel("bottom", "epoch", color=TEXT)
        plot.setLabel("left", y_label, color=TEXT)
        plot.setClipToView(True)
        plot.setDownsampling(mode="peak")
        return widget, plot

    def _curve(self, plot: pg.PlotItem, index: int, symbol: bool) -> pg.PlotDataItem:
        options = {"symbol": "o", "symbolSize": 6, "symbolPen": None, "symbolBrush": colour(index)} if symbol else {}
        return plot.plot([], [], pen=pg.mkPen(colour(index), width=2 if symbol else 1), name=self.labels[index],
                         **options)

    # --- feeding --------------------------------------------------------------
    def reset(self) -> None:
        for history in (*self.losses, *self.metrics):
            history.clear()
        for curve in (*self.loss_curves, *self.metric_curves):
            curve.setData([], [])
        self.baseline_line.hide()
        for plot in (self.loss_plot, self.metric_plot):
            plot.enableAutoRange()

    def start_experiment(self, index: int, info: object) -> None:
        """``info``: the experiment's RunStarted (steps per epoch, metric, baseline)."""
        self._steps_per_epoch[index] = max(1, info.steps_per_epoch)
        self.losses[index].clear()
        self.metrics[index].clear()
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

    def add_steps(self, index: int, steps: np.ndarray, losses: np.ndarray) -> None:
        history = self.losses[index]
        history.extend(np.asarray(steps, float) / self._steps_per_epoch[index], losses)
        self.loss_curves[index].setData(history.x, history.smoothed)

    def add_epoch(self, index: int, epoch: int, val_metric: float) -> None:
        history = self.metrics[index]
        history.append(epoch, self._metric_value(val_metric))
        self.metric_curves[index].setData(history.x, history.y)

    def _metric_value(self, value: float) -> float:
        return value * 100.0 if self.metric_name == "accuracy" else value
