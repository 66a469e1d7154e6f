"""Gates of an LSTM or GRU layer over time, for one probe sequence: a small
units × time heat map per gate, stacked on one time axis, and the mean of
each gate over time below them.

Fused nn.LSTM / nn.GRU do not expose their gates; the engine probes them
with an unrolled twin that shares the trained weights (engine/unrolled.py).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget

from gui.common import palette as pal
from gui.views.recurrent_picker import layer_title, probe_labels
from gui.views.recurrent_view import RecurrentView
from gui.views.view_panel import centred_levels, diverging_colour_map

# Display order and titles; sigmoid gates (0…1) first, then the signed ones.
GATE_TITLES = {
    "input": "input gate i", "forget": "forget gate f", "output": "output gate o",
    "reset": "reset gate r", "update": "update gate z",
    "cell": "cell candidate g", "new": "new candidate n", "cell_state": "cell state c",
}
LEFT_AXIS_WIDTH = 46  # the same for every plot, so the maps line up in time
SIGMOID_GATES = ("input", "forget", "output", "reset", "update")
GATE_COLOURS = {"input": pal.BLUE, "forget": pal.GREEN, "output": pal.ORANGE, "reset": pal.RED,
                "update": pal.PURPLE, "cell": pal.CYAN, "new": pal.CYAN, "cell_state": pal.PINK}
LSTM_CAPTION = ("forget ≈ 1 keeps the memory c, ≈ 0 erases it; input lets the candidate g into c; "
                "output lets c show in h.")
GRU_CAPTION = "update ≈ 1 keeps the old state (h = z·h₋₁ + (1−z)·n); reset ≈ 0 ignores it in the candidate n."


def ordered_gates(names) -> list[str]:
    known = [n for n in GATE_TITLES if n in names]
    return known + sorted(n for n in names if n not in GATE_TITLES)


class GatesView(RecurrentView):
    title = "Gates"
    picks_probe = True
    help = ("The gates of an LSTM or GRU layer at every step of one probe sequence: the forget gate staying "
            "near 1 is how an LSTM carries information (and gradient) across long gaps (claim C9).")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot_widget = pg.GraphicsLayoutWidget()
        self.plot_widget.setBackground("w")
        self.body.addWidget(self.plot_widget)
        self.gate_names: list[str] = []  # as laid out now
        self.images: dict[str, np.ndarray] = {}  # gate → (units, T) as shown
        self.means: dict[str, np.ndarray] = {}  # gate → (T,)
        self._heat_plots: dict[str, pg.PlotItem] = {}
        self._heat_items: dict[str, pg.ImageItem] = {}
        self._bars: dict[str, pg.ColorBarItem] = {}  # gate → the colour bar that shows its levels
        self._mean_plot: pg.PlotItem | None = None
        self._mean_lines: dict[str, pg.PlotDataItem] = {}
        self._labels: dict[str, pg.TextItem] = {}  # the gate's name, in the corner of its map
        self._clear()

    def applies_to(self, run) -> bool:
        if self.layer_types is None:
            return True
        from engine.layers import layer_kind

        return any(layer_kind(t) is not None and layer_kind(t).gates for t in self.layer_types.values())

    def not_applicable_text(self) -> str:
        return f"{self.title}: this model has no LSTM or GRU layer (a plain RNN has no gates)."

    # --- layout, rebuilt only when the set of gates changes (LSTM ↔ GRU) ------------------
    def _lay_out(self, names: list[str]) -> None:
        self.plot_widget.clear()
        self._heat_plots, self._heat_items, self._bars, self._mean_lines, self._labels = {}, {}, {}, {}, {}
        self.gate_names = names
        sigmoid = [n for n in names if n in SIGMOID_GATES]
        first = None
        for row, name in enumerate(names):
            plot = self.plot_widget.addPlot(row=row, col=0)
            plot.setMouseEnabled(False, False)
            plot.hideButtons()
            # The gate's name inside its map, the time axis only under the mean plot: titles and
            # axes on every small heat map left no room for the maps.
            plot.setLabel("left", "unit")
            plot.getAxis("left").setStyle(showValues=False)
            plot.getAxis("left").setWidth(LEFT_AXIS_WIDTH)
            plot.hideAxis("bottom")
            item = pg.ImageItem(axisOrder="row-major")
            plot.addItem(item)
            label = pg.TextItem(GATE_TITLES.get(name, name), color=pal.TEXT, fill=(255, 255, 255, 210),
                                anchor=(0, 0))
            plot.addItem(label, ignoreBounds=True)
            self._labels[name] = label
            if first is None:
                first = plot
            else:
                plot.setXLink(first)
            self._heat_plots[name], self._heat_items[name] = plot, item
        if sigmoid:
            bar = pg.ColorBarItem(values=(0, 1), colorMap=pg.colormap.get("viridis"), interactive=False,
                                  label="gate (0…1)", colorMapMenu=False, width=10)
            bar.setImageItem([self._heat_items[n] for n in sigmoid])
            self.plot_widget.addItem(bar, row=0, col=1, rowspan=len(sigmoid))
            self._bars.update(dict.fromkeys(sigmoid, bar))
        for row, name in enumerate(names):
            if name in SIGMOID_GATES:
                continue
            bar = pg.ColorBarItem(values=(-1, 1), colorMap=diverging_colour_map(), interactive=False,
                                  colorMapMenu=False, width=10)
            # One map's height is too short for a label and minor ticks: major ticks, small type.
            font = QFont()
            font.setPointSize(7)
            bar.axis.setStyle(maxTickLevel=0, tickFont=font)
            bar.setImageItem(self._heat_items[name])
            self.plot_widget.addItem(bar, row=row, col=1)
            self._bars[name] = bar
        # The legend in a row of its own above the mean plot: inside, it hid the lines; beside it,
        # it took the maps' width.
        legend = pg.LegendItem(labelTextColor=pal.TEXT, colCount=sum(n != "cell_state" for n in names))
        self.plot_widget.addItem(legend, row=len(names), col=0)
        self._mean_plot = self.plot_widget.addPlot(row=len(names) + 1, col=0)
        self._mean_plot.setMouseEnabled(False, False)
        self._mean_plot.hideButtons()
        self._mean_plot.setLabel("bottom", "time step t")
        self._mean_plot.setLabel("left", "mean of units")
        self._mean_plot.getAxis("left").setWidth(LEFT_AXIS_WIDTH)
        self._mean_plot.setMinimumHeight(90)
        self._mean_plot.getAxis("left").enableAutoSIPrefix(False)
        for name in names:
            if name == "cell_state":  # unbounded: it would squash the 0…1 gates on a shared axis
                continue
            line = self._mean_plot.plot(pen=pg.mkPen(GATE_COLOURS.get(name, pal.LABEL), width=1))
            legend.addItem(line, name)
            self._mean_lines[name] = line
        # A fixed y range, not autorange: the gates are sigmoids (0…1) and the candidate a tanh
        # (−1…1), and a range refitted to the means at every snapshot regenerated the axis each frame.
        low = 0.0 if all(name in SIGMOID_GATES for name in self._mean_lines) else -1.0
        self._mean_plot.setYRange(low, 1.0, padding=0.03)
        if first is not None:
            self._mean_plot.setXLink(first)
        layout = self.plot_widget.ci.layout
        for row in range(len(names)):
            layout.setRowStretchFactor(row, 2)
        layout.setRowStretchFactor(len(names), 0)
        layout.setRowStretchFactor(len(names) + 1, 3)

    # --- drawing ------------------------------------------------------------------------
    def set_run(self, run) -> None:
        super().set_run(run)
        self.picker.set_probes(probe_labels(run) if run is not None else [])

    def _clear(self) -> None:
        self.images, self.means = {}, {}
        for item in self._heat_items.values():
            item.clear()
        for line in self._mean_lines.values():
            line.setData([], [])
        self.caption.setText("Train an LSTM or GRU to see its gates open and close.")

    def _draw_snapshot(self, snapshot) -> None:
        layers = sorted(set(snapshot.hidden_states) | set(snapshot.gates))
        self.picker.set_layers({i: layer_title(i, snapshot.gates.get(i), self.layer_types) for i in layers})
        layer = self.picker.layer()
        gates = snapshot.gates.get(layer) if layer is not None else None
        if not gates:
            self._clear()
            self.caption.setText(f"Layer {layer + 1} has no gates: a plain RNN has none "
                                 "(gates come with LSTM and GRU layers)." if layer is not None
                                 else "No recurrent layer in this snapshot.")
            return
        names = ordered_gates(gates)
        if names != self.gate_names:
            self._lay_out(names)
        probe = min(self.picker.probe(), len(next(iter(gates.values()))) - 1)
        self.images, self.means = {}, {}
        for name in names:
            image = np.ascontiguousarray(gates[name][probe].T, dtype=np.float32)  # (units, T)
            levels = (0.0, 1.0) if name in SIGMOID_GATES else self._signed_levels(name, image)
            self._heat_items[name].setImage(image, levels=levels)
            self._heat_items[name].setRect(-0.5, 0, image.shape[1], image.shape[0])  # pixel t centred on t
            self._bars[name].setLevels(levels)
            self._labels[name].setPos(-0.5, image.shape[0])
            self._heat_plots[name].setRange(xRange=(-0.5, image.shape[1] - 0.5), yRange=(0, image.shape[0]),
                                            padding=0)
            self.images[name] = image
            self.means[name] = image.mean(axis=0)
            if name in self._mean_lines:
                self._mean_lines[name].setData(np.arange(image.shape[1]), self.means[name])
        kind = "LSTM" if "forget" in gates else "GRU" if "reset" in gates else "recurrent"
        label = self.picker.probe_combo.currentText() or f"sequence #{probe}"
        text = LSTM_CAPTION if kind == "LSTM" else GRU_CAPTION if kind == "GRU" else ""
        self.caption.setText(f"Step {snapshot.step}, {label}. {text}")

    @staticmethod
    def _signed_levels(name: str, image: np.ndarray) -> tuple[float, float]:
        # Candidates are tanh outputs (−1…1); the cell state is unbounded, so it gets its own scale.
        if name == "cell_state":
            return centred_levels(image)
        return (-1.0, 1.0)

    def describe_now(self) -> str:
        if not self.means:
            return ""
        step = getattr(self.snapshot, "step", None)
        label = self.picker.probe_combo.currentText() or "the probe sequence"
        opens = ", ".join(f"{name.replace('_', ' ')} {float(mean.mean()):.2f}" for name, mean in self.means.items())
        return (f"Step {step}, {label}: {len(next(iter(self.images.values())))} units; "
                f"mean gate values over units and time: {opens}.")

    def export_data(self) -> dict[str, np.ndarray]:
        data = {f"{name}_units_by_time": image for name, image in self.images.items()}
        data.update({f"{name}_mean": mean for name, mean in self.means.items()})
        return data
