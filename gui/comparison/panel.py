"""The Comparison window: one comparison file's experiments trained side by
side (gui/comparison/run.py), their curves overlaid live
(gui/comparison/plots.py) and, at the end, the comparison table and the
verdict (gui/comparison/results.py).

A window of its own rather than a dock: a comparison is a separate task
from editing the experiment in the main window, and both stay usable at
once. Its runners are its own, so the main window can train meanwhile;
closing this window stops its runs (and waits for them, as the main
window does). "Open in window" on a row puts that experiment into the main
document as one undoable edit, to look at it with the live views.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.common import palette as pal
from gui.common.style import subdued
from gui.comparison import run as cr
from gui.comparison.export import ComparisonExport
from gui.comparison.plots import ComparisonPlots, colour
from gui.comparison.results import ComparisonResults, swatch

COLUMNS = ("experiment", "model", "epochs", "progress", "status", "")
LABEL, MODEL, EPOCHS, PROGRESS, STATUS, OPEN = range(len(COLUMNS))
ERROR_COLOUR = pal.ERROR
MAX_EPOCHS = 10_000  # as the command line's --epochs


class ComparisonPanel(QWidget):
    closed = Signal()

    def __init__(self, comparison: object, path: str | None = None, document: object | None = None,
                 parent: QWidget | None = None, *, in_process: bool = False, open_lab=None) -> None:
        """``open_lab(comparison, path)``: what "Open as lab" does (None: no such button)."""
        super().__init__(parent, Qt.WindowType.Window)
        from engine.comparison_table import model_kind

        self.comparison = comparison
        self.path = path
        self.document = document  # gui.document.document.Document of the main window, or None
        self.setWindowTitle(f"Comparison: {comparison.name}")
        self.resize(1180, 900)
        self.run = cr.ComparisonRun(comparison, self, in_process=in_process)
        self.colours = {e.label: colour(i) for i, e in enumerate(comparison.experiments)}

        title = QLabel(comparison.name)
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        title.setFont(font)
        title.setWordWrap(True)
        claims = f" · claims {', '.join(comparison.claims)}" if comparison.claims else ""
        where = f" · {Path(path).name}" if path else ""
        facts = subdued(QLabel(f"{len(comparison.experiments)} experiments on the data set "
                               f"“{comparison.dataset}”{claims}{where}"))
        facts.setWordWrap(True)
        facts.setToolTip(path or "")
        description = QLabel(comparison.description)
        description.setWordWrap(True)
        description.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.experiments = QTableWidget(len(comparison.experiments), len(COLUMNS))
        self.experiments.setToolTip("The experiments of this comparison and how far each has got")
        self.experiments.setWhatsThis("<b>Experiments</b><p>Each row is one experiment: the same data, a "
                                      "different model. Run them and watch their curves side by side; "
                                      "<i>Open in window</i> puts one in the main window to look inside "
                                      "it with the live views.</p>")
        self.experiments.setHorizontalHeaderLabels(list(COLUMNS))
        self.experiments.verticalHeader().hide()
        self.experiments.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.experiments.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.experiments.setWordWrap(True)
        self.progress_bars: list[QProgressBar] = []
        self.open_buttons: list[QPushButton] = []
        for i, entry in enumerate(comparison.experiments):
            label = QTableWidgetItem(entry.label)
            label.setIcon(swatch(colour(i)))
            label.setToolTip(entry.experiment.name)
            self.experiments.setItem(i, LABEL, label)
            self.experiments.setItem(i, MODEL, QTableWidgetItem(model_kind(entry.experiment.model)))
            self.experiments.setItem(i, EPOCHS, QTableWidgetItem(str(entry.experiment.training.epochs)))
            self.experiments.setItem(i, STATUS, QTableWidgetItem(""))
            bar = QProgressBar()
            bar.setTextVisible(True)
            self.progress_bars.append(bar)
            self.experiments.setCellWidget(i, PROGRESS, bar)
            button = QPushButton("Open in window")
            button.setToolTip(f"Put “{entry.label}” in the main window's document, to inspect it with the "
                              "live views (Edit ▸ Undo brings back the experiment that was there)")
            button.clicked.connect(lambda _=False, index=i: self.open_experiment(index))
            button.setEnabled(document is not None)
            self.open_buttons.append(button)
            self.experiments.setCellWidget(i, OPEN, button)
        header = self.experiments.horizontalHeader()
        for col in (LABEL, MODEL, EPOCHS, OPEN):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(PROGRESS, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(PROGRESS, 180)
        header.setSectionResizeMode(STATUS, QHeaderView.ResizeMode.Stretch)
        self.experiments.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)
        self.experiments.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.in_turn = QRadioButton("In turn")
        self.in_turn.setToolTip("One experiment after the other: each has the processor to itself, so "
                                "times per epoch and samples/s compare fairly")
        self.in_parallel = QRadioButton("In parallel")
        self.in_parallel.setToolTip("Several runs at once (one per core beside the window's, at least two), each in "
                                    "its own process: done sooner, with the same numbers, but they share the "
                                    "processor, so timings are not comparable")
        self.in_turn.setChecked(True)
        self.mode = QButtonGroup(self)
        self.mode.addButton(self.in_turn)
        self.mode.addButton(self.in_parallel)
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(0, MAX_EPOCHS)
        self.epochs_spin.setSpecialValueText("as in each file")
        self.epochs_spin.setToolTip("Train every experiment for this many epochs instead of its own number")
        from engine.seeds import MAX_SEEDS

        self.seeds_spin = QSpinBox()
        self.seeds_spin.setRange(1, MAX_SEEDS)
        self.seeds_spin.setValue(len(comparison.seeds))
        self.seeds_spin.setAccessibleName("Seeds")
        self.seeds_spin.setToolTip("Train every experiment this many times, each with its own seed (its file's "
                                   "seed and the next ones). One run is one trajectory: another seed can land "
                                   "elsewhere, so the table shows the mean and the range over the seeds, and the "
                                   "verdict names a winner only when the ranges do not overlap")
        self.seeds_spin.setWhatsThis("<b>Seeds</b><p>How many times each experiment trains, each time from other "
                                     "initial weights, data and batch order. A difference that shows at one seed "
                                     "and not at the next is not a difference: the verdict names a winner only "
                                     "when its worst seed beats the other's best.</p>")
        self.run_button = QPushButton("Run comparison")
        self.run_button.setToolTip("Train every experiment of this comparison and compare them at the end")
        self.run_button.setDefault(True)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop the running experiment; the ones after it do not run")
        self.run_button.clicked.connect(lambda: self.start())
        self.stop_button.clicked.connect(self.stop)
        self.epochs_spin.valueChanged.connect(self._show_epochs)
        self.seeds_spin.valueChanged.connect(lambda _: self._show_all_rows())
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Train:"))
        controls.addWidget(self.in_turn)
        controls.addWidget(self.in_parallel)
        controls.addSpacing(16)
        controls.addWidget(QLabel("Epochs:"))
        controls.addWidget(self.epochs_spin)
        controls.addSpacing(16)
        controls.addWidget(QLabel("Seeds:"))
        controls.addWidget(self.seeds_spin)
        controls.addStretch(1)
        controls.addWidget(self.run_button)
        controls.addWidget(self.stop_button)
        self.export = ComparisonExport(self)
        controls.addWidget(self.export.button)
        self.lab_button = QPushButton("Open as lab")
        self.lab_button.setObjectName("open_as_lab")
        self.lab_button.setToolTip("Train these experiments side by side in the lab, and look inside each on one "
                                   "shared input (two to four experiments)")
        self.lab_button.clicked.connect(lambda: open_lab(self.comparison, self.path))
        self.lab_button.setVisible(open_lab is not None)
        self.lab_button.setEnabled(2 <= len(comparison.experiments) <= 4)
        if not self.lab_button.isEnabled():
            self.lab_button.setToolTip("The lab holds two to four experiments; this comparison has "
                                       f"{len(comparison.experiments)}")
        controls.addWidget(self.lab_button)

        self.plots = ComparisonPlots(comparison.labels)
        self.results = ComparisonResults()

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(facts)
        layout.addWidget(description)
        layout.addWidget(self.experiments)
        layout.addLayout(controls)
        layout.addWidget(self.plots, 1)
        layout.addWidget(self.results)

        self.run.run_started.connect(self._on_run_started)
        self.run.stepped.connect(self._on_stepped)
        self.run.epoch_ended.connect(self._on_epoch_ended)
        self.run.changed.connect(self._show_row)
        self.run.completed.connect(self._on_completed)
        for i in range(len(comparison.experiments)):
            self._show_row(i)
        self._update_buttons()

    # --- what the user does -------------------------------------------------------
    def start(self, parallel: bool | None = None, epochs: int | None = None, seeds: int | None = None) -> None:
        """Run the comparison; arguments override the window's choices (and set them)."""
        if self.run.is_active:
            return
        if parallel is not None:
            (self.in_parallel if parallel else self.in_turn).setChecked(True)
        if epochs is not None:
            self.epochs_spin.setValue(epochs)
        if seeds is not None:
            self.seeds_spin.setValue(seeds)
        self.plots.reset()
        self.results.clear()
        self.run.start(self.in_parallel.isChecked(), self.epochs_spin.value() or None, self.seeds_spin.value())
        self._update_buttons()

    def stop(self) -> None:
        self.run.stop()
        self._update_buttons()

    def open_experiment(self, index: int) -> None:
        """Put experiment ``index`` in the main document (one undoable step)."""
        if self.document is None:
            return
        entry = self.comparison.experiments[index]
        self.document.set(entry.experiment, f"Open “{entry.label}” from the comparison")
        window = self.parentWidget()
        if window is not None:
            window.raise_()
            window.activateWindow()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        # Stop and wait: a runner's worker must not outlive the window.
        self.run.shutdown()
        self.closed.emit()
        event.accept()

    # --- what the runs report -------------------------------------------------------
    def _on_run_started(self, index: int, seed: int, info: object) -> None:
        self.plots.start_experiment(index, info, seed)
        self.progress_bars[index].setRange(0, max(1, self.run.runs[index].total_steps))

    def _on_stepped(self, index: int, seed: int, batch: object) -> None:
        self.plots.add_steps(index, batch.steps, batch.losses, seed)
        self.progress_bars[index].setValue(self.run.runs[index].last_step)

    def _on_epoch_ended(self, index: int, seed: int, epoch: object) -> None:
        self.plots.add_epoch(index, epoch.epoch, epoch.val_metric, seed)

    def _on_completed(self, result: object) -> None:
        missing = [f"{r.label}: {self._status(r)}" for r in self.run.runs if not r.compared]
        self.results.show_result(result, self.colours, missing)
        self._update_buttons()

    def _show_row(self, index: int) -> None:
        run = self.run.runs[index]
        item = self.experiments.item(index, STATUS)
        text = self._status(run)
        item.setText(text)
        item.setToolTip(text)
        bad = run.state in (cr.FAILED, cr.DIVERGED) or (run.state == cr.STOPPED and not run.compared)
        item.setForeground(QColor(ERROR_COLOUR) if bad else self.experiments.palette().text().color())
        bar = self.progress_bars[index]
        if run.state == cr.WAITING:
            bar.setRange(0, 1)
            bar.setValue(0)
            bar.setFormat("waiting" if self.run.is_active else "")
        elif run.state in cr.ENDED:
            bar.setFormat(f"{run.last_step} steps" if run.last_step else "–")
            if run.state == cr.FINISHED:
                bar.setValue(bar.maximum())
        else:
            bar.setRange(0, max(1, run.total_steps))
            bar.setValue(run.last_step)
            bar.setFormat("%p%")
        self.experiments.resizeRowToContents(index)
        self._update_buttons()

    def _status(self, run: cr.ExperimentRun) -> str:
        """One line for the row: where its seeds are, or how they ended and why."""
        from engine.verdict import format_metric, with_range

        info = run.info
        metric = "val accuracy" if info is None or info.metric == "accuracy" else "val MSE"
        key = metric.replace(" ", "_")
        n = len(run.seeds)
        done = [s for s in run.seeds if s.compared]
        values = [s.last_epoch.val_metric for s in done if s.last_epoch is not None]
        score = f"{metric} {with_range(key, sum(values) / len(values), min(values), max(values))}" if values else ""
        over = f" over {len(values)} seeds" if len(values) > 1 else ""
        epochs_of = max((s.last_epoch.epoch for s in done if s.last_epoch is not None), default=0)
        state = run.state
        if state == cr.WAITING:
            return "waiting for its turn" if self.run.is_active else ""
        if state == cr.RUNNING:
            current = run.current
            if current is None:
                return f"{sum(s.state in cr.ENDED for s in run.seeds)} of {n} seeds done, waiting for the next"
            where = f"seed {current.seed} ({run.seeds.index(current) + 1} of {n}) · " if n > 1 else ""
            if current.info is None:
                return f"{where}starting…"
            epoch, total = current.last_epoch, current.info.epochs
            now = f"{metric} {format_metric(key, epoch.val_metric)}" if epoch else ""
            return (f"{where}epoch {min((epoch.epoch if epoch else 0) + 1, total)} of {total}"
                    + (f" · {now}" if now else ""))
        if state == cr.STOPPING:
            return "stopping…"
        problems = f" — {run.reason}" if run.reason and done else ""
        if state == cr.FINISHED and score:
            return f"finished: {score}{over} after {epochs_of} epoch{'s' if epochs_of != 1 else ''}{problems}"
        if state == cr.STOPPED:
            if not done:
                return f"stopped: {run.reason}"
            return f"stopped: {score}{over} ({len(done)} of {n} seeds compared){problems}"
        if state == cr.DIVERGED:
            return f"diverged: {run.reason}"
        if state == cr.FAILED:
            return f"failed: {run.reason}"
        return run.reason or state  # not run

    def _show_all_rows(self) -> None:
        self.run.set_seed_count(self.seeds_spin.value())
        for i in range(len(self.run.runs)):
            self._show_row(i)

    def _show_epochs(self, value: int) -> None:
        for i, entry in enumerate(self.comparison.experiments):
            self.experiments.item(i, EPOCHS).setText(str(value or entry.experiment.training.epochs))

    def _update_buttons(self) -> None:
        active = self.run.is_active
        self.run_button.setEnabled(not active)
        self.stop_button.setEnabled(active)
        for widget in (self.in_turn, self.in_parallel, self.epochs_spin, self.seeds_spin):
            widget.setEnabled(not active)
