"""Hidden-state heat map: units × time for one probe sequence, with the
input sequence drawn above it on the same (linked) time axis, so a user can
see which input step made which units switch.

The input is drawn as it is: a few real-valued features as lines, many as a
features × time image (the rows of a digit read row by row), an image input
as its rows (or columns) in time order, text as its characters.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from gui.common import palette as pal
from gui.common.described import value_range
from gui.views.recurrent_picker import data_info, layer_title, probe_labels
from gui.views.recurrent_view import RecurrentView
from gui.views.view_panel import centred_levels, diverging_colour_map

MAX_LINES = 4  # more input features than this read better as an image
LINE_COLOURS = pal.SERIES[:4]


def printable(ch: str) -> str:
    """A character as a visible label: space "␣", newline "↵", tab "⇥"."""
    return {" ": "␣", "\n": "↵", "\t": "⇥"}.get(ch, ch if ch.isprintable() else "·")


class HiddenStateHeatmap(RecurrentView):
    title = "Hidden-state heat map"
    picks_probe = True
    help = ("Every hidden unit (rows) at every time step (columns) for one probe sequence, with the input "
            "above: the same weights update the state at each step from the input and the previous state (C7).")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)

        self.plot_widget = pg.GraphicsLayoutWidget()
        self.plot_widget.setBackground("w")
        self.input_plot = self.plot_widget.addPlot(row=0, col=0)
        self.input_plot.setMouseEnabled(False, False)
        self.input_plot.hideButtons()
        self.input_legend = self.input_plot.addLegend(offset=(-5, 2), labelTextColor=pal.TEXT)
        self.input_lines = [self.input_plot.plot(pen=pg.mkPen(c, width=1)) for c in LINE_COLOURS]
        self.input_image = pg.ImageItem(axisOrder="row-major")
        self.input_image.setColorMap(pg.colormap.get("CET-L1"))  # grey ramp: inputs are not signed
        self.input_plot.addItem(self.input_image)
        self.heat_plot = self.plot_widget.addPlot(row=1, col=0)
        self.heat_plot.setMouseEnabled(False, False)
        self.heat_plot.hideButtons()
        self.heat_plot.setLabel("bottom", "time step t")
        self.heat_plot.setLabel("left", "hidden unit")
        self.heat_item = pg.ImageItem(axisOrder="row-major")
        self.heat_plot.addItem(self.heat_item)
        self.colour_bar = pg.ColorBarItem(values=(-1, 1), colorMap=diverging_colour_map(), interactive=False,
                                          label="hₜ (tanh range −1…1)", colorMapMenu=False, width=12)
        self.colour_bar.setImageItem(self.heat_item)
        self.plot_widget.addItem(self.colour_bar, row=1, col=1)
        self.input_plot.setXLink(self.heat_plot)
        # Equal left axes, so step t of the input sits exactly above step t of the hidden state.
        for plot in (self.input_plot, self.heat_plot):
            plot.getAxis("left").setWidth(52)
        self.input_plot.getAxis("left").enableAutoSIPrefix(False)  # "500 (x0.001)" for 0.5 reads badly
        layout = self.plot_widget.ci.layout
        layout.setRowStretchFactor(0, 1)
        layout.setRowStretchFactor(1, 3)
        self.body.addWidget(self.plot_widget)

        self.image = np.zeros((0, 0), np.float32)  # (units, T) as shown
        self.input_shown = np.zeros((0,), np.float32)  # the input as drawn (lines: (T, F); image: (F, T))
        self._clear()

    # --- drawing ------------------------------------------------------------------------
    def set_run(self, run) -> None:
        super().set_run(run)
        self.picker.set_probes(probe_labels(run) if run is not None else [])

    def _clear(self) -> None:
        self.image = np.zeros((0, 0), np.float32)
        self.input_shown = np.zeros((0,), np.float32)
        self.heat_item.clear()
        self.input_image.clear()
        for line in self.input_lines:
            line.setData([], [])
        self.input_plot.getAxis("bottom").setTicks(None)
        self.caption.setText("Train a recurrent model to see its hidden units over time.")

    def _draw_snapshot(self, snapshot) -> None:
        self.picker.set_layers({i: layer_title(i, snapshot.gates.get(i), self.layer_types)
                                for i in snapshot.hidden_states})
        layer = self.picker.layer()
        if layer is None or layer not in snapshot.hidden_states:
            self._clear()
            self.caption.setText("No hidden states in this snapshot: the model has no recurrent layer.")
            return
        states = snapshot.hidden_states[layer]
        probe = min(self.picker.probe(), len(states) - 1)
        self.image = np.ascontiguousarray(states[probe].T, dtype=np.float32)  # (units, T)
        units, steps = self.image.shape
        top = float(np.abs(self.image).max()) if self.image.size else 1.0
        levels = (-1.0, 1.0) if top <= 1.0 + 1e-6 else centred_levels(self.image)
        self.heat_item.setImage(self.image, levels=levels)
        self.heat_item.setRect(-0.5, 0, steps, units)  # pixel t centred on tick t
        self.colour_bar.setLevels(levels)
        self.heat_plot.setRange(xRange=(-0.5, steps - 0.5), yRange=(0, units), padding=0)
        self._draw_input(probe, steps)
        label = self.picker.probe_combo.currentText() or f"sequence #{probe}"
        self.caption.setText(f"Step {snapshot.step}: {label}, {units} units × {steps} time steps.")

    def _draw_input(self, probe: int, steps: int) -> None:
        """The probe's input above the heat map, stretched to the layer's time steps."""
        for line in self.input_lines:
            line.setData([], [])
        self.input_legend.clear()
        self.input_image.clear()
        self.input_plot.getAxis("bottom").setTicks(None)
        inputs = getattr(self.run, "probe_inputs", None)
        if inputs is None or probe >= len(inputs):
            return
        x = np.asarray(inputs[probe])
        info = data_info(self.run)
        guessed = "tokens" if x.ndim == 1 else "image" if x.ndim == 3 else "sequence"
        kind = getattr(info, "input_kind", None) or guessed
        if kind == "tokens":
            self._draw_tokens(x.astype(np.int64), steps)
            return
        if kind == "video":  # a clip read frame by frame: each frame's pixels in a column
            features_by_time = x.reshape(len(x), -1).T
            self.input_plot.setLabel("left", "pixel of the frame")
        elif kind == "image":
            picture = x.mean(axis=0)  # (H, W)
            # Read as columns when the layer has as many steps as the image has columns, else as rows.
            features_by_time = picture if picture.shape[1] == steps and picture.shape[0] != steps else picture.T
            self.input_plot.setLabel("left", "pixel in column" if features_by_time is picture else "pixel in row")
        else:
            features_by_time = x.T  # (F, T)
            self.input_plot.setLabel("left", "input" if len(features_by_time) <= MAX_LINES else "input feature")
        self.input_plot.getAxis("left").setTicks(None)
        features, length = features_by_time.shape
        scale = steps / max(length, 1)
        if features <= MAX_LINES:
            t = (np.arange(length) + 0.5) * scale - 0.5
            for f in range(features):
                self.input_lines[f].setData(t, features_by_time[f])
                self.input_legend.addItem(self.input_lines[f], f"feature {f}")
            self.input_shown = np.ascontiguousarray(features_by_time.T, dtype=np.float32)
            self.input_plot.enableAutoRange(axis="y")
        else:
            self.input_shown = np.ascontiguousarray(features_by_time, dtype=np.float32)
            low, high = float(self.input_shown.min()), float(self.input_shown.max())
            self.input_image.setImage(self.input_shown, levels=(low, high if high > low else low + 1.0))
            self.input_image.setRect(-0.5, 0, steps, features)
            self.input_plot.setYRange(0, features, padding=0)

    def _draw_tokens(self, ids: np.ndarray, steps: int) -> None:
        """Text as its characters (or token ids without a vocabulary) under each step."""
        vocab = getattr(self.run, "vocab", None) or getattr(data_info(self.run), "token_texts", None)
        scale = steps / max(len(ids), 1)
        labels = [printable(vocab[i]) if vocab and 0 <= i < len(vocab) else str(int(i)) for i in ids]
        self.input_plot.getAxis("bottom").setTicks([[((t + 0.5) * scale - 0.5, s) for t, s in enumerate(labels)], []])
        self.input_plot.getAxis("left").setTicks([[]])
        self.input_plot.setLabel("left", "input")
        self.input_plot.setYRange(0, 1, padding=0)
        self.input_shown = ids.astype(np.float32)

    def describe_now(self) -> str:
        if self.image.size == 0:
            return ""
        busiest = int(np.argmax(np.abs(self.image).mean(axis=1)))
        return (f"{self.caption.drawn} Hidden units {value_range(self.image, 'range')}; the most active "
                f"is unit {busiest} (mean |h| {float(np.abs(self.image[busiest]).mean()):.2f}).")

    def export_data(self) -> dict[str, np.ndarray]:
        if self.image.size == 0:
            return {}
        data = {"hidden_units_by_time": self.image}
        if self.input_shown.size:
            data["input"] = self.input_shown
        return data
