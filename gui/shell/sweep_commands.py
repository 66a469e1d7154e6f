"""The main window's ways into sweeps: File ▸ Open Sweep… (Ctrl+Shift+W),
File ▸ Built-in Sweeps, a sweep file opened with File ▸ Open, dropped on
the window or given on the command line (told by its "format") — and back
again: a point, cell or row of a Sweep window opens that trial in the main
window, its experiment in the document (one undoable edit) and its trained
weights in the window, as the lab's "Open in main window" does.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox

from gui.sweep.sweep_opener import SweepOpener


class SweepCommands:
    def __init__(self, window: QMainWindow, document, trained_weights,
                 show_message: Callable[[str, str, QMessageBox.Icon], None]) -> None:
        self.window, self.document, self.trained_weights = window, document, trained_weights
        self.opener = SweepOpener(window, show_message, open_in_main=self.open_in_main)

    def install(self, file_menu: QMenu, before: QAction | None) -> None:
        self.open_action = QAction("Open S&weep…", self.window)
        self.open_action.setObjectName("open_sweep")
        self.open_action.setShortcut(QKeySequence("Ctrl+Shift+W"))
        self.open_action.setStatusTip("Open a sweep file: experiments trained over a range of one or two "
                                      "settings and several seeds, drawn as curves or heat maps")
        self.open_action.triggered.connect(lambda: self.opener.choose())
        self.builtin = QMenu("Built-in S&weeps", self.window)
        self.builtin.setToolTipsVisible(True)
        self.builtin.aboutToShow.connect(lambda: self.opener.fill_builtin_menu(self.builtin))
        file_menu.insertAction(before, self.open_action)
        file_menu.insertMenu(before, self.builtin)

    def open_path(self, path: str) -> bool:
        return self.opener.open_path(path) is not None

    def open_in_main(self, label: str, experiment, weights: dict | None, step: int) -> None:
        self.document.set(experiment, f"Open “{label}” from the sweep")
        if weights is not None:
            self.trained_weights.take_from(experiment, weights, step, f"the sweep's “{label}”")
        self.window.raise_()
        self.window.activateWindow()

    def close_all(self) -> None:
        self.opener.close_all()
