"""Generate: a character model writes text from a seed, one character at a
time, each fed back as the next input (one-to-many, claim C13).

Type a seed, choose the temperature and the length, press Generate: the
text appears character by character, shaded by the probability the model
gave each one (hover a character for its five likeliest alternatives), and
the hidden state it was written from moves along in the heat map below.
While a run trains, a short sample every few seconds shows the model going
from noise to words.

The model runs on a worker (gui/common/task.py), never the GUI thread
(DESIGN.md, Known pitfalls), with the weights of the snapshot shown: the
newest while training, an older one when the timeline is dragged back.
Characters arrive by the worker's signal and are drawn in batches at most
every DRAW_MS, so a fast model does not flood the event loop.
"""

from __future__ import annotations

import time
from collections import deque

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QKeySequence, QShortcut, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTextEdit,
    QToolTip,
    QWidget,
)

from gui.common import palette as pal
from gui.common.task import Task
from gui.views.hidden_heatmap import printable
from gui.views.view_panel import ViewPanel, diverging_colour_map

DEFAULT_SEED = "The miller "
DEFAULT_LENGTH = 300
DEFAULT_TEMPERATURE = 0.7
PACE_SECONDS = 0.012  # between characters, so the writing and the moving state can be followed
DRAW_MS = 40
LIVE_INTERVAL = 3.0  # seconds between two samples while training
LIVE_LENGTH = 80
LIVE_KEPT = 30
HEAT_COLUMNS = 200  # characters of hidden state shown (the latest)


def printable_text(text: str) -> str:
    """``text`` on one line: line breaks and tabs as the symbols the heat map uses."""
    return "".join(printable(c) if c in "\n\t" else c for c in text)


def _generate_job(experiment, info, vocab, weights, seed_text, length, temperature, sample_seed, pace):
    """Worker thread: build the model from the weights and yield each character."""
    from engine import claims
    from engine.generation import generate_steps

    model = claims.model_with(experiment, weights, info)
    window = int(info.input_shape[0]) if info.input_shape else 64
    for generated in generate_steps(model, seed_text, vocab, length, temperature=temperature,
                                    seed=sample_seed, window=window):
        yield generated
        if pace:
            time.sleep(pace)


def _real_words(experiment, text: str) -> float:
    from engine.generation import corpus_words, real_word_share

    return real_word_share(text, corpus_words(experiment.dataset.options.get("path", "")))


def _live_job(experiment, info, vocab, weights, seed_text, temperature, step, epoch):
    from engine import claims
    from engine.generation import generate_text

    model = claims.model_with(experiment, weights, info)
    text = generate_text(model, seed_text, vocab, LIVE_LENGTH, temperature=temperature, seed=step,
                         window=int(info.input_shape[0]))
    return step, epoch, text, _real_words(experiment, seed_text + text)


class ProbabilityText(QTextEdit):
    """The written text; a character's tooltip is its probability and alternatives."""

    def event(self, event):  # noqa: D401 - Qt override
        if event.type() == event.Type.ToolTip:
            cursor = self.cursorForPosition(event.pos())
            cursor.movePosition(QTextCursor.MoveOperation.Right, QTextCursor.MoveMode.KeepAnchor)
            tip = cursor.charFormat().toolTip()
            if tip:
                QToolTip.showText(event.globalPos(), tip, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)


class GenerateView(ViewPanel):
    title = "Generate"
    help = ("A character model writes text from a seed: each character it samples is fed back as its next "
            "input (one-to-many, claim C13). Shading is the probability it gave each character.")

    def __init__(self, inspector=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.inspector = inspector
        self.experiment = None
        self.seed_edit = QLineEdit(DEFAULT_SEED)
        self.seed_edit.setAccessibleName("Seed text")
        self.seed_edit.setToolTip("The text the model starts from; it continues after it")
        self.seed_edit.setPlaceholderText("Seed, e.g. “The miller ”")
        self.seed_edit.setMinimumWidth(140)
        self.seed_edit.returnPressed.connect(self.generate)
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.05, 10.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setDecimals(2)
        self.temperature.setValue(DEFAULT_TEMPERATURE)
        self.temperature.setPrefix("T ")
        self.temperature.setAccessibleName("Temperature")
        self.temperature.setToolTip("Sampling temperature: 1 samples the model's own probabilities; below 1 "
                                    "picks likely characters more often (0.7: words); above 1 is more random")
        self.length = QSpinBox()
        self.length.setRange(1, 5000)
        self.length.setValue(DEFAULT_LENGTH)
        self.length.setSuffix(" chars")
        self.length.setAccessibleName("Length")
        self.length.setToolTip("How many characters to write")
        self.generate_button = QPushButton("Generate")
        self.generate_button.setToolTip("Write text from the seed with the model shown (Ctrl+G, or Enter in "
                                        "the seed)")
        self.generate_button.clicked.connect(self.generate)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop writing (Esc)")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop)
        self.live_box = QCheckBox("Sample while training")
        self.live_box.setChecked(True)
        self.live_box.setToolTip(f"While a run trains, write {LIVE_LENGTH} characters every "
                                 f"{LIVE_INTERVAL:g} s with the newest weights: noise becomes words")
        for widget in (self.seed_edit, self.temperature, self.length, self.generate_button, self.stop_button,
                       self.live_box):
            self.controls.addWidget(widget)
        QShortcut(QKeySequence("Ctrl+G"), self, self.generate, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Escape"), self, self.stop, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

        self.text = ProbabilityText()
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Generated text")
        self.text.setToolTip("")
        self.text.setPlaceholderText("Press Generate: the model writes on from the seed.")
        self.heat = pg.PlotWidget(background="w")
        plot = self.heat.getPlotItem()
        plot.setMouseEnabled(False, False)
        plot.hideButtons()
        plot.setLabel("left", "hidden unit")
        plot.setLabel("bottom", "characters written")
        for axis in ("left", "bottom"):
            plot.getAxis(axis).enableAutoSIPrefix(False)
        self.heat_item = pg.ImageItem(axisOrder="row-major")
        plot.addItem(self.heat_item)
        self.colour_bar = pg.ColorBarItem(values=(-1, 1), colorMap=diverging_colour_map(), interactive=False,
                                          label="hₜ", colorMapMenu=False, width=10)
        self.colour_bar.setImageItem(self.heat_item, insert_in=plot)
        self.samples = QPlainTextEdit()
        self.samples.setReadOnly(True)
        self.samples.setAccessibleName("Samples during training")
        self.samples.setPlaceholderText("While a run trains, a sample every few seconds appears here.")
        self.samples.setMaximumBlockCount(LIVE_KEPT)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.text)
        splitter.addWidget(self.heat)
        splitter.addWidget(self.samples)
        splitter.setSizes([200, 120, 90])
        self.body.addWidget(splitter)
        self.problem = QLabel("")
        self.problem.setStyleSheet(pal.ERROR_STYLE)
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.body.addWidget(self.problem)

        self.task = Task(self)
        self.live_task = Task(self)
        self.task.busy_changed.connect(self._on_busy)
        self._buffer: list = []
        self._timer = QTimer(self)
        self._timer.setInterval(DRAW_MS)
        self._timer.timeout.connect(self._flush)
        self.pace = PACE_SECONDS  # tests set 0
        self.generated: list = []  # engine.generation.Generated, in order
        self.states: list[np.ndarray] = []
        self.written_seed = ""
        self.stopped = False
        self.request_temperature = DEFAULT_TEMPERATURE
        self._sample_seed = -1  # of the last Generate; each press samples with the next
        self._last_live = 0.0
        self._live = False
        self.live_samples: deque = deque(maxlen=LIVE_KEPT)  # (step, epoch, text, share of real words)
        self.real_words = float("nan")  # of the last text written, once done
        self._clear()

    # --- what it applies to -------------------------------------------------------------
    def applies_to(self, run) -> bool:
        info = getattr(run, "info", None)
        return info is not None and info.input_kind == "tokens" and bool(getattr(run, "vocab", None)) \
            and not info.token_texts

    def not_applicable_text(self) -> str:
        return f"{self.title}: only for character models (the text data set, or your own text file)."

    def set_run(self, run) -> None:
        self.stop()
        super().set_run(run)
        self._live = run is not None
        self._last_live = 0.0
        self.live_samples.clear()
        self.samples.clear()

    def run_ended(self) -> None:
        self._live = False

    def _weights(self):
        weights = getattr(self.snapshot, "weights", None)
        if weights is None and self.inspector is not None:
            weights = self.inspector.weights
        return weights

    def set_experiment(self, experiment) -> None:
        """The spec being trained (the hub calls this before set_run): the model to build from the weights."""
        self.experiment = experiment

    def _experiment(self):
        return self.experiment

    # --- generating ---------------------------------------------------------------------
    def generate(self) -> bool:
        """Write from the seed as asked; False (with one line saying why) when nothing runs."""
        from engine.generation import GenerationError, check_request

        if self.task.busy:
            return False
        if self.run is None:  # nothing trained yet: say that, not "no character model"
            return self._refuse("Nothing to write with yet: train the model first (F5), or open an experiment "
                                "with its trained weights")
        vocab = getattr(self.run, "vocab", None)
        seed_text = self.seed_edit.text()
        try:
            check_request(seed_text, self.length.value(), self.temperature.value(), vocab)
        except GenerationError as exc:
            return self._refuse(str(exc))
        weights, experiment = self._weights(), self._experiment()
        if weights is None or experiment is None or not self.applies_to(self.run):
            return self._refuse("Generate needs a trained character model: train one (or open one with its "
                                "weights) first")
        self.problem.hide()
        self._start_writing(seed_text)
        self.request_temperature = self.temperature.value()
        self._sample_seed += 1  # another press, another text
        return self.task.start(_generate_job, experiment, self.run.info, vocab, weights, seed_text,
                               self.length.value(), self.temperature.value(), self._sample_seed, self.pace,
                               on_yielded=self._on_yielded, on_errored=self._on_errored,
                               on_finished=self._on_finished)

    def _on_yielded(self, generated) -> None:
        self._buffer.append(generated)

    def _refuse(self, line: str) -> bool:
        self.problem.setText(line)
        self.problem.show()
        return False

    def stop(self) -> None:
        if self.task.busy and self.task.worker is not None:
            self.stopped = True
            self.task.worker.quit()

    def _start_writing(self, seed_text: str) -> None:
        self.generated, self.states, self._buffer = [], [], []
        self.real_words = float("nan")
        self.stopped = False
        self.written_seed = seed_text
        self.text.clear()
        fmt = QTextCharFormat()
        fmt.setForeground(QColor(pal.LABEL))
        fmt.setToolTip("the seed you typed")
        self.text.textCursor().insertText(seed_text, fmt)
        self.heat_item.clear()
        self._timer.start()

    def _on_busy(self, busy: bool) -> None:
        self.generate_button.setEnabled(not busy)
        self.stop_button.setEnabled(busy)

    def _on_errored(self, exc: BaseException) -> None:
        from engine.errors import describe_error  # engine.errors imports no torch

        self._refuse(describe_error(exc))

    def _on_finished(self) -> None:
        self._flush()
        self._timer.stop()
        if self.experiment is not None and self.generated:
            self.real_words = _real_words(self.experiment, self.written_seed + self.written)
        self._write_caption()

    def _flush(self) -> None:
        if not self._buffer:
            return
        batch, self._buffer = self._buffer, []
        cursor = self.text.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        for g in batch:
            fmt = QTextCharFormat()
            shade = QColor(pal.BLUE)
            shade.setAlphaF(0.08 + 0.5 * g.probability)
            fmt.setBackground(shade)
            alternatives = ", ".join(f"{printable(c)} {p:.2f}" for c, p in g.alternatives)
            fmt.setToolTip(f"“{printable(g.char)}”: probability {g.probability:.2f} · likeliest: {alternatives}")
            cursor.insertText(g.char, fmt)
            if g.hidden is not None:
                self.states.append(np.asarray(g.hidden, np.float32))
        self.generated.extend(batch)
        self.text.setTextCursor(cursor)
        self.text.ensureCursorVisible()
        self._draw_states()
        self._write_caption()

    def _draw_states(self) -> None:
        if not self.states:
            return
        shown = np.stack(self.states[-HEAT_COLUMNS:], axis=1)  # (units, characters)
        first = len(self.states) - shown.shape[1]
        top = float(np.abs(shown).max()) or 1.0
        levels = (-1.0, 1.0) if top <= 1.0 + 1e-6 else (-top, top)
        self.heat_item.setImage(shown, levels=levels)
        self.heat_item.setRect(first - 0.5, 0, shown.shape[1], shown.shape[0])
        self.colour_bar.setLevels(levels)
        self.heat.getPlotItem().setRange(xRange=(first - 0.5, first + shown.shape[1] - 0.5),
                                          yRange=(0, shown.shape[0]), padding=0)

    def _write_caption(self) -> None:
        n = len(self.generated)
        if not n and not self.task.busy:
            self.caption.setText("Type a seed and press Generate: the model writes on, one character at a time, "
                                 "each fed back as its next input.")
            return
        mean = float(np.mean([g.probability for g in self.generated])) if n else 0.0
        state = "writing" if self.task.busy else ("stopped" if self.stopped else "done")
        real = self.real_words
        words = f"; {real:.0%} of its words occur in the training text" if not self.task.busy and real == real \
            else ""
        self.caption.setText(f"{state}: {n} of {self.length.value()} characters at temperature "
                             f"{self.request_temperature:g}; the model gave its characters probability "
                             f"{mean:.2f} on average (darker = surer){words}. Hover a character for its "
                             "alternatives.")

    @property
    def written(self) -> str:
        return "".join(g.char for g in self.generated)

    # --- live samples ------------------------------------------------------------------
    def _draw_snapshot(self, snapshot) -> None:
        if not (self._live and self.live_box.isChecked()) or self.live_task.busy:
            return
        now = time.monotonic()
        weights, experiment = getattr(snapshot, "weights", None), self._experiment()
        if weights is None or experiment is None or now - self._last_live < LIVE_INTERVAL:
            return
        vocab = getattr(self.run, "vocab", None)
        seed_text = "".join(ch for ch in self.seed_edit.text() if vocab and ch in vocab) or (vocab or " ")[0]
        self._last_live = now
        self.live_task.start(_live_job, experiment, self.run.info, vocab, weights, seed_text,
                             self.temperature.value(), snapshot.step, snapshot.epoch,
                             on_returned=self._on_live_sample)

    def _on_live_sample(self, result) -> None:
        step, epoch, text, real = result
        self.live_samples.append(result)
        words = "" if real != real else f" [{real:.0%} real words]"
        self.samples.appendPlainText(f"step {step} (epoch {epoch}){words}: {text.replace(chr(10), ' ')}")
        self.content_changed()

    # --- in words ------------------------------------------------------------------------
    def describe_now(self) -> str:
        """"Done: 300 of 300 characters at temperature 0.7, mean probability 0.62, 81% real
        words; it ends “…”. Latest sample while training (step 120): 45% real words.", from
        the characters and samples held (written on a worker)."""
        parts = []
        n = len(self.generated)
        if n:
            state = "Writing" if self.task.busy else ("Stopped" if self.stopped else "Done")
            mean = float(np.mean([g.probability for g in self.generated]))
            real = self.real_words
            words = f", {real:.0%} of its words in the training text" if real == real else ""
            tail = printable_text(self.written[-40:])
            parts.append(f"{state}: {n} of {self.length.value()} characters at temperature "
                         f"{self.request_temperature:g}, mean probability {mean:.2f}{words}; it ends "
                         f"“{'…' if n > 40 else ''}{tail}”.")
        if self.live_samples:
            step, _epoch, _text, real = self.live_samples[-1]
            words = f": {real:.0%} real words" if real == real else ""
            parts.append(f"Latest sample while training (step {step}){words}.")
        return " ".join(parts)

    def _clear(self) -> None:
        self.generated, self.states, self._buffer = [], [], []
        self.text.clear()
        self.heat_item.clear()
        self.problem.hide()
        self._write_caption()

    def export_data(self) -> dict[str, np.ndarray]:
        if not self.generated:
            return {}
        data = {"probabilities": np.array([g.probability for g in self.generated], np.float32),
                "characters": np.array([ord(g.char) for g in self.generated], np.int64)}
        if self.states:
            data["hidden_states"] = np.stack(self.states)
        return data

    def shutdown(self) -> None:
        self.stop()
        self.task.shutdown(5000)
        self.live_task.shutdown(5000)
