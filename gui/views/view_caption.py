"""The one-line caption under a live view's bar, which also says what the
view shows for its description (gui/common/described.py).

Hover read-outs ("Filter 3 · weight +0.41") and export notes go through
``note``: they show in the same place but are not what the view shows, so
the description keeps the caption the drawing set."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel


class ViewCaption(QLabel):
    def __init__(self, text: str, changed: Callable[[], None] = lambda: None) -> None:
        super().__init__(text)
        self.drawn = text  # the caption the view's drawing set, without hover read-outs
        self._changed = changed

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        super().setText(text)
        if text != self.drawn:
            self.drawn = text
            self._changed()

    def note(self, text: str) -> None:
        """Show ``text`` for now (a hover read-out), leaving ``drawn`` as it was."""
        super().setText(text)
