"""The main window: dockable panels around the live curves, menus, status
bar, and the wiring between the document, the panels and the training runner.

Start-up comes in steps so the window paints at once: the constructor
builds only what needs no torch (docks with placeholders, curves, menus);
the EngineLoader imports torch and the engine on a worker, then
``_on_engine_loaded`` builds the panels and opens the experiment (shapes
pending), and ``_on_engine_warmed_up`` shows the shapes and enables Train.
``ready`` fires then; tests wait for it.

The public surface that tests and scripts use: ``train_action`` and the
other actions (``window_actions``), the panels (``layer_palette``,
``model_stack``, ``layer_properties``, ``dataset_panel``, ``training_panel``,
``curves``), ``document``, ``runner``, ``banner``, ``messages``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QLabel, QMainWindow, QMessageBox, QVBoxLayout, QWidget

from engine.spec import Experiment
from gui.common.style import keyboard_reachable
from gui.explain.menu import ExplainMenu
from gui.explain.registry import ExplainContext
from gui.runs.runs_table import install_runs
from gui.shell.dock_layout import PANEL_DOCKS, VIEW_DOCKS, DockLayout
from gui.shell.engine_loader import EngineLoader, FirstPaint
from gui.shell.gui_garbage_collector import GuiGarbageCollector
from gui.shell.help_text import show_about, show_help
from gui.shell.start_pages import install_gallery, install_tour
from gui.shell.view_text import copy_view_text
from gui.shell.window_actions import WindowActions
from gui.trained.export_actions import ExportActions
from gui.trained.inspection_runner import InspectionRunner
from gui.trained.loaded_weights_views import LoadedWeightsViews
from gui.trained.trained_model_actions import TrainedModelActions
from gui.training.curves import LossCurves
from gui.training.device_fallback import DeviceFallback
from gui.training.run_monitor import RunMonitor
from gui.training.training_runner import IDLE, PAUSED, RUNNING, STARTING, TrainingRunner
from gui.views.catalog import live_view_actions, view_builders
from gui.views.view_hub import ViewHub
from gui.widgets import MessageBanner

APP_NAME = "CNN-RNN Playground"
LOADER_FALLBACK_MS = 1000  # the engine loads even if the window never paints


def finish_dialogs(window: QWidget) -> None:
    """Finish ``window``'s open dialogs the way their Cancel or Close would
    (``done``), before the window goes. A dialog with a worker (a download,
    an image folder being read) stops and waits for it in ``done``; closing
    the window alone reached only ``reject``, which for the download dialog
    means "cancel, stay open": the app quit with the worker still running."""
    for dialog in window.findChildren(QDialog):
        if dialog.isVisible():
            dialog.done(QDialog.DialogCode.Rejected)


FORK_TEXTS = ("The run goes on", "The curves and live views show the last run")


def default_size(window: QWidget):
    """1500×940, or what the screen has room for (on a 1280×800 laptop the
    window ran off the screen, its status bar and the views' tabs with it)."""
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QGuiApplication

    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None or QGuiApplication.platformName() == "offscreen":
        return QSize(1500, 940)  # offscreen's 800×600 "screen" is nobody's: the tests' window as a desktop's
    room = screen.availableGeometry()
    # Leave room for the window manager's title bar and frame.
    return QSize(min(1500, room.width() - 16), min(940, room.height() - 48))


class MainWindow(QMainWindow):
    # Start-up is over: the engine is warm, an experiment is open and every view is built (Train was
    # enabled a little earlier, as soon as the shapes were shown).
    ready = Signal()

    def __init__(self, path: str | None = None, parent: QWidget | None = None, lab_path: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(APP_NAME)
        self.resize(default_size(self))
        self.initial_path = path
        self.initial_lab = lab_path  # main.py --lab COMP.json: opened in the lab once the engine is here
        self.labs = None  # gui.shell.lab_commands.LabCommands
        self.sweeps = None  # gui.shell.sweep_commands.SweepCommands
        self.messages: list[tuple[str, str]] = []  # every message shown, for tests and logs
        self.document = self.files = self.autosave = None
        self.layer_palette = self.model_stack = self.layer_properties = None
        self.dataset_panel = self.training_panel = None
        self.is_ready = False
        self._views_to_build: list = []  # view groups still to build (gui/views/catalog.view_builders)
        self._closing = False
        self._run_learning_rate: float | None = None
        self._fork_shown = False  # the banner says the stack and the running model differ

        self.window_actions = WindowActions(self)
        for name in ("train", "pause", "step", "stop", "reset"):
            setattr(self, f"{name}_action", getattr(self.window_actions, name))
        self.curves = LossCurves()
        self.banner = MessageBanner()
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.addWidget(self.banner)
        central_layout.addWidget(self.curves, 1)
        self.setCentralWidget(central)
        self.dock_layout = DockLayout(self, self.window_actions.training_actions())
        self.docks = self.dock_layout.docks
        self.inspector = InspectionRunner(self)
        self.views = ViewHub(self.inspector, self)
        # Scrubbed back, the views show an earlier step: a dotted line marks it on the curves.
        self.views.shown.connect(lambda snapshot: self.curves.mark_step(
            None if self.views.timeline.live else snapshot.step))
        timeline_bar = self.addToolBar("Timeline")
        timeline_bar.setObjectName("timeline_toolbar")
        timeline_bar.addWidget(self.views.timeline)
        self.removeToolBar(timeline_bar)
        self.addToolBar(Qt.ToolBarArea.BottomToolBarArea, timeline_bar)
        timeline_bar.show()
        live_views = live_view_actions(self, self.docks, VIEW_DOCKS, self.dock_layout.view_shown_by_user)
        self.dock_layout.set_view_actions(live_views)
        self.window_actions.install_menus([self.docks[name].toggleViewAction() for name, _ in PANEL_DOCKS]
                                          + [self.dock_layout.training_bar.toggleViewAction(),
                                             self.dock_layout.float_action],
                                          live_views)
        self._build_status_bar()
        self.runner = TrainingRunner(self)
        self._connect()
        install_gallery(self)  # Help ▸ Examples, and the gallery as the start page
        install_tour(self)  # Help ▸ Guided Tour, and the tour on the first start (after the gallery)
        from gui.shell.lesson_commands import LessonCommands

        self.lessons = LessonCommands(self)  # Help ▸ Lessons: the course through the claims
        self.lessons.install(self.window_actions.help_menu, self.window_actions.tour)
        # Every run kept: the Runs dock, the overlays on the curves.
        self.run_history, self.runs_table = install_runs(self, self.runner, lambda: self.document,
                                                         self.show_message, self.curves)
        self.dock_layout.set_widget("runs", self.runs_table)
        # Trained weights: save/open beside, continue, test the trained model.
        self.trained = TrainedModelActions(
            self, runner=self.runner, train_action=self.train_action, banner=self.banner,
            continue_training=self.continue_training)
        self.trained.install(self.window_actions.file_menu, self.window_actions.after_revert(),
                             self.window_actions.train_menu)
        self.statusBar().addPermanentWidget(self.trained.label)
        # Weights read from a file show in the live views as a run's would.
        self.loaded_views = LoadedWeightsViews(self.trained.weights, self.views, self.runner,
                                               lambda text: self.statusBar().showMessage(text, 8000), self)
        # Explain ▸ the explainers for learners, before Help.
        self.explain = ExplainMenu(ExplainContext(
            self, lambda: self.document, self.trained.weights, self.views, self.runner, self.train_action,
            lambda: getattr(self.dataset_panel, "preview", None)))
        self.explain.install(self.menuBar(), self.window_actions.help_menu.menuAction())
        # File ▸ Export: model source/weights/TorchScript/ONNX, metrics, plots.
        self.exports = ExportActions(
            self, document=lambda: self.document, ready=self.ready, runner=self.runner,
            weights_for=self.trained.weights.weights_for, curves=self.curves, run_history=lambda: self.run_history,
            show_message=self.show_message, status=self.statusBar)
        self.exports.install(self.window_actions.file_menu, self.window_actions.before_quit())
        self.dock_layout.restore()
        self._update_actions()
        self.loader = EngineLoader(self)
        self.loader.loaded.connect(self._on_engine_loaded)
        self.loader.warmed_up.connect(self._on_engine_warmed_up)
        self.loader.failed.connect(self._on_engine_failed)
        # torch's import on the loader's thread holds the interpreter lock for
        # much of a second: started before the first paint, it delayed it.
        self._first_paint = FirstPaint(self, self._start_loader)
        QTimer.singleShot(LOADER_FALLBACK_MS, self._start_loader)  # a window that is never shown

    def _start_loader(self) -> None:
        if not self.loader.started:
            self.loader.start()

    # --- what a user's actions map to ------------------------------------------
    def train(self) -> None:
        if self.train_action.isEnabled():
            self._start_run(paused=False)

    def toggle_pause(self) -> None:
        if self.runner.state == PAUSED:
            self.runner.resume()
        elif self.runner.state in (STARTING, RUNNING):
            self.runner.pause()

    def step(self) -> None:
        """One batch, then paused; from idle this starts a run that way."""
        if not self.step_action.isEnabled():
            return
        if self.runner.is_active:
            self.runner.step()
        else:
            self._start_run(paused=True)

    def stop(self) -> None:
        self.runner.stop()

    def reset(self) -> None:
        """Stop any run and forget it and its weights (after asking, when there
        are trained weights): the next Train starts from fresh weights."""
        if not self.trained.may_reset():
            return
        self.runner.shutdown()
        self.trained.weights.clear()  # after the run's last weights have come in
        self.runner.outcome = ""
        self._forget_shown_run()

    def _forget_shown_run(self) -> None:
        """The curves, progress, banner and views of the last run go (the Runs tab keeps the run)."""
        self.banner.clear()
        self.curves.reset()
        self.views.reset()
        if self.training_panel is not None:
            self.training_panel.clear_progress()
        self.monitor.clear()

    def continue_training(self) -> None:
        """Train on from the trained weights that fit the experiment, not from fresh ones."""
        weights = self.trained.weights.weights_for(self.document.experiment)
        if weights is not None and self.train_action.isEnabled():
            self._start_run(paused=False, initial_weights=weights)

    def _start_run(self, paused: bool, initial_weights: dict | None = None) -> None:
        experiment = self.document.experiment
        info = self.document.analysis().info
        self.banner.clear()
        self._fork_shown = False
        self.curves.reset(metric="accuracy" if info.task == "classification" else "mse",
                          baseline=info.baseline)
        self._run_learning_rate = experiment.training.learning_rate
        self.views.begin_run(experiment)
        self.trained.run_started(continued=initial_weights is not None)
        self.runner.start(experiment, paused=paused, initial_weights=initial_weights)
        self.views.budget = self.runner.gui_budget / 2  # half the window's share for the views

    def edit_name(self):
        """Edit ▸ Name and Description…: a non-modal dialog; OK is one undoable edit."""
        from gui.document.name_dialog import NameDialog

        dialog = NameDialog(self.document, self)
        dialog.open()
        return dialog

    def apply_template(self, kind: str) -> None:
        from gui.builder.templates import stack_for

        info = self.document.analysis().info
        if info is None:
            self.show_message("Cannot build a model", self.document.analysis().problem or "",
                              QMessageBox.Icon.Warning)
            return
        label = {"cnn": "CNN", "rnn": "RNN"}.get(kind, kind)
        self.model_stack.set_layers(stack_for(kind, info), f"New {label} model")

    def show_message(self, title: str, text: str, icon: QMessageBox.Icon = QMessageBox.Icon.Warning) -> None:
        """A window-modal message that does not block the caller (nor tests)."""
        self.messages.append((title, text))
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # --- start-up ---------------------------------------------------------------
    def _on_engine_loaded(self) -> None:
        from gui.builder.layer_palette import LayerPalette
        from gui.builder.layer_properties import LayerProperties
        from gui.builder.model_stack import ModelStack
        from gui.comparison.opener import install_comparison_menu
        from gui.data.dataset_panel import DatasetPanel
        from gui.data.download_dialog import install_download_action
        from gui.document.autosave import Autosave
        from gui.document.crash_recovery import offer_recovery
        from gui.document.document import Document
        from gui.shell.file_commands import FileCommands, default_experiment_and_path
        from gui.shell.file_drop import FileDrop
        from gui.training.training_panel import TrainingPanel

        experiment, default_path = default_experiment_and_path()
        self.document = Document(experiment, default_path, self, shapes_ready=False)
        self.files = FileCommands(self, self.document, self.show_message)
        self.trained.attach(self.document, self.files)
        _, builtin = install_comparison_menu(self, self.files.comparisons)  # File ▸ Open Comparison…, Built-ins
        from gui.shell.lab_commands import LabCommands

        self.labs = LabCommands(self, self.document, self.trained.weights, self.files.comparisons,
                                self.show_message, runs=lambda: self.run_history.records)
        file_actions = self.window_actions.file_menu.actions()
        at = file_actions.index(builtin.menuAction()) + 1
        self.labs.install(self.window_actions.file_menu, file_actions[at] if at < len(file_actions) else None)
        from gui.shell.sweep_commands import SweepCommands

        self.sweeps = SweepCommands(self, self.document, self.trained.weights, self.show_message)
        file_actions = self.window_actions.file_menu.actions()
        at = file_actions.index(self.labs.compare_action) + 1
        self.sweeps.install(self.window_actions.file_menu, file_actions[at] if at < len(file_actions) else None)
        self.files.open_sweep = self.sweeps.open_path  # File ▸ Open, drops, recent files and main.py SWEEP.json
        install_download_action(self, self.document)  # File ▸ Download Data Sets… (MNIST, Fashion-MNIST)
        if self.initial_path is not None:
            self.files.open_path(self.initial_path, note="The default experiment opens instead.")
        if self.initial_lab is not None:
            QTimer.singleShot(0, lambda: self.labs.open_path(self.initial_lab))
        self._connect_document()
        self.autosave = Autosave(self.document, parent=self)
        self.autosave.failed.connect(lambda text: self.statusBar().showMessage(text, 8000))
        # After start-up has finished: the question is modal.
        QTimer.singleShot(0, lambda: offer_recovery(self, self.document, self.autosave, self.show_message))
        self.layer_palette = LayerPalette()
        self.model_stack = ModelStack(self.document)
        self.layer_properties = LayerProperties(self.document)
        self.dataset_panel = DatasetPanel(self.document)
        self.training_panel = TrainingPanel(self.document)
        self.dock_layout.training_bar.addWidget(self.training_panel.strip)
        self.monitor.training_panel = self.training_panel
        for name, widget in (("layers", self.layer_palette), ("model", self.model_stack),
                             ("properties", self.layer_properties), ("data", self.dataset_panel),
                             ("training", self.training_panel)):
            self.dock_layout.set_widget(name, widget)
        self._build_views_in_turn()
        acts = self.window_actions
        self.model_stack.toolbar.addWidget(QLabel(" New: "))
        self.model_stack.toolbar.addActions([acts.new_cnn, acts.new_rnn, acts.new_hybrid])
        self.model_stack.toolbar.addSeparator()
        self.model_stack.toolbar.addActions([acts.duplicate_layer, acts.delete_layer])
        keyboard_reachable(self.model_stack.toolbar)
        self.layer_palette.chosen.connect(self.model_stack.append_layer)
        self.model_stack.selected.connect(self.layer_properties.show_layer)
        self.document.changed.connect(self._on_document_changed)
        self.document.replaced.connect(self._on_document_replaced)
        self._on_document_changed(self.document.experiment)
        FileDrop(self, self.files.open_file)
        if self.loader.is_warm:
            self._on_engine_warmed_up()

    def _on_engine_warmed_up(self) -> None:
        if self.document is None or self.document.shapes_ready:
            return  # the panels are not built yet; _on_engine_loaded comes back here
        self.document.set_shapes_ready()  # shapes shown, Train enabled (the views may still be coming)
        self._finish_start()

    def _finish_start(self) -> None:
        """Ready: Train enabled and every view built."""
        if self.is_ready or self.document is None or not self.document.shapes_ready or self._views_to_build:
            return
        self.is_ready = True
        GuiGarbageCollector.freeze_startup_objects()
        self.statusBar().showMessage("Ready", 3000)
        self.ready.emit()

    def _on_engine_failed(self, message: str) -> None:
        self.show_message("PyTorch could not be loaded", message, QMessageBox.Icon.Critical)
        self.state_label.setText("Engine failed")

    def _build_views_in_turn(self) -> None:
        """The views, one group per turn of the event loop, those on screen
        first: built at once they held the window for half a second after
        PyTorch had loaded, and Train waited for them. A run started before the
        last one is built reaches it as it arrives (ViewHub.add_view)."""
        groups = view_builders(self.inspector)
        on_screen = {name for name, dock in self.docks.items()
                     if dock.isVisible() and not dock.visibleRegion().isEmpty()}
        groups.sort(key=lambda group: not on_screen.intersection(group[0]))  # stable: docks' order otherwise
        self._views_to_build = groups
        QTimer.singleShot(0, self._build_next_views)  # after the shapes, if they are ready: Train first

    def _build_next_views(self) -> None:
        if not self._views_to_build or self._closing:
            return
        _names, build = self._views_to_build.pop(0)
        order = [name for name, _title in VIEW_DOCKS]
        for name, view in build().items():
            view.draw_when_hidden = False  # a view behind another tab costs nothing
            self.dock_layout.set_widget(name, view)
            self.views.add_view(name, view, order)
            # A tab brought to the front draws what it skipped (after layout, so it is on screen).
            self.docks[name].visibilityChanged.connect(
                lambda visible, v=view: visible and QTimer.singleShot(0, v.catch_up))
        if self._views_to_build:
            QTimer.singleShot(0, self._build_next_views)
        else:
            self._finish_start()

    # --- closing ----------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self.files is not None and not self.files.confirm_discard():
            event.ignore()
            return
        self._closing = True  # no more views to build
        if self.files is not None:
            self.files.comparisons.close_all()  # each stops and waits for its runs
        if self.labs is not None:
            self.labs.close_all()
        if self.sweeps is not None:
            self.sweeps.close_all()  # each stops its run and waits for it
        finish_dialogs(self)  # a download or an image import stops and waits for its worker
        # Stop the worker and wait for it: a QThread destroyed while running aborts the process.
        self.runner.shutdown()
        self.inspector.shutdown()
        self.views.shutdown()
        self.trained.shutdown()
        self.loaded_views.shutdown()
        self.exports.shutdown()
        if self.dataset_panel is not None:
            self.dataset_panel.preview.shutdown()
        self.loader.wait()
        if self.autosave is not None:
            self.autosave.close()  # a clean close leaves no copy to recover
        self.dock_layout.save()
        event.accept()

    # --- wiring ---------------------------------------------------------------
    def _build_status_bar(self) -> None:
        self.device_label = QLabel("Device: —")
        self.state_label = QLabel("Loading PyTorch…")
        self.metric_label = QLabel("")
        for label in (self.metric_label, self.state_label, self.device_label):
            label.setContentsMargins(8, 0, 8, 0)
        bar = self.statusBar()
        bar.addPermanentWidget(self.metric_label)
        bar.addPermanentWidget(self.state_label)
        bar.addPermanentWidget(self.device_label)

    def _connect(self) -> None:
        a = self.window_actions
        self.monitor = RunMonitor(self.runner, self.curves, self.banner, self.state_label, self.metric_label,
                                  self.device_label, self.show_message)
        # Failures explained; "Train on CPU" after a GPU one.
        self.monitor.fallback = DeviceFallback(
            self, lambda: self.document, self.banner, self.show_message, self.messages, self.runner, self.train)
        self.runner.state_changed.connect(self._on_runner_state_changed)
        self.runner.started.connect(self.views.on_started)
        self.runner.snapshot_taken.connect(self.views.on_snapshot)
        self.runner.predicted.connect(self.views.on_predictions)
        self.runner.finished.connect(self.views.on_finished)
        self.inspector.failed.connect(
            lambda text: self.statusBar().showMessage(f"Running the model on your input failed: {text}", 8000))
        a.train.triggered.connect(self.train)
        a.pause.triggered.connect(self.toggle_pause)
        a.step.triggered.connect(self.step)
        a.stop.triggered.connect(self.stop)
        a.reset.triggered.connect(self.reset)
        a.new.triggered.connect(lambda: self.files.new())
        a.new_empty.triggered.connect(lambda: self.files.new("empty"))
        a.new_cnn_experiment.triggered.connect(lambda: self.files.new("cnn"))
        a.new_rnn_experiment.triggered.connect(lambda: self.files.new("rnn"))
        a.rename.triggered.connect(self.edit_name)
        a.open.triggered.connect(lambda: self.files.open())
        a.save.triggered.connect(lambda: self.files.save())
        a.save_as.triggered.connect(lambda: self.files.save_as())
        a.quit.triggered.connect(self.close)
        a.delete_layer.triggered.connect(lambda: self.model_stack.remove_selected())
        a.duplicate_layer.triggered.connect(lambda: self.model_stack.duplicate_selected())
        a.new_cnn.triggered.connect(lambda: self.apply_template("cnn"))
        a.new_rnn.triggered.connect(lambda: self.apply_template("rnn"))
        a.new_hybrid.triggered.connect(lambda: self.apply_template("hybrid"))
        a.log_scale.toggled.connect(self.curves.set_log_scale)
        self.curves.log_check.toggled.connect(a.log_scale.setChecked)
        a.reset_layout.triggered.connect(self.dock_layout.arrange)
        a.colour_blind_safe.toggled.connect(self._on_colour_blind_safe_toggled)
        a.copy_view_text.triggered.connect(lambda: copy_view_text(self.views.views.values(), self.curves))
        a.help.triggered.connect(lambda: show_help(self))
        a.about.triggered.connect(lambda: show_about(self))

    def _on_colour_blind_safe_toggled(self, on: bool) -> None:
        from gui.common.palette import set_colour_blind_safe

        set_colour_blind_safe(on)
        self.statusBar().showMessage(("Colour-blind-safe" if on else "The usual") + " colours from the next start "
                                     "(the plots take their colours when they are built)", 8000)

    def _connect_document(self) -> None:
        from gui.document.undo import bind_undo_actions

        a = self.window_actions
        bind_undo_actions(self.document.undo_stack, a.undo, a.redo)
        a.revert.triggered.connect(lambda: self.files.revert())
        a.recent_menu.aboutToShow.connect(lambda: self.files.recent.fill_menu(a.recent_menu))
        a.recent_menu.setEnabled(True)

    def _on_document_replaced(self, _experiment: Experiment) -> None:
        # What is shown belongs to the experiment in the window: another one
        # (New, Open, Revert) forgets the last run's curves and views, unless
        # a run is going on (it goes on with what it started from).
        if not self.runner.is_active:
            self.runner.outcome = ""
            self._forget_shown_run()

    def _on_document_changed(self, experiment: Experiment) -> None:
        # A new learning rate applies to the running run at its next batch;
        # anything else applies to the next run, which the status bar says.
        lr = experiment.training.learning_rate
        if self.runner.is_active and self.runner.experiment is not None:
            if lr != self._run_learning_rate:
                self.runner.set_learning_rate(lr)
                self._run_learning_rate = lr
            running = self.runner.experiment
            if experiment.with_training(learning_rate=lr) != running.with_training(learning_rate=lr):
                self.statusBar().showMessage("This change applies to the next run (the learning rate "
                                             "applies at once).", 5000)
        self._say_whose_views(experiment)
        self.setWindowTitle(f"{self.document.display_name}[*] — {APP_NAME}")
        self.setWindowModified(self.document.dirty)
        if not self.runner.is_active:
            self.device_label.setText(f"Device: {self._resolved_device(experiment.training.device)}")
        self._update_actions()
        self._fit_views()

    def _say_whose_views(self, experiment: Experiment) -> None:
        """The curves and views show a run (running or finished) of the model and
        data it started with; after an edit (or an undo across data sets) that is
        not what the stack shows: say so above the curves and in the timeline."""
        running = self.runner.experiment if self.runner.is_active else None
        shown = running or (self.views.experiment if self.views.run is not None else None)
        forked = shown is not None and (experiment.model, experiment.dataset) != (shown.model, shown.dataset)
        self.views.set_earlier(forked)
        if forked:
            self.banner.show_message(
                "The run goes on with the model and data it started with: the live views show that one. "
                "The model stack shows your edit, which the next run trains (Undo brings the run's back)."
                if running is not None else
                "The curves and live views show the last run, of another model or data set than the one in "
                "the stack: press Train (F5) to train this one (Undo brings the run's back).", "info")
            self._fork_shown = True
        elif self._fork_shown:
            if self.banner.text().startswith(FORK_TEXTS):  # not a failure shown since
                self.banner.clear()
            self._fork_shown = False

    def _on_runner_state_changed(self, state: str) -> None:
        self._update_actions()
        self._fit_views()

    def _fit_views(self) -> None:
        """Hide the live views the model in the window cannot use (an RNN's
        hidden states for a CNN). Not during a run: the views show the running
        model, which an edit does not change."""
        if self.document is None or self.runner.is_active:
            return
        from gui.views.view_fit import view_needs

        self.dock_layout.fit_views(view_needs(self.document.experiment, self.document.analysis().info))

    def _update_actions(self) -> None:
        state = self.runner.state
        analysis = self.document.analysis() if self.document is not None else None
        reason = None
        if analysis is None:
            reason = "PyTorch is still loading…"
        elif not analysis.ok:
            reason = analysis.problem
        editable = self.document is not None
        self.train_action.setEnabled(reason is None and state == IDLE)
        self.train_action.setStatusTip(f"Cannot train: {reason}" if reason
                                       else "Train the model from scratch")
        self.window_actions.pause.setEnabled(state in (STARTING, RUNNING, PAUSED))
        self.window_actions.pause.setText("&Resume" if state == PAUSED else "&Pause")
        self.window_actions.step.setEnabled(reason is None and state in (IDLE, RUNNING, PAUSED))
        self.window_actions.stop.setEnabled(state in (STARTING, RUNNING, PAUSED))
        self.window_actions.reset.setEnabled(editable)
        acts = self.window_actions
        for action in (acts.new, acts.new_empty, acts.new_cnn_experiment, acts.new_rnn_experiment, acts.rename,
                       acts.open, acts.save, acts.save_as, acts.delete_layer, acts.duplicate_layer,
                       acts.new_cnn, acts.new_rnn, acts.new_hybrid):
            action.setEnabled(editable)
        acts.revert.setEnabled(editable and self.document.path is not None and self.document.dirty)
        if self.training_panel is not None:
            # While torch warms up (a few seconds at start) there is nothing to fix: no red text.
            shown = self.document is not None and self.document.shapes_ready
            self.training_panel.set_blocked_reason(reason if state == IDLE and shown else None)
        self.monitor.refresh()
        if self.document is None or not self.document.shapes_ready:
            self.state_label.setText("Loading PyTorch…")

    @staticmethod
    def _resolved_device(name: str) -> str:
        from engine.devices import resolve_device
        from engine.errors import DeviceError

        try:
            resolved = str(resolve_device(name))
        except DeviceError:
            return f"{name} (not available)"
        return resolved if name == resolved else f"{name} → {resolved}"
