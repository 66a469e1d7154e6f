"""Text probe: type a prefix, see the model's next-character probabilities
and the hidden state move as each character is read (claim C14: "bank"
after "river" is followed by other letters than after "deposit"). Type a
second prefix to compare: its probabilities for the same characters stand
beside the first's, and a sentence says how many last characters the two
share and how far apart the predictions are. The third plot is the context
this model uses, measured on held-out text: how far its prediction from only
the last k characters is from its prediction from the whole window — past
that length, two prefixes that end alike look the same to it.

The comparison and the context measurement run on the InspectionRunner's second
worker (gui/trained/context_runner.py).

The model runs on the InspectionRunner's worker thread (gui/trained/inspection_runner.py); edits
are throttled to about 20 requests a second, and the InspectionRunner keeps only
the latest pending one, so fast typing never queues work.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLineEdit, QWidget

from gui.common import palette as pal
from gui.common.described import value_range
from gui.views.hidden_heatmap import printable
from gui.views.recurrent_picker import RecurrentPicker, data_info, layer_title, recurrent_layer_types
from gui.views.view_panel import ViewPanel, centred_levels, diverging_colour_map

TOP_K = 15
DEFAULT_TEXT = "the river bank"  # probed at the first snapshot if nothing was typed, so the view is never empty
THROTTLE_MS = 50  # ~20 requests a second at most
REPLACEMENT = "\ufffd"  # engine/datasets/text.py maps rare characters to this one


def encode(text: str, vocab: str) -> tuple[np.ndarray, str, list[str]]:
    """Token ids of ``text`` as the data set makes them, the text actually
    encoded, and the characters that had to be dropped (not in the vocabulary)."""
    index = {ch: i for i, ch in enumerate(vocab)}
    ids, kept, dropped = [], [], []
    for ch in text:
        if ch in index:
            ids.append(index[ch])
            kept.append(ch)
        elif REPLACEMENT in index:  # the data set's own fallback for rare characters
            ids.append(index[REPLACEMENT])
            kept.append(REPLACEMENT)
        else:
            dropped.append(ch)
    return np.asarray(ids, dtype=np.int64), "".join(kept), dropped


def _tail(text: str, n: int = 20) -> str:
    return text if len(text) <= n else "…" + text[-n:]


class TextProbe(ViewPanel):
    title = "Text probe"
    help = ("Type the start of a text: the bars are the model's probabilities for the next character, the "
            "heat map its hidden state after each character. Context changes meaning (claim C14).")

    def __init__(self, inspector=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.inspector = None
        self.layer_types: dict[int, str] | None = None  # recurrent layers of the spec, when known
        self.line_edit = QLineEdit()
        self.line_edit.setToolTip("Type the start of a text; the bars show what the model expects next")
        self.line_edit.setWhatsThis("<b>Prefix</b><p>The model reads what you type one character at a time, "
                                    "carrying a hidden state along, and guesses the next character. Change an "
                                    "early word and see whether the guess at the end changes: that is how far "
                                    "back the network remembers.</p>")
        self.line_edit.setPlaceholderText("Type a prefix, e.g. “the river bank” or “a deposit at the bank”")
        self.line_edit.textEdited.connect(self._on_text_edited)
        self.line_edit.setMinimumWidth(200)
        self.compare_edit = QLineEdit()
        self.compare_edit.setAccessibleName("Compare with")
        self.compare_edit.setPlaceholderText("Compare with a prefix that ends alike, e.g. “a deposit at the bank”")
        self.compare_edit.setToolTip("A second prefix: its next-character probabilities stand beside the first's "
                                     "(orange), and the caption says how far apart they are")
        self.compare_edit.setWhatsThis("<b>Compare with</b><p>Type a prefix that ends with the same characters "
                                       "as the first (“…river bank” and “…deposit at the bank”). If the model "
                                       "predicts differently after them, the context before the shared end "
                                       "changed its prediction (claim C14) — as long as the shared end is "
                                       "shorter than the context this model uses (the third plot).</p>")
        self.compare_edit.textEdited.connect(self._on_text_edited)
        self.compare_edit.setMinimumWidth(200)
        self.picker = RecurrentPicker(with_probe=False)
        self.picker.changed.connect(self._draw_inspection)
        self.controls.addWidget(self.line_edit, 1)
        self.controls.addWidget(self.compare_edit, 1)
        self.controls.addWidget(self.picker)
        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.setInterval(THROTTLE_MS)
        self._throttle.timeout.connect(self._send)

        self.plot_widget = pg.GraphicsLayoutWidget()
        self.plot_widget.setBackground("w")
        self.bar_plot = self.plot_widget.addPlot(row=0, col=0, colspan=2)
        self.bar_plot.setMouseEnabled(False, False)
        self.bar_plot.hideButtons()
        self.bar_plot.setLabel("left", "probability")
        self.bar_plot.getAxis("left").enableAutoSIPrefix(False)  # "(x0.001)" on a probability misleads
        self.bar_plot.setLabel("bottom", f"next character (top {TOP_K})")
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8, brush=pal.BLUE, pen=None, name="P(next character)")
        self.bar_plot.addItem(self.bars)
        self.compare_bars = pg.BarGraphItem(x=[], height=[], width=0.4, brush=pal.ORANGE, pen=None)
        self.bar_plot.addItem(self.compare_bars)
        self.bar_legend = self.bar_plot.addLegend(offset=(-5, 2), labelTextColor=pal.TEXT)
        self.bar_legend.addItem(self.bars, "P(next character)")
        self.heat_plot = self.plot_widget.addPlot(row=1, col=0)
        self.heat_plot.setMouseEnabled(False, False)
        self.heat_plot.hideButtons()
        self.heat_plot.setLabel("left", "hidden unit")
        self.heat_plot.setLabel("bottom", "characters read")
        for axis in (self.heat_plot.getAxis("left"), self.heat_plot.getAxis("bottom"), self.bar_plot.getAxis("bottom")):
            axis.enableAutoSIPrefix(False)  # an empty plot's "(x0.001)" reads as a unit
        self.heat_item = pg.ImageItem(axisOrder="row-major")
        self.heat_plot.addItem(self.heat_item)
        self.colour_bar = pg.ColorBarItem(values=(-1, 1), colorMap=diverging_colour_map(), interactive=False,
                                          label="hₜ", colorMapMenu=False, width=10)
        self.colour_bar.setImageItem(self.heat_item)
        self.plot_widget.addItem(self.colour_bar, row=1, col=1)
        self.context_plot = self.plot_widget.addPlot(row=2, col=0, colspan=2)
        self.context_plot.setMouseEnabled(False, False)
        self.context_plot.hideButtons()
        self.context_plot.setTitle("Context this model uses (held-out text)", color=pal.TEXT, size="9pt")
        self.context_plot.setLabel("bottom", "last k characters read")
        self.context_plot.setLabel("left", "change of prediction")
        for axis in ("left", "bottom"):
            self.context_plot.getAxis(axis).enableAutoSIPrefix(False)
        self.context_curve = self.context_plot.plot([], [], pen=pg.mkPen(pal.GREEN, width=1), symbol="o",
                                                    symbolSize=6, symbolBrush=pal.GREEN, symbolPen=None)
        from engine.claims import CONTEXT_TOLERANCE

        self.tolerance_line = pg.InfiniteLine(CONTEXT_TOLERANCE, angle=0, pen=pg.mkPen(
            pal.LABEL, width=1, style=Qt.PenStyle.DashLine), label="same prediction", labelOpts={"color": pal.LABEL,
                                                                                                "position": 0.85})
        self.used_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(pal.GREEN, width=1, style=Qt.PenStyle.DashLine),
                                         label="uses", labelOpts={"color": pal.GREEN, "position": 0.8})
        self.context_plot.addItem(self.tolerance_line)
        self.context_plot.addItem(self.used_line)
        self.used_line.hide()
        self.context_plot.getViewBox().setToolTip(
            "On held-out text, the mean total variation between the model's next-character prediction from only "
            "the last k characters and from the whole window: where it falls under the dashed line, the "
            "characters before the last k no longer change what it predicts")
        self.plot_widget.ci.layout.setRowStretchFactor(2, 0)
        self.body.addWidget(self.plot_widget)
        self.report = None  # the latest gui.trained.context_runner.ContextReport
        self._comparison = None  # its PrefixComparison, while a second prefix is typed
        self.comparison_sentence = ""

        self.sent_ids = np.zeros(0, np.int64)  # the ids of the latest request
        self.sent_text = ""
        self.inspection = None  # the latest Inspection that answered sent_ids
        self.top_characters: list[str] = []
        self.top_probabilities = np.zeros(0, np.float32)
        self.hidden_image = np.zeros((0, 0), np.float32)  # (units, characters)
        self.request_count = 0
        self._pending_message = ""  # what the last request had to skip, kept for the answer's caption
        self.set_inspector(inspector)
        self._clear()

    def set_inspector(self, inspector) -> None:
        """The InspectionRunner that runs the model on typed text (its ``inspected`` signal feeds this view)."""
        if self.inspector is not None:
            self.inspector.inspected.disconnect(self._on_inspected)
            if hasattr(self.inspector, "context"):
                self.inspector.context.measured.disconnect(self._on_measured)
        self.inspector = inspector
        if inspector is not None:
            inspector.inspected.connect(self._on_inspected)
            if hasattr(inspector, "context"):
                inspector.context.measured.connect(self._on_measured)

    def set_experiment(self, experiment) -> None:
        """The spec being trained (the hub calls this before set_run): names the recurrent layers."""
        self.layer_types = recurrent_layer_types(experiment)

    def applies_to(self, run) -> bool:
        info = data_info(run)
        return info is not None and info.input_kind == "tokens" and bool(getattr(run, "vocab", None))

    def not_applicable_text(self) -> str:
        return f"{self.title}: only for models that read text (a character-level data set)."

    # --- typing -----------------------------------------------------------------------
    def set_text(self, text: str, compare: str | None = None) -> None:
        """Type ``text`` (and, given, the prefix to compare with) as a user would
        (tests drive the view through this)."""
        self.line_edit.setText(text)
        if compare is not None:
            self.compare_edit.setText(compare)
        self._on_text_edited(text)

    def _on_text_edited(self, _text: str) -> None:
        if not self._throttle.isActive():  # throttle, not debounce: typing shows results while it goes on
            self._throttle.start()

    def _send(self) -> None:
        vocab = getattr(self.run, "vocab", None)
        if not vocab:
            self.caption.setText("Start training a text model first: the vocabulary comes with the run.")
            return
        ids, kept, dropped = encode(self.line_edit.text(), vocab)
        message = (f"Not in this model's vocabulary, skipped: {' '.join(repr(c) for c in dict.fromkeys(dropped))}. "
                   if dropped else "")
        if ids.size == 0:
            self.caption.setText(message + "Type some text to see what the model expects next.")
            return
        if self.inspector is None:
            self.caption.setText(message + "No model to run yet: start training.")
            return
        self.sent_ids, self.sent_text = ids, kept
        self.request_count += 1
        self.inspector.request(ids)
        self._measure()
        self.caption.setText(message + "Reading…")
        self._pending_message = message

    def _measure(self) -> None:
        """Ask for the comparison and the context curve under the shown weights."""
        context = getattr(self.inspector, "context", None)
        if context is not None:
            context.request(self.inspector.experiment, self.inspector.weights, self.line_edit.text(),
                            self.compare_edit.text())

    def _draw_snapshot(self, snapshot) -> None:
        if not self.sent_ids.size and not self.line_edit.text() and self.inspector is not None:
            self.set_text(DEFAULT_TEXT)  # show something at once; the user types over it
            return
        # The weights moved on: ask again about the text shown, so its predictions follow training.
        if self.sent_ids.size and self.inspector is not None:
            self.inspector.request(self.sent_ids)
            self.request_count += 1
            self._measure()

    # --- answers ------------------------------------------------------------------------
    def _on_inspected(self, inspection) -> None:
        received = np.asarray(inspection.input).reshape(-1)
        if received.shape != self.sent_ids.shape or not np.array_equal(received, self.sent_ids):
            return  # an answer for an older request (or another view's input)
        self.inspection = inspection
        self._draw_inspection()

    def _draw_inspection(self) -> None:
        inspection = self.inspection
        if inspection is None or self.frozen:
            return
        output = np.asarray(inspection.output, dtype=np.float32)
        last = output[-1] if output.ndim == 2 else output
        vocab = self.run.vocab if self.run is not None and self.run.vocab else ""
        order = np.argsort(last)[::-1][:TOP_K]
        self.top_probabilities = last[order]
        self.top_characters = [vocab[i] if i < len(vocab) else str(int(i)) for i in order]
        self.bars.setOpts(x=np.arange(len(order)), height=self.top_probabilities, width=0.8)
        self.bar_plot.getAxis("bottom").setTicks([[(i, printable(c)) for i, c in enumerate(self.top_characters)]])
        self.bar_plot.setRange(xRange=(-0.6, len(order) - 0.4), yRange=(0, max(float(last.max()), 1e-3) * 1.05),
                               padding=0)
        self._draw_hidden(inspection)
        self._draw_comparison()
        self._write_caption()
        self.draw_count += 1
        self.content_changed()

    def _write_caption(self) -> None:
        if not self.top_characters:
            return
        best = printable(self.top_characters[0])
        self.caption.setText(f"{self._pending_message}After “{_tail(self.sent_text, 30)}”: most likely next “{best}” "
                             f"({self.top_probabilities[0]:.0%})." + (f" {self.comparison_sentence}"
                                                                     if self.comparison_sentence else ""))

    # --- comparison and context -------------------------------------------------------
    def _on_measured(self, report) -> None:
        if self.frozen:
            return
        self.report = report
        curve = report.curve
        if curve is not None:
            # x is log2(k), ticked with k itself: doublings of the context stand equally apart.
            self.context_curve.setData(np.log2(curve.lengths), list(curve.distance))
            self.context_plot.getAxis("bottom").setTicks([[(float(np.log2(k)), str(k)) for k in curve.lengths]])
            if curve.used is not None:
                self.used_line.label.setFormat(f"uses the last ~{curve.used}")
                self.used_line.setValue(float(np.log2(curve.used)))
                self.used_line.label.valueChanged()
                self.used_line.show()
            else:
                self.used_line.hide()
        comparison = report.comparison
        if comparison is not None and self.compare_edit.text():
            self.comparison_sentence = comparison.sentence(report.vocab, curve.used if curve else None)
        else:
            self.comparison_sentence = ""
        self._comparison = comparison if comparison is not None and self.compare_edit.text() else None
        self._draw_comparison()
        self._write_caption()
        self.content_changed()

    def _draw_comparison(self) -> None:
        """The second prefix's probabilities for the first one's top characters, beside its bars."""
        comparison = self._comparison
        n = len(self.top_characters)
        self.bar_legend.removeItem(self.compare_bars)
        self.bar_legend.getLabel(self.bars).setText("P(next character)" if comparison is None else
                                                    f"after “{_tail(comparison.a)}”")
        if comparison is None or not n or self.report is None:
            self.compare_bars.setOpts(x=[], height=[])
            self.bars.setOpts(x=np.arange(n), height=self.top_probabilities, width=0.8)
            return
        index = {ch: i for i, ch in enumerate(self.report.vocab)}
        other = np.array([comparison.p_b[index[c]] if c in index else 0.0 for c in self.top_characters], np.float32)
        x = np.arange(n, dtype=float)
        self.bars.setOpts(x=x - 0.2, height=self.top_probabilities, width=0.4)
        self.compare_bars.setOpts(x=x + 0.2, height=other, width=0.4)
        self.bar_legend.addItem(self.compare_bars, f"after “{_tail(comparison.b)}”")
        top = max(float(self.top_probabilities.max(initial=0)), float(other.max(initial=0)), 1e-3)
        self.bar_plot.setRange(xRange=(-0.6, n - 0.4), yRange=(0, top * 1.05), padding=0)

    def _draw_hidden(self, inspection) -> None:
        states = inspection.hidden_states or {}
        self.picker.set_layers({i: layer_title(i, (inspection.gates or {}).get(i), self.layer_types) for i in states})
        layer = self.picker.layer()
        if layer is None or layer not in states:
            self.heat_item.clear()
            self.hidden_image = np.zeros((0, 0), np.float32)
            return
        self.hidden_image = np.ascontiguousarray(np.asarray(states[layer]).T, dtype=np.float32)
        units, steps = self.hidden_image.shape
        top = float(np.abs(self.hidden_image).max()) if self.hidden_image.size else 1.0
        levels = (-1.0, 1.0) if top <= 1.0 + 1e-6 else centred_levels(self.hidden_image)
        self.heat_item.setImage(self.hidden_image, levels=levels)
        self.heat_item.setRect(-0.5, 0, steps, units)  # pixel t centred on character t
        self.colour_bar.setLevels(levels)
        self.heat_plot.getAxis("bottom").setTicks([[(t, printable(c)) for t, c in enumerate(self.sent_text)]])
        self.heat_plot.setRange(xRange=(-0.5, steps - 0.5), yRange=(0, units), padding=0)

    def _clear(self) -> None:
        self.inspection = None
        self.top_characters, self.top_probabilities = [], np.zeros(0, np.float32)
        self.hidden_image = np.zeros((0, 0), np.float32)
        self.bars.setOpts(x=[], height=[])
        self.compare_bars.setOpts(x=[], height=[])
        self.heat_item.clear()
        self.caption.setText("Type the start of a text to see what the model expects next.")

    def set_run(self, run) -> None:
        super().set_run(run)
        self.sent_ids, self.sent_text = np.zeros(0, np.int64), ""
        if run is not None and self.line_edit.text():
            self._on_text_edited(self.line_edit.text())

    def describe_now(self) -> str:
        """"After “the river bank”: likeliest next “ ” (41%), “s” (12%), “e” (9%); …", from
        the answer held (the model ran on the inspector's worker, not here)."""
        if not self.top_characters:
            return ""
        likeliest = ", ".join(f"“{printable(c)}” ({p:.0%})"
                              for c, p in zip(self.top_characters[:3], self.top_probabilities[:3], strict=False))
        text = f"After “{_tail(self.sent_text, 30)}”: likeliest next {likeliest}"
        if self.hidden_image.size:
            units, steps = self.hidden_image.shape
            text += f"; hidden state of {units} units over {steps} characters, {value_range(self.hidden_image)}"
        text += "."
        if self.comparison_sentence:
            text += f" {self.comparison_sentence}"
        curve = self.report.curve if self.report is not None else None
        if curve is not None and curve.used is not None:
            text += f" On held-out text this model uses about the last {curve.used} characters."
        return text

    def export_data(self) -> dict[str, np.ndarray]:
        if self.inspection is None:
            return {}
        data = {"next_character_probabilities": np.asarray(self.inspection.output, dtype=np.float32)[-1],
                "hidden_units_by_character": self.hidden_image,
                "input_ids": self.sent_ids}
        curve = self.report.curve if self.report is not None else None
        if curve is not None:
            data["context_lengths"] = np.asarray(curve.lengths, np.int64)
            data["context_change_of_prediction"] = np.asarray(curve.distance, np.float32)
        return data
