"""File ▸ Open Recent: the last experiments opened or saved, newest first,
kept in the app's settings. Files that no longer exist are dropped whenever
the list is read, so the menu never offers a dead entry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMenu

from gui.common.settings import app_settings

KEY = "recent_files"
MAX_RECENT = 10


class RecentFiles(QObject):
    def __init__(self, open_path: Callable[[str], object], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._open_path = open_path

    def paths(self) -> list[str]:
        """The existing recent files, newest first (the missing ones are forgotten)."""
        stored = app_settings().value(KEY, [])
        # An INI file gives back a one-item list as a plain string, and no list as None.
        stored = [stored] if isinstance(stored, str) else list(stored or [])
        existing = [path for path in stored if isinstance(path, str) and Path(path).is_file()]
        if existing != stored:
            self._store(existing)
        return existing

    def add(self, path: str) -> None:
        path = str(Path(path).resolve())
        self._store([path] + [p for p in self.paths() if p != path])

    def clear(self) -> None:
        self._store([])

    def fill_menu(self, menu: QMenu) -> None:
        """Rebuild ``menu`` (connected to its aboutToShow): one entry per file, then Clear."""
        menu.clear()
        paths = self.paths()
        for number, path in enumerate(paths, 1):
            name = Path(path).name.replace("&", "&&")  # a literal & in a file name, not a mnemonic
            action = menu.addAction(f"&{number} {name}" if number < 10 else f"1&0 {name}")
            action.setStatusTip(path)
            action.setToolTip(path)
            action.triggered.connect(lambda _=False, p=path: self._open_path(p))
        if not paths:
            menu.addAction("No recent files").setEnabled(False)
        menu.addSeparator()
        clear = menu.addAction("&Clear list")
        clear.setEnabled(bool(paths))
        clear.triggered.connect(self.clear)

    @staticmethod
    def _store(paths: list[str]) -> None:
        settings = app_settings()
        settings.setValue(KEY, paths[:MAX_RECENT])
        settings.sync()
