"""Weight and gradient histograms of one layer: the distribution now, and
how it spread over the run (TensorBoard's "distributions"): bands between
the 0–100 %, 5–95 % and 25–75 % quantiles and the median, against the
training step — so one sees weights spread as they learn, and gradients
shrink (vanish) or blow up.

Gradients span orders of magnitude, so a symmetric-log value axis is on
for them by default: sign(v)·log10(1 + |v|/c), linear within ±c, with tick
labels in real values. Quantiles of every snapshot are kept (bounded), even
while the view is frozen, so the history has no holes.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox, QComboBox, QWidget

from gui.common import palette as pal
from gui.common.described import trend
from gui.views.steady_range import SteadyRange
from gui.views.view_panel import ViewPanel

HISTORY = 2000  # snapshots kept per layer and kind
BAND_PAIRS = ((0, 6, "min – max", 40), (1, 5, "5 – 95 %", 70), (2, 4, "25 – 75 %", 110))  # QUANTILES indices
BLUE = pal.BLUE


def histogram_moments(histogram) -> tuple[float, float, int]:
    """(mean, standard deviation, count) of the values a histogram counts, from its bin centres."""
    edges = np.asarray(histogram.edges, np.float64)
    counts = np.asarray(histogram.counts, np.float64)
    total = float(counts.sum())
    if total <= 0 or len(edges) != len(counts) + 1:
        return float("nan"), float("nan"), 0
    centres = (edges[:-1] + edges[1:]) / 2
    mean = float((centres * counts).sum() / total)
    return mean, float(np.sqrt((((centres - mean) ** 2) * counts).sum() / total)), int(total)


def symlog(values: np.ndarray, c: float) -> np.ndarray:
    return np.sign(values) * np.log10(1.0 + np.abs(values) / c)


def linear_threshold(quantiles: np.ndarray) -> float:
    """A power of ten a tenth below the narrowest 5–95 % half-width seen, so the
    log part of the axis covers every snapshot's spread."""
    spread = (quantiles[:, 5] - quantiles[:, 1]) / 2 if len(quantiles) else np.zeros(0)
    spread = spread[np.isfinite(spread) & (spread > 0)]
    smallest = float(spread.min()) / 10 if spread.size else 1e-8
    return 10.0 ** np.floor(np.log10(max(smallest, 1e-12)))


def symlog_ticks(c: float, low: float, high: float) -> list[tuple[float, str]]:
    ticks = [(0.0, "0")]
    top = max(abs(low), abs(high), 10 * c)
    for k in range(int(np.floor(np.log10(c))), int(np.ceil(np.log10(top))) + 1):
        for sign in (1, -1):
            ticks.append((float(symlog(np.array(sign * 10.0 ** k), c)), f"{'-' if sign < 0 else ''}1e{k}"))
    return ticks


class WeightHistograms(ViewPanel):
    title = "Weight histograms"
    help = ("Histogram of a layer's weights or gradients now, and their spread over training "
            "(quantile bands): weights spreading as they learn, gradients vanishing or exploding.")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history: dict[tuple[str, int], deque] = {}  # (kind, layer) → (step, quantiles) per snapshot
        # (kind, layer) → (step, Histogram): histograms come in some snapshots
        # only (ProbeSettings.histogram_interval); the others show the latest.
        self.measured: dict[tuple[str, int], deque] = {}
        self.layer_names: dict[int, str] = {}
        self.layer_picker = QComboBox()
        self.layer_picker.setToolTip("Layer (index in the model) whose parameters are shown")
        self.kind_picker = QComboBox()
        self.kind_picker.addItems(["Weights", "Gradients"])
        self.kind_picker.setToolTip("Parameter values, or the gradient of the loss with respect to them")
        self.symlog_box = QCheckBox("Symmetric log values")
        self.symlog_box.setToolTip("Value axis as sign(v)·log10(1 + |v|/c): linear near zero, "
                                   "logarithmic beyond, to see gradients across orders of magnitude")
        self.layer_picker.currentIndexChanged.connect(self.redraw)
        self.kind_picker.currentIndexChanged.connect(self._on_kind_changed)
        self.symlog_box.toggled.connect(self.redraw)
        for widget in (self.layer_picker, self.kind_picker, self.symlog_box):
            self.controls.addWidget(widget)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        # One legend row above both plots: inside them, the keys hid the bars and bands.
        self.legend = pg.LegendItem(labelTextColor=pal.TEXT, colCount=6)
        self.graphics.addItem(self.legend, row=0, col=0, colspan=2)
        self.histogram_plot = pg.PlotItem()
        self.histogram_plot.setLabel("left", "count")
        self.histogram_curve = self.histogram_plot.plot(stepMode="center", fillLevel=0, pen=pg.mkPen(BLUE, width=1),
                                                        brush=pg.mkBrush(pal.with_alpha(BLUE, 90)))
        self.legend.addItem(self.histogram_curve, "histogram at the shown step")
        self.distribution_plot = pg.PlotItem()
        self.distribution_plot.setLabel("bottom", "training step")
        # Faint edges: a curve with no pen is hidden, and then neither fills its band nor counts for the range.
        self.quantile_curves = [pg.PlotDataItem(pen=pg.mkPen(pal.with_alpha(BLUE, 70), width=1)) for _ in range(7)]
        for curve in self.quantile_curves:
            self.distribution_plot.addItem(curve)
        for low, high, name, alpha in BAND_PAIRS:
            band = pg.FillBetweenItem(self.quantile_curves[low], self.quantile_curves[high],
                                      brush=pg.mkBrush(pal.with_alpha(BLUE, alpha)))
            self.distribution_plot.addItem(band)
            key = pg.PlotDataItem(pen=None, fillLevel=0, fillBrush=pg.mkBrush(pal.with_alpha(BLUE, alpha)))
            self.legend.addItem(key, name)  # a legend sample only: bands have no legend swatch of their own
        self.median_curve = self.distribution_plot.plot(pen=pg.mkPen(pal.BLUE, width=1))
        self.legend.addItem(self.median_curve, "median")
        self.step_marker = pg.InfiniteLine(angle=90, pen=pg.mkPen(pal.RED, width=1))
        self.distribution_plot.addItem(self.step_marker, ignoreBounds=True)
        self.legend.addItem(pg.PlotDataItem(pen=pg.mkPen(pal.RED, width=1)), "shown step")
        self.side_by_side: bool | None = None
        self._curves_key: tuple | None = None  # what the curves show (_draw_snapshot)
        self._arrange(side_by_side=True)
        self.body.addWidget(self.graphics)
        for axis in (self.histogram_plot.getAxis("bottom"), self.distribution_plot.getAxis("left")):
            axis.enableAutoSIPrefix(False)  # "-0.4" reads better than "-400 (x0.001)"
        self._set_value_labels(None)
        # Ranges that hold while the distributions move inside them: refitted at every measurement,
        # both plots' axes were regenerated four times a second.
        self.steady = {"histogram": SteadyRange(self.histogram_plot),
                       "distribution": SteadyRange(self.distribution_plot)}

    def _arrange(self, side_by_side: bool) -> None:
        """The two plots beside each other in a wide, low view, stacked in a tall one."""
        if side_by_side == self.side_by_side:
            return
        self.side_by_side = side_by_side
        self.legend.setColumnCount(6 if side_by_side else 3)
        for plot in (self.histogram_plot, self.distribution_plot):
            if plot.scene() is not None:
                self.graphics.removeItem(plot)
        self.graphics.addItem(self.histogram_plot, row=1, col=0)
        self.graphics.addItem(self.distribution_plot, row=1 if side_by_side else 2, col=1 if side_by_side else 0)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._arrange(self.width() > 1.4 * self.height())

    def set_experiment(self, experiment) -> None:
        """Names layers by their type in the picker (the hub calls this)."""
        self.layer_names = {i: layer.type for i, layer in enumerate(experiment.model.layers)}

    @property
    def kind(self) -> str:
        return "gradients" if self.kind_picker.currentIndex() == 1 else "weights"

    @property
    def layer(self) -> int | None:
        return self.layer_picker.currentData()

    def select(self, layer: int | None = None, kind: str | None = None) -> None:
        if kind is not None:
            self.kind_picker.setCurrentIndex(1 if kind == "gradients" else 0)
        if layer is not None:
            self.layer_picker.setCurrentIndex(self.layer_picker.findData(layer))

    def points(self, kind: str | None = None, layer: int | None = None) -> int:
        """Snapshots accumulated for a layer (the current one by default)."""
        return len(self.history.get((kind or self.kind, self.layer if layer is None else layer), ()))

    # --- fed by the hub ---------------------------------------------------------------
    def record_snapshot(self, snapshot) -> None:
        self._record(snapshot)

    def show_snapshot(self, snapshot) -> None:
        self._record(snapshot)
        super().show_snapshot(snapshot)

    def _record(self, snapshot) -> None:
        for kind, histograms in (("weights", snapshot.weight_histograms), ("gradients", snapshot.grad_histograms)):
            for layer, histogram in histograms.items():
                buffer = self.history.setdefault((kind, layer), deque(maxlen=HISTORY))
                # A snapshot scrubbed back to on the timeline is already in the history.
                if not buffer or snapshot.step > buffer[-1][0]:
                    buffer.append((snapshot.step, np.asarray(histogram.quantiles, np.float64)))
                    self.measured.setdefault((kind, layer), deque(maxlen=HISTORY)).append((snapshot.step, histogram))
        layers = sorted({layer for _, layer in self.history})
        if [self.layer_picker.itemData(i) for i in range(self.layer_picker.count())] != layers:
            current = self.layer
            self.layer_picker.blockSignals(True)
            self.layer_picker.clear()
            for layer in layers:
                name = self.layer_names.get(layer)
                self.layer_picker.addItem(f"{layer + 1}: {name}" if name else f"layer {layer + 1}", layer)
            found = self.layer_picker.findData(current)
            self.layer_picker.setCurrentIndex(found if found >= 0 else 0)
            self.layer_picker.blockSignals(False)

    def _on_kind_changed(self) -> None:
        self.symlog_box.setChecked(self.kind == "gradients")  # redraws when it changes
        self.redraw()

    # --- drawing ----------------------------------------------------------------------
    def measured_by(self, kind: str, layer: int, step: int):
        """The latest (step, histogram) measured at or before ``step``, or None."""
        earlier = [item for item in self.measured.get((kind, layer), ()) if item[0] <= step]
        return earlier[-1] if earlier else None

    def _clear(self) -> None:
        self.history.clear()
        self.measured.clear()
        self.layer_picker.blockSignals(True)
        self.layer_picker.clear()
        self.layer_picker.blockSignals(False)
        self._clear_plots()

    def _set_value_labels(self, c: float | None) -> None:
        name = "gradient" if self.kind == "gradients" else "weight"
        text = f"{name} value" + (f" (symlog, linear within ±{c:.0e})" if c else "")
        self.histogram_plot.setLabel("bottom", text)
        self.distribution_plot.setLabel("left", text)

    def _draw_snapshot(self, snapshot) -> None:
        layer = self.layer
        buffer = self.history.get((self.kind, layer))
        histogram = (snapshot.grad_histograms if self.kind == "gradients" else snapshot.weight_histograms).get(layer)
        measured_at = snapshot.step
        if histogram is None and layer is not None:
            latest = self.measured_by(self.kind, layer, snapshot.step)
            if latest is not None:
                measured_at, histogram = latest
        if not buffer:
            self.caption.setText(f"No {self.kind} yet" + (" (before the first step)." if self.kind == "gradients"
                                                          else "."))
            self._clear_plots()
            return
        self.step_marker.setPos(snapshot.step)
        # Histograms are measured in some snapshots only (a few a second): between
        # them only the step marker moves, and the curves are left as they are.
        key = (self.kind, layer, self.symlog_box.isChecked(), len(buffer), buffer[-1][0], id(histogram))
        if key != self._curves_key:
            self._curves_key = key
            self._draw_curves(buffer, histogram)
        quantiles = buffer[-1][1]
        if histogram is None:
            where = f"no histogram by step {snapshot.step}"
        elif measured_at == snapshot.step:
            where = f"step {snapshot.step}"
        else:
            where = f"step {measured_at}, the latest measured by step {snapshot.step}"
        self.caption.setText(f"{self.layer_picker.currentText()} {self.kind}: {where}; "
                             f"{len(buffer)} snapshots over time, latest median {quantiles[3]:.3g}, "
                             f"5–95 % from {quantiles[1]:.3g} to {quantiles[5]:.3g}")

    def _draw_curves(self, buffer, histogram) -> None:
        steps = np.array([s for s, _ in buffer], np.float64)
        quantiles = np.array([q for _, q in buffer])
        c = linear_threshold(quantiles) if self.symlog_box.isChecked() else None
        shown = symlog(quantiles, c) if c else quantiles
        for curve, column in zip(self.quantile_curves, shown.T, strict=True):
            curve.setData(steps, column)
        self.median_curve.setData(steps, shown[:, 3])
        self.steady["distribution"].fit(steps, shown)
        if histogram is not None:
            edges = np.asarray(histogram.edges, np.float64)
            counts = np.asarray(histogram.counts, np.float64)
            self.histogram_curve.setData(symlog(edges, c) if c else edges, counts)
            self.steady["histogram"].fit(symlog(edges, c) if c else edges, np.append(counts, 0.0))
        else:
            self.histogram_curve.setData([], [])
        self._set_value_labels(c)
        ticks = [symlog_ticks(c, float(quantiles.min()), float(quantiles.max())), []] if c else None
        self.histogram_plot.getAxis("bottom").setTicks(ticks)
        self.distribution_plot.getAxis("left").setTicks(ticks)

    def _clear_plots(self) -> None:
        self._curves_key = None
        for steady in self.steady.values():
            steady.reset()
        self.histogram_curve.setData([], [])
        for curve in (*self.quantile_curves, self.median_curve):
            curve.setData([], [])

    # --- in words ---------------------------------------------------------------------
    def describe_now(self) -> str:
        """"layer 1: Conv2d weights at step 40: mean 0.01, spread 0.21 …", from the
        histograms and quantiles held."""
        layer, snapshot = self.layer, self.snapshot
        buffer = self.history.get((self.kind, layer))
        if not buffer or snapshot is None or layer is None:
            return ""
        shown = self.layer_picker.currentText()  # "1: Conv2d", or "layer 1" before the layers' names are known
        name = f"{shown if shown.startswith('layer') else 'layer ' + shown} {self.kind}"
        measured = self.measured_by(self.kind, layer, snapshot.step)
        if measured is not None:
            step, histogram = measured
            mean, spread, total = histogram_moments(histogram)
            text = f"{name} at step {step}: mean {mean:.2g}, spread {spread:.2g} (standard deviation of {total} values)"
        else:
            text = f"{name}: no histogram measured by step {snapshot.step}"
        quantiles = buffer[-1][1]
        widths = [q[5] - q[1] for _, q in buffer]
        change = {"rising": "widening", "falling": "narrowing", "flat": "steady"}[trend(widths)]
        return (f"{text}; the middle 90 % runs from {quantiles[1]:.2g} to {quantiles[5]:.2g}, {change} over the "
                f"last snapshots ({len(buffer)} kept).")

    # --- export -----------------------------------------------------------------------
    def run_ended(self) -> None:
        # Live, the ranges held still; the last picture is fitted to its data.
        for steady in self.steady.values():
            steady.reset()
        self._curves_key = None
        if self.snapshot is not None:
            self.redraw()

    def export_data(self) -> dict[str, np.ndarray]:
        buffer = self.history.get((self.kind, self.layer))
        if not buffer:
            return {}
        table = np.column_stack([[s for s, _ in buffer], np.array([q for _, q in buffer])])
        data = {"step_and_quantiles_0_5_25_50_75_95_100": table}
        snapshot = self.snapshot
        latest = None if snapshot is None else self.measured_by(self.kind, self.layer, snapshot.step)
        if latest is not None:
            h = latest[1]
            data["bin_left_right_count"] = np.column_stack([h.edges[:-1], h.edges[1:], h.counts])
        return data
