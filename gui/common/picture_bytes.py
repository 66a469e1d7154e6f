"""Pictures and arrays encoded in memory, so every export goes through the
project's atomic writer: QImage.save(path) and np.save(path) write straight
into the target, which a full disk leaves truncated (the old file already
gone). Here a failure says one line, the old file stays whole and nothing
is left beside it."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize
from PySide6.QtGui import QImage, QPainter, QPixmap


def png_bytes(picture: QImage | QPixmap) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not picture.save(buffer, "PNG"):
        raise OSError("could not encode the picture as PNG")
    buffer.close()
    return bytes(data.data())


def svg_bytes(paint: Callable[[QPainter], None], size: QSize, title: str) -> bytes:
    """An SVG drawing of what ``paint`` draws on a ``size`` canvas."""
    from PySide6.QtSvg import QSvgGenerator

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(size)
    generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
    generator.setTitle(title)
    painter = QPainter(generator)
    try:
        paint(painter)
    finally:
        painter.end()
    buffer.close()
    return bytes(data.data())


def array_bytes(path: Path, data: dict[str, np.ndarray]) -> tuple[Path, bytes]:
    """``data`` as the suffix of ``path`` asks: .csv for one array of at most
    two dimensions, .npy for one array, .npz (one entry per name) otherwise;
    returns the path the suffix rules give and the file's bytes."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        if len(data) != 1 or next(iter(data.values())).ndim > 2:
            raise ValueError("these data have several arrays or more than two dimensions; save them as .npz")
        name, array = next(iter(data.items()))
        array = array.reshape(-1, 1) if array.ndim < 2 else array  # a 1-D series: one column
        text = io.StringIO()
        np.savetxt(text, array, delimiter=",", fmt="%.8g", header=name, comments="# ")
        return path, text.getvalue().encode("utf-8")
    buffer = io.BytesIO()
    if suffix == ".npy" and len(data) == 1:
        np.save(buffer, next(iter(data.values())))
    else:
        path = path.with_suffix(".npz")
        np.savez(buffer, **data)
    return path, buffer.getvalue()


def write_file(path: Path, data: bytes) -> None:
    """Through engine.experiment_file.write_atomic: "cannot write FILE: …"."""
    from engine.experiment_file import write_atomic

    write_atomic(path, data)
