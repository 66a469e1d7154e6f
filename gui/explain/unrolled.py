"""Explain ▸ The Unrolled RNN (claim C7): one sequence through the current
model's first recurrent layer, drawn as a chain of cells t = 1…T that all use
the same weights; step through time and watch the hidden state update, with
the selected step's equation and gate values.

The numbers come from engine.explain.rnn_steps (tested against torch's
cells). The weights are, in this order: the window's trained weights when
they fit the current model, the latest training snapshot's, or the initial
weights a run would start from; the window names which. A model with no
recurrent layer gets a tiny built-in cell, and the window says so. The work
is a few small matrix products: it runs on the GUI thread, only while the
window is open.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.errors import PlaygroundError
from engine.explain.rnn_steps import (
    BUILTIN_HIDDEN,
    BUILTIN_STEPS,
    RnnSteps,
    build_with_weights,
    builtin_example,
    encode_text,
    first_recurrent,
    layer_steps,
    rnn_steps,
)
from gui.common import palette as pal
from gui.explain.registry import ExplainContext
from gui.explain.unrolled_chain import UnrolledChain
from gui.explain.unrolled_detail import StepDetail

PLAY_INTERVAL_MS = 600
SNAPSHOT_FOLLOW_MS = 1000
DEFAULT_TEXT = "the boat came to the bank"
INTRO = ("A recurrent network reads a sequence one step at a time. Drawn unrolled, each step is a copy of the "
         "same cell: it takes the input x<sub>t</sub> and the previous hidden state h<sub>t−1</sub> and "
         "makes the new state h<sub>t</sub>, with <b>the same weights at every step</b>. Use ← → (or click "
         "a cell) to step, Home/End to jump, Space to play.")


def _shown(ch: str) -> str:
    return {" ": "␣", "\n": "⏎", "\t": "⇥"}.get(ch, ch)


class UnrolledExplainer(QWidget):
    def __init__(self, context: ExplainContext) -> None:
        super().__init__()
        self.context = context
        self.steps: RnnSteps | None = None
        self.t = 1
        self.source = ""  # what the weights are, in words
        self._stale = True
        self._model_key = None
        self._model = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.resize(1280, 780)

        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        self.model_label = QLabel()
        self.model_label.setWordWrap(True)
        self.model_label.setWhatsThis("Which recurrent layer this window unrolls, and where its weights come from.")
        self.kind = QComboBox()
        self.kind.addItems(["GRU", "LSTM", "RNN"])
        self.kind.setToolTip("The kind of cell in the built-in example")
        self.kind.setWhatsThis("Your model has no recurrent layer, so a tiny built-in cell is shown. Choose a "
                               "plain RNN, an LSTM (input, forget and output gates and a cell state) or a GRU "
                               "(reset and update gates).")
        self.kind.currentTextChanged.connect(self.refresh)
        self.sample = QSpinBox()
        self.sample.setPrefix("validation sample #")
        self.sample.setToolTip("Which sequence of the data set's validation part is unrolled")
        self.sample.setWhatsThis("Pick a sequence from the validation data the model did not train on; the "
                                 "chain and every number below follow it.")
        self.sample.valueChanged.connect(self.refresh)
        self.text = QLineEdit(DEFAULT_TEXT)
        self.text.setToolTip("The characters the network reads, one per step; edit them and watch h_t change")
        self.text.setWhatsThis("Type any text made of characters from the training text: each character is "
                               "one time step. Changing an early character changes every later hidden state, "
                               "because the state carries it forward.")
        self.text.textEdited.connect(self.refresh)
        self.message = QLabel()
        self.message.setStyleSheet(pal.ERROR_STYLE)
        picker = QHBoxLayout()
        for w in (self.kind, self.sample, self.text):
            picker.addWidget(w)
        picker.addWidget(self.message, 1)

        self.chain = UnrolledChain()
        self.chain.clicked.connect(self.select)
        self.chain.setToolTip("One cell per time step: x_t enters from below, h_t leaves upwards and to the "
                              "next cell. Click a cell to select it.")
        self.chain.setWhatsThis("The sequence unrolled in time. Under each cell, the input x_t (colour = value "
                                "of each feature); above it, the hidden state h_t (one row per hidden unit, "
                                "blue negative, red positive). The arrows carry h_(t−1) into the next cell. "
                                "Every cell is outlined in orange: they are the same cell with the same "
                                "weights.")
        self.back = QPushButton("◀ Back")
        self.back.setToolTip("Previous step (←)")
        self.play = QPushButton("▶ Play")
        self.play.setCheckable(True)
        self.play.setToolTip("Step through time automatically (Space)")
        self.forward = QPushButton("Next ▶")
        self.forward.setToolTip("Next step (→)")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setMinimum(1)
        self.slider.setToolTip("The selected time step t")
        self.step_label = QLabel()
        for w in (self.back, self.play, self.forward, self.slider):
            w.setWhatsThis("Move through time: the selected cell's numbers appear below. Keys: ← → step, "
                           "Home/End first/last step, Space plays.")
            w.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrow keys stay with the window
        self.back.clicked.connect(lambda: self.select(self.t - 1))
        self.forward.clicked.connect(lambda: self.select(self.t + 1))
        self.play.toggled.connect(self._on_play_toggled)
        self.slider.valueChanged.connect(self.select)
        controls = QHBoxLayout()
        for w in (self.back, self.play, self.forward):
            controls.addWidget(w)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.step_label)
        self.detail = StepDetail()
        self.timer = QTimer(self)
        self.timer.setInterval(PLAY_INTERVAL_MS)
        self.timer.timeout.connect(self._on_tick)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.model_label)
        layout.addLayout(picker)
        layout.addWidget(self.chain, 5)
        layout.addLayout(controls)
        layout.addWidget(self.detail, 4)

        self.context.document.changed.connect(self._on_source_changed)
        self.context.weights.changed.connect(self._on_source_changed)
        self.context.runner.finished.connect(self._on_source_changed)
        # While a run trains, the newest snapshot's weights are followed, at most once a second.
        self._snapshot_timer = QTimer(self)
        self._snapshot_timer.setSingleShot(True)
        self._snapshot_timer.setInterval(SNAPSHOT_FOLLOW_MS)
        self._snapshot_timer.timeout.connect(self._on_source_changed)
        self.context.views.shown.connect(self._on_snapshot_shown)

    # --- following the window -------------------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def _on_source_changed(self, *_args) -> None:
        self._stale = True
        if self.isVisible():
            QTimer.singleShot(0, self._refresh_if_stale)

    def _on_snapshot_shown(self, *_args) -> None:
        if self.isVisible() and not self._snapshot_timer.isActive():
            self._snapshot_timer.start()

    def _refresh_if_stale(self) -> None:
        if self._stale and self.isVisible():
            self.refresh()

    # --- computing ------------------------------------------------------------------------
    def refresh(self, *_args) -> None:
        """Recompute the steps from the current model, weights and sequence."""
        self._stale = False
        self.message.clear()
        experiment = self.context.document.experiment
        analysis = self.context.document.analysis()
        index = first_recurrent(experiment.model)
        builtin = index is None or not analysis.ok
        for w, on in ((self.kind, builtin), (self.sample, False), (self.text, False)):
            w.setVisible(on)
        labels = None
        try:
            if builtin:
                why = ("Your model has no RNN, LSTM or GRU layer" if index is None else
                       f"Your model cannot be built yet ({analysis.problem})")
                rnn, x = builtin_example(self.kind.currentText())
                steps = rnn_steps(rnn, x)
                self.model_label.setText(
                    f"{why}, so this is a built-in example: a tiny {self.kind.currentText()} with "
                    f"{BUILTIN_HIDDEN} hidden units reading a sine wave of {BUILTIN_STEPS} steps. "
                    "Weights: random (seed 0), untrained.")
            else:
                layer = experiment.model.layers[index]
                weights, self.source = self._weights(experiment)
                model = self._build(experiment, analysis.info, weights)
                sample, labels = self._sequence(experiment, analysis.info)
                steps = layer_steps(model, index, sample)
                extra = " (its first layer, forward direction)" if (
                    layer.params.get("num_layers", 1) > 1 or layer.params.get("bidirectional")) else ""
                self.model_label.setText(
                    f"Your model's layer {index + 1}: {layer.type} with {steps.hidden} hidden units{extra}, "
                    f"reading {steps.x.shape[1]} feature(s) per step. Weights: <b>{self.source}</b>. "
                    f"Parameters: {steps.parameter_count:,}, whatever the length of the sequence.")
        except (ValueError, RuntimeError, PlaygroundError) as exc:  # a character the text lacks, a data error
            self.message.setText(str(exc).splitlines()[0])
            return
        self.show_steps(steps, labels)

    def _weights(self, experiment):
        trained = self.context.weights
        weights = trained.weights_for(experiment)
        if weights is not None:
            return weights, trained.hint(experiment).replace("Trained weights: ", "trained, ")
        views = self.context.views
        ran = views.experiment
        if ran is not None and ran.model == experiment.model and ran.dataset == experiment.dataset:
            snap = views.store.latest_with_weights()
            if snap is not None:
                return snap.weights, f"the latest training snapshot (step {snap.step:,})"
        return None, f"initial, untrained (seed {experiment.training.seed}): train the model to see learned ones"

    def _build(self, experiment, info, weights):
        key = (experiment.model, experiment.dataset, experiment.training.seed, id(weights))
        if key != self._model_key:
            self._model, self._model_key = build_with_weights(experiment, info, weights), key
        return self._model

    def _sequence(self, experiment, info) -> tuple[np.ndarray, list[str] | None]:
        from engine import datasets
        from engine.datasets.base import TOKENS

        bundle = datasets.load(experiment.dataset, experiment.training.seed)
        if info.input_kind == TOKENS:
            self.text.setVisible(True)
            text = self.text.text()
            if bundle.vocab and not self.text.isModified() and any(ch not in bundle.vocab for ch in text):
                text = "".join(bundle.vocab[i] for i in bundle.x_val[0][:24].tolist())  # the phrase does not fit
                self.text.setText(text)
            return encode_text(text, bundle.vocab or ""), [_shown(ch) for ch in text]
        self.sample.setVisible(True)
        self.sample.setMaximum(max(0, len(bundle.x_val) - 1))
        return bundle.x_val[self.sample.value()].numpy(), None

    # --- showing --------------------------------------------------------------------------
    def show_steps(self, steps: RnnSteps, labels: list[str] | None = None) -> None:
        self.steps = steps
        self.chain.set_sequence(steps.x, steps.h[1:], labels)
        self.detail.set_steps(steps)
        self.slider.blockSignals(True)
        self.slider.setMaximum(steps.steps)
        self.slider.blockSignals(False)
        self.select(min(self.t, steps.steps))

    def select(self, t: int) -> None:
        """Make step t (1…T) the selected one."""
        if self.steps is None:
            return
        self.t = max(1, min(int(t), self.steps.steps))
        self.chain.set_selected(self.t)
        self.detail.set_step(self.t)
        self.slider.blockSignals(True)
        self.slider.setValue(self.t)
        self.slider.blockSignals(False)
        self.step_label.setText(f"step t = {self.t} of {self.steps.steps}")

    def keyPressEvent(self, event) -> None:
        key = event.key()
        moves = {Qt.Key.Key_Left: self.t - 1, Qt.Key.Key_Right: self.t + 1, Qt.Key.Key_Home: 1,
                 Qt.Key.Key_End: self.steps.steps if self.steps else 1}
        if key in moves:
            self.select(moves[key])
        elif key == Qt.Key.Key_Space:
            self.play.toggle()
        else:
            super().keyPressEvent(event)

    def _on_play_toggled(self, on: bool) -> None:
        self.play.setText("⏸ Pause" if on else "▶ Play")
        if on:
            if self.steps is not None and self.t >= self.steps.steps:
                self.select(1)
            self.timer.start()
        else:
            self.timer.stop()

    def _on_tick(self) -> None:
        if self.steps is None or self.t >= self.steps.steps:
            self.play.setChecked(False)
            return
        self.select(self.t + 1)

    def hideEvent(self, event) -> None:
        self.play.setChecked(False)
        super().hideEvent(event)
