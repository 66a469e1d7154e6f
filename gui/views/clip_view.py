"""Clip: a video model, frame by frame (claim C15).

The probe clip plays on the left; beside it, what a per-frame layer (the
same filters on every frame: TimeDistributed) makes of the frame shown; below,
the recurrent layer's state as it reads the frames, with the frame shown
marked. One frame cannot tell which way the shape moves — the state built
over the frames can, and the caption says what the model answered.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QComboBox, QSlider, QWidget

from gui.common import palette as pal
from gui.common.described import value_range
from gui.views.sample_image import ink_colour_map, tile
from gui.views.view_panel import ViewPanel, centred_levels, diverging_colour_map, tool_button

PLAY_INTERVAL_MS = 300
MAX_CHANNELS = 16  # feature maps shown per frame


def _picture(frame: np.ndarray) -> np.ndarray:
    """(C, H, W) → (H, W): the channels' mean."""
    return np.asarray(frame, np.float32).mean(axis=0)


class ClipView(ViewPanel):
    title = "Clip"
    help = ("A video model frame by frame: the probe clip, what a per-frame convolution (the same filters on "
            "every frame) sees in the frame shown, and the recurrent state as it reads the frames. One frame "
            "cannot tell the motion; the state over the frames can (claim C15).")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_types: dict[int, str] = {}
        self.frame = 0
        self.probe_picker = QComboBox()
        self.probe_picker.setAccessibleName("Clip")
        self.probe_picker.setToolTip("Which probe clip to play")
        self.probe_picker.activated.connect(lambda *_: self.redraw())
        self.layer_picker = QComboBox()
        self.layer_picker.setAccessibleName("Per-frame layer")
        self.layer_picker.setToolTip("Whose feature maps to show beside the frame (layers that run on every frame)")
        self.layer_picker.activated.connect(lambda *_: self.redraw())
        self.back_button = tool_button("◀", "Back one frame (Left)", lambda: self.show_frame(self.frame - 1))
        self.play_button = tool_button("Play", "Play the clip (Space)", self._toggle_play)
        self.play_button.setCheckable(True)
        self.step_button = tool_button("▶", "Forward one frame (Right)", lambda: self.show_frame(self.frame + 1))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setAccessibleName("Frame")
        self.slider.setToolTip("Scrub through the frames")
        self.slider.setMinimumWidth(80)
        self.slider.valueChanged.connect(self.show_frame)
        for widget in (self.probe_picker, self.layer_picker, self.back_button, self.play_button, self.step_button,
                       self.slider):
            self.controls.addWidget(widget)
        self._timer = QTimer(self)
        self._timer.setInterval(PLAY_INTERVAL_MS)
        self._timer.timeout.connect(lambda: self.show_frame((self.frame + 1) % max(self.frames, 1)))

        self.plot_widget = pg.GraphicsLayoutWidget()
        self.plot_widget.setBackground("w")
        self.frame_plot = self._image_plot(0, 0, "frame")
        self.frame_item = pg.ImageItem(axisOrder="row-major")
        self.frame_item.setColorMap(ink_colour_map())
        self.frame_plot.addItem(self.frame_item)
        self.maps_plot = self._image_plot(0, 1, "feature maps of this frame")
        self.maps_item = pg.ImageItem(axisOrder="row-major")
        self.maps_item.setColorMap(diverging_colour_map())
        self.maps_plot.addItem(self.maps_item)
        self.state_plot = self.plot_widget.addPlot(row=1, col=0, colspan=2)
        self.state_plot.setMouseEnabled(False, False)
        self.state_plot.hideButtons()
        self.state_plot.setLabel("left", "hidden unit")
        self.state_plot.setLabel("bottom", "frame read")
        for axis in ("left", "bottom"):
            self.state_plot.getAxis(axis).enableAutoSIPrefix(False)
        self.state_item = pg.ImageItem(axisOrder="row-major")
        self.state_item.setColorMap(diverging_colour_map())
        self.state_plot.addItem(self.state_item)
        self.now_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(pal.HIGHLIGHT, width=2))
        self.state_plot.addItem(self.now_line)
        layout = self.plot_widget.ci.layout
        layout.setRowStretchFactor(0, 3)
        layout.setRowStretchFactor(1, 2)
        layout.setColumnStretchFactor(0, 1)
        layout.setColumnStretchFactor(1, 2)
        self.body.addWidget(self.plot_widget)
        self.state_image = np.zeros((0, 0), np.float32)
        self.maps_image = np.zeros((0, 0), np.float32)

    def _image_plot(self, row: int, col: int, title: str) -> pg.PlotItem:
        plot = self.plot_widget.addPlot(row=row, col=col)
        plot.setTitle(title, color=pal.TEXT, size="9pt")
        plot.setAspectLocked(True)
        plot.invertY(True)
        plot.hideAxis("left")
        plot.hideAxis("bottom")
        plot.setMouseEnabled(False, False)
        plot.hideButtons()
        return plot

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        key = event.key()
        if key == Qt.Key.Key_Left:
            self.show_frame(self.frame - 1)
        elif key == Qt.Key.Key_Right:
            self.show_frame(self.frame + 1)
        elif key == Qt.Key.Key_Space:
            self.play_button.toggle()
            self._toggle_play()
        else:
            super().keyPressEvent(event)

    # --- what it applies to -----------------------------------------------------------
    def applies_to(self, run) -> bool:
        info = getattr(run, "info", None)
        return info is not None and info.input_kind == "video"

    def not_applicable_text(self) -> str:
        return f"{self.title}: only for models that watch clips (the Moving shapes data set)."

    def set_experiment(self, experiment) -> None:
        self.layer_types = {i: layer.type for i, layer in enumerate(experiment.model.layers)}

    def set_run(self, run) -> None:
        self._timer.stop()
        self.play_button.setChecked(False)
        super().set_run(run)
        self.probe_picker.clear()
        if run is None or not self.applies_to(run):
            return
        names = run.info.class_names
        for p, target in enumerate(np.asarray(run.probe_targets).reshape(-1)):
            label = names[int(target)] if 0 <= int(target) < len(names) else str(int(target))
            self.probe_picker.addItem(f"clip {p + 1}: {label}")
        self.frame = 0
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(self.frames - 1, 0))
        self.slider.setValue(0)
        self.slider.blockSignals(False)

    @property
    def frames(self) -> int:
        inputs = getattr(self.run, "probe_inputs", None)
        return int(inputs.shape[1]) if inputs is not None and np.ndim(inputs) == 5 else 0

    @property
    def probe(self) -> int:
        return max(self.probe_picker.currentIndex(), 0)

    # --- playing -------------------------------------------------------------------------
    def _toggle_play(self) -> None:
        if self.play_button.isChecked():
            self._timer.start()
        else:
            self._timer.stop()

    def show_frame(self, frame: int) -> None:
        if not self.frames:
            return
        self.frame = int(np.clip(frame, 0, self.frames - 1))
        self.slider.blockSignals(True)
        self.slider.setValue(self.frame)
        self.slider.blockSignals(False)
        self._draw_frame()

    # --- drawing -------------------------------------------------------------------------
    def _draw_snapshot(self, snapshot) -> None:
        maps = {i: m for i, m in snapshot.feature_maps.items() if np.ndim(m) == 5}
        chosen = self.layer_picker.currentData()
        self.layer_picker.blockSignals(True)
        self.layer_picker.clear()
        for index in sorted(maps):
            self.layer_picker.addItem(f"{index + 1}: {self.layer_types.get(index, 'layer')} (per frame)", index)
        if chosen in maps:
            self.layer_picker.setCurrentIndex(sorted(maps).index(chosen))
        self.layer_picker.blockSignals(False)
        self._draw_frame()

    def _draw_frame(self) -> None:
        run, snapshot = self.run, self.snapshot
        if run is None or not self.frames:
            return
        p, t = min(self.probe, len(run.probe_inputs) - 1), self.frame
        clip = np.asarray(run.probe_inputs[p], np.float32)
        self.frame_item.setImage(_picture(clip[t]), levels=(min(float(clip.min()), 0.0), max(float(clip.max()), 1.0)))
        self.frame_plot.setTitle(f"frame {t + 1} of {self.frames}", color=pal.TEXT, size="9pt")
        if snapshot is None:
            return
        layer = self.layer_picker.currentData()
        maps = snapshot.feature_maps.get(layer) if layer is not None else None
        if maps is not None and p < len(maps):
            channels = np.asarray(maps[p, t, :MAX_CHANNELS], np.float32)
            self.maps_image, _ = tile(channels)
            self.maps_item.setImage(self.maps_image, levels=centred_levels(channels))
            self.maps_plot.setTitle(f"layer {layer + 1}: {len(channels)} maps of frame {t + 1} (the same filters "
                                    "on every frame)", color=pal.TEXT, size="9pt")
        else:
            self.maps_item.clear()
            self.maps_image = np.zeros((0, 0), np.float32)
        states = self._recurrent_states(snapshot)
        if states is not None and p < len(states):
            self.state_image = np.ascontiguousarray(np.asarray(states[p], np.float32).T)  # (units, frames)
            units, steps = self.state_image.shape
            self.state_item.setImage(self.state_image, levels=centred_levels(self.state_image))
            self.state_item.setRect(0.5, 0, steps, units)  # frame t+1 centred on t+1, as the title counts
            self.state_plot.setRange(xRange=(0.5, steps + 0.5), yRange=(0, units), padding=0)
            self.now_line.setPos(t + 1)
            self.now_line.show()
        else:
            self.state_item.clear()
            self.now_line.hide()
            self.state_image = np.zeros((0, 0), np.float32)
        self._write_caption(p, snapshot)
        self.content_changed()

    def _recurrent_states(self, snapshot) -> np.ndarray | None:
        """The last recurrent layer's states over the frames (P, T, H), if any."""
        frames = self.frames
        found = [i for i, s in snapshot.hidden_states.items() if np.ndim(s) == 3 and s.shape[1] == frames]
        return snapshot.hidden_states[max(found)] if found else None

    def _write_caption(self, p: int, snapshot) -> None:
        run = self.run
        names = run.info.class_names
        target = int(np.asarray(run.probe_targets).reshape(-1)[p])
        true = names[target] if target < len(names) else str(target)
        outputs = snapshot.probe_outputs
        said = ""
        if outputs is not None and p < len(outputs) and np.ndim(outputs) == 2:
            guess = int(np.argmax(outputs[p]))
            mark = "right" if guess == target else "wrong"
            said = (f"; the model says {names[guess] if guess < len(names) else guess} "
                    f"({float(outputs[p, guess]):.2f}, {mark})")
        reads = ("the recurrent state below builds up over the frames"
                 if self._recurrent_states(snapshot) is not None else
                 "this model has no recurrent layer over the frames")
        self.caption.setText(f"Clip {p + 1}, class “{true}”{said}. One frame cannot tell the motion; {reads}.")

    # --- in words ------------------------------------------------------------------------
    def describe_now(self) -> str:
        """"Clip 1, class “left”, frame 3 of 8; the model says “left” (0.91, right); …", from
        the clip and the snapshot held."""
        run, snapshot = self.run, self.snapshot
        if run is None or not self.frames or snapshot is None:
            return ""
        p = min(self.probe, len(run.probe_inputs) - 1)
        names = run.info.class_names
        target = int(np.asarray(run.probe_targets).reshape(-1)[p])
        text = f"Clip {p + 1}, class “{names[target] if target < len(names) else target}”, frame {self.frame + 1} " \
               f"of {self.frames}"
        outputs = snapshot.probe_outputs
        if outputs is not None and p < len(outputs) and np.ndim(outputs) == 2:
            guess = int(np.argmax(outputs[p]))
            text += (f"; the model says “{names[guess] if guess < len(names) else guess}” "
                     f"({float(outputs[p, guess]):.2f}, {'right' if guess == target else 'wrong'})")
        if self.state_image.size:
            units, steps = self.state_image.shape
            text += (f"; the recurrent state: {units} units over {steps} frames, "
                     f"{value_range(self.state_image[:, min(self.frame, steps - 1)], 'at this frame')}")
        else:
            text += "; no recurrent layer reads the frames"
        layer = self.layer_picker.currentData()
        if self.maps_image.size and layer is not None:
            text += f"; layer {layer + 1}'s maps of this frame: {value_range(self.maps_image, 'activations')}"
        return text + "."

    def _clear(self) -> None:
        self.frame_item.clear()
        self.maps_item.clear()
        self.state_item.clear()
        self.now_line.hide()
        self.state_image = np.zeros((0, 0), np.float32)
        self.maps_image = np.zeros((0, 0), np.float32)
        self.caption.setText("Train a video model to watch its clips frame by frame.")

    def export_data(self) -> dict[str, np.ndarray]:
        if self.run is None or not self.frames:
            return {}
        data = {"clip": np.asarray(self.run.probe_inputs[self.probe], np.float32)}
        if self.state_image.size:
            data["hidden_units_by_frame"] = self.state_image
        if self.maps_image.size:
            data["feature_maps_of_frame"] = self.maps_image
        return data

    def shutdown(self) -> None:
        self._timer.stop()
