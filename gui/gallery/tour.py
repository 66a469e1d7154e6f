"""The guided tour: a few bubbles, each pointing at one part of the main
window (layers, model, data set, Train, curves, live views, the menus), with
Back / Next / Close and "step i of n"; Esc closes it.

It shows itself once, on the first start: after the examples gallery has
been closed (gui/shell/start_pages.py decides when), and never over a modal question
such as crash recovery. Closing it, at any step, is remembered in QSettings;
Help ▸ Guided Tour opens it again from the first step.

The bubble and the outline round the target are child widgets of the main
window (not windows of their own), so they move with it and need no window
manager; the window's resize re-places them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QPainter, QPainterPath, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.common.settings import app_settings

SEEN_KEY = "tour/seen"  # closed once: not shown at start again
ARROW = 12  # how far the bubble's pointer sticks out, px
GAP = 6  # between the pointer's tip and the target
WIDTH = 340
RETRY_MS = 400  # while a modal question or the start-up gallery is up


@dataclass(frozen=True)
class TourStep:
    title: str
    text: str
    target: Callable[[QMainWindow], QWidget | None]  # the part of the window the bubble points at
    dock: str | None = None  # a dock to bring to the front first (tabbed docks hide each other)
    part: Callable[[QWidget], QRect] | None = None  # where in the target to point, in its coordinates


def _menus(*titles: str) -> Callable[[QWidget], QRect]:
    """The span of the menu bar's entries named ``titles`` (Explain, Help)."""
    def part(bar: QWidget) -> QRect:
        rect = QRect()
        for action in bar.actions():
            if action.text().replace("&", "") in titles:
                rect = rect.united(bar.actionGeometry(action))
        return rect if rect.isValid() else bar.rect()
    return part


def _dock(name: str) -> Callable[[QMainWindow], QWidget | None]:
    return lambda window: window.docks[name]


STEPS = (
    TourStep("Layers", "These are the building blocks. <b>Conv2d</b> slides a small kernel over an image "
             "(a CNN); <b>RNN</b>, <b>LSTM</b> and <b>GRU</b> read a sequence one step at a time. Drag one "
             "onto the model, or double-click it. Hover any entry to read what it does.",
             _dock("layers"), "layers"),
    TourStep("The model", "Your network, first layer at the top. Each row shows the shape the layer "
             "outputs and how many parameters it learns; a red row cannot work where it stands, and its "
             "tooltip says how to fix it. <i>New CNN / RNN / hybrid</i> start from a model that fits the "
             "data. Select a row to edit its settings below.",
             _dock("model"), "model"),
    TourStep("The data set", "What the network learns from. Images suit convolutions, sequences suit "
             "recurrent layers, and some data sets can be read either way: that is where the "
             "CNN-or-RNN question gets interesting. The preview shows what the network will see.",
             _dock("data"), "data"),
    TourStep("Train", "Press <b>Train</b> (F5) and watch. Pause with Space, take one batch with F10, "
             "start afresh with Ctrl+R. The learning rate can be changed while it trains.",
             lambda window: window.training_panel, "training"),
    TourStep("The curves", "The loss falls as the network learns. The thin line is each batch, the thick "
             "one its average, dots are the validation set after each epoch, and the dashed line is what "
             "guessing would score.",
             lambda window: window.curves),
    TourStep("Live views", "The network's inside while it learns: filters and feature maps for "
             "convolutions, hidden states, gates and the gradient through time for recurrent layers. "
             "Each tab is one view (Ctrl+1 … Ctrl+9); the timeline at the bottom goes back in time.",
             _dock("filters"), "filters"),
    TourStep("Explain, Examples and help", "<i>Explain</i> takes the ideas apart step by step "
             "(convolution, parameters, the unrolled RNN). <i>Help ▸ Examples</i> opens a gallery of "
             "ready-made experiments, one or more per claim about CNNs and RNNs. Press <b>Shift+F1</b> "
             "and click anything to read what it is; <i>Help ▸ Guided Tour</i> shows this tour again.",
             lambda window: window.menuBar(), part=_menus("Explain", "Help")),
)


class TourHighlight(QWidget):
    """An outline round the part of the window the bubble talks about; clicks go through."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), 3))
        painter.drawRoundedRect(self.rect().adjusted(2, 2, -2, -2), 6, 6)


class TourBubble(QWidget):
    """One step's text with Back / Next / Close, drawn as a speech bubble whose
    pointer faces the target."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("TourBubble")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, False)
        self.side = ""  # which side the pointer is on: left/right/top/bottom, "" for none
        self.pointer_at = 0  # along that side, in the bubble's coordinates
        self.title = QLabel()
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.counter = QLabel()
        self.back_button = QPushButton("Back")
        self.back_button.setToolTip("The previous step of the tour (Left arrow)")
        self.next_button = QPushButton("Next")
        self.next_button.setToolTip("The next step of the tour (Right arrow)")
        self.close_button = QPushButton("Close")
        self.close_button.setToolTip("End the tour (Esc); Help ▸ Guided Tour shows it again")
        buttons = QHBoxLayout()
        buttons.addWidget(self.counter)
        buttons.addStretch(1)
        for button in (self.back_button, self.next_button, self.close_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addLayout(buttons)
        self.setFixedWidth(WIDTH)

    def set_pointer(self, side: str, at: int) -> None:
        """Put the pointer on ``side`` of the bubble (the side facing the target), ``at`` px along it."""
        self.side, self.pointer_at = side, at
        m = 10
        margins = {"left": (m + ARROW, m, m, m), "right": (m, m, m + ARROW, m),
                   "top": (m, m + ARROW, m, m), "bottom": (m, m, m, m + ARROW)}.get(side, (m, m, m, m))
        self.layout().setContentsMargins(*margins)
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        body = self.rect().adjusted(1, 1, -1, -1)
        if self.side == "left":
            body.setLeft(body.left() + ARROW)
        elif self.side == "right":
            body.setRight(body.right() - ARROW)
        elif self.side == "top":
            body.setTop(body.top() + ARROW)
        elif self.side == "bottom":
            body.setBottom(body.bottom() - ARROW)
        path = QPainterPath()
        path.addRoundedRect(body, 8, 8)
        path = path.united(self._pointer(body))
        palette = self.palette()
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 2))
        painter.setBrush(palette.color(QPalette.ColorRole.ToolTipBase)
                         if palette.color(QPalette.ColorRole.ToolTipBase).alpha() else palette.window())
        painter.drawPath(path)

    def _pointer(self, body: QRect) -> QPainterPath:
        path = QPainterPath()
        if not self.side:
            return path
        at, half = self.pointer_at, ARROW
        if self.side in ("left", "right"):
            at = max(body.top() + 14 + half, min(body.bottom() - 14 - half, at))
            edge = body.left() + 1 if self.side == "left" else body.right() - 1
            tip = edge - ARROW if self.side == "left" else edge + ARROW
            points = [QPointF(edge, at - half), QPointF(tip, at), QPointF(edge, at + half)]
        else:
            at = max(body.left() + 14 + half, min(body.right() - 14 - half, at))
            edge = body.top() + 1 if self.side == "top" else body.bottom() - 1
            tip = edge - ARROW if self.side == "top" else edge + ARROW
            points = [QPointF(at - half, edge), QPointF(at, tip), QPointF(at + half, edge)]
        path.addPolygon(QPolygonF(points))
        path.closeSubpath()
        return path


class GuidedTour(QObject):
    """Steps through STEPS over ``window``; ``closed`` fires when the user ends it."""

    closed = Signal()
    stepped = Signal(int)  # the index of the step now shown

    def __init__(self, window: QMainWindow, steps: tuple[TourStep, ...] = STEPS) -> None:
        super().__init__(window)
        self.window = window
        self.steps = steps
        self.index = 0
        self.highlight = TourHighlight(window)
        self.bubble = TourBubble(window)
        self.bubble.back_button.clicked.connect(self.back)
        self.bubble.next_button.clicked.connect(self.next)
        self.bubble.close_button.clicked.connect(self.close)
        # Esc and the arrow keys, wherever in the bubble the focus is: a focused
        # button takes ←/→ for moving the focus to its neighbour otherwise.
        self._keyed = (self.bubble, self.bubble.back_button, self.bubble.next_button, self.bubble.close_button)
        for widget in self._keyed:
            widget.installEventFilter(self)
        window.installEventFilter(self)  # a resized window re-places the bubble
        self.highlight.hide()
        self.bubble.hide()

    @property
    def is_open(self) -> bool:
        return self.bubble.isVisible()

    def start(self, index: int = 0) -> None:
        self.show_step(index)
        # At the first start the gallery has just closed: give the window the
        # keyboard back, else the keys reach neither it nor the bubble.
        self.window.activateWindow()
        self.bubble.next_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_step(self, index: int) -> None:
        self.index = max(0, min(len(self.steps) - 1, index))
        step = self.steps[self.index]
        if step.dock is not None and step.dock in getattr(self.window, "docks", {}):
            dock = self.window.docks[step.dock]
            if dock.isHidden():
                dock.show()
            dock.raise_()  # a tabbed dock behind another tab comes to the front
        last = self.index == len(self.steps) - 1
        b = self.bubble
        b.title.setText(step.title)
        b.text.setText(step.text)
        b.counter.setText(f"Step {self.index + 1} of {len(self.steps)}")
        b.back_button.setEnabled(self.index > 0)
        b.next_button.setText("Done" if last else "Next")
        b.next_button.setToolTip("End the tour" if last else "The next step of the tour (Right arrow)")
        b.show()
        b.raise_()
        self.place()
        self.stepped.emit(self.index)

    def next(self) -> None:
        if self.index == len(self.steps) - 1:
            self.close()
        else:
            self.show_step(self.index + 1)

    def back(self) -> None:
        if self.index > 0:
            self.show_step(self.index - 1)

    def close(self) -> None:
        was_open = self.is_open
        self.bubble.hide()
        self.highlight.hide()
        app_settings().setValue(SEEN_KEY, True)
        if was_open:
            self.closed.emit()

    def target(self) -> QWidget | None:
        """The current step's widget, when it is on screen inside the window."""
        widget = self.steps[self.index].target(self.window)
        if widget is None or not widget.isVisible() or widget.window() is not self.window:
            return None  # hidden, not built yet, or floating in a window of its own
        return widget

    def place(self) -> None:
        """The outline round the target, the bubble beside it where it fits."""
        b, window = self.bubble, self.window
        b.adjustSize()
        size = b.sizeHint().expandedTo(b.minimumSizeHint())
        area = window.rect()
        widget = self.target()
        if widget is None:
            self.highlight.hide()
            b.set_pointer("", 0)
            b.resize(size)
            b.move(area.center() - QPoint(size.width() // 2, size.height() // 2))
            return
        step = self.steps[self.index]
        local = step.part(widget) if step.part is not None else widget.rect()
        rect = QRect(widget.mapTo(window, local.topLeft()), local.size()).intersected(area)
        self.highlight.setGeometry(rect.adjusted(-3, -3, 3, 3))
        self.highlight.show()
        self.highlight.raise_()
        # Beside a tall target, under a wide one; the first side with room wins.
        wide = rect.width() > 2 * rect.height()
        order = ("bottom", "top", "right", "left") if wide else ("right", "left", "bottom", "top")
        for side in order:
            width = size.width()
            height = size.height() + (ARROW if side in ("top", "bottom") else 0)
            if side in ("left", "right"):
                width += ARROW
            if side == "right":
                x, y = rect.right() + GAP, rect.center().y() - height // 2
                fits = x + width <= area.right()
            elif side == "left":
                x, y = rect.left() - GAP - width, rect.center().y() - height // 2
                fits = x >= area.left()
            elif side == "bottom":
                x, y = rect.center().x() - width // 2, rect.bottom() + GAP
                fits = y + height <= area.bottom()
            else:
                x, y = rect.center().x() - width // 2, rect.top() - GAP - height
                fits = y >= area.top()
            if fits:
                break
        else:  # no side has room: over the target's middle, pointing at nothing
            side = ""
            width, height = size.width(), size.height()
            x, y = rect.center().x() - width // 2, rect.center().y() - height // 2
        x = max(area.left() + 4, min(area.right() - width - 4, x))
        y = max(area.top() + 4, min(area.bottom() - height - 4, y))
        b.setGeometry(x, y, width, height)
        # A bubble right of the target points left, and so on.
        facing = {"right": "left", "left": "right", "bottom": "top", "top": "bottom"}.get(side, "")
        if side in ("left", "right"):
            b.set_pointer(facing, rect.center().y() - y)
        else:
            b.set_pointer(facing, rect.center().x() - x)
        b.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.window and event.type() == QEvent.Type.Resize and self.is_open:
            QTimer.singleShot(0, self, self._replace)
        elif watched in self._keyed and event.type() == QEvent.Type.KeyPress:
            return self._on_key(event)
        return False

    def _replace(self) -> None:
        if self.is_open:
            self.place()

    def _on_key(self, event: QKeyEvent) -> bool:
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.close()
        elif key == Qt.Key.Key_Right:
            self.next()
        elif key == Qt.Key.Key_Left:
            self.back()
        else:
            return False
        return True


def tour_seen() -> bool:
    return app_settings().value(SEEN_KEY, False, type=bool)
