"""The Sweep window: one sweep file as a claim drawn as a curve.

At the top the sweep's description and claims; below, Run (Ctrl+R) and
Stop (Esc), how many trials train at once here (Jobs) or the Dask cluster
they go to (empty: this machine; ``local:2``; ``tcp://host:8786``), and the
progress — trials done, running, waiting, with an ETA. Then the plot — a
curve per experiment for one axis (gui/sweep/curve_plot.py), heat maps for
two (gui/sweep/heat_map.py) — over the table of trials
(gui/sweep/trial_table.py).

The results folder is read when the window opens, so a finished sweep
reopens drawn, without training; Run trains only the trials missing from it
(a stopped sweep resumes). The run itself is engine/sweep_run.run_sweep on
a worker (gui/sweep/sweep_runner.py); its events update the results at once
and the plot and table on a timer, a few times a second, however fast the
trials finish. Closing the window stops the run and waits for it.

Clicking a point (or a heat-map cell, or double-clicking a row) opens that
trial, with its trained weights, in the main window through the
``open_in_main(label, experiment, weights, step)`` it was given; a point of
several seeds opens the seed nearest the point's mean.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QSpinBox,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.common import palette as pal
from gui.sweep.sweep_results import SweepResults
from gui.sweep.sweep_runner import SweepRunner
from gui.sweep.trial_table import TrialTable

REDRAW_MS = 250  # plot and table at most four times a second while trials come in
PREFERRED_SIZE = (1200, 860)
MAX_JOBS = 64
PICTURES = "PNG image (*.png);;SVG drawing (*.svg)"


class SweepWindow(QMainWindow):
    closed = Signal()

    def __init__(self, sweep, path: str | None = None, folder: str | Path | None = None, *,
                 open_in_main=None, parent: QWidget | None = None) -> None:
        """``folder``: the results folder (default: engine.sweep_run.results_folder_for(path))."""
        super().__init__(parent)
        if parent is not None:  # a window of its own over the main window
            self.setWindowFlag(Qt.WindowType.Window, True)
        from engine.sweep_run import results_folder_for

        self.sweep = sweep
        self.path = str(Path(path).resolve()) if path else None
        self.folder = Path(folder) if folder is not None else results_folder_for(path or sweep.source)
        self.open_in_main = open_in_main
        self.messages: list[str] = []  # every problem shown, for tests and logs
        self.results = SweepResults(sweep, self.folder)
        self.results.load()
        self.runner = SweepRunner(self)
        self.runner.evented.connect(self._on_event)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._show_problem)
        self.runner.busy_changed.connect(lambda _busy: self._update_actions())
        self._progress = None  # engine SweepProgress of the run going on
        self._dirty = False
        self.setWindowTitle(f"{sweep.name} — Sweep")
        self._build()
        self._make_actions()
        self.redraw_timer = QTimer(self)
        self.redraw_timer.setInterval(REDRAW_MS)
        self.redraw_timer.timeout.connect(self._redraw_if_dirty)
        self.redraw()
        self._show_idle_progress()
        self._update_actions()
        self._fit_to_screen()

    # --- building -----------------------------------------------------------------------
    def _build(self) -> None:
        from engine.threads import parallel_slots

        sweep = self.sweep
        body = QWidget()
        layout = QVBoxLayout(body)
        claims = "".join(f' <span style="background:{pal.TAG[0]}; color:{pal.TAG[1]}">&nbsp;{escape(c)}&nbsp;</span>'
                         for c in sweep.claims)
        axes = " × ".join(f"{escape(a.title)} ({len(a.values)} values)" for a in sweep.axes)
        self.header = QLabel(f"<b>{escape(sweep.name)}</b>{claims}<br>{escape(sweep.description)}"
                             f'<br><span style="color:{pal.LABEL}">{len(sweep.experiments)} experiment'
                             f"{'s' if len(sweep.experiments) > 1 else ''} ({escape(', '.join(sweep.labels))}) · "
                             f"{axes} · {sweep.seeds.describe()} per point · {sweep.trial_count} trials</span>")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.header)

        controls = QHBoxLayout()
        self.run_button, self.stop_button = QToolButton(), QToolButton()
        controls.addWidget(self.run_button)
        controls.addWidget(self.stop_button)
        controls.addSpacing(12)
        self.jobs = QSpinBox()
        self.jobs.setRange(1, MAX_JOBS)
        self.jobs.setValue(parallel_slots(keep_for_window=True))
        self.jobs.setToolTip("How many trials train at once on this machine, each in a training process of its "
                             "own (default: the cores, less one for this window). Not used on a cluster")
        jobs_label = QLabel("&Jobs:")
        jobs_label.setBuddy(self.jobs)
        controls.addWidget(jobs_label)
        controls.addWidget(self.jobs)
        controls.addSpacing(12)
        self.cluster = QLineEdit()
        self.cluster.setPlaceholderText("this machine")
        self.cluster.setClearButtonEnabled(True)
        self.cluster.setToolTip("Where the trials train: empty for this machine; local:2 for a Dask cluster of 2 "
                                "workers here; tcp://host:8786 for a Dask scheduler (its workers need this app "
                                "installed)")
        self.cluster.setMinimumWidth(220)
        cluster_label = QLabel("&Cluster:")
        cluster_label.setBuddy(self.cluster)
        controls.addWidget(cluster_label)
        controls.addWidget(self.cluster, 1)
        controls.addSpacing(12)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, max(1, len(self.results.trials)))
        self.progress_bar.setToolTip("Trials with a result, of all the sweep's trials")
        self.progress_bar.setMinimumWidth(160)
        controls.addWidget(self.progress_bar, 1)
        layout.addLayout(controls)
        self.progress_label = QLabel()
        self.progress_label.setToolTip("Trials done, running and waiting, and about how long the rest takes")
        self.problem_label = QLabel()
        self.problem_label.setStyleSheet(pal.ERROR_STYLE)
        self.problem_label.setWordWrap(True)
        self.problem_label.hide()
        layout.addWidget(self.progress_label)
        layout.addWidget(self.problem_label)

        self.body = QSplitter(Qt.Orientation.Vertical)
        self.plot = self._make_plot()
        self.plot.setToolTip("Click a point to open that trial (the seed nearest the mean), with its trained "
                             "weights, in the main window")
        self.table = TrialTable(self.results)
        self.table.trial_activated.connect(self.open_trial_index)
        self.body.addWidget(self.plot)
        self.body.addWidget(self.table)
        self.body.setStretchFactor(0, 3)
        self.body.setStretchFactor(1, 2)
        layout.addWidget(self.body, 1)
        self.setCentralWidget(body)
        self.status = QLabel()
        self.statusBar().addPermanentWidget(self.status)

    def _make_plot(self):
        if len(self.sweep.axes) == 1:
            from gui.sweep.curve_plot import CurvePlot

            plot = CurvePlot(self.sweep.labels, self.sweep.axes[0])
            plot.point_clicked.connect(self.open_point)
        else:
            from gui.sweep.heat_map import HeatMaps

            plot = HeatMaps(self.sweep.labels, self.sweep.axes)
            plot.cell_clicked.connect(self.open_point)
        plot.setAccessibleName("Sweep plot")
        return plot

    def _make_actions(self) -> None:
        def action(text: str, shortcut: str, tip: str, slot, name: str) -> QAction:
            a = QAction(text, self)
            a.setObjectName(name)
            if shortcut:
                a.setShortcut(QKeySequence(shortcut))
                a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            a.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
            a.setStatusTip(tip)
            a.triggered.connect(lambda _=False: slot())
            self.addAction(a)
            return a

        self.run_action = action("&Run", "Ctrl+R", "Train the trials that have no result yet (finished ones are "
                                 "kept: a stopped sweep resumes)", self.run, "run")
        self.stop_action = action("&Stop", "Esc", "Stop the sweep: no trial starts, the running ones stop (they "
                                  "train again on the next Run)", self.stop, "stop")
        self.run_button.setDefaultAction(self.run_action)
        self.stop_button.setDefaultAction(self.stop_action)
        self.png_action = action("Plot as &PNG…", "Ctrl+E", "Save the plot as a PNG picture",
                                 lambda: self.export_plot(suffix=".png"), "export_png")
        self.svg_action = action("Plot as &SVG…", "Ctrl+Shift+E", "Save the plot as an SVG drawing",
                                 lambda: self.export_plot(suffix=".svg"), "export_svg")
        self.csv_action = action("Trial Table as &CSV…", "Ctrl+Shift+T", "Save the trial table as CSV, a row per "
                                 "trial", lambda: self.export_table(), "export_csv")
        self.close_action = action("&Close", "Ctrl+W", "Close this sweep (a run stops; finished trials are kept)",
                                   self.close, "close")
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.run_action)
        file_menu.addAction(self.stop_action)
        export = file_menu.addMenu("&Export")
        for a in (self.png_action, self.svg_action, self.csv_action):
            export.addAction(a)
        file_menu.addSeparator()
        file_menu.addAction(self.close_action)

    def _fit_to_screen(self) -> None:
        screen = self.screen()
        free = screen.availableGeometry() if screen is not None else None
        width, height = PREFERRED_SIZE
        if free is not None and free.width() > 900:  # not the offscreen platform's nominal 800×600
            width, height = min(width, free.width() - 40), min(height, free.height() - 60)
        self.resize(width, height)

    # --- running ------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.runner.busy

    def run(self) -> bool:
        """Train the missing trials; False (with one line saying why) when nothing can start."""
        from engine.errors import PlaygroundError
        from engine.sweep_run import SweepProgress, check_cluster

        if self.runner.busy:
            return False
        cluster = self.cluster.text().strip()
        if cluster:
            try:
                check_cluster(cluster)
            except PlaygroundError as exc:
                self._show_problem(str(exc))
                return False
        missing = self.results.missing
        if not missing:
            self._set_status(f"Every trial has a result (in {self.folder}); nothing to train")
            return False
        self.problem_label.hide()
        self._progress = SweepProgress()
        self.runner.start(self.sweep, self.folder, missing, jobs=self.jobs.value(), cluster=cluster or None)
        self.redraw_timer.start()
        self._set_status(f"Training {len(missing)} trials; results go to {self.folder}")
        self._update_actions()
        return True

    def stop(self) -> None:
        if self.runner.busy:
            self.runner.stop()
            self._set_status("Stopping: the running trials stop between batches…")
            self._update_actions()

    def shutdown(self, timeout_ms: int = 30_000) -> None:
        self.redraw_timer.stop()
        self.runner.shutdown(timeout_ms)

    def _on_event(self, event) -> None:
        self.results.take(event)
        if self._progress is not None:
            self._progress.take(event)
        self._dirty = True

    def _on_finished(self, outcome) -> None:
        self.results.run_ended()
        self.redraw_timer.stop()
        self.redraw()
        if outcome is not None:
            failed = len(outcome.failed)
            self._set_status(("Stopped: " if outcome.stopped else "Finished: ")
                             + f"{len(self.results.results)} of {len(self.results.trials)} trials have a result"
                             + (f", {failed} failed (see the table)" if failed else ""))
            if outcome.problems:
                self._show_problem(outcome.problems[0])
        self._progress = None
        self._show_idle_progress()
        self._update_actions()

    def _redraw_if_dirty(self) -> None:
        if self._dirty:
            self.redraw()

    def redraw(self) -> None:
        """Plot, table and progress from the results as they are."""
        self._dirty = False
        self.plot.show(self.results.summary())
        self.table.refresh()
        self.progress_bar.setValue(len(self.results.results))
        if self._progress is not None:
            self.progress_label.setText(self._progress.text())

    def _show_idle_progress(self) -> None:
        done, total = len(self.results.results), len(self.results.trials)
        missing = total - done
        text = f"{done} of {total} trials have a result"
        text += f"; Run trains the {missing} missing" if missing else " — the sweep is complete"
        self.progress_label.setText(text + f" · results in {self.folder}")
        self.progress_bar.setValue(done)
        if self.results.problems:
            self._show_problem(self.results.problems[0])

    def _update_actions(self) -> None:
        busy = self.runner.busy
        self.run_action.setEnabled(not busy)
        self.stop_action.setEnabled(busy and not self.runner.stopping)
        self.jobs.setEnabled(not busy)
        self.cluster.setEnabled(not busy)

    def _show_problem(self, text: str) -> None:
        self.messages.append(text)
        self.problem_label.setText(text)
        self.problem_label.show()
        self._set_status(text.splitlines()[0])

    def _set_status(self, text: str) -> None:
        self.statusBar().showMessage(text, 15_000)

    # --- opening a trial -------------------------------------------------------------------
    def open_point(self, label: str, values) -> bool:
        """The point's seed nearest its mean, in the main window."""
        trial = self.results.representative(label, tuple(values))
        if trial is None:
            self._set_status(f"{label} at {_values_text(self.sweep, values)} has no finished trial yet")
            return False
        seeds = [t for t in self.results.trials_of(label, tuple(values)) if t.index in self.results.results]
        why = f" (the seed nearest the mean of {len(seeds)})" if len(seeds) > 1 else ""
        return self.open_trial(trial, why)

    def open_trial_index(self, index: int) -> bool:
        return self.open_trial(self.results.trials[index])

    def open_trial(self, trial, why: str = "") -> bool:
        from engine.errors import PlaygroundError

        if self.open_in_main is None:
            return False
        if trial.index not in self.results.results:
            self._set_status(f"{trial.describe(self.sweep.axes)} has not trained yet")
            return False
        note = ""
        try:
            weights = self.results.weights(trial)
        except PlaygroundError as exc:
            weights, note = None, f"; its weights could not be read ({exc})"
        if weights is None and not note:
            note = "; no trained weights were kept"
        described = trial.describe(self.sweep.axes)
        experiment = trial.experiment
        if trial.epochs is not None:  # the sweep's own epochs, as the trial trained: Train there trains as long
            experiment = experiment.with_training(epochs=trial.epochs)
        self.open_in_main(described, experiment, weights, self.results.steps(trial))
        self._set_status(f"Opened {described}{why} in the main window{note}")
        return True

    # --- export --------------------------------------------------------------------------
    def _stem(self) -> str:
        return re.sub(r"[^A-Za-z0-9_-]+", "_", self.sweep.name).strip("_") or "sweep"

    def export_plot(self, path: str | None = None, suffix: str = ".png") -> Path | None:
        from gui.sweep.sweep_export import export_picture

        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export plot", f"{self._stem()}{suffix}", PICTURES)
        if not path:
            return None
        try:
            written = export_picture(self.plot, path, self.sweep.name)
        except OSError as exc:
            self._show_problem(str(exc))
            return None
        self._set_status(f"Exported the plot to {written}")
        return written

    def export_table(self, path: str | None = None) -> Path | None:
        from gui.sweep.sweep_export import write_trials_csv

        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export trial table", f"{self._stem()}-trials.csv",
                                                  "CSV table (*.csv);;All files (*)")
        if not path:
            return None
        try:
            written = write_trials_csv(self.results, path)
        except OSError as exc:
            self._show_problem(str(exc))
            return None
        self._set_status(f"Exported {len(self.results.trials)} trials to {written}")
        return written

    # --- closing --------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.shutdown()  # finished trials are already in the results folder; the rest resume next time
        self.closed.emit()
        super().closeEvent(event)


def _values_text(sweep, values) -> str:
    import json

    return ", ".join(f"{a.title}={json.dumps(v)}" for a, v in zip(sweep.axes, values, strict=True))
