"""Earlier runs drawn over the live curves: for each run checked in the runs
table, its smoothed training loss in the loss plot and its validation metric
in the metric plot, dashed, in a colour of its own, with its name in the
legends. For a checked group of seeds (gui/runs/run_groups.py), the mean of its
runs, dashed, with a shaded band from the lowest to the highest run.

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

from gui.common import palette as pal
from gui.common.line_styles import OVERLAY_DASHES, OVERLAY_SYMBOLS
from gui.runs.run_history import RunHistory, RunRecord

# Matplotlib's tab10 without the live curves' blue and orange.
COLOURS = tuple(c for c in pal.SERIES if c not in (pal.TRAIN, pal.VALIDATION))
MAX_LOSS_POINTS = 1_000  # a finished run's loss needs no more to be read; dashes stay cheap


def run_colour(record: RunRecord) -> str:
    return COLOURS[(record.id - 1) % len(COLOURS)]


def group_colour(group: object) -> str:
    """A group of seeds takes its first run's colour."""
    return COLOURS[(group.id - 1) % len(COLOURS)]


class RunOverlays:
    """The overlay items of a LossCurves; it calls ``redraw`` and ``extent``."""

    def __init__(self, curves: object, history: RunHistory) -> None:
        self.curves = curves
        curves.overlays = self  # the curves call redraw and extent when their ranges change
        self.history = history
        self.items: dict[int, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}  # run id -> (loss, metric)
        self.bands = GroupBands(self)  # groups of seeds: mean and band
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
        self.bands.redraw()

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
        g_end, g_loss, g_metric = self.bands.extent()
        return max(end, g_end), max(top_loss, g_loss), max(top_metric, g_metric)

    # --- internals ------------------------------------------------------------
    def _on_overlay_changed(self, record: RunRecord) -> None:
        if not record.overlaid:
            self._drop(record)
            return
        if record.id in self.items:
            return
        colour = run_colour(record)
        # Each overlay its own dash and symbol (never the live curves' solid or dashed): runs are
        # told apart without colour too.
        pen = pg.mkPen(colour, width=1, style=OVERLAY_DASHES[record.id % len(OVERLAY_DASHES)])
        loss = pg.PlotDataItem(pen=pen)
        metric = pg.PlotDataItem(pen=pen, symbol=OVERLAY_SYMBOLS[record.id % len(OVERLAY_SYMBOLS)], symbolSize=6,
                                 symbolPen=None, symbolBrush=colour)
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
        self.curves.fit_legends()

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
        self.curves.fit_legends()

    def x_of(self, record: RunRecord, steps: np.ndarray) -> np.ndarray:
        return self._x(record, steps)

    def _x(self, record: RunRecord, steps: np.ndarray) -> np.ndarray:
        steps = np.asarray(steps, float)
        return steps / record.steps_per_epoch if self.curves.x_axis == "epoch" else steps

    @staticmethod
    def _metric_values(record: RunRecord) -> np.ndarray:
        values = np.array([e.val_metric for e in record.epochs], float)
        return values * 100.0 if record.metric == "accuracy" else values


def _finite_max(values: np.ndarray) -> float:
    values = np.asarray(values, float)
    values = values[np.isfinite(values)]
    return float(values.max()) if len(values) else 0.0


class GroupBands:
    """The mean curves and min–max bands of the checked groups of seeds."""

    def __init__(self, overlays: RunOverlays) -> None:
        self.overlays = overlays
        self.curves, self.history = overlays.curves, overlays.history
        # group key -> (loss mean, loss band, metric mean, metric band)
        self.items: dict[str, tuple[pg.PlotDataItem, pg.FillBetweenItem, pg.PlotDataItem, pg.FillBetweenItem]] = {}
        self.history.group_overlay_changed.connect(self._on_changed)
        self.history.group_renamed.connect(self._refeed)
        self.history.added.connect(lambda r: self._refeed(self.history.group_key_of(r)))
        self.history.removed.connect(lambda r: self._refeed(self.history.group_key_of(r)))

    def group(self, key: str) -> object:
        from gui.runs.run_groups import RunGroup

        return RunGroup(key, self.history.group(key), self.history.group_titles.get(key, ""), True)

    def redraw(self) -> None:
        for key in list(self.items):
            self._refeed(key)

    def extent(self) -> tuple[float, float, float]:
        end = top_loss = top_metric = 0.0
        for loss, _, metric, band in self.items.values():
            for item, which in ((loss, "loss"), (band.high, "metric"), (metric, "metric")):
                x, y = item.getData() if hasattr(item, "getData") else (None, None)
                if x is None or not len(x):
                    continue
                end = max(end, float(np.nanmax(x)))
                if which == "loss":
                    top_loss = max(top_loss, _finite_max(y))
                else:
                    top_metric = max(top_metric, _finite_max(y))
        return end, top_loss, top_metric

    def _on_changed(self, key: str) -> None:
        if key not in self.history.overlaid_groups:
            self._drop(key)
            return
        if key in self.items:
            return
        colour = group_colour(self.group(key))
        pen = pg.mkPen(colour, width=1, style=Qt.PenStyle.DashLine)
        items = []
        for plot, symbol in ((self.curves.loss_plot, None), (self.curves.metric_plot, "t")):
            options = {"symbol": symbol, "symbolSize": 6, "symbolPen": None, "symbolBrush": colour} if symbol else {}
            mean = pg.PlotDataItem(pen=pen, **options)
            edge, fill = pg.mkColor(colour), pg.mkColor(colour)
            edge.setAlpha(80)
            fill.setAlpha(45)
            low, high = (pg.PlotCurveItem(pen=pg.mkPen(edge, width=1)) for _ in range(2))
            band = pg.FillBetweenItem(low, high, brush=pg.mkBrush(fill))
            band.low, band.high = low, high
            for item in (low, high, band, mean):
                plot.addItem(item)
                item.setZValue(-2 if item is not mean else -1)  # under the live run's curves
            items += [mean, band]
        self.items[key] = tuple(items)  # type: ignore[assignment]
        self._refeed(key)
        self.curves.fit_to_overlays()

    def _drop(self, key: str) -> None:
        items = self.items.pop(key, None)
        if items is None:
            return
        loss, loss_band, metric, metric_band = items
        for plot, mean, band in ((self.curves.loss_plot, loss, loss_band),
                                 (self.curves.metric_plot, metric, metric_band)):
            for item in (band.low, band.high, band, mean):
                plot.removeItem(item)
        self.curves.fit_legends()

    def _refeed(self, key: str) -> None:
        if key not in self.items:
            return
        group = self.group(key)
        if len(group.records) < 2:
            return  # the history drops the overlay too
        loss, loss_band, metric, metric_band = self.items[key]
        shown = group.metric == self.curves.metric_name
        for mean, band, data in ((loss, loss_band, group.loss_band(self.overlays.x_of)),
                                 (metric, metric_band, group.metric_band(self.overlays.x_of))):
            x, middle, low, high = data if shown else (np.empty(0),) * 4
            mean.setData(x, middle)
            band.low.setData(x, low)
            band.high.setData(x, high)
        for plot, item in ((self.curves.loss_plot, loss), (self.curves.metric_plot, metric)):
            plot.legend.removeItem(item)
            if shown:
                plot.legend.addItem(item, f"{group.name} (mean, range)")
        self.curves.fit_legends()
