"""Small look-and-feel helpers shared by the panels."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QWidget


def subdued(widget: QWidget) -> QWidget:
    """Secondary text (help, hints): the theme's text colour, partly
    transparent, so it stays readable in light and dark themes alike
    (palette(mid) was too faint on light ones)."""
    palette = widget.palette()
    colour = palette.color(QPalette.ColorRole.WindowText)
    colour.setAlpha(175)
    palette.setColor(QPalette.ColorRole.WindowText, colour)
    widget.setPalette(palette)
    return widget
