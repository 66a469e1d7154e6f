"""Earlier runs drawn over the live curves: for each run checked in the runs
table, its smoothed training loss in the loss plot and its validation metric
in the metric plot, dashed, in a colour of its own, with its name in the
legends.

The curves of a finished run never change, so each overlay is fed with
``setData`` when it is checked, when the x axis changes and when the live
plots switch metric, never on a training tick. Runs of the other kind of
task (MSE against accuracy) are not drawn: their numbers do not share an
axis with the live run's.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from gui.run_history import RunHistory, RunRecord

# Matplotlib's tab10 without the live curves' blue and orange.
COLOURS = ("#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
MAX_LOSS_POINTS = 1_000  # a finished run's loss needs no more to be read; dashes stay cheap
LEGEND_ROWS = 4  # past this many entries a legend takes two columns, so it does not run off the plot


def run_colour(record: RunRecord) -> str:
    return COLOURS[(record.id - 1) % len(COLOURS)]


class RunOverlays:
    """The overlay items of a LossCurves; it calls ``redraw`` and ``extent``."""

    def __init__(self, curves: object, history: RunHistory) -> None:
        self.curves = curves
        self.history = history
        self.items: dict[int, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}  # run id -> (loss, metric)
        history.overlay_changed.connect(self._on_overlay_changed)
        history.removed.connect(self._drop)
        history.renamed.connect(self._on_renamed)
        for record in history.records:
            if record.overlaid:
                self._on_overlay_changed(record)

    def shown(self, record: RunRecord) -> bool:
        return record.metric == self.curves.metric_name

    def redraw(self) -> None:
        """Refeed every overlay (after a change of x axis or metric)."""
        for record in self.history.records:
            if record.id in self.items:
                self._feed(record)

    def extent(self) -> tuple[float, float, float]:
        """The last x (in the plots' units), the highest loss and the highest metric value (as
        plotted) of the overlays shown, so the live plots' ranges can hold them."""
        end = top_loss = top_metric = 0.0
        for record in self.history.records:
            if record.id not in self.items or not self.shown(record):
                continue
            last = max([*record.steps[-1:], *(e.step for e in record.epochs[-1:])], default=0.0)
            end = max(end, float(self._x(record, np.array([last]))[0]))
            top_loss = max(top_loss, _finite_max(record.smoothed_losses),
                           _finite_max(np.array([e.val_loss for e in record.epochs])))
            top_metric = max(top_metric, _finite_max(self._metric_values(record)))
        return end, top_loss, top_metric

    # --- internals ------------------------------------------------------------
    def _on_overlay_changed(self, record: RunRecord) -> None:
        if not record.overlaid:
            self._drop(record)
            return
        if record.id in self.items:
            return
        colour = run_colour(record)
        pen = pg.mkPen(colour, width=1, style=Qt.PenStyle.DashLine)
        loss = pg.PlotDataItem(pen=pen)
        metric = pg.PlotDataItem(pen=pen, symbol="t", symbolSize=6, symbolPen=None, symbolBrush=colour)
        for plot, item in ((self.curves.loss_plot, loss), (self.curves.metric_plot, metric)):
            plot.addItem(item)
            item.setZValue(-1)  # under the live run's curves
            item.setClipToView(True)
        self.items[record.id] = (loss, metric)
        self._feed(record)
        self.curves.fit_to_overlays()

    def _drop(self, record: RunRecord) -> None:
        items = self.items.pop(record.id, None)
        if items is None:
            return
        for plot, item in zip((self.curves.loss_plot, self.curves.metric_plot), items, strict=True):
            plot.removeItem(item)  # from the legend too
            _fit_legend(plot.legend)

    def _on_renamed(self, record: RunRecord) -> None:
        if record.id in self.items:
            self._feed(record)

    def _feed(self, record: RunRecord) -> None:
        loss, metric = self.items[record.id]
        shown = self.shown(record)
        if shown:
            stride = max(1, math.ceil(len(record.steps) / MAX_LOSS_POINTS))
            loss.setData(self._x(record, record.steps[::stride]), record.smoothed_losses[::stride])
            epoch_steps = np.array([e.step for e in record.epochs], float)
            metric.setData(self._x(record, epoch_steps), self._metric_values(record))
        else:
            loss.setData([], [])
            metric.setData([], [])
        for plot, item in ((self.curves.loss_plot, loss), (self.curves.metric_plot, metric)):
            legend = plot.legend
            legend.removeItem(item)
            if shown:
                legend.addItem(item, record.name)
            _fit_legend(legend)

    def _x(self, record: RunRecord, steps: np.ndarray) -> np.ndarray:
        steps = np.asarray(steps, float)
        return steps / record.steps_per_epoch if self.curves.x_axis == "epoch" else steps

    @staticmethod
    def _metric_values(record: RunRecord) -> np.ndarray:
        values = np.array([e.val_metric for e in record.epochs], float)
        return values * 100.0 if record.metric == "accuracy" else values


def _fit_legend(legend: pg.LegendItem) -> None:
    columns = 1 if len(legend.items) <= LEGEND_ROWS else 2
    if legend.columnCount != columns:
        legend.setColumnCount(columns)


def _finite_max(values: np.ndarray) -> float:
    values = np.asarray(values, float)
    values = values[np.isfinite(values)]
    return float(values.max()) if len(values) else 0.0
