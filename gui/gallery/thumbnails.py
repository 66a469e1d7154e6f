"""Thumbnails for the gallery, drawn from the data each example trains on.

Two halves: ``thumbnail_samples`` generates a few samples of a data set (numpy,
on a worker thread: the first digits load imports scikit-learn, about a
second) and ``paint_thumbnail`` draws them with the model kind's badge into a
QImage (GUI thread, a few milliseconds). Samples are cached per data set for
the session, so reopening the gallery draws at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen

from gui.common import palette as pal

SIZE = QSize(240, 132)
N_IMAGES, IMAGE_COLUMNS, N_SEQUENCES, MAX_LINES = 8, 4, 3, 3
VARIANTS = 3  # examples on the same data show different samples (digits thrice in a row looked copied)
THUMBNAIL_SAMPLES = 40  # generated instead of the preset's thousands: enough to pick from
INK = (40, 40, 40)
LINE_COLOURS = (pal.BLUE, pal.GREEN, pal.PURPLE)
FAMILY_COLOURS = pal.FAMILIES


@dataclass(frozen=True)
class ThumbnailSamples:
    kind: str  # "image" | "sequence" | "tokens" | "none"
    x: np.ndarray | None = None  # images (N, H, W) in 0..1 (video: frames of clips), or sequences (N, T, F)
    text: str = ""  # tokens as text, or why there is no picture


def dataset_key(spec: object, seed: int) -> tuple:
    return (spec.name, tuple(sorted(spec.options.items())), seed)


def thumbnail_samples(spec: object, seed: int) -> ThumbnailSamples:
    """Runs on a worker. Generates a small version of the data set directly,
    not through engine.datasets.load, whose small cache holds the data the
    user is working with."""
    from engine import datasets
    from engine.errors import PlaygroundError

    options = dict(spec.options)
    if options.get("n_samples", 0) > THUMBNAIL_SAMPLES:
        options["n_samples"] = THUMBNAIL_SAMPLES
    try:
        small = datasets.validate_dataset({"name": spec.name, "options": options})
        bundle = datasets.DATASETS[small.name].generate(small.options, seed)
    except PlaygroundError:  # a small version is not allowed: the real one, through the cache
        try:
            bundle = datasets.load(spec, seed)
        except PlaygroundError as exc:
            return ThumbnailSamples("none", text=str(exc))
    kind = bundle.info.input_kind
    if kind == "tokens":
        vocab = bundle.vocab or ""
        n = len(bundle.x_train)
        rows = [bundle.x_train[i].numpy() for i in sorted({0, n // 3, 2 * n // 3})]  # apart: windows overlap
        text = " … ".join("".join(vocab[int(i)] if 0 <= int(i) < len(vocab) else "?" for i in row)
                          for row in rows)
        return ThumbnailSamples("tokens", text=text)
    if kind in ("image", "video"):
        if kind == "video":  # each row one clip, IMAGE_COLUMNS of its frames from first to last
            clips = bundle.x_train[:N_IMAGES * VARIANTS // IMAGE_COLUMNS].numpy()
            frames = np.linspace(0, clips.shape[1] - 1, IMAGE_COLUMNS).round().astype(int)
            x = clips[:, frames].mean(axis=2).reshape(-1, *clips.shape[3:]).astype(np.float32)
        else:
            x = bundle.x_train[:N_IMAGES * VARIANTS, 0].numpy().astype(np.float32)
        low, high = float(x.min()), float(x.max())
        return ThumbnailSamples("image", (x - low) / (high - low if high > low else 1.0))
    return ThumbnailSamples("sequence", bundle.x_train[:N_SEQUENCES * VARIANTS].numpy().astype(np.float32).copy())


# --- painting (GUI thread) ------------------------------------------------------------------------

def paint_thumbnail(samples: ThumbnailSamples | None, models: tuple[str, ...], variant: int = 0,
                    size: QSize = SIZE) -> QImage:
    """The picture of ``samples`` (None: still loading) with a badge per model
    kind (``models``, e.g. ("CNN", "GRU")) in its corner; ``variant`` picks
    which of the generated samples it shows."""
    image = QImage(size, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    area = QRectF(6, 6, size.width() - 12, size.height() - 30)  # the badge's strip below
    if samples is None:
        _centred_text(painter, area, "…")
    elif samples.kind == "image":
        _paint_images(painter, area, _pick(samples.x, N_IMAGES, variant))
    elif samples.kind == "sequence":
        _paint_sequences(painter, area, _pick(samples.x, N_SEQUENCES, variant))
    elif samples.kind == "tokens":
        _paint_text(painter, area, samples.text)
    else:
        _centred_text(painter, area, "no preview")
    _paint_badges(painter, QRectF(0, 0, size.width(), size.height()), tuple(dict.fromkeys(models)))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(QColor(pal.FAINT), 1))
    painter.drawRect(0, 0, size.width() - 1, size.height() - 1)
    painter.end()
    return image


def _pick(x: np.ndarray, n: int, variant: int) -> np.ndarray:
    groups = max(1, len(x) // n)
    start = (variant % groups) * n
    return x[start:start + n]


def _centred_text(painter: QPainter, area: QRectF, text: str) -> None:
    painter.setPen(QColor(pal.FRAME))
    painter.drawText(area, Qt.AlignmentFlag.AlignCenter, text)


def _gray_image(values: np.ndarray) -> QImage:
    """0..1 → dark ink on white, 8-bit (copied: the QImage must not outlive the array's memory)."""
    pixels = np.ascontiguousarray(255 - np.clip(values, 0, 1) * 215, dtype=np.uint8)
    h, w = pixels.shape
    return QImage(pixels.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def _paint_images(painter: QPainter, area: QRectF, x: np.ndarray) -> None:
    rows = -(-len(x) // IMAGE_COLUMNS)
    gap = 4.0
    cell = min((area.width() - gap * (IMAGE_COLUMNS - 1)) / IMAGE_COLUMNS,
               (area.height() - gap * (rows - 1)) / max(rows, 1))
    left = area.left() + (area.width() - (cell * IMAGE_COLUMNS + gap * (IMAGE_COLUMNS - 1))) / 2
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)  # crisp pixels
    for i, picture in enumerate(x):
        r, c = divmod(i, IMAGE_COLUMNS)
        target = QRectF(left + c * (cell + gap), area.top() + r * (cell + gap), cell, cell)
        painter.drawImage(target, _gray_image(picture))
        painter.setPen(QPen(QColor(pal.LINE), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(target)


def _paint_sequences(painter: QPainter, area: QRectF, x: np.ndarray) -> None:
    n = len(x)
    gap = 4.0
    height = (area.height() - gap * (n - 1)) / max(n, 1)
    for i, seq in enumerate(x):  # (T, F)
        band = QRectF(area.left(), area.top() + i * (height + gap), area.width(), height)
        if seq.shape[1] <= MAX_LINES:
            painter.fillRect(band, QColor(pal.BAND))
            _paint_lines(painter, band, seq)
        else:
            # Many features (one-hot symbols): a features × time heat map, white → blue.
            heat = np.clip(seq.T, 0, None)
            heat = heat / (heat.max() or 1.0)
            rgb = np.empty((*heat.shape, 4), np.uint8)
            rgb[..., 0] = 255 - heat * (255 - 31)
            rgb[..., 1] = 255 - heat * (255 - 119)
            rgb[..., 2] = 255 - heat * (255 - 180)
            rgb[..., 3] = 255
            h, w = heat.shape
            picture = QImage(np.ascontiguousarray(rgb).data, w, h, 4 * w, QImage.Format.Format_RGBX8888).copy()
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            painter.drawImage(band, picture)
            painter.setPen(QPen(QColor(pal.LINE), 1))
            painter.drawRect(band)


def _paint_lines(painter: QPainter, band: QRectF, seq: np.ndarray) -> None:
    low, high = float(seq.min()), float(seq.max())
    span = high - low if high > low else 1.0
    steps = len(seq)
    for f in range(seq.shape[1]):
        path = QPainterPath()
        for t, value in enumerate(seq[:, f]):
            px = band.left() + band.width() * t / max(steps - 1, 1)
            py = band.bottom() - 2 - (band.height() - 4) * (float(value) - low) / span
            path.moveTo(px, py) if t == 0 else path.lineTo(px, py)
        painter.setPen(QPen(QColor(LINE_COLOURS[f % len(LINE_COLOURS)]), 1.2))
        painter.drawPath(path)


def _paint_text(painter: QPainter, area: QRectF, text: str) -> None:
    font = QFont("monospace")
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPointSizeF(8.5)
    painter.setFont(font)
    painter.setPen(QColor(*INK))
    shown = " ".join(text.split())  # newlines and runs of spaces would waste the small box
    painter.drawText(area, Qt.TextFlag.TextWrapAnywhere, f"“{shown}”")


def _paint_badges(painter: QPainter, whole: QRectF, models: tuple[str, ...]) -> None:
    """Right-aligned pills, one per model kind, coloured by family, "vs" between them."""
    from gui.gallery.items import family

    font = QFont(painter.font())
    font.setFamily("")
    font.setStyleHint(QFont.StyleHint.SansSerif)
    font.setBold(True)
    font.setPointSizeF(8.5)
    painter.setFont(font)
    metrics = painter.fontMetrics()
    right, top = whole.right() - 6, whole.bottom() - 21
    for i, model in enumerate(reversed(models)):
        if i:
            width = metrics.horizontalAdvance("vs") + 8
            right -= width
            painter.setPen(QColor(pal.LABEL))
            painter.drawText(QRectF(right, top, width, 17), Qt.AlignmentFlag.AlignCenter, "vs")
        width = metrics.horizontalAdvance(model) + 12
        right -= width
        rect = QRectF(right, top, width, 17)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(FAMILY_COLOURS.get(family(model), pal.FAMILIES["MLP"])))
        painter.drawRoundedRect(rect, 5, 5)
        painter.setPen(QColor("white"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, model)
