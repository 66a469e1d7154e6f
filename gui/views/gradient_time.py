"""Gradient through time: ‖∂loss/∂h_t‖ for every time step t on a log axis,
the vanishing-gradient picture (claim C9). A plain RNN's curve falls by
orders of magnitude towards step 0; an LSTM's or GRU's stays up.

The last few snapshots stay on the plot as fading curves (older = lighter),
so a user watches the curve move as training goes on. Scrubbing the
timeline back shows the snapshots before the one chosen.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from gui.common import palette as pal
from gui.views.recurrent_picker import layer_title
from gui.views.recurrent_view import RecurrentView

FLOOR = 1e-12  # where exactly-zero norms are drawn (log axes cannot), unless smaller ones are shown


def floor_for(norms: np.ndarray) -> float:
    """Where to draw exact zeros: below every positive value shown (a vanishing
    gradient of 2e-16 is drawn as 2e-16, not lifted onto a floor), and the
    caption says so."""
    positive = norms[norms > 0]
    return min(FLOOR, float(positive.min()) / 10) if positive.size else FLOOR


def drawable(norms: np.ndarray, floor: float) -> np.ndarray:
    """The norms as they are; exact zeros at ``floor``."""
    return np.where(norms > 0, norms, floor)
def decade_ticks(values: np.ndarray, most: int = 8) -> list[list[tuple[float, str]]]:
    """Ticks for a log axis (positions in log10) every 1, 2, 5… decades so at
    most ``most`` are labelled: fourteen decades labelled one by one ran into
    each other on a short plot."""
    positive = np.asarray(values, np.float64)
    positive = positive[positive > 0]
    if positive.size == 0:
        return [[], []]
    low, high = int(np.floor(np.log10(positive.min()))), int(np.ceil(np.log10(positive.max())))
    span = max(1, high - low)
    step = next(s for s in (1, 2, 3, 4, 5, 10, 20, 50, 100) if span / s <= most - 1)
    first = low - low % step
    major = [(float(d), _decade_label(d)) for d in range(first, high + 1, step)]
    minor = [(float(d), "") for d in range(low, high + 1) if d % step] if step > 1 else []
    return [major, minor]


def _decade_label(exponent: int) -> str:
    return {0: "1", 1: "10", -1: "0.1", -2: "0.01", -3: "0.001"}.get(exponent, f"1e{exponent}")


FADING = 8  # earlier snapshots kept on the plot
REMEMBERED = 64  # snapshots remembered per layer, so scrubbing back still has a history
CURRENT_COLOUR = pal.BLUE


class GradientThroughTime(RecurrentView):
    title = "Gradient through time"
    help = ("How much of the loss's gradient reaches the hidden state at each time step, on a log scale: "
            "it vanishes towards the start of long sequences in a plain RNN, not in an LSTM or GRU (claim C9).")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot_widget = pg.PlotWidget(background="w")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setLogMode(x=False, y=True)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setLabel("bottom", "time step t")
        self.plot.setLabel("left", "‖∂loss/∂hₜ‖ (log)")
        self.plot.getAxis("left").enableAutoSIPrefix(False)  # "(x0.001)" on a log axis only confuses
        self.legend = self.plot.addLegend(offset=(-5, 5), labelTextColor=pal.TEXT)
        # Oldest first, so the current curve is drawn on top.
        self.fading_curves = []
        for age in range(FADING, 0, -1):
            colour = pal.with_alpha(CURRENT_COLOUR, int(200 * (1 - age / (FADING + 1)) ** 1.5) + 20)
            self.fading_curves.append(self.plot.plot(pen=pg.mkPen(colour, width=1)))
        self.current_curve = self.plot.plot(pen=pg.mkPen(CURRENT_COLOUR, width=1),
                                            symbol="o", symbolSize=3, symbolPen=None,
                                            symbolBrush=pg.mkBrush(CURRENT_COLOUR))
        self.legend.addItem(self.current_curve, "now")
        self.legend.addItem(self.fading_curves[-1], f"last {FADING} snapshots (lighter = older)")
        self.body.addWidget(self.plot_widget)
        self._history: dict[int, deque[tuple[int, np.ndarray]]] = {}  # layer → (step, norms) by step
        self.current = np.zeros(0, np.float32)  # the norms of the snapshot shown, (T,), unclipped
        self.shown_steps: list[int] = []  # training steps of the curves shown, oldest first
        self._clear()

    # --- drawing ------------------------------------------------------------------------
    def _clear(self) -> None:
        self._curves_key: tuple | None = None  # (layer, steps) the curves show
        self._history = {}
        self.current = np.zeros(0, np.float32)
        self.shown_steps = []
        for curve in (*self.fading_curves, self.current_curve):
            curve.setData([], [])
        self.caption.setText("Train a recurrent model to see how much gradient reaches each time step.")

    def _remember(self, layer: int, step: int, norms: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """Store this snapshot and return it with the ones before it (at most FADING), oldest first."""
        history = self._history.setdefault(layer, deque(maxlen=REMEMBERED))
        if not any(s == step for s, _ in history):
            history.append((step, norms))
            if len(history) > 1 and history[-2][0] > step:  # arrived out of order (timeline): keep sorted
                ordered = sorted(history, key=lambda item: item[0])
                history.clear()
                history.extend(ordered)
        earlier = [item for item in history if item[0] < step][-FADING:]
        return [*earlier, (step, norms)]

    def record_snapshot(self, snapshot) -> None:
        # Gradients are measured in some snapshots only (their probe is slow):
        # remember each as it arrives, whether it is drawn or not.
        for layer, norms in snapshot.grad_through_time.items():
            self._remember(layer, snapshot.step, np.asarray(norms, dtype=np.float64))

    def _measured_by(self, step: int) -> dict[int, tuple[int, np.ndarray]]:
        """For each layer, the latest remembered gradient at or before ``step``."""
        found = {}
        for layer, history in self._history.items():
            earlier = [item for item in history if item[0] <= step]
            if earlier:
                found[layer] = earlier[-1]
        return found

    def _draw_snapshot(self, snapshot) -> None:
        norms_by_layer = snapshot.grad_through_time
        latest = {} if norms_by_layer else self._measured_by(snapshot.step)  # none measured here: the last one
        if latest:
            norms_by_layer = {layer: norms for layer, (_, norms) in latest.items()}
        self.picker.set_layers({i: layer_title(i, snapshot.gates.get(i), self.layer_types) for i in norms_by_layer})
        layer = self.picker.layer()
        measured_at = latest[layer][0] if layer in latest else snapshot.step
        if layer is None or layer not in norms_by_layer:
            self._curves_key = None
            for curve in (*self.fading_curves, self.current_curve):
                curve.setData([], [])
            self.current = np.zeros(0, np.float32)
            self.caption.setText("No gradient-through-time data in this snapshot yet "
                                 "(it needs a recurrent layer and a first training step).")
            return
        norms = np.asarray(norms_by_layer[layer], dtype=np.float64)
        shown = self._remember(layer, measured_at, norms)
        self.shown_steps = [s for s, _ in shown]
        when = f"Step {measured_at}" + (f" (measured there; the views show step {snapshot.step})"
                                        if measured_at != snapshot.step else "")
        self.caption.setText(f"{when}: {self.ratio_text(norms)}")
        # Gradients are measured in some snapshots only: between them the curves stay as drawn.
        key = (layer, tuple(self.shown_steps))
        if key == self._curves_key:
            return
        self._curves_key = key
        older = shown[:-1]
        floor = min(floor_for(norms), *(floor_for(n) for _, n in older)) if older else floor_for(norms)
        for i, curve in enumerate(self.fading_curves):
            j = i - (FADING - len(older))  # the newest older curve goes to the darkest slot
            if j >= 0:
                curve.setData(np.arange(len(older[j][1])), drawable(older[j][1], floor))
            else:
                curve.setData([], [])
        self.current = norms.astype(np.float32)
        self.current_curve.setData(np.arange(len(norms)), drawable(norms, floor))
        self.plot.getAxis("left").setTicks(decade_ticks(np.concatenate(
            [drawable(norms, floor), *(drawable(n, floor) for _, n in older)])))

    @staticmethod
    def ratio_text(norms: np.ndarray) -> str:
        """The vanishing-gradient number in words: the first step's norm against the last's."""
        if norms.size < 2:
            return "one time step only."
        first, last = float(norms[0]), float(norms[-1])
        zeros = int(np.count_nonzero(norms <= 0))
        note = (f" {zeros} step{'s' if zeros > 1 else ''} got exactly zero gradient, drawn at "
                f"{floor_for(norms):.1g} (a log axis has no zero)." if zeros else "")
        if last <= 0:
            return f"no gradient reaches the last step.{note}"
        return (f"the gradient reaching step 0 is {first / last:.2g} of the one at the last step "
                f"(t = {norms.size - 1}).{note}")

    def describe_now(self) -> str:
        """"At training step 40 (layer 1: RNN): the gradient reaching step 0 is 1e-12 of the last step's …",
        from the norms held."""
        norms = np.asarray(self.current, np.float64)
        if norms.size == 0 or not self.shown_steps:
            return ""
        layer = self.picker.layer()
        where = f"At training step {self.shown_steps[-1]} (layer {self.picker.layer_combo.currentText()})"
        if norms.size < 2:
            return f"{where}: one time step only."
        last = norms[-1]
        if last <= 0:
            return f"{where}: no gradient reaches the last time step."
        text = (f"{where}: the gradient reaching step 0 is {norms[0] / last:.2g} of the last step's "
                f"(t = {norms.size - 1})")
        kept = np.flatnonzero(norms < 0.01 * last)
        reach = norms.size - 1 - int(kept[-1]) if kept.size else norms.size
        text += (f"; it stays above 1 % of it for the last {reach} of {norms.size} time steps" if reach < norms.size
                 else "; it stays above 1 % of it at every time step")
        zeros = int(np.count_nonzero(norms <= 0))
        if zeros:
            text += f"; {zeros} time step{'s' if zeros > 1 else ''} got exactly zero"
        older = [n for s, n in self._history.get(layer, ()) if s in self.shown_steps[:-1]]
        ratios = [float(n[0] / n[-1]) for n in older if len(n) > 1 and n[-1] > 0]
        if ratios:
            text += (f"; over the {len(ratios) + 1} latest measurements the first step's share went from "
                     f"{ratios[0]:.2g} to {norms[0] / last:.2g}")
        return text + "."

    def export_data(self) -> dict[str, np.ndarray]:
        if self.current.size == 0:
            return {}
        layer = self.picker.layer()
        history = [norms for s, norms in self._history.get(layer, ()) if s in self.shown_steps]
        return {"grad_norm_per_step": self.current,
                "shown_training_steps": np.asarray(self.shown_steps, dtype=np.int64),
                "shown_grad_norms": np.asarray(history, dtype=np.float32)}
