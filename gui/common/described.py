"""What a chart shows, in words: for screen readers (the widget's
accessibleDescription) and for "Copy as text".

A described widget has ``describe() -> str``: one or a few plain sentences
about what it shows now, from the numpy arrays it already holds (never torch
work: the GUI thread must stay free for the training worker).
``Described.update_description`` hands the text to Qt only when it changed,
so a view that redraws many times a second pays for a string compare, not
for an accessibility event each frame.
"""

from __future__ import annotations

import html
import re

import numpy as np
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

NO_RUN = "No run yet: press Train (F5)."
COPY_TEXT = "Copy as text"
_TAG = re.compile(r"<[^>]+>")
# Clauses that tell the user what to do with the mouse, not what the chart shows.
_HINT = re.compile(r"(?:[;,·.]\s*|^)(?:hover|click)\b[^;·.]*[.]?", re.IGNORECASE)


def plain(text: str) -> str:
    """Rich text (captions use <b>, &amp; …) as one line of plain text."""
    return " ".join(html.unescape(_TAG.sub("", text or "")).split())


def without_hints(text: str) -> str:
    """``text`` without its "hover a map to …" / "click a cell …" clauses."""
    text = _HINT.sub("", text).strip(" ;·,")
    return text if not text or text.endswith((".", "!", "?")) else text + "."


def trend(values, window: int = 3, tolerance: float = 0.01) -> str:
    """"rising", "falling" or "flat" over the last ``window`` steps of
    ``values``: flat when the change is within ``tolerance`` of its size."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)][-(window + 1):]
    if len(values) < 2:
        return "flat"
    first, last = values[0], values[-1]
    if abs(last - first) <= tolerance * max(abs(first), abs(last), 1e-12):
        return "flat"
    return "rising" if last > first else "falling"


def value_range(array, what: str = "values") -> str:
    """"values from -0.41 to 0.52" (three significant digits), or "" when empty."""
    array = np.asarray(array)
    if array.size == 0:
        return ""
    finite = array[np.isfinite(array)] if array.dtype.kind == "f" else array
    if finite.size == 0:
        return f"{what} not finite"
    return f"{what} from {float(finite.min()):.3g} to {float(finite.max()):.3g}"


def shape_text(shape) -> str:
    return "×".join(str(int(s)) for s in shape)


class Described:
    """Mixin for a QWidget with ``describe()``: keeps its accessibleDescription current."""

    _described: str | None = None

    def describe(self) -> str:  # pragma: no cover - every user overrides it
        raise NotImplementedError

    def update_description(self) -> str:
        text = self.describe()
        if text != self._described:
            self._described = text
            self.setAccessibleDescription(text)  # type: ignore[attr-defined]
        return text

    def copy_as_text(self) -> str:
        """Put ``describe()`` on the clipboard and say so in the window's status bar."""
        return copy_description(self)  # type: ignore[arg-type]


def copy_description(widget: QWidget) -> str:
    text = widget.describe()  # type: ignore[attr-defined]
    QApplication.clipboard().setText(text)
    window = widget.window()
    if isinstance(window, QMainWindow):
        window.statusBar().showMessage(f"Copied to the clipboard: {text}", 8000)
    return text


class _PlotMenuGuard(QObject):
    """Right-click on a pyqtgraph plot opens the plot's own menu (which carries
    Copy as text too); the widget's menu would open over it. The menu key on a
    focused plot still reaches the widget's menu."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        return (event.type() == QEvent.Type.ContextMenu
                and isinstance(event, QContextMenuEvent) and event.reason() == QContextMenuEvent.Reason.Mouse)


def install_copy_as_text(widget: QWidget) -> QAction:
    """A "Copy as text" entry in ``widget``'s context menu and in the menus
    of the pyqtgraph plots inside it. Call once the plots are built."""
    from PySide6.QtCore import Qt

    action = QAction(COPY_TEXT, widget)
    action.setObjectName("copy_as_text")
    action.setStatusTip("Copy a description of what this shows to the clipboard")
    action.triggered.connect(lambda *_: copy_description(widget))
    widget.addAction(action)
    widget.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
    add_to_plot_menus(widget, action)
    return action


def add_to_plot_menus(widget: QWidget, action: QAction) -> None:
    """Add ``action`` to the right-click menus of the pyqtgraph views inside ``widget`` (once each)."""
    import pyqtgraph as pg

    guard = getattr(widget, "_plot_menu_guard", None)
    if guard is None:
        guard = widget._plot_menu_guard = _PlotMenuGuard(widget)
    for view in widget.findChildren(pg.GraphicsView):
        scene = view.scene()
        menu = getattr(scene, "contextMenu", None)
        if isinstance(menu, list) and action not in menu:
            menu.append(action)
            view.installEventFilter(guard)
