"""The lab: two to four experiments side by side, inside, on one input.

Columns (gui/lab/lab_column.py), one per experiment, train together — each
in a training process of its own, as many at once as the machine has cores
for beside the window (at least two), the others waiting their turn — with
Train / Pause / Step / Stop for all (the toolbar) and for each (the column).
Step advances every column by the same number of samples: the largest batch,
in as many batches of each column as make it up.

One shared input (gui/lab/input_strip.py) goes to every column at once, in
the form that column's data takes (engine/lab_input.py); each model's answer
and confidence sit in one row above the columns, so editing the input —
shifting it, permuting its pixels, blanking a part, changing its length —
shows the claims happen under the user's hand. Below: the loss and metric
curves of all columns overlaid, and how far back each can use its input
(the CNN's receptive field on the same axis as the RNN's gradient).

The lab is opened on a comparison (a comparison file, the Comparison
window's "Open as lab", ``main.py --lab COMP.json``).
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui.common import palette as pal
from gui.common.style import keyboard_reachable
from gui.common.task import Task
from gui.comparison.plots import ComparisonPlots, colour
from gui.lab.cost_plot import CostPlot
from gui.lab.input_strip import InputStrip
from gui.lab.lab_column import LabColumn
from gui.lab.lab_seeds import LabSeeds

REACH_INTERVAL_MS = 500  # the reach plot redraws at most this often (a new gradient comes every second)
# The shared curves and the cost plot redraw at most this often: four times a
# second is smooth enough for curves under the columns, and each redraw of
# three plots (axes included) is several milliseconds of the GUI thread.
PLOT_INTERVAL_MS = 250
PREFERRED_SIZE = (1400, 900)
MIN_AT_ONCE = 2  # two columns train together even where the cores say one (as comparisons do)


def load_pool(spec, seed: int):
    """Worker thread: the shared samples (plain form) — x, y, DataInfo and, for text, the vocabulary."""
    from engine import datasets
    from engine.training import SAMPLE_LIMIT

    bundle = datasets.load(spec, seed)
    n = min(len(bundle.x_val), SAMPLE_LIMIT)
    return bundle.x_val[:n].numpy().copy(), bundle.y_val[:n].numpy().copy(), bundle.info, bundle.vocab


class LabWindow(QMainWindow):
    closed = Signal()

    def __init__(self, comparison, path: str | None = None, *, in_process: bool = False,
                 open_in_main=None, parent: QWidget | None = None) -> None:
        """``open_in_main(label, experiment, weights, step)``: what "Open in main
        window" does (None: the columns offer no such button)."""
        super().__init__(parent)
        if parent is not None:  # a window of its own over the main window, not a child widget
            self.setWindowFlag(Qt.WindowType.Window, True)
        self.open_in_main = open_in_main
        from engine.lab_file import check_columns

        check_columns(len(comparison.experiments))  # LabError: two to four columns
        self.comparison = comparison
        self.path = path
        self.setObjectName("lab_window")
        self.setWindowTitle(f"{comparison.name} — Lab — CNN-RNN Playground")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self._waiting: list[int] = []  # columns queued by Train all until a core is free
        self._train_epochs: int | None = None

        self.columns: list[LabColumn] = []
        for i, entry in enumerate(comparison.experiments):
            column = LabColumn(i, entry.label, entry.experiment, colour(i), in_process=in_process)
            column.answered.connect(self._show_answer)
            column.changed.connect(self._on_column_changed)
            column.runner.started.connect(lambda info, i=i: self._on_started(i, info))
            column.runner.stepped.connect(lambda batch, i=i: self._on_stepped(i, batch))
            column.runner.epoch_ended.connect(lambda e, i=i: self._on_epoch(i, e))
            column.runner.run_ended.connect(self._flush_plots)  # the last steps drawn at once
            column.runner.run_ended.connect(self._follow)
            column.runner.run_ended.connect(lambda i=i: self._on_run_ended(i))
            column.open_requested.connect(self._open_column)
            column.buttons["open"].setVisible(open_in_main is not None)
            self.columns.append(column)

        self.input = InputStrip()
        self.input.changed.connect(self.feed_input)
        self.answers: list[QLabel] = []
        answers = QHBoxLayout()
        answers.setContentsMargins(4, 0, 4, 0)
        for column in self.columns:
            label = QLabel()
            label.setObjectName(f"answer_{column.index + 1}")
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setWordWrap(True)
            self.answers.append(label)
            answers.addWidget(label, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        for column in self.columns:
            self.splitter.addWidget(column)
        self._make_timeline()

        self.plots = ComparisonPlots([e.label for e in comparison.experiments])
        # One run per column, unless Seeds asks for more (gui/lab/lab_seeds.py).
        self.plots.loss_plot.setTitle("Training loss (smoothed)", color=pal.TEXT, size="11pt")
        self.seeds = LabSeeds(comparison, self.plots, self, in_process=in_process)
        self.seeds.changed.connect(self._update_actions)
        self._seeds_wanted = False  # Train all asked for the other seeds once the columns are done
        self.below = QTabWidget()
        self.below.addTab(self.plots, "Curves")
        self.cost = CostPlot([e.label for e in comparison.experiments], [c.colour for c in self.columns],
                             [c.batch_size for c in self.columns])
        self.below.addTab(self.cost, "Cost")
        self._pending_steps: list[list] = [[] for _ in self.columns]
        self._pending_epochs: list[list] = [[] for _ in self.columns]
        self._plot_timer = QTimer(self)
        self._plot_timer.setSingleShot(True)
        self._plot_timer.setInterval(PLOT_INTERVAL_MS)
        self._plot_timer.timeout.connect(self._flush_plots)
        self._follow_timer = QTimer(self)
        self._follow_timer.setSingleShot(True)
        self._follow_timer.setInterval(PLOT_INTERVAL_MS)
        self._follow_timer.timeout.connect(self._follow)
        self.reach = self._make_reach_plot()
        self._reach_drawn: tuple = ()
        self._reach_timer = QTimer(self)
        self._reach_timer.setSingleShot(True)
        self._reach_timer.setInterval(REACH_INTERVAL_MS)
        self._reach_timer.timeout.connect(self._update_reach)
        if self.reach is not None:
            self.below.addTab(self.reach, "How far back")
            self._update_reach()

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.input)
        top_layout.addLayout(answers)
        top_layout.addWidget(self.splitter, 1)
        top_layout.addLayout(self.timeline_row)
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(top)
        body.addWidget(self.below)
        body.setStretchFactor(0, 2)
        body.setStretchFactor(1, 1)
        self.body = body
        self.setCentralWidget(body)
        self._make_actions()
        self.status = QLabel()
        self.statusBar().addWidget(self.status, 1)
        self._show_all_answers()
        self._update_actions()
        self._fit_to_screen()

        # The shared samples: the first column's data, plain (engine/lab_input.py), off the GUI thread.
        from engine.lab_input import plain_spec

        first = comparison.experiments[0].experiment
        self.source_spec = plain_spec(first.dataset)
        self.pool_task = Task(self)
        self.pool_task.start(load_pool, self.source_spec, first.training.seed, on_returned=self._on_pool,
                             on_errored=lambda exc: self.input.set_failure(str(exc)))

    def _fit_to_screen(self) -> None:
        """1400×900 where the screen has room, less on a smaller one (a 1280×800 laptop)."""
        screen = self.screen()
        free = screen.availableGeometry() if screen is not None else None
        width, height = PREFERRED_SIZE
        if free is not None and free.width() > 900:  # not the offscreen platform's nominal 800×600
            width, height = min(width, free.width() - 40), min(height, free.height() - 60)
        self.resize(width, height)
        self._body_height = height

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._body_height:  # once, when laid out: the columns two thirds, the plots below one
            total = max(self.body.height(), self._body_height - 120)
            self.body.setSizes([total * 7 // 10, total * 3 // 10])
            self._body_height = 0

    # --- actions ----------------------------------------------------------------------
    def _make_actions(self) -> None:
        bar = self.addToolBar("Lab")
        bar.setObjectName("lab_toolbar")
        bar.setMovable(False)
        self.actions_by_name: dict[str, QAction] = {}
        for name, text, keys, tip, slot in (
                ("train", "Train all", "F5", "Train every column (or resume them)", self.train_all),
                ("pause", "Pause all", "F6", "Pause every column", self.pause_all),
                ("step", "Step all", "F10", "Advance every column by the same number of samples", self.step_all),
                ("stop", "Stop all", "Shift+F5", "Stop every column (their weights are kept)", self.stop_all)):
            action = QAction(text, self)
            action.setObjectName(f"lab_{name}")
            action.setShortcut(QKeySequence(keys))
            action.setToolTip(f"{tip} ({keys})")
            action.triggered.connect(slot)
            bar.addAction(action)
            self.actions_by_name[name] = action
        bar.addSeparator()
        from PySide6.QtWidgets import QSpinBox

        self.seeds_spin = QSpinBox()
        self.seeds_spin.setObjectName("lab_seeds")
        self.seeds_spin.setPrefix("Seeds: ")
        self.seeds_spin.setRange(1, 10)
        self.seeds_spin.setToolTip("How many seeds each column trains. The column's own run is the first: its "
                                   "views and answers are that run's. After it, Train all trains the next seeds "
                                   "too, and the curves show each column's mean with its range as a band — one "
                                   "run is one trajectory, another seed can land elsewhere")
        self.seeds_spin.valueChanged.connect(self._set_seeds)
        bar.addWidget(self.seeds_spin)
        bar.addSeparator()
        self.save_action = QAction("Save Lab…", self)
        self.save_action.setObjectName("lab_save")
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_action.setToolTip("Save the lab as a comparison file, with each column's trained weights "
                                    "beside it, to reopen it trained (Ctrl+S)")
        self.save_action.triggered.connect(lambda: self.save_dialog())
        bar.addAction(self.save_action)
        keyboard_reachable(bar)
        close = QAction("Close", self)
        close.setShortcut(QKeySequence.StandardKey.Close)
        close.triggered.connect(self.close)
        self.addAction(close)

    # --- one timeline for all columns -------------------------------------------------------
    def _make_timeline(self) -> None:
        from PySide6.QtWidgets import QPushButton, QSlider

        self.timeline = QSlider(Qt.Orientation.Horizontal)
        self.timeline.setObjectName("lab_timeline")
        self.timeline.setRange(0, 0)
        self.timeline.setToolTip("Scrub every column back to the same number of training samples seen: the "
                                 "answers and the views show each model as it was then")
        self.timeline.sliderMoved.connect(self.scrub_to)
        self.timeline.valueChanged.connect(lambda v: self.timeline.isSliderDown() or self._user_scrub(v))
        self.live_button = QPushButton("Live")
        self.live_button.setToolTip("Follow training again: every column shows its newest weights")
        self.live_button.setCheckable(True)
        self.live_button.setChecked(True)
        self.live_button.clicked.connect(lambda: self.go_live())
        self.timeline_label = QLabel("Timeline: no training yet")
        self.timeline_row = QHBoxLayout()
        self.timeline_row.setContentsMargins(4, 0, 4, 0)
        self.timeline_row.addWidget(QLabel("Timeline:"))
        self.timeline_row.addWidget(self.timeline, 1)
        self.timeline_row.addWidget(self.timeline_label)
        self.timeline_row.addWidget(self.live_button)
        self.scrubbed_to: int | None = None
        self._following = False  # the slider is being moved by the lab, not by the user

    @property
    def samples_seen(self) -> int:
        return max((c.samples_seen for c in self.columns), default=0)

    def scrub_to(self, samples: int) -> None:
        """Every column as it was after ``samples`` training samples."""
        self.scrubbed_to = int(samples)
        self.live_button.setChecked(False)
        for column in self.columns:
            column.show_at(self.scrubbed_to)
        self._show_timeline()

    def go_live(self) -> None:
        self.scrubbed_to = None
        self.live_button.setChecked(True)
        for column in self.columns:
            column.show_at(None)
        self._follow()

    def _user_scrub(self, value: int) -> None:
        if not self._following:  # keyboard or a click on the groove
            self.scrub_to(value)

    def _follow(self) -> None:
        self._following = True
        self.timeline.setRange(0, self.samples_seen)
        if self.scrubbed_to is None:
            self.timeline.setValue(self.samples_seen)
        self._following = False
        self._show_timeline()

    def _show_timeline(self) -> None:
        if self.scrubbed_to is None:
            text = f"live · {self.samples_seen:,} samples" if self.samples_seen else "no training yet"
        else:
            steps = ", ".join(f"{c.label} step {c.shown_step:,}" for c in self.columns)
            text = f"at {self.scrubbed_to:,} samples ({steps})"
        self.timeline_label.setText(text)

    # --- keeping what was learnt -----------------------------------------------------------
    def save_dialog(self) -> bool:
        from PySide6.QtWidgets import QFileDialog

        from engine.presets import PRESETS_DIR

        start = self.path if self.path and Path(self.path).parent != PRESETS_DIR else str(
            Path.home() / f"{_file_stem(self.comparison.name)}.json")
        path, _ = QFileDialog.getSaveFileName(self, "Save lab", start, "Labs and comparisons (*.json)")
        return bool(path) and self.save(path)

    def save(self, path: str) -> bool:
        """The comparison file and each column's weights beside it; a message on failure."""
        from engine.errors import PlaygroundError
        from engine.lab_file import save_lab

        if not path.lower().endswith(".json"):
            path += ".json"
        try:
            save_lab(path, self.comparison, [c.weights for c in self.columns])
        except PlaygroundError as exc:
            QMessageBox.warning(self, "Cannot save the lab", str(exc))
            return False
        self.path = str(Path(path).resolve())
        trained = sum(c.weights is not None for c in self.columns)
        self.statusBar().showMessage(f"Saved {Path(path).name} with the weights of {trained} of "
                                     f"{len(self.columns)} columns", 8000)
        return True

    def _open_column(self, index: int) -> None:
        column = self.columns[index]
        if self.open_in_main is not None:
            self.open_in_main(column.label, column.experiment, column.weights, column.weights_step)

    def slots(self) -> int:
        from engine.threads import parallel_slots

        return max(MIN_AT_ONCE, parallel_slots(keep_for_window=True))

    def _set_seeds(self, count: int) -> None:
        self.seeds.count = count
        title = "Training loss (smoothed; mean and range over seeds)" if count > 1 else "Training loss (smoothed)"
        self.plots.loss_plot.setTitle(title, color=pal.TEXT, size="11pt")

    def train_all(self, epochs: int | None = None) -> None:
        """Every column trains; as many at once as there are slots, the rest in
        turn; then, with Seeds above one, every column's next seeds."""
        self._train_epochs = epochs if isinstance(epochs, int) and not isinstance(epochs, bool) else None
        self._seeds_wanted = self.seeds.count > 1
        active = sum(c.runner.is_active and c.state != "paused" for c in self.columns)
        for column in self.columns:
            if column.runner.is_active:
                column.train()  # resumes a paused one
            elif column.index not in self._waiting:
                self._waiting.append(column.index)
        while self._waiting and active < self.slots():
            self.columns[self._waiting.pop(0)].train(self._train_epochs)
            active += 1
        self._update_actions()

    def pause_all(self) -> None:
        self._waiting.clear()
        for column in self.columns:
            column.pause()

    def step_all(self) -> None:
        """The same number of samples for every column: the largest batch."""
        samples = max(c.batch_size for c in self.columns)
        for column in self.columns:
            column.step(max(1, round(samples / column.batch_size)))

    def stop_all(self) -> None:
        self._waiting.clear()
        self._seeds_wanted = False
        self.seeds.stop()
        for column in self.columns:
            column.stop()
        self._update_actions()

    def _on_started(self, index: int, info) -> None:
        self._pending_steps[index].clear()
        self._pending_epochs[index].clear()
        self.plots.start_experiment(index, info)
        self.cost.start(index)

    def _on_stepped(self, index: int, batch) -> None:
        # Gathered and drawn PLOT_INTERVAL_MS apart: each column's runner ticks ~28
        # times a second, and redrawing two plots per tick per column kept the
        # GUI thread busy enough to slow the training processes.
        self._pending_steps[index].append(batch)
        if not self._plot_timer.isActive():
            self._plot_timer.start()

    def _on_epoch(self, index: int, epoch) -> None:
        # With the steps: a digits model's epochs end ten times a second per column.
        self._pending_epochs[index].append((epoch.epoch, epoch.val_metric))
        if not self._plot_timer.isActive():
            self._plot_timer.start()

    def _flush_plots(self) -> None:
        import numpy as np

        for index, epochs in enumerate(self._pending_epochs):
            self.plots.add_epochs(index, epochs)
            epochs.clear()
        for index, batches in enumerate(self._pending_steps):
            if not batches:
                continue
            steps = np.concatenate([b.steps for b in batches])
            losses = np.concatenate([b.losses for b in batches])
            self.plots.add_steps(index, steps, losses)
            self.cost.add(index, batches[-1])
            batches.clear()
        self.cost.show_costs(sum(c.state in ("running", "starting") for c in self.columns))

    def _on_run_ended(self, index: int) -> None:
        if self._waiting:
            self.columns[self._waiting.pop(0)].train(self._train_epochs)
        elif self._seeds_wanted and not any(c.runner.is_active for c in self.columns):
            self._seeds_wanted = False
            self.seeds.start(self._train_epochs)  # the columns are done: the other seeds, for the bands
        self._update_actions()

    # --- the shared input -------------------------------------------------------------
    def _on_pool(self, result) -> None:
        x, y, info, vocab = result
        self.input.set_pool(x, y, info, vocab)

    def feed_input(self) -> None:
        """The edited sample to every column it fits, as that column's data gives it."""
        from engine.lab_input import adapt, adapt_target, fits

        found = self.input.current()
        for column in self.columns:
            reason = fits(self.source_spec, column.experiment.dataset)
            if found is None or reason:
                column.set_input(None, None, reason)
                continue
            x, y = found
            column.set_input(adapt(x, column.experiment), adapt_target(y, column.experiment))

    def _show_answer(self, index: int) -> None:
        column, label = self.columns[index], self.answers[index]
        head = f"<b style='color:{column.colour}'>{escape(column.label)}</b>: "
        answer = column.answer
        if column.input_reason:
            label.setText(head + "<i>the shared input does not apply</i>")
        elif answer is None:
            label.setText(head + ("<i>not trained yet</i>" if column.weights is None else "<i>…</i>"))
        else:
            mark = {True: f" <span style='color:{pal.GREEN}'>✓</span>",
                    False: f" <span style='color:{pal.RED}'>✗</span>", None: ""}[answer.correct]
            label.setText(head + escape(answer.text) + mark)
        label.setToolTip(f"What {column.label} answers for the shared input, with the step its weights are from "
                         f"(step {column.shown_step:,})" if column.weights is not None else "")

    def _show_all_answers(self) -> None:
        for i in range(len(self.columns)):
            self._show_answer(i)

    # --- below the columns ---------------------------------------------------------------
    def _make_reach_plot(self):
        try:
            from gui.lab.reach_plot import SharedReachPlot
        except ImportError:
            return None
        return SharedReachPlot()

    def _update_reach(self) -> None:
        if self.reach is None:
            return
        self._reach_drawn = tuple(None if c.gradient is None else c.gradient[0] for c in self.columns)
        from gui.lab.reach_plot import ReachColumn

        self.reach.set_columns([ReachColumn(c.label, _rgb(c.colour), c.experiment,
                                            None if c.gradient is None else c.gradient[1],
                                            None if c.gradient is None else c.gradient[0]) for c in self.columns])

    # --- state ----------------------------------------------------------------------------
    def _on_column_changed(self, index: int) -> None:
        self._update_actions()
        # The slider and its readout follow four times a second while columns train (each
        # change of the readout re-laid out the lab: 20 a second took a tenth of its drawing).
        if any(c.runner.is_active for c in self.columns):
            if not self._follow_timer.isActive():
                self._follow_timer.start()
        else:
            self._follow()
        gradients = tuple(None if c.gradient is None else c.gradient[0] for c in self.columns)
        if self.reach is not None and gradients != self._reach_drawn and not self._reach_timer.isActive():
            self._reach_timer.start()  # at most twice a second, whatever the columns send

    def _update_actions(self) -> None:
        states = [c.state for c in self.columns]
        active = [c.runner.is_active for c in self.columns]
        self.actions_by_name["pause"].setEnabled(any(s in ("running", "starting") for s in states))
        self.actions_by_name["stop"].setEnabled(any(active) or bool(self._waiting) or self.seeds.active)
        self.actions_by_name["train"].setEnabled(not all(a and s != "paused" for a, s in zip(active, states,
                                                                                              strict=True)))
        training = sum(s in ("running", "starting") for s in states)
        waiting = len(self._waiting)
        parts = [f"{training} of {len(self.columns)} columns training"]
        if waiting:
            parts.append(f"{waiting} waiting for a free core")
        if hasattr(self, "seeds") and self.seeds.describe():
            parts.append(self.seeds.describe())
        if hasattr(self, "status"):
            self.status.setText(" · ".join(parts))

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        self._waiting.clear()
        self._seeds_wanted = False
        self.pool_task.shutdown(timeout_ms)
        seeds = self.seeds.shutdown(timeout_ms)
        return all([seeds, *(column.shutdown(timeout_ms) for column in self.columns)])

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if any(c.runner.is_active for c in self.columns) or self.seeds.active:
            answer = QMessageBox.question(self, "Close the lab",
                                          "Columns are still training. Stop them and close the lab?")
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self.shutdown()
        self.closed.emit()
        super().closeEvent(event)


def _file_stem(name: str) -> str:
    stem = "".join(ch if ch.isalnum() else "_" for ch in name.lower()).strip("_")
    return stem or "lab"


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
