"""Live loss and metric curves of a training run.

Two linked plots: loss (training per step, raw and smoothed, and validation
per epoch) above accuracy or MSE (training and validation per epoch, with
the trivial predictor's baseline). The x axis shows steps or epochs; the
loss axis can be logarithmic; hovering reads out the nearest values.

Painting runs on the GUI thread while training needs the GIL between its
torch calls, so every millisecond here slows training down. Hence: items
created once and fed with ``setData``; bounded StepHistory buffers; 1 px
pens, peak downsampling and clipping to the view; no grid (it doubled the
paint time); and no autorange while a run is live: the x axis spans the
whole run from the start and the y axes only grow, so the axes' ticks are
not regenerated on every frame. Zooming by hand (or the "A" button) hands
the ranges back to the user until the next run. Earlier runs checked in the
runs table are drawn over these (gui/runs/run_overlays.py), and the ranges make
room for them.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui.common import palette as pal
from gui.common.described import NO_RUN, Described, install_copy_as_text, trend
from gui.common.step_history import StepHistory
from gui.common.style import subdued

TRAIN_COLOUR, VAL_COLOUR, RAW_COLOUR = pal.TRAIN, pal.VALIDATION, pal.RAW
X_AXES = ("step", "epoch")
# Dots mark each validation point while there are few; past this many they
# merge into a line anyway and the scatter items cost a fifth of the paint time.
SYMBOL_LIMIT = 25
SYMBOL = {"symbol": "o", "symbolSize": 5, "symbolPen": None}


def _pen(colour: str, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> object:
    return pg.mkPen(colour, width=1, style=style)


def nice_ceiling(value: float) -> float:
    """The next of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 × a power of ten above ``value``."""
    if not math.isfinite(value) or value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for factor in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if factor * power >= value:
            return factor * power
    return 10 * power


LEGEND_COLUMNS = 3
DESCRIBE_EVERY_S = 1.0  # steps arrive at ~20 Hz: the description (a screen reader's) need not follow each


def _trend(values: np.ndarray) -> str:
    """", rising" / ", falling" / ", flat" over the last few points; "" for one point (no trend yet)."""
    return f", {trend(values)}" if len(values) > 1 else ""


class LossCurves(QWidget, Described):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LossCurves")
        self.setAccessibleName("Loss and accuracy curves")
        self._described_at = 0.0
        self.setWhatsThis("<b>Curves</b><p>The loss (how wrong the network is; lower is better) and the "
                          "accuracy or error as it trains. Thin line: each batch; thick line: its moving "
                          "average; dashed line with dots: the validation set, data the network never trains "
                          "on, after each epoch. A gap between training and validation means it memorises "
                          "rather than learns. The grey dashed line is what guessing would score.</p>")
        self.train_loss = StepHistory(smoothing=0.85)
        self.val_loss = StepHistory(capacity=10_000, smoothing=0.0)
        self.train_metric = StepHistory(capacity=10_000, smoothing=0.0)
        self.val_metric = StepHistory(capacity=10_000, smoothing=0.0)
        # Not "metric": that would shadow QWidget.metric(), which Qt calls when painting.
        self.metric_name = "accuracy"
        self.steps_per_epoch = 1
        self.total_steps: int | None = None
        self.x_axis = "step"
        self._baseline: float | None = None
        self._tops = {"loss": 0.0, "metric": 0.0}
        self._fitting = False  # our own range changes, not the user's
        self.overlays: object | None = None  # gui.runs.run_overlays.RunOverlays sets itself here

        self.x_axis_combo = QComboBox()
        self.x_axis_combo.addItems(list(X_AXES))
        self.x_axis_combo.setToolTip("Plot against training steps (batches) or epochs (passes over the data)")
        self.log_check = QCheckBox("Log-scale loss")
        self.log_check.setToolTip("Show the loss on a logarithmic axis: late, small gains stay visible")
        self.readout = QLabel("Press Train (F5) to start; hover over a curve to read its values.")
        subdued(self.readout)
        self.readout.setWordWrap(True)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("x axis:"))
        controls.addWidget(self.x_axis_combo)
        controls.addWidget(self.log_check)
        controls.addStretch(1)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.loss_plot = self.graphics.addPlot(row=0, col=0)
        self.metric_plot = self.graphics.addPlot(row=1, col=0)
        self.metric_plot.setXLink(self.loss_plot)
        for plot in (self.loss_plot, self.metric_plot):
            # The legend sits in the title row, one line, beside a left-aligned
            # title: inside the plot it covered the newest points at the right edge.
            legend = plot.addLegend(colCount=LEGEND_COLUMNS, labelTextColor=pal.TEXT, brush=None, pen=None,
                                    verSpacing=0, horSpacing=10, labelTextSize="8pt")
            legend.layout.setContentsMargins(0, 0, 0, 0)
            legend.setParentItem(plot)
            legend.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-6, 2))
            legend.setZValue(10)
            for axis in ("left", "bottom"):
                plot.getAxis(axis).setTextPen(pal.TEXT)
                plot.getAxis(axis).setPen(pal.FRAME)
                plot.getAxis(axis).enableAutoSIPrefix(False)
            plot.vb.sigRangeChangedManually.connect(self._on_range_changed_manually)
        self.loss_plot.setTitle("Loss", color=pal.TEXT, justify="left")
        self.fit_legends()
        self.train_raw_curve = self._curve(self.loss_plot, RAW_COLOUR, "training (per step)")
        self.train_loss_curve = self._curve(self.loss_plot, TRAIN_COLOUR, "training (smoothed)")
        # Validation dashed as well as orange: told apart from training without colour (and once
        # its dots go, past SYMBOL_LIMIT epochs). A few points per epoch: the dashes cost nothing.
        self.val_loss_curve = self._curve(self.loss_plot, VAL_COLOUR, "validation", symbol=True, dashed=True)
        self.train_metric_curve = self._curve(self.metric_plot, TRAIN_COLOUR, "training")
        self.val_metric_curve = self._curve(self.metric_plot, VAL_COLOUR, "validation", symbol=True, dashed=True)
        self.baseline_line = pg.InfiniteLine(angle=0, pen=_pen(pal.LABEL, Qt.PenStyle.DashLine),
                                             label="baseline", labelOpts={"color": pal.LABEL, "position": 0.15})
        self.baseline_line.hide()
        self.metric_plot.addItem(self.baseline_line)
        # The step the timeline is scrubbed to: the views show the network as it was there.
        self.marked_step: int | None = None
        self.step_marks = []
        for plot in (self.loss_plot, self.metric_plot):
            mark = pg.InfiniteLine(angle=90, movable=False, pen=_pen(pal.LABEL, Qt.PenStyle.DotLine))
            mark.hide()
            plot.addItem(mark, ignoreBounds=True)
            self.step_marks.append(mark)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.readout)
        self.setMinimumSize(360, 280)
        self._label_axes()
        if self.metric_name == "accuracy":  # before any point: the axis in %, not autorange's 0–1
            self.metric_plot.setYRange(0, 100, padding=0.02)
        self.x_axis_combo.currentTextChanged.connect(self.set_x_axis)
        self.log_check.toggled.connect(self.set_log_scale)
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.copy_text_action = install_copy_as_text(self)
        self.update_description()

    def mark_step(self, step: int | None) -> None:
        """A dotted line at ``step`` on both plots (None: none, the views are live)."""
        self.marked_step = step
        for mark in self.step_marks:
            mark.setVisible(step is not None)
            if step is not None:
                mark.setValue(float(self._x(np.asarray(step, float))))
                mark.setToolTip(f"The live views show step {step:,} (the timeline is scrubbed there)")

    def fit_legends(self) -> None:
        """Give each plot's title row the legend's height (overlaid runs add
        lines to it), in as many columns as fit beside the title, so the
        legend never lies over the curves or the title."""
        for plot in (self.loss_plot, self.metric_plot):
            legend = plot.legend
            for _, label in legend.items:
                label.setMaximumHeight(20)  # else the rows share out a stretched legend's height
            room = plot.width() - plot.titleLabel.itemRect().width() - 30
            for columns in range(LEGEND_COLUMNS, 0, -1):
                if legend.columnCount != columns:
                    legend.setColumnCount(columns)
                legend.updateSize()
                if legend.boundingRect().width() <= room:
                    break
            plot.layout.setRowFixedHeight(0, max(30, legend.boundingRect().height() + 4))
            plot.titleLabel.setMaximumHeight(30)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        QTimer.singleShot(0, self, self.fit_legends)  # after the plots have their new widths

    # --- feeding --------------------------------------------------------------
    def reset(self, steps_per_epoch: int = 1, metric: str | None = None, baseline: float | None = None,
              total_steps: int | None = None) -> None:
        """Forget the previous run; ``metric`` is "accuracy" or "mse"."""
        for history in (self.train_loss, self.val_loss, self.train_metric, self.val_metric):
            history.clear()
        self.steps_per_epoch = max(1, steps_per_epoch)
        self.total_steps = total_steps
        if metric:
            self.metric_name = metric
        self._baseline = None if baseline is None else self._metric_value(baseline)
        self.baseline_line.setVisible(self._baseline is not None)
        if self._baseline is not None:
            self.baseline_line.setValue(self._baseline)
        self._tops = {"loss": 0.0, "metric": 100.0 if self.metric_name == "accuracy" else 0.0}
        self._show_symbols(True)
        self.mark_step(None)
        self._label_axes()
        self.redraw()
        if self.overlays is not None:
            self.overlays.redraw()  # the metric may have changed
            self.fit_to_overlays()
        if total_steps is None:
            for plot in (self.loss_plot, self.metric_plot):
                plot.enableAutoRange()
            if self.metric_name == "accuracy":  # before any point: the axis in %, not autorange's 0–1
                self.metric_plot.setYRange(0, 100, padding=0.02)
        else:
            self._fit_ranges(force=True)
            self.readout.setText("Hover over a curve to read its values.")
        self.update_description()

    def append_steps(self, steps: np.ndarray, losses: np.ndarray) -> None:
        self.train_loss.extend(steps, losses)
        self._set(self.train_raw_curve, self.train_loss.x, self.train_loss.y)
        self._set(self.train_loss_curve, self.train_loss.x, self.train_loss.smoothed)
        self._grow("loss", float(np.max(losses)) if len(losses) else 0.0)
        if time.monotonic() - self._described_at > DESCRIBE_EVERY_S:
            self._described_at = time.monotonic()
            self.update_description()

    def add_epoch(self, step: int, val_loss: float, train_metric: float, val_metric: float) -> None:
        self.val_loss.append(step, val_loss)
        self.train_metric.append(step, self._metric_value(train_metric))
        self.val_metric.append(step, self._metric_value(val_metric))
        self._set(self.val_loss_curve, self.val_loss.x, self.val_loss.y)
        self._set(self.train_metric_curve, self.train_metric.x, self.train_metric.y)
        self._set(self.val_metric_curve, self.val_metric.x, self.val_metric.y)
        if len(self.val_loss) > SYMBOL_LIMIT:
            self._show_symbols(False)
        self._grow("loss", val_loss)
        self._grow("metric", max(self._metric_value(train_metric), self._metric_value(val_metric)))
        self.update_description()

    def redraw(self) -> None:
        self._set(self.train_raw_curve, self.train_loss.x, self.train_loss.y)
        self._set(self.train_loss_curve, self.train_loss.x, self.train_loss.smoothed)
        self._set(self.val_loss_curve, self.val_loss.x, self.val_loss.y)
        self._set(self.train_metric_curve, self.train_metric.x, self.train_metric.y)
        self._set(self.val_metric_curve, self.val_metric.x, self.val_metric.y)

    def fit_to_overlays(self) -> None:
        """Make room for the overlays (called when one is added)."""
        _, loss, metric = self.overlays.extent()
        self._grow("loss", loss)
        self._grow("metric", metric)
        self._fit_ranges()

    # --- in words -----------------------------------------------------------------
    def describe(self) -> str:
        """The curves now, in a sentence or two: the last validation point and
        its trend over the last few epochs, the training loss, the baseline."""
        if not len(self.train_loss) and not len(self.val_loss):
            return NO_RUN
        accuracy = self.metric_name == "accuracy"
        epochs = f" of {round(self.total_steps / self.steps_per_epoch)}" if self.total_steps else ""
        parts = []
        if len(self.val_metric):
            epoch = round(self.val_metric.x[-1] / self.steps_per_epoch)
            value = self.val_metric.y[-1]
            shown = f"{value:.1f}%" if accuracy else f"{value:.4g}"
            name = "accuracy" if accuracy else "mean squared error"
            parts.append(f"Validation {name} {shown} at epoch {epoch}{epochs}{_trend(self.val_metric.y)}; "
                         f"validation loss {self.val_loss.y[-1]:.3g}{_trend(self.val_loss.y)}")
        if len(self.train_loss):
            step = int(self.train_loss.x[-1])
            total = f" of {self.total_steps:,}" if self.total_steps else ""
            recent = self.train_loss.smoothed[-20:]
            parts.append(f"training loss {self.train_loss.smoothed[-1]:.3g} (smoothed) at step {step:,}{total}"
                         f"{_trend(recent[::max(1, len(recent) // 4)])}")
        text = "; ".join(parts)
        text = text[0].upper() + text[1:]
        if self._baseline is not None:
            text += f" (guessing scores {self._baseline:.1f}%)" if accuracy else f" (baseline {self._baseline:.3g})"
        if not len(self.val_metric):
            text += "; no validation yet"
        overlaid = len(getattr(self.overlays, "items", ()))
        if overlaid:
            text += f". {overlaid} earlier run{'s' if overlaid > 1 else ''} drawn over the curves"
        return text + "."

    # --- view options -----------------------------------------------------------
    def set_x_axis(self, axis: str) -> None:
        if axis not in X_AXES:
            raise ValueError(f"x axis must be one of {X_AXES}")
        self.x_axis = axis
        if self.x_axis_combo.currentText() != axis:
            self.x_axis_combo.setCurrentText(axis)
        self._label_axes()
        self.redraw()
        self.mark_step(self.marked_step)
        if self.overlays is not None:
            self.overlays.redraw()
        self._fit_ranges(force=True)

    def set_log_scale(self, on: bool) -> None:
        if self.log_check.isChecked() != on:
            self.log_check.setChecked(on)
        self.loss_plot.setLogMode(x=False, y=on)
        self._fit_ranges(force=True)

    @property
    def log_scale(self) -> bool:
        return self.log_check.isChecked()

    # --- ranges -----------------------------------------------------------------
    def _grow(self, which: str, value: float) -> None:
        if math.isfinite(value) and value > self._tops[which]:
            self._tops[which] = nice_ceiling(value * 1.05)
            self._fit_ranges()

    def _fit_ranges(self, force: bool = False) -> None:
        if self.total_steps is None:
            return
        if not force and any(any(p.vb.state["autoRange"]) for p in (self.loss_plot, self.metric_plot)):
            return  # the user asked for autorange (or zoomed): leave the view alone
        self._fitting = True
        try:
            if force:
                # Autorange left on from before the run (the metric plot's linked
                # x axis, which setXRange on the loss plot does not switch off when
                # the range is unchanged) made every later fit return early: a
                # second LSTM run kept the loss axis at 0–1 under a loss of 1.39.
                for plot in (self.loss_plot, self.metric_plot):
                    plot.disableAutoRange()
            end = self.total_steps / self.steps_per_epoch if self.x_axis == "epoch" else self.total_steps
            if self.overlays is not None:  # an earlier, longer run stays in view
                end = max(end, self.overlays.extent()[0])
            self.loss_plot.setXRange(0, max(end, 1), padding=0.02)
            if self.log_scale:
                self.loss_plot.enableAutoRange(axis="y")
            else:
                self.loss_plot.setYRange(0, self._tops["loss"] or 1.0, padding=0.02)
            top = max(self._tops["metric"], self._baseline or 0.0) or 1.0
            self.metric_plot.setYRange(0, nice_ceiling(top), padding=0.02)
        finally:
            self._fitting = False

    def _on_range_changed_manually(self, *args: object) -> None:
        if not self._fitting:
            self.total_steps = None  # the user's view from now on, until the next run

    # --- internals ------------------------------------------------------------
    def _show_symbols(self, on: bool) -> None:
        for curve in (self.val_loss_curve, self.val_metric_curve):
            if on != (curve.opts["symbol"] is not None):
                curve.setSymbol(SYMBOL["symbol"] if on else None)

    def _curve(self, plot: pg.PlotItem, colour: str, name: str, symbol: bool = False,
               dashed: bool = False) -> pg.PlotDataItem:
        extra = {**SYMBOL, "symbolBrush": colour} if symbol else {}
        curve = plot.plot(pen=_pen(colour, Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine), name=name,
                          **extra)
        curve.setDownsampling(auto=True, method="peak")
        curve.setClipToView(True)
        return curve

    def _set(self, curve: pg.PlotDataItem, steps: np.ndarray, values: np.ndarray) -> None:
        curve.setData(self._x(steps), values)

    def _x(self, steps: np.ndarray) -> np.ndarray:
        return steps / self.steps_per_epoch if self.x_axis == "epoch" else steps

    def _metric_value(self, value: float) -> float:
        return value * 100.0 if self.metric_name == "accuracy" else value

    def _label_axes(self) -> None:
        accuracy = self.metric_name == "accuracy"
        self.loss_plot.setLabel("left", "cross-entropy loss" if accuracy else "MSE loss", color=pal.TEXT)
        self.metric_plot.setLabel("left", "accuracy (%)" if accuracy else "mean squared error", color=pal.TEXT)
        self.metric_plot.setTitle("Accuracy" if accuracy else "Mean squared error", color=pal.TEXT, justify="left")
        for plot in (self.loss_plot, self.metric_plot):
            plot.setLabel("bottom", self.x_axis, color=pal.TEXT)

    def _on_mouse_moved(self, pos: QPointF) -> None:
        for plot in (self.loss_plot, self.metric_plot):
            if plot.vb.sceneBoundingRect().contains(pos):
                x = plot.vb.mapSceneToView(pos).x()
                self.readout.setText(self.readout_at(x))
                return

    def readout_at(self, x: float) -> str:
        """The values nearest to ``x`` (in the current x-axis units), as text."""
        step = x * self.steps_per_epoch if self.x_axis == "epoch" else x
        parts = []
        i = self.train_loss.nearest(step)
        if i is not None:
            s = int(self.train_loss.x[i])
            parts.append(f"step {s:,} (epoch {s / self.steps_per_epoch:.1f}): "
                         f"loss {self.train_loss.y[i]:.4g} (smoothed {self.train_loss.smoothed[i]:.4g})")
        j = self.val_loss.nearest(step)
        if j is not None:
            unit = "%" if self.metric_name == "accuracy" else ""
            parts.append(f"validation at step {int(self.val_loss.x[j]):,}: loss {self.val_loss.y[j]:.4g}, "
                         f"{self.metric_name} {self.val_metric.y[j]:.4g}{unit}")
        return " · ".join(parts) if parts else "No data yet."
