"""Draw a digit or a shape and watch the network judge it as you draw.

The canvas has the data set's own size (8×8 for digits, the shapes' size
for shapes) with big on-screen pixels, and produces inputs on the data's
scale: ink 1 on paper 0, like engine/datasets/images.py (digits are divided
by 16, shapes are rendered in [0, 1]). While the user draws, requests go to
the shared InspectionRunner at most ~20 times a second (leading and trailing edge,
so the last stroke is always judged); its answer sets the probability bars
and, if connected, the feature-map view's "drawn input".
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton

from gui.common import palette as pal
from gui.views.pixel_canvas import PixelCanvas
from gui.views.view_panel import ViewPanel

THROTTLE_MS = 50  # ~20 requests a second while drawing
BRUSHES = (("fine", 0.06), ("medium", 0.1), ("bold", 0.15))  # radius as a fraction of the image height
BAR_COLOUR, TOP_COLOUR = pal.FAINT, pal.RED


class DrawingCanvas(ViewPanel):
    title = "Draw"
    help = ("Draw a digit or a shape with the mouse (right button erases) and see the network's class "
            "probabilities, and its feature maps, change as you draw.")

    def __init__(self, inspector=None, parent=None) -> None:
        super().__init__(parent)
        self.inspector = None
        self.feature_maps = None  # a FeatureMaps view fed with every inspection
        self.last_request: np.ndarray | None = None
        self.inspection = None
        self._sample_index = -1
        self._user_changed = False
        self._request_pending = False
        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.setInterval(THROTTLE_MS)
        self._throttle.timeout.connect(self._on_throttle_timeout)

        self.brush_picker = QComboBox()
        for name, fraction in BRUSHES:
            self.brush_picker.addItem(name, fraction)
        self.brush_picker.setCurrentIndex(1)
        self.brush_picker.setToolTip("Brush size, relative to the image")
        self.brush_picker.currentIndexChanged.connect(lambda _=0: self._apply_brush())
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Wipe the drawing and start again")
        self.clear_button.clicked.connect(lambda: self.canvas.clear())
        self.load_button = QPushButton("Load a validation sample")
        self.load_button.setToolTip("Start from a real sample of the validation set (click again for the next)")
        self.load_button.clicked.connect(lambda: self.load_sample())
        self.controls.addWidget(QLabel("Brush"))
        for widget in (self.brush_picker, self.clear_button, self.load_button):
            self.controls.addWidget(widget)

        self.canvas = PixelCanvas()
        self.canvas.changed.connect(self._on_canvas_changed)
        self.bars_plot = pg.PlotWidget(background="w")  # white like the other views' plots
        self.bars_plot.setMenuEnabled(False)
        self.bars_plot.setMouseEnabled(False, False)
        self.bars_plot.hideButtons()
        self.bars_plot.setLabel("left", "probability")
        self.bars_plot.setLabel("bottom", "class")
        self.bars_plot.setYRange(0.0, 1.0, padding=0.02)
        self.bars_plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.bars_plot.setTitle("draw to see the prediction", size="10pt", color=pal.LABEL)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7)
        self.bars_plot.addItem(self.bars)
        row = QHBoxLayout()
        row.addWidget(self.canvas, 1)
        row.addWidget(self.bars_plot, 1)
        self.body.addLayout(row)
        self._apply_brush()
        if inspector is not None:
            self.set_inspector(inspector)

    # --- wiring ------------------------------------------------------------------
    def set_inspector(self, inspector) -> None:
        self.inspector = inspector
        inspector.inspected.connect(self._on_inspected)

    def connect_feature_maps(self, view) -> None:
        self.feature_maps = view

    def applies_to(self, run) -> bool:
        info = getattr(run, "info", None)
        if info is not None:
            return info.input_kind == "image" and info.task == "classification" and not info.per_step
        return run is not None and np.ndim(run.probe_inputs) == 4

    def not_applicable_text(self) -> str:
        return "Draw: drawing needs a model that classifies images (digits or shapes)."

    # --- public ------------------------------------------------------------------
    def input_shape(self) -> tuple[int, ...]:
        info = getattr(self.run, "info", None)
        if info is not None and info.input_kind == "image":
            return tuple(info.input_shape)
        if self.run is not None and np.ndim(self.run.probe_inputs) == 4:
            return tuple(np.shape(self.run.probe_inputs)[1:])
        return (1, *self.canvas.picture.shape)

    def drawn_input(self) -> np.ndarray:
        """The drawing as one model input (C, H, W), float32, ink 1 on paper 0."""
        channels = self.input_shape()[0]
        return np.repeat(self.canvas.picture[None], channels, axis=0).astype(np.float32)

    def load_sample(self, index: int | None = None) -> None:
        """Put validation sample ``index`` (the next one by default) on the canvas."""
        if self.run is None:
            return
        inputs = self.run.sample_inputs if self.run.sample_inputs is not None else self.run.probe_inputs
        targets = self.run.sample_targets if self.run.sample_inputs is not None else self.run.probe_targets
        if inputs is None or not len(inputs):
            return
        self._sample_index = (self._sample_index + 1 if index is None else index) % len(inputs)
        self.canvas.set_picture(np.asarray(inputs[self._sample_index]).mean(axis=0))
        self.caption.setText(f"Validation sample {self._sample_index}, true class "
                             f"{self._class_name(int(np.ravel(targets[self._sample_index])[0]))}")

    def probabilities(self) -> np.ndarray:
        heights = self.bars.opts.get("height")
        return np.asarray([] if heights is None else heights, np.float32)

    def predicted_class(self) -> int | None:
        probs = self.probabilities()
        return int(np.argmax(probs)) if probs.size else None

    def describe_now(self) -> str:
        """"Predicted 3 (91%), then 8 (5%) and 5 (2%); the drawing inks 14 of 64 pixels (8×8).",
        from the bars and the canvas held."""
        probs = self.probabilities()
        picture = self.canvas.picture
        if self.canvas.is_blank() and not probs.size:
            return ""
        drawing = ("the canvas is blank" if self.canvas.is_blank() else
                   f"the drawing inks {int(np.count_nonzero(picture >= 0.5))} of {picture.size} pixels "
                   f"({picture.shape[0]}×{picture.shape[1]})")
        loaded = self.caption.drawn if self.caption.drawn.startswith("Validation sample") else ""
        if not probs.size:
            return f"{loaded + '; ' if loaded else ''}{drawing}; no prediction yet."
        order = np.argsort(probs)[::-1][:3]
        best = f"{self._class_name(int(order[0]))} ({probs[order[0]]:.0%})"
        others = " and ".join(f"{self._class_name(int(i))} ({probs[i]:.0%})" for i in order[1:])
        return (f"{loaded + '. ' if loaded else ''}Predicted {best}" + (f", then {others}" if others else "")
                + f"; {drawing}.")

    def export_data(self) -> dict[str, np.ndarray]:
        data = {"drawing": self.drawn_input()}
        if self.probabilities().size:
            data["probabilities"] = self.probabilities()
        return data

    # --- run lifecycle ---------------------------------------------------------------
    def set_run(self, run) -> None:
        super().set_run(run)
        shape = self.input_shape()
        if len(shape) == 3:
            self.canvas.set_size(shape[1], shape[2])
        self._apply_brush()
        self._sample_index = -1
        if run is not None:
            self.caption.setText("Draw with the mouse (right button erases), or load a validation sample.")
            self._set_class_axis(int(getattr(getattr(run, "info", None), "n_outputs", 0) or 0))

    def _clear(self) -> None:
        self.inspection = None
        self.bars.setOpts(x=[], height=[], brushes=[])
        self.bars_plot.setTitle("draw to see the prediction", size="10pt", color=pal.LABEL)

    def _draw_snapshot(self, snapshot) -> None:
        # New weights: judge the drawing again, so the bars follow training.
        if not self.canvas.is_blank():
            self._schedule()

    # --- requests --------------------------------------------------------------------
    def _apply_brush(self) -> None:
        self.canvas.brush_radius = max(0.5, self.brush_picker.currentData() * self.canvas.picture.shape[0])

    def _on_canvas_changed(self) -> None:
        # A blank canvas (a new run resized it to 28×28) is not the user drawing:
        # it must not pull the Feature maps view over to "drawn input".
        self._user_changed = not self.canvas.is_blank()
        self._schedule()

    def _schedule(self) -> None:
        if self._throttle.isActive():
            self._request_pending = True
        else:
            self._send()
            self._throttle.start()

    def _on_throttle_timeout(self) -> None:
        if self._request_pending:
            self._request_pending = False
            self._send()
            self._throttle.start()

    def _send(self) -> None:
        if self.inspector is None or self.run is None or not self.applies_to(self.run):
            return
        self.last_request = self.drawn_input()
        self.inspector.request(self.last_request)

    def _on_inspected(self, inspection) -> None:
        if self.last_request is None or np.shape(inspection.input) != self.last_request.shape:
            return  # the shared InspectionRunner also answers other views (the text probe)
        self.show_inspection(inspection)

    def show_inspection(self, inspection) -> None:
        """Bars for the class probabilities, the top one highlighted; feature maps follow."""
        self.inspection = inspection
        probs = np.asarray(inspection.output, np.float32).ravel()
        top = int(np.argmax(probs))
        brushes = [pg.mkBrush(TOP_COLOUR if i == top else BAR_COLOUR) for i in range(len(probs))]
        self.bars.setOpts(x=np.arange(len(probs)), height=probs, brushes=brushes)
        self._set_class_axis(len(probs))
        self.bars_plot.setTitle(f"prediction: {self._class_name(top)} ({probs[top]:.0%})", size="10pt",
                                color=pal.TEXT)
        if self.feature_maps is not None:
            self.feature_maps.show_inspection(inspection, select=self._user_changed)
        self._user_changed = False
        self.content_changed()

    def _set_class_axis(self, n: int) -> None:
        """One tick per class, named, so the axis reads before anything is drawn."""
        if n <= 0:
            return
        self.bars_plot.getAxis("bottom").setTicks([[(i, self._class_name(i)) for i in range(n)]])
        self.bars_plot.setXRange(-0.6, n - 0.4, padding=0)

    def _class_name(self, index: int) -> str:
        names = getattr(getattr(self.run, "info", None), "class_names", ()) or ()
        return names[index] if 0 <= index < len(names) else str(index)
