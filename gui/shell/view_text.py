"""Edit ▸ Copy View as Text: which widget's description to copy.

The view (or the curves) holding the keyboard focus, so a keyboard user
copies what they are on; else the live view whose tab is in front; else the
curves, which are always there."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QApplication, QWidget

from gui.common.described import copy_description


def described_target(focus: QWidget | None, views: Iterable[QWidget], curves: QWidget) -> QWidget:
    widget = focus
    while widget is not None:
        if callable(getattr(widget, "describe", None)):
            return widget
        widget = widget.parentWidget()
    return next((view for view in views if view.on_screen()), curves)


def copy_view_text(views: Iterable[QWidget], curves: QWidget) -> str:
    """Copy the target's description to the clipboard (the status bar says so); returns it."""
    return copy_description(described_target(QApplication.focusWidget(), views, curves))
