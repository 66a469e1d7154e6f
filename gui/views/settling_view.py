"""Settling: a Hopfield net's state at every iteration from a corrupted
input until it stops changing, with its energy falling and its overlap with
each stored pattern (claim C16), and where it ended.

The dynamics run here, in numpy (engine/hopfield.py), on the weights of the
snapshot shown: picking a probe, drawing on the state or stepping through
the iterations costs no training time. Step and Play walk the iterations,
the slider scrubs back; drawing on iteration 0 (left button on, right
button off) makes a new input. Capacity stores 1…K patterns on a worker and
plots recall against K/N beside the classical limit.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QComboBox, QSlider, QWidget

from engine import hopfield
from gui.common import palette as pal
from gui.common.task import Task
from gui.views.view_panel import ViewPanel, tool_button

PLAY_INTERVAL_MS = 350  # an iteration every third of a second: slow enough to follow
DRAWN = "Drawn input"


def stored_patterns(targets: np.ndarray | None) -> np.ndarray:
    """The distinct clean patterns among a run's targets (0/1 per unit), as
    ±1, in order of first appearance: the data set probes pattern j mod K at
    validation sample j, so this is pattern 1, 2, … K."""
    if targets is None or len(targets) == 0:
        return np.zeros((0, 0))
    rows = np.asarray(targets).reshape(len(targets), -1)
    _, first = np.unique(rows, axis=0, return_index=True)
    return rows[np.sort(first)].astype(np.float64) * 2 - 1


class SettlingView(ViewPanel):
    title = "Settling"
    help = ("A feedback (Hopfield) network's state at every iteration, s = sign(W·s), from a corrupted probe "
            "until it stops changing: the energy E = −½ sᵀWs falls at every asynchronous step and the "
            "overlap with one stored pattern climbs to 1 — or the state ends in a spurious mixture (C16). "
            "Draw on the first picture to make your own input.")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer: dict | None = None  # the Hopfield layer's parameters, from the experiment
        self.layer_index = 0
        self.experiment = None
        self.weight: np.ndarray | None = None  # symmetric, zero diagonal
        self.patterns = np.zeros((0, 0))
        self.side = 0
        self.start: np.ndarray | None = None  # the input settled from (N,)
        self.run_path: hopfield.Settling | None = None
        self.iteration = 0
        self._weight_key: tuple | None = None
        self._painting = False  # a mouse button is down on the state picture
        self._capacity = Task(self)

        self.probe_picker = QComboBox()
        self.probe_picker.setToolTip("Which probe to settle from (a stored pattern with pixels flipped), "
                                     "or the input you drew")
        self.probe_picker.activated.connect(self._on_probe_picked)
        self.back_button = tool_button("◀", "Back one iteration", lambda: self.show_iteration(self.iteration - 1))
        self.play_button = tool_button("Play", "Play the iterations from the input to the end", self._toggle_play)
        self.play_button.setCheckable(True)
        self.step_button = tool_button("▶", "Forward one iteration", lambda: self.show_iteration(self.iteration + 1))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip("Scrub through the iterations")
        self.slider.setMinimumWidth(80)
        self.slider.valueChanged.connect(self.show_iteration)
        self.capacity_button = tool_button("Capacity", "Store 1…K patterns and plot how much is recalled "
                                            "against K/N, beside the classical limit 0.138 N", self.run_capacity)
        for widget in (self.probe_picker, self.back_button, self.play_button, self.step_button, self.slider,
                       self.capacity_button):
            self.controls.addWidget(widget)
        self._play_timer = QTimer(self)
        self._play_timer.setInterval(PLAY_INTERVAL_MS)
        self._play_timer.timeout.connect(self._play_tick)

        self.plot_widget = pg.GraphicsLayoutWidget()
        self.plot_widget.setBackground("w")
        self.state_plot = self.plot_widget.addPlot(row=0, col=0, rowspan=2)
        self.state_plot.setAspectLocked(True)
        self.state_plot.invertY(True)
        self.state_plot.hideAxis("left")
        self.state_plot.hideAxis("bottom")
        self.state_plot.setMouseEnabled(False, False)
        self.state_plot.hideButtons()
        self.state_image = pg.ImageItem(axisOrder="row-major")
        self.state_image.setLevels((-1, 1))
        self.state_image.setLookupTable(np.array([[255, 255, 255], [40, 40, 40]], np.uint8))
        self.state_plot.addItem(self.state_image)
        self.state_image.mousePressEvent = self._on_image_pressed
        self.state_image.mouseMoveEvent = self._on_image_moved
        self.state_image.mouseReleaseEvent = self._on_image_released
        self.energy_plot = self._plot(0, "energy E")
        self.energy_line = self.energy_plot.plot(pen=pg.mkPen(pal.BLUE, width=1), symbol="o", symbolSize=5,
                                                 symbolBrush=pal.BLUE, symbolPen=None)
        self.energy_now = pg.InfiniteLine(angle=90, pen=pg.mkPen(pal.LABEL, width=1))
        self.energy_plot.addItem(self.energy_now)
        self.overlap_plot = self._plot(1, "overlap m")
        self.overlap_plot.setYRange(-1, 1, padding=0.05)
        self.overlap_plot.setLabel("bottom", "iteration (one sweep over all units)")
        self.overlap_now = pg.InfiniteLine(angle=90, pen=pg.mkPen(pal.LABEL, width=1))
        self.overlap_plot.addItem(self.overlap_now)
        self.overlap_plot.setXLink(self.energy_plot)
        self.overlap_lines: list[pg.PlotCurveItem] = []
        self.capacity_plot = self.plot_widget.addPlot(row=2, col=0, colspan=2)
        self.capacity_plot.setLabel("bottom", "stored patterns K / units N")
        self.capacity_plot.setLabel("left", "pixels recalled")
        self.capacity_plot.setYRange(0.5, 1.0, padding=0.05)
        self.capacity_plot.setMouseEnabled(False, False)
        self.capacity_plot.hideButtons()
        self.capacity_plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.capacity_plot.addLegend(offset=(10, -10), labelTextColor=pal.TEXT)
        self.capacity_plot.hide()
        self.capacity_curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        layout = self.plot_widget.ci.layout
        layout.setColumnStretchFactor(0, 2)
        layout.setColumnStretchFactor(1, 3)
        layout.setRowStretchFactor(0, 3)
        layout.setRowStretchFactor(1, 3)
        layout.setRowStretchFactor(2, 2)
        self.body.addWidget(self.plot_widget)
        self._update_buttons()

    def _plot(self, row: int, left: str) -> pg.PlotItem:
        plot = self.plot_widget.addPlot(row=row, col=1)
        plot.setLabel("left", left)
        plot.setMouseEnabled(False, False)
        plot.hideButtons()
        plot.getAxis("left").enableAutoSIPrefix(False)
        plot.getAxis("bottom").enableAutoSIPrefix(False)
        return plot

    # --- fed by the hub ---------------------------------------------------------
    def set_experiment(self, experiment) -> None:
        self.experiment = experiment
        layers = experiment.model.layers if experiment is not None else ()
        found = [(i, dict(layer.params)) for i, layer in enumerate(layers) if layer.type == "Hopfield"]
        self.layer_index, self.layer = found[0] if found else (0, None)

    def applies_to(self, run) -> bool:
        return self.layer is not None

    def not_applicable_text(self) -> str:
        return "Settling: this model has no Hopfield (feedback) layer."

    def set_run(self, run) -> None:
        super().set_run(run)
        if run is None:
            return
        self.patterns = stored_patterns(run.sample_targets if run.sample_targets is not None
                                        else run.probe_targets)
        self.side = int(run.probe_inputs.shape[-1]) if run.probe_inputs is not None else 0
        self.probe_picker.clear()
        for i, target in enumerate(run.probe_targets):
            which = self._pattern_of(np.asarray(target).reshape(-1) * 2.0 - 1)
            self.probe_picker.addItem(f"Probe {i + 1}" + (f" (pattern {which + 1})" if which is not None else ""))
        self.probe_picker.addItem(DRAWN)
        self.start = self._probe_start(0)

    def _pattern_of(self, pattern: np.ndarray) -> int | None:
        if len(self.patterns) == 0:
            return None
        hits = np.flatnonzero((self.patterns == pattern).all(axis=1))
        return int(hits[0]) if len(hits) else None

    def _probe_start(self, index: int) -> np.ndarray | None:
        if self.run is None or self.run.probe_inputs is None or index >= len(self.run.probe_inputs):
            return None
        return np.where(np.asarray(self.run.probe_inputs[index]).reshape(-1) > 0, 1.0, -1.0)

    def _draw_snapshot(self, snapshot) -> None:
        weights = snapshot.weights or {}
        raw = weights.get(f"layers.{self.layer_index}.weight")
        if raw is None:
            self.caption.setText("Settling: this snapshot carries no weights (the model is too large to copy).")
            return
        key = (raw.shape, float(np.asarray(raw, np.float64).sum()), float(np.abs(raw).sum()))
        if key != self._weight_key:  # storage rules change W once; a gradient rule at every step
            self._weight_key = key
            self.weight = hopfield.symmetric(raw)
            self._resettle(keep_iteration=False)

    def _clear(self) -> None:
        self._play_timer.stop()
        self.play_button.setChecked(False)
        self.weight = self.run_path = None
        self._weight_key = None
        self.iteration = 0
        self.state_image.clear()
        self.energy_line.setData([], [])
        for line in self.overlap_lines:
            self.overlap_plot.removeItem(line)
        self.overlap_lines = []
        self.capacity_plot.hide()
        self.capacity_curves = {}
        self._update_buttons()

    # --- settling ---------------------------------------------------------------
    def _resettle(self, keep_iteration: bool = True) -> None:
        if self.weight is None or self.start is None or self.layer is None:
            return
        self.run_path = hopfield.settle(self.weight, self.start, self.layer["update"], self.layer["max_steps"])
        self._draw_overlaps()
        last = self.run_path.iterations
        self.slider.blockSignals(True)
        self.slider.setRange(0, last)
        self.slider.blockSignals(False)
        self.show_iteration(min(self.iteration, last) if keep_iteration else last)

    def _draw_overlaps(self) -> None:
        path = self.run_path
        x = np.arange(len(path.states))
        self.energy_line.setData(x, path.energies)
        # The whole path in view: ranges fitted while the tab was hidden stayed at pyqtgraph's defaults.
        self.energy_plot.setXRange(0, max(1, path.iterations), padding=0.05)
        low, high = float(path.energies.min()), float(path.energies.max())
        spread = max(high - low, 1.0)
        self.energy_plot.setYRange(low - 0.05 * spread, high + 0.05 * spread, padding=0)
        if len(self.patterns) == 0 or self.patterns.shape[1] != path.states.shape[1]:
            return
        m = hopfield.overlaps(path.states, self.patterns)  # (iterations + 1, K)
        best = int(np.argmax(np.abs(m[-1])))
        while len(self.overlap_lines) < m.shape[1]:
            line = pg.PlotCurveItem()
            self.overlap_plot.addItem(line)
            self.overlap_lines.append(line)
        for k, line in enumerate(self.overlap_lines):
            if k >= m.shape[1]:
                line.setData([], [])
                continue
            # The pattern it ends nearest in colour, the others faint: twenty lines in colour were a tangle.
            line.setPen(pg.mkPen(pal.ORANGE if k == best else pal.MUTED, width=1))
            line.setZValue(1 if k == best else 0)
            line.setData(x, m[:, k])

    def show_iteration(self, iteration: int) -> None:
        path = self.run_path
        if path is None:
            return
        self.iteration = int(np.clip(iteration, 0, path.iterations))
        if self.slider.value() != self.iteration:
            self.slider.blockSignals(True)
            self.slider.setValue(self.iteration)
            self.slider.blockSignals(False)
        state = path.states[self.iteration]
        if self.side * self.side == state.size:
            self.state_image.setImage(state.reshape(self.side, self.side), levels=(-1, 1), autoLevels=False)
        self.energy_now.setValue(self.iteration)
        self.overlap_now.setValue(self.iteration)
        self._update_caption()
        self._update_buttons()

    def _update_caption(self) -> None:
        path = self.run_path
        end = hopfield.outcome(path, self.patterns if len(self.patterns) else None)
        where = ("the input" if self.iteration == 0 else f"iteration {self.iteration} of {path.iterations}")
        stopped = (f" (it stopped changing after {path.iterations - 1} iteration"
                   f"{'' if path.iterations == 2 else 's'})" if path.converged else "")
        units = path.states.shape[1]
        self.caption.setText(f"<b>{where}</b>: energy E = {path.energies[self.iteration]:.1f} · the state "
                             f"{end.describe()}{stopped}. {len(self.patterns)} patterns stored in {units} units "
                             f"({len(self.patterns) / units:.3f} N).")

    def _update_buttons(self) -> None:
        ready = self.run_path is not None
        last = self.run_path.iterations if ready else 0
        self.back_button.setEnabled(ready and self.iteration > 0)
        self.step_button.setEnabled(ready and self.iteration < last)
        self.play_button.setEnabled(ready)
        self.slider.setEnabled(ready)
        self.capacity_button.setEnabled(self.run is not None and self.layer is not None
                                        and not self._capacity.busy)

    # --- controls ---------------------------------------------------------------
    def _on_probe_picked(self, index: int) -> None:
        if self.probe_picker.itemText(index) == DRAWN:
            return
        self.start = self._probe_start(index)
        self.iteration = 0
        self._resettle()

    def _toggle_play(self) -> None:
        if not self.play_button.isChecked():
            self._play_timer.stop()
            return
        if self.run_path is not None and self.iteration >= self.run_path.iterations:
            self.show_iteration(0)
        self._play_timer.start()

    def _play_tick(self) -> None:
        if self.run_path is None or self.iteration >= self.run_path.iterations:
            self._play_timer.stop()
            self.play_button.setChecked(False)
            return
        self.show_iteration(self.iteration + 1)

    def _paint(self, event) -> None:
        if self.start is None or self.side == 0:
            return
        pos = event.pos()
        col, row = int(pos.x()), int(pos.y())
        if not (0 <= row < self.side and 0 <= col < self.side):
            return
        if self.iteration != 0 and self.run_path is not None:  # drawing starts from what is shown
            self.start = self.run_path.states[self.iteration].copy()
        self.start = self.start.copy()
        self.start[row * self.side + col] = -1.0 if event.buttons() & Qt.MouseButton.RightButton else 1.0
        self.iteration = 0
        self.probe_picker.setCurrentIndex(self.probe_picker.count() - 1)
        self._resettle()
        self.show_iteration(0)

    def _on_image_pressed(self, event) -> None:
        self._painting = True
        event.accept()
        self._paint(event)

    def _on_image_moved(self, event) -> None:
        if self._painting:
            self._paint(event)

    def _on_image_released(self, event) -> None:
        self._painting = False
        if self.run_path is not None:
            self.show_iteration(self.run_path.iterations)

    # --- capacity ---------------------------------------------------------------
    def run_capacity(self) -> None:
        if self.experiment is None or self._capacity.busy:
            return
        from engine.capacity import capacity_report

        self.capacity_button.setText("Capacity…")
        seed = self.experiment.training.seed
        self._capacity.start(capacity_report, self.experiment, seed, on_returned=self._on_capacity,
                             on_errored=self._on_capacity_failed, on_finished=self._on_capacity_done)
        self._update_buttons()

    def _on_capacity(self, report) -> None:
        self.capacity_plot.clear()  # the legend keeps its rows: empty it too
        if self.capacity_plot.legend is not None:
            self.capacity_plot.legend.clear()
        self.capacity_plot.addItem(pg.InfiniteLine(
            hopfield.CLASSICAL_LIMIT, angle=90, pen=pg.mkPen(pal.RED, width=1, style=Qt.PenStyle.DashLine),
            label="0.138 N", labelOpts={"color": pal.RED, "position": 0.12}))
        self.capacity_curves = {}
        for colour, (label, curve) in zip(pal.SERIES, report.curves.items(), strict=False):
            self.capacity_plot.plot(curve.loads, curve.pixel_accuracy, pen=pg.mkPen(colour, width=1), symbol="o",
                                    symbolSize=5, symbolBrush=colour, symbolPen=None, name=label)
            self.capacity_curves[label] = (curve.loads, curve.pixel_accuracy)
        if len(self.patterns) and self.weight is not None:
            self.capacity_plot.addItem(pg.InfiniteLine(len(self.patterns) / self.weight.shape[0], angle=90,
                                                       pen=pg.mkPen(pal.LABEL, width=1), label="this net",
                                                       labelOpts={"color": pal.LABEL, "position": 0.25}))
        self.capacity_plot.show()

    def _on_capacity_failed(self, error: BaseException) -> None:
        self.caption.setText(f"Capacity could not be measured: {error}")

    def _on_capacity_done(self) -> None:
        self.capacity_button.setText("Capacity")
        self._update_buttons()

    def shutdown(self) -> None:
        self._capacity.shutdown()

    def describe_now(self) -> str:
        """"Iteration 3 of 5: energy −151.2 (it ends at −160.0); nearest stored pattern 2,
        overlap 0.94; …", from the path settled here (numpy, already computed)."""
        path = self.run_path
        if path is None:
            return ""
        i = self.iteration
        where = f"The input (iteration 0 of {path.iterations})" if i == 0 else f"Iteration {i} of {path.iterations}"
        text = f"{where}: energy {path.energies[i]:.1f} (it ends at {path.energies[-1]:.1f})"
        patterns = self.patterns
        if len(patterns) and patterns.shape[1] == path.states.shape[1]:
            m = hopfield.overlaps(path.states[i], patterns)
            best = int(np.argmax(np.abs(m)))
            text += f"; nearest stored pattern {best + 1}, overlap {m[best]:.2f}"
        end = hopfield.outcome(path, patterns if len(patterns) else None)
        units = path.states.shape[1]
        return (f"{text}; in the end the state {end.describe()}. {len(patterns)} patterns stored in {units} units "
                f"({len(patterns) / units:.3f} N).")

    def export_data(self) -> dict[str, np.ndarray]:
        if self.run_path is None:
            return {}
        data = {"states": self.run_path.states, "energy": self.run_path.energies}
        if len(self.patterns) and self.patterns.shape[1] == self.run_path.states.shape[1]:
            data["overlaps"] = hopfield.overlaps(self.run_path.states, self.patterns)
        return data
