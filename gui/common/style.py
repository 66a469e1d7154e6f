"""Small look-and-feel helpers shared by the panels."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPalette, QPen
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QToolBar, QToolButton, QWidget

from gui.common import palette as pal


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


class FocusOutlineStyle(QProxyStyle):
    """The platform style with a focus frame one can see: Fusion's is a faint
    1 px line around a tool button or a check box's text, easy to lose when
    moving through the window with Tab. Only the focus frame changes."""

    def drawPrimitive(self, element, option, painter, widget=None) -> None:  # noqa: N802 - Qt override
        if element != QStyle.PrimitiveElement.PE_FrameFocusRect:
            super().drawPrimitive(element, option, painter, widget)
            return
        painter.save()
        painter.setRenderHint(painter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(pal.FOCUS), 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(QRectF(option.rect).adjusted(1, 1, -1, -1), 2, 2)
        painter.restore()


def install_focus_outline(app: QApplication) -> None:
    """Give ``app`` the visible focus frame (once)."""
    if not isinstance(app.style(), FocusOutlineStyle):
        app.setStyle(FocusOutlineStyle(app.style().name()))


def keyboard_reachable(toolbar: QToolBar) -> None:
    """Tab reaches the toolbar's buttons: Qt gives a toolbar's buttons no
    focus, so Train, Pause… were for the mouse and the shortcuts only."""
    for action in toolbar.actions():
        button = toolbar.widgetForAction(action)
        if isinstance(button, QToolButton):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
