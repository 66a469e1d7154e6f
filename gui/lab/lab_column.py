"""One column of the lab: one experiment, its own training run and its own
look inside, on the lab's shared input.

The column trains in a child process of its own (a TrainingRunner, as the
main window's), with only the probes the lab draws from: the weights (the
shared input is judged by the model as it is now) and the gradient through
time (the shared reach plot). Its views — feature maps for a CNN, the
hidden-state heat map and the gates for an RNN, both for a hybrid — are the
main window's views, fed with the shared input as their one probe sample:
an InspectionRunner runs the column's CPU copy of the model on it, off the
GUI thread, whenever the input or the weights change.

A column that cannot take the shared input (another data set, a length its
model refuses) says why in its place; one that fails to train says why in
its status line, and the other columns go on.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from html import escape

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QTabWidget, QToolButton, QVBoxLayout, QWidget

from gui.common import palette as pal
from gui.common.style import subdued
from gui.training.training_runner import IDLE, PAUSED, RUNNING, STARTING, STOPPING, TrainingRunner

NOT_TRAINED = "Train this column to see its insides on the shared input."
LAB_SNAPSHOT_INTERVAL = 0.2  # seconds of training between a column's snapshots
STATUS_INTERVAL_MS = 250


@dataclass(frozen=True)
class Answer:
    """What a column's model says about the shared input."""

    text: str  # "7 (93 %)", "3 of 3 recall steps right", "0.42 (true 0.40)"
    correct: bool | None  # None: no right answer to compare with (regression, no target)
    confidence: float | None = None


def answer_of(output: np.ndarray, target: np.ndarray | None, info) -> Answer:
    """The model's answer for one input, in words, against its target."""
    output = np.asarray(output)
    classification = getattr(info, "task", "classification") == "classification"
    names = tuple(getattr(info, "class_names", ()) or ())

    def name(k: int) -> str:
        return names[k] if k < len(names) else str(k)

    if not classification:
        value = output.reshape(-1)
        text = ", ".join(f"{v:.3g}" for v in value[:3]) + ("…" if value.size > 3 else "")
        if target is not None and np.asarray(target).size:
            t = np.asarray(target, np.float64).reshape(-1)
            return Answer(f"{text} (true {', '.join(f'{v:.3g}' for v in t[:3])})", None)
        return Answer(text, None)
    if output.ndim == 1:
        k = int(np.argmax(output))
        confidence = float(output[k])
        correct = None if target is None else bool(int(np.asarray(target)) == k)
        return Answer(f"{name(k)} ({confidence:.0%})", correct, confidence)
    # Per step (T, C): the steps with a target are the ones scored.
    predicted = output.argmax(axis=-1)
    if target is None:
        return Answer(" ".join(name(int(k)) for k in predicted[-8:]), None)
    target = np.asarray(target).reshape(-1)
    n = min(len(target), len(predicted))
    scored = np.nonzero(target[:n] != -100)[0]
    if scored.size == 0:
        return Answer("no scored step in this input", None)
    right = int((predicted[scored] == target[scored]).sum())
    confidence = float(output[scored, predicted[scored]].mean())
    return Answer(f"{right} of {scored.size} scored steps right ({confidence:.0%})", right == scored.size, confidence)


def kind_and_size(experiment) -> str:
    """"GRU · 1,234 parameters" (or the reason the stack is impossible)."""
    from engine import datasets
    from engine.comparison_table import model_kind
    from engine.shapes import infer

    kind = model_kind(experiment.model)
    try:
        summary = infer(experiment.model, datasets.describe(experiment.dataset))
    except Exception as exc:  # noqa: BLE001 - a header must not take the lab down
        return f"{kind} · {exc}"
    if not summary.ok:
        return f"{kind} · the stack does not fit its data"
    return f"{kind} · {summary.total_params:,} parameters"


class LabColumn(QFrame):
    changed = Signal(int)  # column index: its state, progress or answer changed
    answered = Signal(int)  # column index: a new answer for the shared input
    open_requested = Signal(int)  # column index: "Open in main window"

    def __init__(self, index: int, label: str, experiment, colour: str, *, in_process: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from engine.probes import ProbeSettings
        from gui.trained.inspection_runner import InspectionRunner

        self.index, self.label, self.experiment, self.colour = index, label, experiment, colour
        self.setObjectName(f"lab_column_{index + 1}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.runner = TrainingRunner(self, in_process=in_process)
        # The lab draws the shared input itself: the probes it needs are the
        # weights and the gradient through time, both cheap on these models.
        # Five snapshots a second at most (and ~32 over a short run): each brings the
        # weights to the GUI process and a new look at the shared input in every view.
        self.runner.probes = ProbeSettings(filters=False, feature_maps=False, hidden_states=False, gates=False,
                                           histograms=False, outputs=False, predictions=False, gradients=True,
                                           weights=True, min_interval=LAB_SNAPSHOT_INTERVAL, spread=32)
        self.inspector = InspectionRunner(self)
        self.answer: Answer | None = None
        self.reason = ""  # why the run failed, or why the shared input does not apply
        self.input_reason = ""
        self.gradient: tuple[int, np.ndarray] | None = None  # (step, ‖∂L/∂h_t‖) of the first recurrent layer
        self.weights: dict | None = None  # the latest weights seen (snapshot or end of run)
        self.weights_step = 0
        from gui.views.snapshot_store import SnapshotStore

        # The run's weights over time (bounded, evenly thinned), for the lab's timeline.
        self.history = SnapshotStore()
        self.scrubbed_to: int | None = None  # samples seen, when the timeline is not live
        self.shown_step = 0  # the step of the weights the views and the answer are from
        self.run_info = None
        self.continue_from: dict | None = None  # weights a reopened lab brought: the first Train goes on from them
        self.problem = ""  # a reopened lab's sentence about this column's weights
        self._input: tuple[np.ndarray, np.ndarray | None] | None = None  # adapted (x, y)

        self.header = QLabel(f"<b style='color:{colour}'>■</b> <b>{escape(label)}</b>")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.kind = QLabel(kind_and_size(experiment))
        subdued(self.kind)
        self.buttons: dict[str, QToolButton] = {}
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        for key, text, tip in (("train", "Train", "Train (or resume) this column only"),
                               ("pause", "Pause", "Pause this column"),
                               ("step", "Step", "One batch of this column"),
                               ("stop", "Stop", "Stop this column's run (its weights are kept)"),
                               ("open", "Open in main window", "Put this experiment and its trained weights in "
                                "the main window (Edit ▸ Undo there brings its experiment back)")):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.setObjectName(f"column_{key}")
            button.clicked.connect(getattr(self, {"step": "step_once", "open": "request_open"}.get(key, key)))
            self.buttons[key] = button
            bar.addWidget(button)
        bar.addStretch(1)
        self.status = QLabel("Not trained yet")
        self.status.setWordWrap(True)
        self.input_note = QLabel("")
        self.input_note.setWordWrap(True)
        subdued(self.input_note)
        self.input_note.hide()
        self.views = QTabWidget()
        self.views.setDocumentMode(True)
        self.view_list = self._make_views()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.header)
        layout.addWidget(self.kind)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(self.input_note)
        layout.addWidget(self.views, 1)

        runner = self.runner
        runner.started.connect(self._on_started)
        runner.snapshot_taken.connect(self._on_snapshot)
        # Steps arrive ~28 times a second and a digits model's epochs end ten times: the
        # status line (a word-wrapped label: each change re-lays out the whole lab) follows
        # four times a second.
        self._status_timer = QTimer(self)
        self._status_timer.setSingleShot(True)
        self._status_timer.setInterval(STATUS_INTERVAL_MS)
        self._status_timer.timeout.connect(self._show_status)
        runner.stepped.connect(lambda _batch: self._status_timer.isActive() or self._status_timer.start())
        runner.epoch_ended.connect(lambda _epoch: self._status_timer.isActive() or self._status_timer.start())
        runner.state_changed.connect(lambda _state: self._show_status())
        runner.failed.connect(self._on_failed)
        runner.finished.connect(self._on_finished)
        self.inspector.inspected.connect(self._on_inspected)
        self.inspector.failed.connect(self._on_inspection_failed)
        self._show_status()

    # --- views ------------------------------------------------------------------
    def _make_views(self) -> list:
        """The views that apply to this model, in the order a reader meets them."""
        from engine.layers import CONVOLUTION, RECURRENT, in_group
        from gui.views.feature_maps import FeatureMaps
        from gui.views.gates_view import GatesView
        from gui.views.hidden_heatmap import HiddenStateHeatmap
        from gui.views.trajectories import HiddenStateTrajectories

        types = [layer.type for layer in self.experiment.model.layers]
        chosen = []
        if any(in_group(t, CONVOLUTION) for t in types):
            chosen.append(("Feature maps", FeatureMaps()))
        if any(in_group(t, RECURRENT) for t in types):
            chosen.append(("Hidden states", HiddenStateHeatmap()))
            gates = GatesView()
            gates.set_experiment(self.experiment)
            if gates.applies_to(None):  # LSTM and GRU layers have gates; a plain RNN has none
                chosen.append(("Gates", gates))
            chosen.append(("Trajectory", HiddenStateTrajectories()))
        if not chosen:
            # An MLP has no inside to draw on one input: its answer says what it sees.
            note = QLabel("A dense network has no maps or states to show: every input pixel meets every "
                          "unit at once. Its answer is in the row above the columns.")
            note.setWordWrap(True)
            note.setAlignment(Qt.AlignmentFlag.AlignTop)
            subdued(note)
            self.views.addTab(note, "Inside")
            return []
        for title, view in chosen:
            view.set_experiment(self.experiment)
            view.caption.setText(NOT_TRAINED)
            view.draw_when_hidden = False  # a view behind another tab costs nothing until shown
            self.views.addTab(view, title)
        self.views.currentChanged.connect(lambda _i: QTimer.singleShot(0, self._catch_up))
        return [view for _, view in chosen]

    def _catch_up(self) -> None:
        current = self.views.currentWidget()
        if hasattr(current, "catch_up"):
            current.catch_up()

    # --- training ----------------------------------------------------------------
    @property
    def state(self) -> str:
        return self.runner.state

    @property
    def batch_size(self) -> int:
        return int(self.experiment.training.batch_size)

    def train(self, epochs: int | None = None) -> None:
        """Start the run, or resume it when paused."""
        if self.runner.state == PAUSED or (self.runner.state == STARTING and self.runner.is_active):
            self.runner.resume()
            return
        if not self.runner.is_active:
            self._start(paused=False, epochs=epochs)

    def pause(self) -> None:
        self.runner.pause()

    def step_once(self) -> None:
        self.step(1)

    def step(self, batches: int = 1) -> None:
        """``batches`` batches, then paused; starts a paused run when idle."""
        if not self.runner.is_active:
            self._start(paused=True, epochs=None)
            batches -= 1  # starting paused runs one batch
            if batches <= 0:
                return
        self.runner.step(batches)

    def stop(self) -> None:
        self.runner.stop()

    def request_open(self) -> None:
        self.open_requested.emit(self.index)

    def set_trained(self, weights: dict) -> None:
        """Weights from a lab file: shown at once, and the first Train goes on from them."""
        self.continue_from = weights
        if self.run_info is None:
            self.run_info = self._described_run()
            self.inspector.set_run(self.experiment, self.run_info)
        self._take_weights(weights, 0)
        self._show_status()

    def show_problem(self, text: str) -> None:
        self.problem = text
        self._show_status()

    def _described_run(self):
        """A RunStarted from the data's description, for weights that come from no run."""
        from engine import datasets
        from engine.events import RunStarted

        info = datasets.describe(self.experiment.dataset)
        metric = "accuracy" if info.task == "classification" else "mse"
        return RunStarted("cpu", 0, self.experiment.training.epochs, 0, 0, 0, info.task, metric, info.baseline,
                          np.zeros((0,), np.float32), np.zeros((0,), np.int64), info)

    def _start(self, paused: bool, epochs: int | None) -> None:
        self.reason = ""
        initial, self.continue_from = self.continue_from, None
        try:
            self.runner.start(self.experiment, paused=paused, epochs=epochs, initial_weights=initial)
        except (OSError, RuntimeError) as exc:  # no process, no thread: this column only
            self._on_failed(f"could not start: {exc}")
        self._show_status()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        self.inspector.shutdown(timeout_ms)
        return self.runner.shutdown(timeout_ms)

    # --- the shared input -----------------------------------------------------------
    def set_input(self, x: np.ndarray | None, y: np.ndarray | None, reason: str = "") -> None:
        """The shared input as this column's data would give it (None with a
        reason when it does not apply here)."""
        self.input_reason = reason
        self.input_note.setVisible(bool(reason))
        self.input_note.setText(f"Shared input: {reason}." if reason else "")
        self._input = None if x is None else (np.asarray(x), None if y is None else np.asarray(y))
        self.answer = None  # until the model has judged this input
        if x is None:
            self.answered.emit(self.index)
            return
        self._inspect()

    def _inspect(self) -> None:
        if self._input is not None and self.inspector.ready:
            self.inspector.request(self._input[0])

    def _on_inspected(self, inspection) -> None:
        if self._input is None:
            return
        from engine.events import Snapshot

        x, y = self._input
        if (np.shape(inspection.input) != np.shape(x) or not np.array_equal(inspection.input, x)
                or self.inspector.last_version != self.inspector.weights_version):
            return  # an earlier input's or earlier weights' answer: the newest one is on its way
        info = getattr(self.run_info, "info", None)
        self.answer = answer_of(inspection.output, y, info)
        run = dataclasses.replace(self.run_info, probe_inputs=np.asarray(inspection.input)[None],
                                  probe_targets=np.asarray(y if y is not None else 0)[None],
                                  sample_inputs=None, sample_targets=None)
        snapshot = Snapshot(self.shown_step, 0, feature_maps={i: m[None] for i, m in inspection.feature_maps.items()},
                            hidden_states={i: h[None] for i, h in inspection.hidden_states.items()},
                            gates={i: {k: g[None] for k, g in named.items()} for i, named in inspection.gates.items()},
                            probe_outputs=np.asarray(inspection.output)[None])
        for view in self.view_list:
            if view.run is None or view.run.probe_inputs.shape != run.probe_inputs.shape or view.run.info != run.info:
                view.set_run(run)
            else:
                view.run = run
            view.show_snapshot(snapshot)
        self.answered.emit(self.index)

    def _on_inspection_failed(self, message: str) -> None:
        self.answer = Answer(f"cannot take this input: {message}", None)
        self.input_note.setText(f"Shared input: {message}.")
        self.input_note.show()
        self.answered.emit(self.index)

    # --- what the runner reports ---------------------------------------------------------
    # --- the timeline ------------------------------------------------------------------------
    @property
    def samples_seen(self) -> int:
        return self.runner.step_count * self.batch_size

    def show_at(self, samples: int | None) -> None:
        """The model as it was after ``samples`` training samples (None: live, the latest)."""
        self.scrubbed_to = samples
        if samples is None:
            if self.weights is not None:
                self._feed(self.weights, self.weights_step)
            return
        snapshot = None
        for candidate in reversed(self.history.snapshots):
            if candidate.weights is not None and candidate.step * self.batch_size <= samples:
                snapshot = candidate
                break
        if snapshot is not None and snapshot.step != self.shown_step:
            self._feed(snapshot.weights, snapshot.step)

    def _on_started(self, info) -> None:
        self.history.clear()
        self.run_info = info
        self.inspector.set_run(self.experiment, info)
        self._show_status()

    def _on_snapshot(self, snapshot) -> None:
        if snapshot.weights is not None:
            self.history.add_snapshot(snapshot)
            self._take_weights(snapshot.weights, snapshot.step)
        if snapshot.grad_through_time:
            layer = min(snapshot.grad_through_time)
            self.gradient = (snapshot.step, np.asarray(snapshot.grad_through_time[layer], np.float64))
        self.changed.emit(self.index)

    def _take_weights(self, weights: dict, step: int) -> None:
        self.weights, self.weights_step = weights, step
        if self.scrubbed_to is None:  # live: the views follow; scrubbed back, they stay where the user is
            self._feed(weights, step)

    def _feed(self, weights: dict, step: int) -> None:
        self.shown_step = step
        self.inspector.set_weights(weights)
        self._inspect()

    def _on_failed(self, message: str) -> None:
        self.reason = message
        self._show_status()

    def _on_finished(self, finished) -> None:
        if finished is not None and finished.weights is not None:
            step = getattr(self.runner.last_step, "step", self.weights_step)
            from engine.events import Snapshot

            self.history.add_snapshot(Snapshot(step, 0, weights=finished.weights))
            self._take_weights(finished.weights, step)
        self._show_status()

    # --- status --------------------------------------------------------------------------
    def _show_status(self) -> None:
        runner = self.runner
        state = runner.state
        last, epoch, info = runner.last_step, runner.last_epoch, runner.run_info
        if self.reason:
            text = f"<span style='color:{pal.ERROR}'>Failed: {escape(self.reason)}</span>"
        elif state == IDLE and info is None and self.continue_from is not None:
            text = "Trained weights from the lab file · Train goes on from them"
        elif state == IDLE and info is None:
            text = "Not trained yet"
        else:
            word = {STARTING: "Starting", RUNNING: "Training", PAUSED: "Paused", STOPPING: "Stopping"}.get(
                state, {"finished": "Finished", "stopped": "Stopped", "diverged": "Diverged"}.get(runner.outcome,
                                                                                                   "Idle"))
            parts = [word]
            if info is not None and last is not None:
                parts.append(f"step {last.step:,}/{info.total_steps:,} · {last.step * self.batch_size:,} samples")
            if epoch is not None:
                metric = (f"val accuracy {epoch.val_metric:.1%}" if getattr(info, "metric", "") == "accuracy"
                          else f"val MSE {epoch.val_metric:.3g}")
                parts.append(f"epoch {epoch.epoch} · {metric}")
            text = escape(" · ".join(parts))
        if self.problem:
            text += f"<br><span style='color:{pal.ERROR}'>{escape(self.problem)}</span>"
        self.status.setText(text)
        active = runner.is_active
        self.buttons["open"].setEnabled(True)
        self.buttons["train"].setEnabled(not active or state == PAUSED)
        self.buttons["pause"].setEnabled(state in (RUNNING, STARTING))
        self.buttons["step"].setEnabled(state in (IDLE, PAUSED) or not active)
        self.buttons["stop"].setEnabled(active and state != STOPPING)
        self.changed.emit(self.index)
