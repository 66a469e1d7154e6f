"""What a running lesson is given of the window (gui/shell/lesson_commands.py
builds it): the document, a way to find a control or a view by its lesson
name (engine/lesson_targets.py), the file opener, and the signals that tell
a step it has been done. Not the window itself: the overlay parent only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import SignalInstance
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QWidget


@dataclass
class LessonContext:
    overlay_parent: QWidget  # where the highlight outlines are drawn (the window's area)
    document: object  # gui.document.document.Document
    widget_for: Callable[[str], QWidget | None]  # a control's or view's widget, by lesson name
    lock_widgets: Callable[[str], list[QWidget]]  # what a lock disables
    # (path, ask about unsaved changes first, the label of an experiment inside a comparison or None)
    open_file: Callable[[str, bool, str | None], bool]
    run_ended: SignalInstance  # a RunRecord, whatever the ending
    tests_done: SignalInstance  # a list of engine.model_tests.ModelTestResult
    timeline_scrubbed: SignalInstance
    view_docks: dict[str, QDockWidget] = field(default_factory=dict)
    explainer_actions: dict[str, QAction] = field(default_factory=dict)
    status: Callable[[str], None] = lambda text: None
