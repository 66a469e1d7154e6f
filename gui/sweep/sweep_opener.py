"""Opening sweep files, each in a Sweep window of its own over the main
window: from File ▸ Open Sweep…, the Built-in Sweeps menu, File ▸ Open (a
sweep is told by its "format"), and ``python main.py SWEEP.json``.

Opening one already open brings its window to the front. A file that is not
a valid sweep shows its one-line problem (a bad trial is named with its
settings) and opens nothing; the main window is left alone either way.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

SWEEP_FILTER = "Sweeps (*.json);;All files (*)"


def is_sweep(path: str) -> bool:
    from engine.sweep_file import is_sweep_file

    return is_sweep_file(path)


class SweepOpener(QObject):
    def __init__(self, window: QWidget, show_message: Callable[[str, str, QMessageBox.Icon], None],
                 open_in_main: Callable[[str, object, dict | None, int], None] | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.show_message = show_message
        self.open_in_main = open_in_main
        self.windows: list[QWidget] = []

    def open_path(self, path: str) -> QWidget | None:
        from engine.errors import PlaygroundError
        from engine.sweep_file import load_sweep
        from gui.sweep.sweep_window import SweepWindow

        resolved = str(Path(path).resolve())
        for window in self.windows:
            if window.path == resolved:
                window.showNormal()
                window.raise_()
                window.activateWindow()
                return window
        try:
            sweep = load_sweep(path)
            window = SweepWindow(sweep, resolved, open_in_main=self.open_in_main, parent=self.window)
        except PlaygroundError as exc:
            self.show_message("Cannot open sweep", str(exc), QMessageBox.Icon.Warning)
            return None
        window.closed.connect(lambda w=window: self._forget(w))
        self.windows.append(window)
        window.show()
        window.raise_()
        return window

    def choose(self) -> QWidget | None:
        """File ▸ Open Sweep…: pick a file, starting in the built-in sweeps."""
        from engine.preset_paths import SWEEPS_DIR

        start = SWEEPS_DIR if SWEEPS_DIR.is_dir() else SWEEPS_DIR.parent
        path, _ = QFileDialog.getOpenFileName(self.window, "Open sweep", str(start), SWEEP_FILTER)
        return self.open_path(path) if path else None

    def fill_builtin_menu(self, menu: QMenu) -> None:
        """The built-in sweeps, one entry each (filled when the menu opens)."""
        from engine.presets import list_sweeps

        menu.clear()
        for info in list_sweeps():
            action = menu.addAction(info.name)
            claims = f" (claims {', '.join(info.claims)})" if info.claims else ""
            action.setStatusTip(info.summary + claims)
            action.setToolTip(info.summary + claims)
            action.triggered.connect(lambda _=False, p=str(info.path): self.open_path(p))
        if menu.isEmpty():
            menu.addAction("(none found)").setEnabled(False)

    def close_all(self) -> None:
        """For the main window's close: every sweep stops its run and closes."""
        for window in list(self.windows):
            window.close()

    def _forget(self, window: QWidget) -> None:
        if window in self.windows:
            self.windows.remove(window)
            window.deleteLater()
