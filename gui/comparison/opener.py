"""Opening comparison files: from File ▸ Open (which tells them from
experiments by their "format" field, as the command line does), File ▸ Open
Comparison…, the built-in comparisons menu, and ``python main.py COMP.json``.

Each comparison opens in a window of its own (gui/comparison/panel.py) over
the main window; opening one that is already open brings its window to the
front. Opening a comparison leaves the main window's experiment alone, so it
never asks about unsaved changes. A bad file shows its one-line problem and
opens nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox, QWidget

COMPARISON_FILTER = "Comparisons (*.json);;All files (*)"


def is_comparison(path: str) -> bool:
    from engine.comparison_file import is_comparison_file

    return is_comparison_file(path)


class ComparisonOpener(QObject):
    def __init__(self, window: QWidget, document: object,
                 show_message: Callable[[str, str, QMessageBox.Icon], None],
                 add_recent: Callable[[str], None] | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.document = document
        self.show_message = show_message
        self.add_recent = add_recent
        self.panels: list[QWidget] = []  # the open comparison windows
        # open_lab(comparison, path): the shell sets it; each window then offers "Open as lab".
        self.open_lab: Callable[[object, str | None], object] | None = None

    def open_path(self, path: str) -> bool:
        """Load the comparison at ``path`` and show it in its window."""
        from engine.comparison_file import load_comparison
        from engine.errors import PlaygroundError
        from gui.comparison.panel import ComparisonPanel

        resolved = str(Path(path).resolve())
        for panel in self.panels:
            if panel.path == resolved:
                panel.showNormal()
                panel.raise_()
                panel.activateWindow()
                return True
        try:
            comparison = load_comparison(path)
        except PlaygroundError as exc:
            self.show_message("Cannot open comparison", str(exc), QMessageBox.Icon.Warning)
            return False
        panel = ComparisonPanel(comparison, resolved, self.document, self.window, open_lab=self.open_lab)
        self._record_runs(panel)
        panel.closed.connect(lambda p=panel: self._forget(p))
        self.panels.append(panel)
        panel.show()
        if self.add_recent is not None:
            self.add_recent(str(path))
        return True

    def _record_runs(self, panel: QWidget) -> None:
        """Every run of the session goes into the Runs table, a comparison's too."""
        history = getattr(self.window, "run_history", None)
        if history is None:
            return
        from gui.runs.run_history import RunRecorder

        # The run's runners join its pool when it starts; each records the
        # experiment at the seed it trains.
        panel.run.runner_created.connect(
            lambda runner: RunRecorder(runner, history))

    def choose(self) -> bool:
        """File ▸ Open Comparison…: pick a file, starting in the built-in presets."""
        from engine.presets import PRESETS_DIR

        path, _ = QFileDialog.getOpenFileName(self.window, "Open comparison", str(PRESETS_DIR),
                                              COMPARISON_FILTER)
        if not path:
            return False
        if not is_comparison(path):
            self.show_message("Cannot open comparison", f"{path}: format: not a comparison file (is this an "
                              "experiment? Open it with File ▸ Open)", QMessageBox.Icon.Warning)
            return False
        return self.open_path(path)

    def fill_builtin_menu(self, menu: QMenu) -> None:
        """The built-in comparisons, one entry each (filled when the menu opens:
        listing them reads every file, and new ones appear without a restart)."""
        from engine.presets import list_comparisons

        menu.clear()
        for info in list_comparisons():
            action = menu.addAction(info.name)
            claims = f" (claims {', '.join(info.claims)})" if info.claims else ""
            action.setStatusTip(info.summary + claims)
            action.setToolTip(info.summary + claims)
            action.triggered.connect(lambda _=False, p=str(info.path): self.open_path(p))
        if menu.isEmpty():
            menu.addAction("(none found)").setEnabled(False)

    def close_all(self) -> None:
        """Close every comparison window (stopping its runs); for the main window's close."""
        for panel in list(self.panels):
            panel.close()

    def _forget(self, panel: QWidget) -> None:
        if panel in self.panels:
            self.panels.remove(panel)
            panel.deleteLater()


def install_comparison_menu(window: QMainWindow, opener: ComparisonOpener) -> tuple[QAction, QMenu]:
    """File ▸ Open Comparison… and File ▸ Built-in Comparisons, after Open Recent."""
    file_menu = window.menuBar().actions()[0].menu()
    actions = file_menu.actions()
    anchor = next((a for a in actions if a.menu() is not None), None)  # Open Recent
    after = actions[actions.index(anchor) + 1] if anchor is not None and anchor in actions[:-1] else None
    open_action = QAction("Open &Comparison…", window)
    open_action.setStatusTip("Open a comparison file: two or more experiments trained side by side")
    open_action.triggered.connect(lambda: opener.choose())
    builtin = QMenu("&Built-in Comparisons", window)
    opener.fill_builtin_menu(builtin)
    builtin.aboutToShow.connect(lambda: opener.fill_builtin_menu(builtin))
    file_menu.insertAction(after, open_action)
    file_menu.insertMenu(after, builtin)
    return open_action, builtin
