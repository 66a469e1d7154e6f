"""Enter in a dialog's path field applies the path instead of pressing the
dialog's default button.

A QLineEdit passes Enter on to its dialog, which presses OK: typing a path
and pressing Enter imported the file before its preview had been seen.
Here Enter applies what was typed (the preview follows) and goes no further;
OK is pressed deliberately."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QLineEdit


class EnterApplies(QObject):
    def __init__(self, edit: QLineEdit, apply: Callable[[], None]) -> None:
        super().__init__(edit)
        self.apply = apply
        edit.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.apply()
            return True
        return False
