"""The Explain menu: one action per explainer (gui/explain/registry.py).
Each explainer window is built on first use and reused after, so reopening
one keeps what the learner set up in it."""

from __future__ import annotations

import importlib

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QWidget

from gui.explain.registry import EXPLAINERS, Explainer


class ExplainMenu:
    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.windows: dict[str, QWidget] = {}
        self.actions: dict[str, QAction] = {}
        self.menu = QMenu("E&xplain", window)
        for explainer in EXPLAINERS:
            action = QAction(explainer.title, window)
            action.setShortcut(QKeySequence(explainer.shortcut))
            action.setStatusTip(explainer.tip)
            action.setToolTip(explainer.tip)
            action.setObjectName(f"explain_{explainer.key}")
            action.triggered.connect(lambda _=False, e=explainer: self.show(e.key))
            self.menu.addAction(action)
            self.actions[explainer.key] = action
        bar = window.menuBar()
        help_menu = next((a for a in bar.actions() if a.text() == "&Help"), None)
        if help_menu is not None:
            bar.insertMenu(help_menu, self.menu)
        else:
            bar.addMenu(self.menu)

    def show(self, key: str) -> QWidget:
        """Open (or bring forward) the explainer named ``key``."""
        widget = self.windows.get(key)
        if widget is None:
            explainer = _find(key)
            cls = getattr(importlib.import_module(explainer.module), explainer.cls)
            widget = cls(self.window)
            widget.setParent(self.window, Qt.WindowType.Tool)
            widget.setWindowTitle(explainer.title.replace("&", ""))
            self.windows[key] = widget
        widget.show()
        widget.raise_()
        widget.activateWindow()
        return widget


def _find(key: str) -> Explainer:
    return next(e for e in EXPLAINERS if e.key == key)


def install_explain_menu(window: QMainWindow) -> ExplainMenu:
    return ExplainMenu(window)
