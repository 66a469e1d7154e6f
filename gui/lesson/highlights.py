"""Outlines round the controls and views a lesson step talks about: the
tour's outline (gui/gallery/tour.TourHighlight), one per target, re-placed
while the step is shown (docks move, tabs change, the window resizes)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QRect, QTimer
from PySide6.QtWidgets import QWidget

from gui.gallery.tour import TourHighlight

REPLACE_MS = 300


class Highlights(QObject):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self._targets: list[Callable[[], QWidget | None]] = []
        self._outlines: list[TourHighlight] = []
        self._timer = QTimer(self)
        self._timer.setInterval(REPLACE_MS)
        self._timer.timeout.connect(self.place)

    def show(self, targets: list[Callable[[], QWidget | None]]) -> None:
        self.clear()
        self._targets = list(targets)
        self._outlines = [TourHighlight(self.parent_widget) for _ in targets]
        self.place()
        if targets:
            self._timer.start()

    def clear(self) -> None:
        self._timer.stop()
        for outline in self._outlines:
            outline.hide()
            outline.deleteLater()
        self._outlines, self._targets = [], []

    def shown(self) -> list[QWidget]:
        """The targets outlined now (on screen in the window), for tests and descriptions."""
        return [target() for target, outline in zip(self._targets, self._outlines, strict=True)
                if outline.isVisible()]

    def place(self) -> None:
        area = self.parent_widget.rect()
        for target, outline in zip(self._targets, self._outlines, strict=True):
            widget = target()
            if widget is None or not widget.isVisible() or widget.window() is not self.parent_widget.window():
                outline.hide()
                continue
            rect = QRect(widget.mapTo(self.parent_widget, widget.rect().topLeft()), widget.size()).intersected(area)
            if rect.isEmpty() or widget.visibleRegion().isEmpty():
                outline.hide()
                continue
            outline.setGeometry(rect.adjusted(-3, -3, 3, 3))
            outline.show()
            outline.raise_()
