"""Help ▸ Lessons (Ctrl+Shift+G) and the gallery's Lessons button: the lesson
panel in a dock of its own, and the window's side of a lesson — what each
lesson name (engine/lesson_targets.py) is in this window, what a lock
disables, and the signals that complete a step (gui/lesson/ knows nothing
of the window but this)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QScrollArea, QWidget

from gui.shell.dock_layout import VIEW_DOCKS, keyboard_title_bar

SHORTCUT = "Ctrl+Shift+G"


class LessonCommands:
    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.dock: QDockWidget | None = None
        self.panel = None
        self.driver = None
        self.action = QAction("&Lessons…", window)
        self.action.setShortcut(QKeySequence(SHORTCUT))
        self.action.setStatusTip("A guided course through the claims: each lesson asks for your prediction, "
                                 "then you run it and see (Ctrl+Shift+G)")
        self.action.setObjectName("lessons")
        self.action.triggered.connect(lambda: self.show())
        window.addAction(self.action)

    def install(self, help_menu, after: QAction) -> None:
        actions = help_menu.actions()
        at = actions.index(after) + 1 if after in actions else len(actions)
        help_menu.insertAction(actions[at] if at < len(actions) else None, self.action)

    def show(self, path: str | None = None):
        """The lesson dock (built on first use), on the lesson last open or ``path``."""
        w = self.window
        if getattr(w, "files", None) is None or getattr(w, "training_panel", None) is None:
            w.statusBar().showMessage("Lessons open once PyTorch has loaded.", 5000)
            return None
        if self.dock is None:
            self._build()
        # The right column runs the window's whole height while a lesson is open (the views' strip
        # gives up its corner): a lesson is read, and the column's top half is not enough for it.
        w.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.dock.show()
        self.dock.raise_()
        from gui.lesson.progress import current_lesson

        wanted = path or (None if self.driver.running else current_lesson())
        if wanted is None and not self.driver.running and self.panel.lessons:
            wanted = str(self.panel.lessons[0].source)
        if wanted is not None and (not self.driver.running or path is not None):
            self.panel.open_lesson(wanted)
        self.panel.next_button.setFocus(Qt.FocusReason.OtherFocusReason)
        return self.panel

    def _build(self) -> None:
        from engine.presets import list_lessons
        from gui.lesson.context import LessonContext
        from gui.lesson.driver import LessonDriver
        from gui.lesson.panel import LessonPanel

        w = self.window
        context = LessonContext(
            overlay_parent=w, document=w.document, widget_for=self.widget_for, lock_widgets=self.lock_widgets,
            open_file=self._open,
            run_ended=w.run_history.added, tests_done=w.trained.model_tests.finished_results,
            timeline_scrubbed=w.views.timeline.scrubbed,
            view_docks={name: w.docks[name] for name, _ in VIEW_DOCKS},
            explainer_actions=dict(w.explain.actions),
            status=lambda text: w.statusBar().showMessage(text, 8000))
        self.driver = LessonDriver(context, w)
        self.panel = LessonPanel(self.driver, list_lessons())
        self.dock = QDockWidget("Lesson", w)
        self.dock.setObjectName("lesson_dock")
        keyboard_title_bar(self.dock)  # Float and Close by Tab, as every other dock
        # Scrolls rather than clips: a revealed prediction's reason is long, and the dock shares its column.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.panel)
        self.dock.setWidget(scroll)
        self.dock.setMinimumWidth(340)
        scroll.setMinimumHeight(300)
        w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        # Most of the right column: the lesson is read, Training's settings only glanced at.
        training = getattr(w, "docks", {}).get("training")
        if training is not None and w.dockWidgetArea(training) == Qt.DockWidgetArea.RightDockWidgetArea:
            w.resizeDocks([training, self.dock], [1, 2], Qt.Orientation.Vertical)
        # Closing the dock leaves the lesson (its place is kept): the outlines and locks go with it.
        self.dock.visibilityChanged.connect(self._on_visibility)

    def _open(self, path: str, ask: bool, entry: str | None = None) -> bool:
        """A step's ``open``: a file, or the experiment labelled ``entry`` inside a comparison."""
        files = self.window.files
        if entry is None:
            return bool(files.open_file(path) if ask else files.open_path(path))
        from engine.comparison_file import load_comparison
        from engine.errors import PlaygroundError

        try:
            experiment = next(e.experiment for e in load_comparison(path).experiments if e.label == entry)
        except (PlaygroundError, StopIteration) as exc:  # checked when the lesson loaded; changed since
            self.window.statusBar().showMessage(f"The lesson's experiment {entry!r} cannot open: {exc}", 8000)
            return False
        return files.open_experiment(experiment, ask)

    def _on_visibility(self, visible: bool) -> None:
        if not visible and self.dock is not None and self.dock.isHidden():
            self.window.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
            if self.driver.running:
                self.driver.stop()

    # --- what the lesson names are in this window --------------------------------
    def widget_for(self, name: str) -> QWidget | None:
        w = self.window
        acts = w.window_actions
        if name in ("train", "pause", "step", "stop", "reset"):
            return w.dock_layout.training_bar.widgetForAction(getattr(acts, name))
        if name in ("layers", "model", "properties", "data", "training", "runs") or name in w.docks:
            return w.docks.get(name)
        panel = w.training_panel
        if panel is not None and name in panel.form.values():
            return panel.form.editor(name)
        if name == "dataset":
            return w.dataset_panel.combo
        if name == "dataset_options":
            return w.dataset_panel.options_box
        if name == "curves":
            return w.curves
        if name == "timeline":
            return w.views.timeline
        if name in ("explain_menu", "test_menu"):
            return w.menuBar()
        return None

    def lock_widgets(self, name: str) -> list[QWidget]:
        w = self.window
        if name in ("layers", "model", "properties"):
            # The stack's own toolbar holds New CNN/RNN: the dock's widget covers it.
            return [w.docks[name].widget()]
        if name in ("data", "dataset"):
            return [w.dataset_panel]
        if name == "dataset_options":
            return [w.dataset_panel.options_box]
        if name == "training":
            return [w.training_panel]
        widget = self.widget_for(name)
        return [widget] if widget is not None else []
