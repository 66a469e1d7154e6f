"""The kernels of every convolution layer, live (claim C4: first-layer filters
turn from noise into stroke and edge detectors as the network learns).

Conv2d: one tile per output channel, all tiles in ONE ImageItem (1 px gaps)
under a diverging colour map centred at zero, so positive and negative
weights read at a glance. Conv1d: each filter as a small line plot (one input
channel, or their mean); all of them in ONE PlotDataItem with a ``connect``
array, laid out as small multiples. With several input channels (one-hot
symbols, say) a Conv1d filter reads best as an input-channel × tap image,
so that is its default. Hovering reads out the filter index and the weight.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QLabel, QStackedWidget

from gui.common import palette as pal
from gui.common.described import shape_text, value_range
from gui.views.sample_image import Tiling, grid_columns, tile
from gui.views.view_panel import ViewPanel, centred_levels, diverging_colour_map

MEAN_OVER_INPUTS, ALL_INPUTS = -1, -2


class FilterGrid(ViewPanel):
    title = "Filters"
    help = ("The learned kernels of each convolution layer: one tile per filter, red for positive and blue "
            "for negative weights. Watch them turn from noise into stroke and edge detectors (claim C4).")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.layer_types: dict[int, str] = {}  # from the experiment, when the hub tells us
        self.layer_picker = QComboBox()
        self.layer_picker.setToolTip("Which convolution layer's filters to show")
        self.input_picker = QComboBox()
        self.input_picker.setToolTip("Filters have one kernel per input channel: show one of them, or their mean")
        self.scale_picker = QComboBox()
        self.scale_picker.addItems(["shared scale", "per-filter scale"])
        self.scale_picker.setToolTip("Shared: one colour scale for all filters, so strong and weak filters "
                                     "compare. Per filter: each tile stretched to its own largest weight.")
        for label, picker in (("Layer", self.layer_picker), ("Input", self.input_picker),
                              ("Colour", self.scale_picker)):
            picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)  # filled after first show
            self.controls.addWidget(QLabel(label))
            self.controls.addWidget(picker)
            picker.currentIndexChanged.connect(lambda _=0: self.redraw())

        self.stack = QStackedWidget()
        self.image_widget = pg.GraphicsLayoutWidget()
        self.image_plot = self.image_widget.addPlot()
        self.image_plot.invertY(True)
        self.image_plot.setAspectLocked(True)
        self.image_plot.hideButtons()
        self.image_plot.setMenuEnabled(False)
        for side in ("left", "bottom"):
            self.image_plot.getAxis(side).setStyle(showValues=False, tickLength=0)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image_plot.addItem(self.image)
        self.colour_bar = pg.ColorBarItem(colorMap=diverging_colour_map(), interactive=False, values=(-1.0, 1.0))
        self.colour_bar.setImageItem(self.image, insert_in=self.image_plot)
        self.colour_bar.axis.enableAutoSIPrefix(False)  # weights are small: "0.05", not "50 (x0.001)"
        self.colour_bar.axis.setLabel("weight")
        self.curve_widget = pg.GraphicsLayoutWidget()
        self.curve_plot = self.curve_widget.addPlot()
        self.curve_plot.hideButtons()
        self.curve_plot.setLabel("bottom", "kernel tap (time steps), one filter per cell")
        self.curve_plot.setLabel("left", "weight (grey line: zero), filters stacked")
        for side in ("left", "bottom"):
            self.curve_plot.getAxis(side).setStyle(showValues=False, tickLength=0)
        self.zero_lines = pg.PlotDataItem(pen=pg.mkPen(pal.FAINT, width=1), connect="pairs")
        self.curves = pg.PlotDataItem(pen=pg.mkPen(pal.WRONG, width=1), symbol="o", symbolSize=3,
                                      symbolPen=None, symbolBrush=pal.WRONG)
        self.curve_plot.addItem(self.zero_lines)
        self.curve_plot.addItem(self.curves)
        self.stack.addWidget(self.image_widget)
        self.stack.addWidget(self.curve_widget)
        self.body.addWidget(self.stack)

        self.shown_kernels: np.ndarray | None = None  # (filters, kh, kw) or (filters, k), as drawn
        self.layer_weights: np.ndarray | None = None  # the chosen layer's whole weight tensor
        self._tiling: Tiling | None = None
        self._cell: tuple[int, int, float] = (1, 1, 1.0)  # conv1d small multiples: columns, taps, row height
        self._csv = False
        self.image_widget.scene().sigMouseMoved.connect(self._on_image_hovered)
        self.curve_widget.scene().sigMouseMoved.connect(self._on_curve_hovered)

    # --- public ------------------------------------------------------------------
    def set_experiment(self, experiment) -> None:
        """Layer types for labels and for ``applies_to`` (optional: shapes alone also tell)."""
        layers = experiment.model.layers if experiment is not None else ()
        self.layer_types = {i: layer.type for i, layer in enumerate(layers)}

    def applies_to(self, run) -> bool:
        if self.layer_types:
            from engine.layers import CONVOLUTION, in_group

            return any(in_group(t, CONVOLUTION) for t in self.layer_types.values())
        return True  # RunStarted alone does not tell; a snapshot without filters says so in the caption

    def not_applicable_text(self) -> str:
        return "Filters: this model has no convolution layers."

    def tile_count(self) -> int:
        """How many filters are drawn now."""
        return 0 if self.shown_kernels is None else len(self.shown_kernels)

    def chosen_layer(self) -> int | None:
        return self.layer_picker.currentData()

    def select_layer(self, layer: int) -> None:
        index = self.layer_picker.findData(layer)
        if index >= 0:
            self.layer_picker.setCurrentIndex(index)

    def describe_now(self) -> str:
        if self.shown_kernels is None or self.layer_weights is None:
            return ""
        layer = self.chosen_layer()
        weights = self.layer_weights
        step = getattr(self.snapshot, "step", None)
        which = f"layer {layer + 1}" if layer is not None else "the first layer"
        return (f"{len(weights)} filters of {shape_text(weights.shape[2:])} in {which} "
                f"({self.layer_types.get(layer, 'convolution')}, {weights.shape[1]} input "
                f"channel{'s' if weights.shape[1] != 1 else ''})"
                + (f" at step {step}" if step is not None else "")
                + f"; {value_range(weights, 'weights')}.")

    def export_data(self) -> dict[str, np.ndarray]:
        if self.shown_kernels is None:
            return {}
        shown = self.shown_kernels.reshape(len(self.shown_kernels), -1)  # one row per filter
        if self._csv:
            return {f"layer {self.chosen_layer() + 1} kernels as shown, one row per filter": shown}
        return {"weights": self.layer_weights, "shown": self.shown_kernels, "image": self.image.image}

    def export_data_to(self, path: str | Path) -> Path:
        # A CSV holds one table: the kernels as shown. The .npz keeps the whole weight tensor too.
        self._csv = Path(path).suffix.lower() == ".csv"
        try:
            return super().export_data_to(path)
        finally:
            self._csv = False

    # --- drawing -----------------------------------------------------------------
    def _clear(self) -> None:
        self.shown_kernels = self.layer_weights = None
        self._tiling = None
        self.image.clear()
        self.curves.setData([], [])
        self.zero_lines.setData([], [])
        self._fill_picker(self.layer_picker, [])
        self._fill_picker(self.input_picker, [])

    def _draw_snapshot(self, snapshot) -> None:
        filters = snapshot.filters
        self._fill_picker(self.layer_picker, [(self._layer_label(i, w), i) for i, w in sorted(filters.items())])
        if not filters:
            self.shown_kernels = self.layer_weights = None
            self.image.clear()
            self.curves.setData([], [])
            self.caption.setText("This model has no convolution layers." if snapshot is not None else "")
            return
        layer = self.chosen_layer()
        weights = filters[layer if layer in filters else min(filters)]
        inputs = [("mean over inputs", MEAN_OVER_INPUTS)] if weights.shape[1] > 1 else []
        if weights.ndim == 3 and weights.shape[1] > 1:
            inputs.insert(0, ("all inputs (channel × tap image)", ALL_INPUTS))
        self._fill_picker(self.input_picker, inputs + [(f"input channel {k}", k) for k in range(weights.shape[1])],
                          keep=self.input_picker.count() > 1)
        channel = self.input_picker.currentData()
        if channel == ALL_INPUTS:
            kernels = weights
        else:
            kernels = weights.mean(axis=1) if channel in (None, MEAN_OVER_INPUTS) else weights[:, channel]
        self.layer_weights, self.shown_kernels = weights, np.ascontiguousarray(kernels, np.float32)
        per_filter = self.scale_picker.currentIndex() == 1
        if per_filter:
            top = np.abs(kernels).reshape(len(kernels), -1).max(axis=1)
            kernels = kernels / np.where(top > 0, top, 1.0).reshape((-1,) + (1,) * (kernels.ndim - 1))
        levels = (-1.0, 1.0) if per_filter else centred_levels(kernels)
        what = "weight ÷ the filter's largest |weight|" if per_filter else "weight"
        if kernels.ndim == 3:
            self._draw_tiles(kernels, levels, what)
        else:
            self._draw_curves(kernels, levels[1])
        which = self.input_picker.currentText()
        self.caption.setText(f"Step {snapshot.step} · {len(kernels)} filters of layer {self.chosen_layer() + 1} "
                             f"({which}); hover a filter to read its weights.")

    def _draw_tiles(self, kernels: np.ndarray, levels: tuple[float, float], what: str) -> None:
        self.stack.setCurrentWidget(self.image_widget)
        one_d = self.layer_weights is not None and self.layer_weights.ndim == 3
        self.image_plot.setLabel("left", "input channels" if one_d else "kernel rows")
        self.image_plot.setLabel("bottom", f"{'taps' if one_d else 'kernel columns'} · filters row by row "
                                 "(hover a tile for its index and weights)")
        picture, self._tiling = tile(kernels)
        self.image.setImage(picture, levels=levels, autoLevels=False)
        self.colour_bar.setLevels(levels)
        self.colour_bar.axis.setLabel(what)

    def _draw_curves(self, kernels: np.ndarray, top: float) -> None:
        """Small multiples: filter i in cell (i // columns, i % columns); a cell
        spans the kernel's taps plus one gap and ±top of weight."""
        self.stack.setCurrentWidget(self.curve_widget)
        n, taps = kernels.shape
        columns = grid_columns(n, 1, taps + 1)
        height = 2.4 * top
        rows, cols = np.divmod(np.arange(n), columns)
        x = (cols[:, None] * (taps + 1) + np.arange(taps)[None, :]).astype(np.float64)
        baseline = -rows[:, None] * height
        y = baseline + kernels
        connect = np.ones((n, taps), bool)
        connect[:, -1] = False  # no line from one filter's last tap to the next filter
        self.curves.setData(x.ravel(), y.ravel(), connect=connect.ravel())
        zx = np.stack([x[:, 0] - 0.3, x[:, -1] + 0.3], axis=1).ravel()
        zy = np.repeat(baseline[:, 0], 2)
        self.zero_lines.setData(zx, zy)
        self._cell = (columns, taps, height)

    # --- hover read-outs -------------------------------------------------------------
    def _on_image_hovered(self, pos) -> None:
        if self._tiling is None or self.shown_kernels is None or self.image.image is None:
            return
        point = self.image.mapFromScene(pos)
        hit = self._tiling.locate(point.y(), point.x())
        if hit is not None:
            index, row, col = hit
            value = self.shown_kernels[index, row, col]
            one_d = self.layer_weights.ndim == 3
            where = f"input channel {row}, tap {col}" if one_d else f"kernel row {row}, column {col}"
            self.caption.note(f"Filter {index} · {where} · weight {value:+.4f}")

    def _on_curve_hovered(self, pos) -> None:
        if self.shown_kernels is None or self.shown_kernels.ndim != 2:
            return
        point = self.curve_plot.vb.mapSceneToView(pos)
        columns, taps, height = self._cell
        col, tap = divmod(int(round(point.x())), taps + 1)
        row = int(round(-point.y() / height)) if height > 0 else 0
        index = row * columns + col
        if 0 <= tap < taps and 0 <= col < columns and 0 <= index < len(self.shown_kernels):
            self.caption.note(f"Filter {index} · tap {tap} · weight {self.shown_kernels[index, tap]:+.4f}")

    # --- helpers -------------------------------------------------------------------
    def _layer_label(self, index: int, weights: np.ndarray) -> str:
        kind = self.layer_types.get(index, "Conv2d" if weights.ndim == 4 else "Conv1d")
        size = "×".join(str(s) for s in weights.shape[2:])
        return f"Layer {index + 1} · {kind} · {weights.shape[0]} filters {size}"

    @staticmethod
    def _fill_picker(picker: QComboBox, items: list[tuple[str, object]], keep: bool = True) -> None:
        """Refill only when the choices changed, keeping the user's choice if ``keep``
        (and not emitting a redraw for every item added)."""
        if [(picker.itemText(i), picker.itemData(i)) for i in range(picker.count())] == items:
            return
        chosen = picker.currentData() if keep else None
        picker.blockSignals(True)
        picker.clear()
        for text, data in items:
            picker.addItem(text, data)
        found = picker.findData(chosen) if chosen is not None else -1
        picker.setCurrentIndex(found if found >= 0 else 0 if items else -1)
        picker.blockSignals(False)
