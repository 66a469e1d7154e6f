"""Encoder–decoder: one input, and the output written step by step (claim C13).

For a probe sample: the input (a string, or the picture being captioned),
the encoder's state after each input token, the context it hands over (its
last state; for a picture, the CNN's features), and the decoder's state at
each output step, ticked with the token it wrote there. ◀ ▶ walk the output
steps: the bars are the decoder's five likeliest tokens at the step shown.
The caption reads input, target and output, and whether the whole output
is exactly right — what a sequence-to-sequence model is judged on.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QSlider, QWidget

from engine.sequence_text import END, IGNORE_INDEX, render, render_input
from gui.common import palette as pal
from gui.views.sample_image import ink_colour_map, picture_levels, sample_picture
from gui.views.view_panel import ViewPanel, centred_levels, diverging_colour_map, tool_button

TOP_K = 5


def written(outputs: np.ndarray, end: int) -> int:
    """How many steps a decoder's argmax row takes up to and with its first end token."""
    ids = np.argmax(outputs, axis=-1)
    hits = np.nonzero(ids == end)[0]
    return int(hits[0]) + 1 if hits.size else len(ids)


class DecoderView(ViewPanel):
    title = "Encoder–decoder"
    help = ("Sequence to sequence and captioning: the encoder's state after each input token (or the picture "
            "the CNN read), the context it hands over, and the decoder's state at each output step, fed its own "
            "previous output (claim C13). ◀ ▶ walk the output steps.")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_types: dict[int, str] = {}
        self.step = 0
        self.probe_picker = QComboBox()
        self.probe_picker.setAccessibleName("Probe sample")
        self.probe_picker.setToolTip("Which probe sample to read")
        self.probe_picker.activated.connect(lambda *_: self.redraw())
        self.back_button = tool_button("◀", "The output step before (Left)", lambda: self.show_step(self.step - 1))
        self.next_button = tool_button("▶", "The next output step (Right)", lambda: self.show_step(self.step + 1))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setAccessibleName("Output step")
        self.slider.setToolTip("Walk the decoder's output steps")
        self.slider.setMinimumWidth(80)
        self.slider.valueChanged.connect(self.show_step)
        for widget in (self.probe_picker, self.back_button, self.next_button, self.slider):
            self.controls.addWidget(widget)

        self.plot_widget = pg.GraphicsLayoutWidget()
        self.plot_widget.setBackground("w")
        self.input_plot = self.plot_widget.addPlot(row=0, col=0)
        self.input_plot.setTitle("input", color=pal.TEXT, size="9pt")
        self.input_plot.setAspectLocked(True)
        self.input_plot.invertY(True)
        for axis in ("left", "bottom"):
            self.input_plot.hideAxis(axis)
        self.input_plot.setMouseEnabled(False, False)
        self.input_plot.hideButtons()
        self.input_item = pg.ImageItem(axisOrder="row-major")
        self.input_item.setColorMap(ink_colour_map())
        self.input_plot.addItem(self.input_item)
        self.encoder_plot, self.encoder_item = self._heat(1, "encoder state after each input token")
        self.context_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(pal.HIGHLIGHT, width=2), label="context",
                                            labelOpts={"color": pal.TEXT, "position": 0.95})
        self.encoder_plot.addItem(self.context_line)
        self.decoder_plot, self.decoder_item = self._heat(2, "decoder state at each output step")
        self.step_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(pal.HIGHLIGHT, width=2))
        self.decoder_plot.addItem(self.step_line)
        self.bar_plot = self.plot_widget.addPlot(row=1, col=0, colspan=3)
        self.bar_plot.setMouseEnabled(False, False)
        self.bar_plot.hideButtons()
        self.bar_plot.setLabel("left", "probability")
        self.bar_plot.setYRange(0, 1, padding=0.02)
        self.bar_plot.getAxis("left").enableAutoSIPrefix(False)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush=pal.BLUE, pen=None)
        self.bar_plot.addItem(self.bars)
        layout = self.plot_widget.ci.layout
        layout.setRowStretchFactor(0, 3)
        layout.setRowStretchFactor(1, 2)
        self.body.addWidget(self.plot_widget)
        self.exact: bool | None = None
        self.output_text = ""
        self.target_text = ""

    def _heat(self, col: int, title: str) -> tuple[pg.PlotItem, pg.ImageItem]:
        plot = self.plot_widget.addPlot(row=0, col=col)
        plot.setTitle(title, color=pal.TEXT, size="9pt")
        plot.setMouseEnabled(False, False)
        plot.hideButtons()
        plot.setLabel("left", "hidden unit")
        for axis in ("left", "bottom"):
            plot.getAxis(axis).enableAutoSIPrefix(False)
        item = pg.ImageItem(axisOrder="row-major")
        item.setColorMap(diverging_colour_map())
        plot.addItem(item)
        return plot, item

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Left:
            self.show_step(self.step - 1)
        elif event.key() == Qt.Key.Key_Right:
            self.show_step(self.step + 1)
        else:
            super().keyPressEvent(event)

    # --- what it applies to ---------------------------------------------------------------
    def set_experiment(self, experiment) -> None:
        self.layer_types = {i: layer.type for i, layer in enumerate(experiment.model.layers)}

    @property
    def decoder_index(self) -> int | None:
        return next((i for i, t in self.layer_types.items() if t == "Decoder"), None)

    @property
    def encoder_index(self) -> int | None:
        """The last recurrent layer before the decoder: the one whose last state is the context."""
        from engine.layers import RECURRENT, in_group

        dec = self.decoder_index
        found = [i for i, t in self.layer_types.items() if dec is not None and i < dec and in_group(t, RECURRENT)]
        return found[-1] if found else None

    def applies_to(self, run) -> bool:
        info = getattr(run, "info", None)
        return info is not None and getattr(info, "out_steps", None) is not None and self.decoder_index is not None

    def not_applicable_text(self) -> str:
        return f"{self.title}: only for models that end with a Decoder (sequence to sequence, captions)."

    def set_run(self, run) -> None:
        super().set_run(run)
        self.probe_picker.clear()
        if run is None or getattr(run, "info", None) is None:
            return
        for p in range(len(run.probe_inputs)):
            self.probe_picker.addItem(f"probe {p + 1}: {self._input_text(p) or 'picture'}")
        self.step = 0

    # --- text of a probe -------------------------------------------------------------------
    def _input_text(self, p: int) -> str:
        info = self.run.info
        x = np.asarray(self.run.probe_inputs[p])
        if info.input_kind == "tokens" and info.token_texts:
            return render_input(x, info.token_texts)
        return ""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.run.info.class_names)

    @property
    def probe(self) -> int:
        return max(self.probe_picker.currentIndex(), 0)

    # --- drawing ---------------------------------------------------------------------------
    def show_step(self, step: int) -> None:
        outputs = getattr(self.snapshot, "probe_outputs", None)
        if outputs is None or np.ndim(outputs) != 3:
            return
        shown = written(outputs[min(self.probe, len(outputs) - 1)], len(self.names) - 1)
        self.step = int(np.clip(step, 0, max(shown - 1, 0)))
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(shown - 1, 0))
        self.slider.setValue(self.step)
        self.slider.blockSignals(False)
        self._draw_step()

    def _draw_snapshot(self, snapshot) -> None:
        run = self.run
        p = min(self.probe, len(run.probe_inputs) - 1)
        info = run.info
        x = np.asarray(run.probe_inputs[p])
        layout = self.plot_widget.ci.layout
        if info.input_kind == "image":
            picture = sample_picture(x)
            self.input_item.setImage(picture, levels=picture_levels(picture))
            self.input_plot.show()
            layout.setColumnMaximumWidth(0, 16_777_215)
        else:  # the string's tokens tick the encoder's axis: no picture, and no room kept for one
            self.input_item.clear()
            self.input_plot.hide()
            layout.setColumnMaximumWidth(0, 0)
        enc, dec = self.encoder_index, self.decoder_index
        enc_states = snapshot.hidden_states.get(enc) if enc is not None else None
        layout.setColumnMaximumWidth(1, 16_777_215 if enc_states is not None else 0)
        if enc_states is not None and p < len(enc_states):
            steps = int((x != 0).sum()) if info.input_kind == "tokens" else enc_states.shape[1]
            image = np.ascontiguousarray(np.asarray(enc_states[p], np.float32).T)
            self._show_heat(self.encoder_plot, self.encoder_item, image)
            texts = list(info.token_texts) if info.token_texts else []
            ticks = [(t, texts[int(i)] if 0 <= int(i) < len(texts) and texts[int(i)] else "·")
                     for t, i in enumerate(x.reshape(-1))] if texts else []
            self.encoder_plot.getAxis("bottom").setTicks([ticks])
            self.context_line.setPos(image.shape[1] - 1)
            self.context_line.show()
            self.encoder_plot.setTitle(f"encoder state after each input token ({steps} tokens, then padding)",
                                       color=pal.TEXT, size="9pt")
            self.encoder_plot.show()
        else:
            self.encoder_item.clear()
            self.encoder_plot.hide()
        dec_states = snapshot.hidden_states.get(dec) if dec is not None else None
        outputs = snapshot.probe_outputs
        if dec_states is not None and outputs is not None and p < len(outputs):
            shown = written(outputs[p], len(self.names) - 1)
            image = np.ascontiguousarray(np.asarray(dec_states[p, :shown], np.float32).T)
            self._show_heat(self.decoder_plot, self.decoder_item, image)
            ids = np.argmax(outputs[p], axis=-1)
            self.decoder_plot.getAxis("bottom").setTicks([[(t, self.names[int(i)]) for t, i in
                                                           enumerate(ids[:shown])]])
        else:
            self.decoder_item.clear()
        self.show_step(self.step)
        self._write_caption(p, snapshot)

    @staticmethod
    def _show_heat(plot: pg.PlotItem, item: pg.ImageItem, image: np.ndarray) -> None:
        units, steps = image.shape
        top = float(np.abs(image).max()) if image.size else 1.0
        item.setImage(image, levels=(-1.0, 1.0) if top <= 1.0 + 1e-6 else centred_levels(image))
        item.setRect(-0.5, 0, steps, units)
        plot.setRange(xRange=(-0.5, steps - 0.5), yRange=(0, units), padding=0)

    def _draw_step(self) -> None:
        outputs = getattr(self.snapshot, "probe_outputs", None)
        if outputs is None or np.ndim(outputs) != 3:
            self.bars.setOpts(x=[], height=[])
            return
        probs = np.asarray(outputs[min(self.probe, len(outputs) - 1), self.step], np.float32)
        top = np.argsort(probs)[::-1][:TOP_K]
        self.bars.setOpts(x=np.arange(len(top)), height=probs[top], width=0.7)
        self.bar_plot.getAxis("bottom").setTicks([[(i, self.names[int(c)]) for i, c in enumerate(top)]])
        self.bar_plot.setXRange(-0.6, len(top) - 0.4, padding=0)
        self.bar_plot.setTitle(f"output step {self.step + 1}: the decoder's likeliest tokens (it writes the first "
                               "and reads it back at the next step)", color=pal.TEXT, size="9pt")
        self.step_line.setPos(self.step)
        self.content_changed()

    def _write_caption(self, p: int, snapshot) -> None:
        from engine.sequence_text import exact_match

        target = np.asarray(self.run.probe_targets[p]).reshape(1, -1)
        self.target_text = render(target[0], self.names)
        outputs = snapshot.probe_outputs
        if outputs is None or np.ndim(outputs) != 3:
            self.caption.setText(f"target: {self.target_text}")
            return
        predicted = np.argmax(outputs[p], axis=-1).reshape(1, -1)
        self.output_text = render(predicted[0], self.names)
        scored = target != IGNORE_INDEX
        self.exact = bool(exact_match(predicted, target)[0])
        steps_right = int(((predicted == target) & scored).sum())
        source = self._input_text(p) or "the picture"
        verdict = "exactly right" if self.exact else f"wrong ({steps_right} of {int(scored.sum())} steps right)"
        self.caption.setText(f"{source} → {self.output_text}   (target {self.target_text}: {verdict}). The "
                             f"decoder stops at its end token {END}.")

    def _clear(self) -> None:
        for item in (self.input_item, self.encoder_item, self.decoder_item):
            item.clear()
        self.bars.setOpts(x=[], height=[])
        self.context_line.hide()
        self.exact = None
        self.caption.setText("Train a model that ends with a Decoder to read it step by step.")

    def describe_now(self) -> str:
        """"“abc” → “cba” (target “cba”): exactly right; at output step 1 of 4 the likeliest
        tokens are c (0.93), b (0.03) …", from the probe outputs held."""
        outputs = getattr(self.snapshot, "probe_outputs", None)
        if self.run is None or outputs is None or np.ndim(outputs) != 3 or self.exact is None:
            return ""
        p = min(self.probe, len(outputs) - 1)
        source = self._input_text(p) or "the picture"
        verdict = "exactly right" if self.exact else "not exactly right"
        shown = written(outputs[p], len(self.names) - 1)
        probs = np.asarray(outputs[p, self.step], np.float32)
        top = np.argsort(probs)[::-1][:3]
        likeliest = ", ".join(f"{self.names[int(c)]} ({probs[c]:.2f})" for c in top)
        return (f"Probe {p + 1}: {source} → {self.output_text} (target {self.target_text}): {verdict}. At output "
                f"step {self.step + 1} of {shown} the decoder's likeliest tokens are {likeliest}.")

    def export_data(self) -> dict[str, np.ndarray]:
        snapshot = self.snapshot
        if snapshot is None or self.run is None:
            return {}
        data = {}
        for name, index in (("encoder_states", self.encoder_index), ("decoder_states", self.decoder_index)):
            if index is not None and index in snapshot.hidden_states:
                data[name] = np.asarray(snapshot.hidden_states[index][self.probe], np.float32)
        if snapshot.probe_outputs is not None:
            data["output_probabilities"] = np.asarray(snapshot.probe_outputs[self.probe], np.float32)
        return data
