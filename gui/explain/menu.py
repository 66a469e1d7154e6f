"""The Explain menu: one action per explainer (gui/explain/registry.py).
Each explainer window is built on first use and reused after, so reopening
one keeps what the learner set up in it."""

from __future__ import annotations

import importlib

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QWidget

from gui.explain.registry import EXPLAINERS, ExplainContext, Explainer


class ExplainMenu:
    def __init__(self, context: ExplainContext) -> None:
        self.context = context
        window = context.parent
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

    def install(self, bar: QMenuBar, before: QAction | None) -> None:
        """The Explain menu on ``bar``, before ``before`` (Help's menu action)."""
        if before is not None:
            bar.insertMenu(before, self.menu)
        else:
            bar.addMenu(self.menu)

    def show(self, key: str) -> QWidget:
        """Open (or bring forward) the explainer named ``key``."""
        widget = self.windows.get(key)
        if widget is None:
            explainer = _find(key)
            cls = getattr(importlib.import_module(explainer.module), explainer.cls)
            widget = cls(self.context)
            widget.setParent(self.context.parent, Qt.WindowType.Tool)
            widget.setWindowTitle(explainer.title.replace("&", ""))
            self.windows[key] = widget
        widget.show()
        widget.raise_()
        widget.activateWindow()
        return widget


def _find(key: str) -> Explainer:
    return next(e for e in EXPLAINERS if e.key == key)
