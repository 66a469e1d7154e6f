"""Qt's image readers as the engine's image decoder.

QImageReader needs no QGuiApplication or QCoreApplication for PNG and JPEG
(checked with PySide6 6.x, no display: the jpeg plugin is found and loaded
without an application object), so this works under ``--headless`` and in
the spawned training process. QImage and QImageReader are reentrant, so the
import dialog reads on a worker thread.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QImageReader, QPainter


def read_image(path: str, size: tuple[int, int] | None, rgb: bool) -> np.ndarray:
    """Decode ``path`` to uint8 ``(H, W)`` (grayscale) or ``(H, W, 3)`` (rgb),
    scaled smoothly to ``size = (height, width)`` unless it is None.
    Raises ValueError with Qt's reason when the file cannot be decoded."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)  # honour a JPEG's EXIF orientation, as image viewers do
    image = reader.read()
    if image.isNull():
        raise ValueError(_reason(reader))
    if image.hasAlphaChannel():  # transparent pixels become white, not black, as a viewer shows them
        opaque = QImage(image.size(), QImage.Format.Format_RGB32)
        opaque.fill(Qt.GlobalColor.white)
        painter = QPainter(opaque)
        painter.drawImage(0, 0, image)
        painter.end()
        image = opaque
    if size is not None:
        height, width = size
        image = image.scaled(width, height, Qt.AspectRatioMode.IgnoreAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    image = image.convertToFormat(QImage.Format.Format_RGB888 if rgb else QImage.Format.Format_Grayscale8)
    channels = 3 if rgb else 1
    h, w = image.height(), image.width()
    rows = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(h, image.bytesPerLine())
    pixels = rows[:, : w * channels].reshape(h, w, channels) if rgb else rows[:, :w]
    return pixels.copy()  # the QImage owns the buffer


def _reason(reader: QImageReader) -> str:
    text = reader.errorString()
    if reader.error() == QImageReader.ImageReaderError.UnsupportedFormatError:
        return "not a PNG or JPEG image Qt can decode"
    return text if text and text != "Unknown error" else "the file could not be decoded"
