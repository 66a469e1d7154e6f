"""A grid of validation samples with captions, for the predictions strip and
the confusion matrix's "samples behind this cell" gallery.

All thumbnails are ONE tiled RGB ImageItem (one item paints in well under a
millisecond; dozens of items take several), with one TextItem per caption,
created once. Images show as ink on white; sequences with many features as
features × time heat maps; sequences of one to three features as tiny line
plots rasterised into the tile; token sequences as their characters in the
caption. A mistaken sample's cell is tinted red and its caption is red.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize
from PySide6.QtGui import QFont

MISTAKE_TINT = np.array([1.0, 0.82, 0.82], np.float32)  # light red behind a wrong sample
MISTAKE_COLOUR, RIGHT_COLOUR = "#b2182b", "#222222"
MAX_LINE_FEATURES = 3  # up to this many features a sequence reads better as lines than as a heat map


def sample_tiles(inputs: np.ndarray, kind: str, indices: np.ndarray) -> np.ndarray:
    """``inputs[indices]`` → (n, h, w) grey tiles in [0, 1], 1 = ink, scaled over
    the whole set ``inputs`` so that brightness compares across thumbnails."""
    x = np.asarray(inputs)
    chosen = x[indices].astype(np.float32)
    low, high = float(x.min(initial=0.0)), float(x.max(initial=1.0))
    if kind == "image":
        tiles = chosen.mean(axis=1) if chosen.ndim == 4 else chosen  # several channels: their mean
    elif kind == "sequence" and x.shape[-1] > MAX_LINE_FEATURES:
        # Features × time; rows repeated so that a long, narrow map is not a sliver.
        tiles = np.swapaxes(chosen, 1, 2)
        tiles = np.repeat(tiles, max(1, x.shape[1] // (2 * x.shape[2])), axis=1)
    elif kind == "sequence":
        return _line_tiles(chosen, x.min(axis=(0, 1)), x.max(axis=(0, 1)))
    else:  # tokens: the characters go in the caption; no picture, just room for it
        return np.zeros((len(chosen), 0, 12), np.float32)
    return (tiles - low) / (high - low if high > low else 1.0)


def _line_tiles(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """(n, T, F≤3) → (n, h, T): each feature drawn as a connected 1-pixel line."""
    n, t, f = x.shape
    h = max(12, t // 3)
    rows = np.rint((h - 1) * (1.0 - (x - low) / np.where(high > low, high - low, 1.0))).astype(int)
    rows = np.clip(rows, 0, h - 1)
    tiles = np.zeros((n, h, t), np.float32)
    for i in range(n):
        for feature in range(f):
            r = rows[i, :, feature]
            previous = np.concatenate([r[:1], r[:-1]])
            # Fill the column between the previous and this value, so steep steps stay connected.
            for step, (a, b) in enumerate(zip(np.minimum(r, previous), np.maximum(r, previous), strict=True)):
                tiles[i, a:b + 1, step] = 1.0
    return tiles


class SampleThumbnails(pg.GraphicsLayoutWidget):
    """Up to ``capacity`` samples in ``columns`` columns, each with a caption."""

    def __init__(self, capacity: int = 24, columns: int = 6, parent=None) -> None:
        super().__init__(parent)
        self.capacity, self.columns = capacity, columns
        self.setBackground("w")
        self.box = self.addViewBox(lockAspect=True, invertY=True, enableMouse=False)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.box.addItem(self.image_item)
        font = QFont()
        font.setPointSizeF(7.5)
        self.caption_items: list[pg.TextItem] = []
        for _ in range(capacity):
            text = pg.TextItem(color=RIGHT_COLOUR, anchor=(0.5, 0.0))
            text.setFont(font)
            self.box.addItem(text, ignoreBounds=True)  # the view fits the image alone
            self.caption_items.append(text)
        self.indices = np.zeros(0, np.int64)  # sample-set indices shown, in order
        self.mistakes = np.zeros(0, bool)  # which of them are marked as mistakes
        self.captions: list[str] = []
        self.setMinimumSize(200, 120)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(420, 260)

    def show_samples(self, inputs: np.ndarray, kind: str, indices: np.ndarray, captions: list[str],
                     mistakes: np.ndarray | None = None) -> None:
        """Show ``inputs[indices]`` (at most ``capacity``) with their captions.
        ``inputs`` is the whole sample set, so tiles are scaled over all of it."""
        indices = np.asarray(indices, np.int64)[:self.capacity]
        captions = list(captions)[:len(indices)]
        mistakes = np.zeros(len(indices), bool) if mistakes is None else np.asarray(mistakes, bool)[:len(indices)]
        self.indices, self.mistakes, self.captions = indices, mistakes, captions
        if len(indices) == 0:
            self.image_item.clear()
            for text in self.caption_items:
                text.hide()
            return
        tiles = sample_tiles(inputs, kind, indices)
        _, h, w = tiles.shape
        gap = max(3, w // 4) | 1  # room for captions wider than small tiles; odd, so tiles sit centred in their cell
        # Captions keep their size in pixels while tiles scale with the view, so the room
        # for two caption lines is a fixed share of the cell width.
        label_rows = max(4, int(np.ceil(0.42 * (w + gap))))
        cell_h, cell_w = h + label_rows, w + gap
        columns = min(self.columns, len(indices))
        rows = -(-len(indices) // columns)
        picture = np.ones((rows * cell_h, columns * cell_w, 3), np.float32)
        for i, tile in enumerate(tiles):
            r, c = divmod(i, columns)
            top, left = r * cell_h, c * cell_w
            if mistakes[i]:
                picture[top:top + cell_h - 1, left:left + cell_w - 1] = MISTAKE_TINT  # a white seam between cells
            picture[top + 1:top + 1 + h, left + gap // 2:left + gap // 2 + w] = (1.0 - tile)[..., None]  # 1 px margins
        self.image_item.setImage(picture, levels=(0.0, 1.0))
        for i, text in enumerate(self.caption_items):
            if i >= len(indices):
                text.hide()
                continue
            r, c = divmod(i, columns)
            text.setText(captions[i], color=MISTAKE_COLOUR if mistakes[i] else RIGHT_COLOUR)
            text.setPos(c * cell_w + cell_w / 2, r * cell_h + h + 1)
            text.show()
        # Keep fitting when the dock is resized later (a one-off autoRange would not).
        self.box.enableAutoRange(enable=True)
        self.box.autoRange(padding=0.01)

    def clear_samples(self) -> None:
        self.show_samples(np.zeros((0, 1, 1, 1), np.float32), "image", np.zeros(0, np.int64), [])
