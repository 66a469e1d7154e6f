"""Explain ▸ Receptive Field and Memory (claims C8, C9): how far the current
CNN sees, drawn over a sample input (click or use the arrow keys to move the
output position whose field is outlined), against the distance the data set's
label depends on; and for a recurrent layer, how far back the gradient still
reaches, from the gradient-through-time probe of the latest training
snapshot, on a log axis.

The numbers come from engine.explain.reach (the field is tested against
where torch's gradient reaches). A model with no conv layer and no recurrent
layer gets the digits CNN as a built-in example, and the window says so.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from engine.explain.reach import ConvReach, GradientReach, conv_reach, gradient_reach, recurrent_layers
from gui.common import palette as pal
from gui.explain.registry import ExplainContext
from gui.views.gradient_time import decade_ticks, drawable, floor_for

FIELD_COLOUR, DEPENDENCY_COLOUR, CURVE_COLOUR = pal.RED, pal.GREEN, pal.BLUE
NO_RUN = "Train the model to see how far back the gradient reaches."


def _label(tip: str, whats_this: str) -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setToolTip(tip)
    label.setWhatsThis(whats_this)
    return label


class ReachExplainer(QWidget):
    def __init__(self, context: ExplainContext) -> None:
        super().__init__()
        self.context = context
        self.reach: ConvReach | None = None
        self.example = False  # the conv part shown is the built-in example, not the user's model
        self.position: tuple[int, ...] = ()
        self.memory: GradientReach | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setWhatsThis(
            "Receptive field against memory. A convolution's output sees only a window of the input — its "
            "receptive field, which grows with every conv or pooling layer. A recurrent layer can in "
            "principle carry information over any distance, but only as far as its gradient still reaches "
            "back in time can it learn to (claims C8, C9).")
        self._build_field_part()
        self._build_memory_part()
        layout = QVBoxLayout(self)
        layout.addWidget(self.field_part, 3)
        layout.addWidget(self.memory_part, 2)
        self.resize(900, 760)
        context.document.changed.connect(self._on_changed)
        context.views.shown.connect(self._on_snapshot_shown)
        preview = context.preview
        if preview is not None:
            preview.shown.connect(self._draw_sample)
        self.refresh()

    # --- building ---------------------------------------------------------------
    def _build_field_part(self) -> None:
        self.field_part = QWidget()
        self.field_text = _label("How much of the input one output of the conv part sees.",
                                 "The receptive field: the input positions that can change one output of "
                                 "the deepest conv or pooling layer. Outlined in red over a sample input; "
                                 "click the input, or use the arrow keys, to move the output position.")
        self.plot_widget = pg.PlotWidget(background="w")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.ColorMap([0.0, 1.0], [(255, 255, 255), (40, 40, 40)]))  # dark ink on white
        self.plot.addItem(self.image)
        self.lines = [self.plot.plot(pen=pg.mkPen(c, width=1)) for c in (pal.LABEL, pal.FRAME, pal.FAINT)]
        self.box = self.plot.plot(pen=pg.mkPen(FIELD_COLOUR, width=3))
        self.span = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(pal.with_alpha(FIELD_COLOUR, 50)),
                                        pen=pg.mkPen(FIELD_COLOUR))
        self.plot.addItem(self.span)
        self.dependency = self.plot.plot(pen=pg.mkPen(DEPENDENCY_COLOUR, width=3))
        self.dependency_text = pg.TextItem(color=DEPENDENCY_COLOUR, anchor=(0, 1))
        self.plot.addItem(self.dependency_text)
        self.plot.scene().sigMouseClicked.connect(self._on_clicked)
        self.plot_widget.setToolTip("Click to choose which output's receptive field is outlined "
                                    "(arrow keys move it).")
        self.plot_widget.setWhatsThis(self.field_text.whatsThis())
        layout = QVBoxLayout(self.field_part)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.field_text)
        layout.addWidget(self.plot_widget, 1)

    def _build_memory_part(self) -> None:
        self.memory_part = QWidget()
        self.memory_text = _label("How far back in time the gradient of the loss still reaches.",
                                  "From the latest training snapshot: the size of the gradient of the loss "
                                  "with respect to the hidden state at each time step, on a log scale. Where "
                                  "it has fallen below 1e-3 of its value at the last step (the dashed line), "
                                  "the layer can no longer learn from what it read (claim C9).")
        self.layer_picker = QComboBox()
        self.layer_picker.setToolTip("Which recurrent layer's gradient to show.")
        self.layer_picker.setWhatsThis("Models with several recurrent layers: pick the one whose gradient "
                                       "through time is drawn.")
        self.layer_picker.currentIndexChanged.connect(lambda _: self._draw_memory())
        self.train_button = QPushButton("&Train the model")
        self.train_button.setToolTip("Start training the current model (as Train in the main window).")
        self.train_button.setWhatsThis("The gradient through time is measured while the model trains: "
                                       "this starts a run, and the plot fills from its snapshots.")
        self.train_button.clicked.connect(self._on_train_clicked)
        self.memory_widget = pg.PlotWidget(background="w")
        self.memory_plot = self.memory_widget.getPlotItem()
        self.memory_plot.setLogMode(x=False, y=True)
        self.memory_plot.showGrid(x=True, y=True, alpha=0.15)
        self.memory_plot.setLabel("bottom", "time step t")
        self.memory_plot.setLabel("left", "‖∂loss/∂hₜ‖ (log)")
        self.memory_plot.getAxis("left").enableAutoSIPrefix(False)
        self.curve = self.memory_plot.plot(pen=pg.mkPen(CURVE_COLOUR, width=1), symbol="o", symbolSize=4,
                                           symbolPen=None, symbolBrush=pg.mkBrush(CURVE_COLOUR))
        self.threshold_line = pg.InfiniteLine(angle=0, pen=pg.mkPen(pal.FRAME, style=Qt.PenStyle.DashLine))
        self.vanish_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(FIELD_COLOUR, width=2),
                                           label="vanished", labelOpts={"color": FIELD_COLOUR, "position": 0.9})
        self.memory_plot.addItem(self.threshold_line)
        self.memory_plot.addItem(self.vanish_line)
        self.memory_widget.setToolTip("Gradient reaching each time step, log scale; dashed: 1e-3 of the last "
                                      "step's; red: where it fell below.")
        self.memory_widget.setWhatsThis(self.memory_text.whatsThis())
        row = QHBoxLayout()
        row.addWidget(self.memory_text, 1)
        row.addWidget(self.layer_picker)
        row.addWidget(self.train_button)
        layout = QVBoxLayout(self.memory_part)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.memory_widget, 1)

    # --- public -----------------------------------------------------------------
    def refresh(self) -> None:
        experiment = self.context.document.experiment
        analysis = self.context.document.analysis()
        reach = conv_reach(experiment) if analysis.summary is not None else None
        rnn = recurrent_layers(experiment)
        self.example = reach is None and not rnn
        if self.example:
            from engine.presets import load_preset

            reach = conv_reach(load_preset("digits_cnn"))
        if reach != self.reach:
            self.reach = reach
            self.position = reach.centre() if reach is not None else ()
        self.field_part.setVisible(reach is not None)
        self.memory_part.setVisible(bool(rnn))
        self.layer_picker.blockSignals(True)
        self.layer_picker.clear()
        for index in rnn:
            self.layer_picker.addItem(f"layer {index + 1} ({experiment.model.layers[index].type})", index)
        self.layer_picker.blockSignals(False)
        self.layer_picker.setVisible(len(rnn) > 1)
        self._draw_sample()
        self._draw_memory()

    def set_position(self, *position: int) -> None:
        """Outline the receptive field of output ``position`` ((row, col) or (t,))."""
        if self.reach is None:
            return
        self.position = tuple(min(max(p, 0), n - 1) for p, n in zip(position, self.reach.out_size, strict=True))
        self._draw_field()

    def field_box(self) -> tuple[int, ...]:
        """The outlined input region: (r0, r1, c0, c1) or (t0, t1)."""
        if self.reach is None:
            return ()
        return self.reach.box(*self.position) if self.reach.image else self.reach.interval(self.position[0])

    # --- field --------------------------------------------------------------------
    def _sample(self) -> np.ndarray | None:
        """A real input from the data-set preview when it matches, else None."""
        if self.example or self.reach is None:
            return None
        preview = self.context.preview
        samples = getattr(preview, "samples", None)
        if samples is None or samples.kind != self.reach.input_kind or samples.kind == "tokens":
            return None
        x = np.asarray(samples.x[0], dtype=np.float32)
        return x if x.shape == self.reach.input_shape else None

    def _draw_sample(self) -> None:
        reach = self.reach
        if reach is None:
            return
        sample = self._sample()
        image = reach.image
        self.image.setVisible(image)
        for line in self.lines:
            line.setVisible(not image)
        self.box.setVisible(image)
        self.span.setVisible(not image)
        if image:
            h, w = reach.size
            picture = sample[0] if sample is not None else np.zeros((h, w), np.float32)
            high = float(picture.max()) if picture.size else 1.0
            self.image.setImage(picture, levels=(float(picture.min()), high if high > picture.min() else 1.0))
            self.image.setRect(0, 0, w, h)
            self.plot.invertY(True)
            self.plot.setAspectLocked(True)
            self.plot.setLabel("bottom", "column (pixels)")
            self.plot.setLabel("left", "row (pixels)")
            self.plot.setRange(xRange=(0, w), yRange=(0, h), padding=0.02)
        else:
            steps = reach.size[0]
            self.plot.invertY(False)
            self.plot.setAspectLocked(False)
            self.plot.setLabel("bottom", "time step t")
            self.plot.setLabel("left", "input value")
            t = np.arange(steps)
            features = sample if sample is not None else np.zeros((steps, 1), np.float32)
            if features.shape[1] > len(self.lines):  # one-hot symbols: draw the symbol's index instead
                features = features.argmax(axis=1, keepdims=True).astype(np.float32)
                self.plot.setLabel("left", "symbol")
            for i, line in enumerate(self.lines):
                line.setData(t, features[:, i]) if i < features.shape[1] else line.setData([], [])
            low, high = float(features.min()), float(features.max())
            self.plot.setRange(xRange=(-0.5, steps - 0.5), yRange=(low - 0.5, high + 2.0), padding=0)
        self._draw_field()

    def _draw_field(self) -> None:
        reach = self.reach
        if reach is None:
            return
        box = self.field_box()
        if reach.image:
            r0, r1, c0, c1 = box
            self.box.setData([c0, c1 + 1, c1 + 1, c0, c0], [r0, r0, r1 + 1, r1 + 1, r0])
            where = f"output (row {self.position[0]}, column {self.position[1]})"
            seen = f"rows {r0}–{r1}, columns {c0}–{c1}"
        else:
            t0, t1 = box
            self.span.setRegion((t0 - 0.5, t1 + 0.5))
            where, seen = f"output step {self.position[0]}", f"steps {t0}–{t1}"
        self._draw_dependency()
        prefix = ("This model has no conv or recurrent layer (a dense layer sees every input at once), so "
                  "here is the digits CNN as an example. ") if self.example else ""
        sample = "" if self.example or self._sample() is not None else " (no sample loaded yet: a blank input)"
        self.field_text.setText(f"{prefix}{reach.text()} Outlined: {where} sees {seen}{sample}. "
                                "Click or use the arrow keys to move it.")

    def _draw_dependency(self) -> None:
        reach = self.reach
        dep = None if reach is None or reach.image or self.example else reach.dependency
        if dep is None:
            self.dependency.setData([], [])
            self.dependency_text.setText("")
            return
        t0 = self.field_box()[0]
        _, (_, top) = self.plot.viewRange()
        y = top - 1.2  # under the label, above the highest value
        self.dependency.setData([t0 - 0.5, t0 + dep.span - 0.5], [y, y])
        self.dependency_text.setText(f"dependency: {dep.span} steps")
        self.dependency_text.setPos(t0 - 0.5, y)

    def _on_clicked(self, event) -> None:
        if self.reach is None or event.button() != Qt.MouseButton.LeftButton:
            return
        point = self.plot.vb.mapSceneToView(event.scenePos())
        if self.reach.image:
            h, w = self.reach.size
            oh, ow = self.reach.out_size
            self.set_position(int(point.y() * oh / h), int(point.x() * ow / w))
        else:
            self.set_position(int(round(point.x())) * self.reach.out_size[0] // self.reach.size[0])

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        moves = {Qt.Key.Key_Left: (0, -1), Qt.Key.Key_Right: (0, 1), Qt.Key.Key_Up: (-1, 0),
                 Qt.Key.Key_Down: (1, 0)}
        move = moves.get(Qt.Key(event.key()))
        if move is None or self.reach is None or not self.field_part.isVisible():
            super().keyPressEvent(event)
            return
        if self.reach.image:
            self.set_position(self.position[0] + move[0], self.position[1] + move[1])
        else:
            self.set_position(self.position[0] + move[1])

    # --- memory -------------------------------------------------------------------
    def _snapshot_norms(self) -> np.ndarray | None:
        """The newest gradient-through-time numbers of the chosen layer, from a run of this model."""
        views = self.context.views
        experiment = self.context.document.experiment
        if views.experiment is None or views.experiment.model != experiment.model:
            return None
        layer = self.layer_picker.currentData()
        for snapshot in reversed(views.store.snapshots):
            norms = snapshot.grad_through_time.get(layer)
            if norms is not None:
                return np.asarray(norms, np.float64)
        return None

    def _draw_memory(self) -> None:
        if self.layer_picker.count() == 0:  # no recurrent layer
            return
        norms = self._snapshot_norms()
        self.train_button.setVisible(norms is None)
        self.train_button.setEnabled(self.context.train_action.isEnabled())
        if norms is None:
            self.memory = None
            self.curve.setData([], [])
            self.threshold_line.setVisible(False)
            self.vanish_line.setVisible(False)
            running = not self.context.train_action.isEnabled()
            self.memory_text.setText("Training… the plot fills with the first snapshot." if running else NO_RUN)
            return
        self.memory = gradient_reach(norms)
        # True values on the log axis (a vanilla RNN's 2e-16 was drawn on a flat
        # 1e-12 floor); only exact zeros go below the smallest value shown.
        shown = drawable(norms, floor_for(norms))
        self.curve.setData(np.arange(norms.size), shown)
        self.memory_plot.getAxis("left").setTicks(decade_ticks(shown))
        self.threshold_line.setVisible(self.memory.reference > 0)
        if self.memory.reference > 0:
            self.threshold_line.setValue(np.log10(self.memory.threshold * self.memory.reference))
        below = self.memory.first_step_below
        self.vanish_line.setVisible(below is not None)
        if below is not None:
            self.vanish_line.setValue(below)
        text = self.memory.text()
        info = self.context.document.analysis().info
        steps = info.input_shape[0] if info is not None and info.input_kind != "image" else None
        if steps is not None and steps != norms.size:
            text += (f" (This layer reads {norms.size} steps: the layers before it turned the {steps} input "
                     f"steps into {norms.size}.)")
        self.memory_text.setText(text)

    def _on_train_clicked(self) -> None:
        if self.context.train_action.isEnabled():
            self.context.train_action.trigger()
        self._draw_memory()

    def _on_snapshot_shown(self, _snapshot) -> None:
        if self.isVisible() and self.memory_part.isVisible():
            self._draw_memory()

    def _on_changed(self, _experiment) -> None:
        self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._draw_memory()  # snapshots that came while the window was hidden
