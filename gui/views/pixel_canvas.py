"""A grid of big pixels the user paints with the mouse, at the data set's size.

The picture is a float32 (H, W) array in [0, 1], ink 1 on paper 0, like the
digits and shapes data. The brush is soft (full ink at its centre, fading to
nothing at its radius) and each pixel keeps the darkest ink it got, so a
stroke over an 8×8 grid looks like scikit-learn's digits, whose pixels are
grey levels (counts of a 32×32 bitmap's pixels in each 4×4 block).
Left button draws, right button erases.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.common import palette as pal

STEP = 0.25  # pixels between brush dabs along a stroke, so fast strokes leave no holes


class PixelCanvas(QWidget):
    changed = Signal()  # the picture changed (drawn, erased, cleared or loaded)

    def __init__(self, height: int = 8, width: int = 8, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.picture = np.zeros((height, width), np.float32)
        self.brush_radius = 0.8  # in picture pixels
        self._last: QPointF | None = None
        self._erasing = False
        self.setMinimumSize(120, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw with the left mouse button, erase with the right one")

    # --- public ------------------------------------------------------------------
    def set_size(self, height: int, width: int) -> None:
        if self.picture.shape != (height, width):
            self.picture = np.zeros((height, width), np.float32)
            self.update()
            self.changed.emit()

    def set_picture(self, picture: np.ndarray) -> None:
        """Show ``picture`` (H, W); values are clipped to [0, 1] (ink)."""
        self.picture = np.clip(np.asarray(picture, np.float32), 0.0, 1.0).copy()
        self.update()
        self.changed.emit()

    def clear(self) -> None:
        self.picture[:] = 0.0
        self.update()
        self.changed.emit()

    def stroke(self, points: list[tuple[float, float]], erase: bool = False) -> None:
        """Paint a polyline through ``points`` given as (x, y) in picture pixels
        (0..W, 0..H; pixel (r, c) covers x in [c, c+1), y in [r, r+1))."""
        if not points:
            return
        dabs = [np.asarray(points[0], np.float64)]
        for start, end in zip(points[:-1], points[1:], strict=True):
            a, b = np.asarray(start, np.float64), np.asarray(end, np.float64)
            n = max(1, int(np.ceil(np.linalg.norm(b - a) / STEP)))
            dabs.extend(a + (b - a) * t for t in np.linspace(0.0, 1.0, n + 1)[1:])
        self._dab(np.array(dabs), erase)
        self.update()
        self.changed.emit()

    def is_blank(self) -> bool:
        return not self.picture.any()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(240, 240)

    # --- painting ------------------------------------------------------------------
    def _dab(self, centres: np.ndarray, erase: bool) -> None:
        h, w = self.picture.shape
        ys, xs = np.mgrid[0:h, 0:w]
        dx = xs[None] + 0.5 - centres[:, 0, None, None]
        dy = ys[None] + 0.5 - centres[:, 1, None, None]
        # full ink within the radius, fading to none over one more pixel (anti-aliased edge)
        touch = np.clip(self.brush_radius + 0.5 - np.sqrt(dx * dx + dy * dy), 0.0, 1.0).max(0)
        if erase:
            self.picture = np.minimum(self.picture, 1.0 - touch).astype(np.float32)
        else:
            self.picture = np.maximum(self.picture, touch).astype(np.float32)

    def _cell_rect(self) -> QRectF:
        """The square the picture is drawn in, centred in the widget."""
        h, w = self.picture.shape
        margin = 3  # so the outer grid lines are not cut by the widget's edge
        scale = max(1.0, min((self.width() - 2 * margin) / w, (self.height() - 2 * margin) / h))
        return QRectF((self.width() - w * scale) / 2, (self.height() - h * scale) / 2, w * scale, h * scale)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        grey = (255 - np.round(self.picture * 235)).astype(np.uint8)  # ink 1 → dark grey, 0 → white
        h, w = grey.shape
        image = QImage(np.ascontiguousarray(grey).data, w, h, w, QImage.Format.Format_Grayscale8)
        painter = QPainter(self)
        target = self._cell_rect()
        painter.drawImage(target, image)  # scaled up without smoothing: big, crisp pixels
        painter.setPen(QPen(QColor(pal.FAINT), 1))
        if w <= 32:  # a faint pixel grid where pixels are big enough to see
            for c in range(w + 1):
                x = target.left() + c * target.width() / w
                painter.drawLine(QPointF(x, target.top()), QPointF(x, target.bottom()))
            for r in range(h + 1):
                y = target.top() + r * target.height() / h
                painter.drawLine(QPointF(target.left(), y), QPointF(target.right(), y))
        painter.end()

    # --- mouse -------------------------------------------------------------------
    def _to_picture(self, event: QMouseEvent) -> QPointF:
        rect, (h, w) = self._cell_rect(), self.picture.shape
        pos = event.position()
        return QPointF((pos.x() - rect.left()) * w / rect.width(), (pos.y() - rect.top()) * h / rect.height())

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self._erasing = event.button() == Qt.MouseButton.RightButton
        self._last = self._to_picture(event)
        self.stroke([(self._last.x(), self._last.y())], self._erasing)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._last is None:
            return
        point = self._to_picture(event)
        self.stroke([(self._last.x(), self._last.y()), (point.x(), point.y())], self._erasing)
        self._last = point

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self._last = None
