"""Number fields leave Space to the window.

A number has no spaces, yet a focused spin box claimed the key: pressing
Space (the window's Pause/Resume) while the learning rate had the focus typed
a blank into it and left training running. ``space_is_the_windows`` is the
rule both spin boxes apply to Qt's shortcut-override event."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QSpinBox


def space_is_the_windows(event: QEvent) -> bool:
    """True for a plain Space asked as a shortcut override: the field lets it
    go (ignored), so the window's shortcut for Space fires instead."""
    if (event.type() == QEvent.Type.ShortcutOverride and event.key() == Qt.Key.Key_Space
            and event.modifiers() == Qt.KeyboardModifier.NoModifier):
        event.ignore()
        return True
    return False


class IntSpinBox(QSpinBox):
    def event(self, event: QEvent) -> bool:  # noqa: D401 - Qt override
        return False if space_is_the_windows(event) else super().event(event)
