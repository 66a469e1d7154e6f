"""A grid of validation samples with captions, for the predictions strip and
the confusion matrix's "samples behind this cell" gallery.

All thumbnails are ONE tiled RGB ImageItem (one item paints in well under a
millisecond; dozens of items take several), with one TextItem per caption,
created once. Images show as ink on white; sequences with many features as
features × time heat maps; sequences of one to three features as tiny line
plots rasterised into the tile; token sequences as their characters in the
caption. A mistaken sample's cell is tinted red and its caption is red.

The grid is laid out in screen pixels: captions keep their size in pixels
while tiles scale, so the columns × rows, the tile size and how many samples
fit (``capacity_for``) come from the widget's size and the captions' measured
size, recomputed (debounced) when the widget is resized — captions never
overlap each other or the tiles. Hovering a cell shows its details.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, QTimer, Signal
from PySide6.QtGui import QCursor, QFont, QFontMetricsF
from PySide6.QtWidgets import QToolTip

from gui.common import palette as pal
from gui.views.sample_tiles import sample_tiles

MISTAKE_TINT = np.array([1.0, 0.82, 0.82], np.float32)  # light red behind a wrong sample
MISTAKE_COLOUR, RIGHT_COLOUR = pal.WRONG, pal.RIGHT
MAX_SAMPLES = 60  # caption items created once, so a page never shows more
GAP_X, GAP_Y = 10, 6  # screen pixels between cells
MIN_TILE_PX = 56  # a page holds as many samples as fit with tiles at least this big
CAPTION_POINTS = 8.0
CAPTION_MARGIN = 1  # pixels around a caption's text


class Grid(NamedTuple):
    columns: int
    rows: int
    scale: float  # screen pixels per tile pixel
    cell_width: float  # screen pixels, gap included
    cell_height: float


def grid_for(n: int, width: float, height: float, tile: tuple[int, int], caption: tuple[float, float]) -> Grid:
    """The columns × rows that show ``n`` tiles (``tile`` = (h, w) tile pixels)
    with captions of ``caption`` = (w, h) pixels under them biggest in a
    ``width`` × ``height`` pixel box, every caption within its own cell."""
    tile_h, tile_w = tile
    caption_w, caption_h = caption
    best: Grid | None = None
    for columns in range(1, max(1, n) + 1):
        rows = -(-max(1, n) // columns)
        cell_w, cell_h = width / columns, height / rows
        if caption_w + GAP_X > cell_w or caption_h + GAP_Y >= cell_h:
            continue  # captions would run into their neighbours
        scale_w = (cell_w - GAP_X) / tile_w if tile_w else math.inf
        scale_h = (cell_h - GAP_Y - caption_h) / tile_h if tile_h else math.inf
        scale = min(scale_w, scale_h, 1e3)
        if best is None or scale > best.scale + 1e-9:
            best = Grid(columns, rows, scale, 0.0, 0.0)
    if best is None:  # too small for anything: one column of whatever fits
        best = Grid(1, max(1, n), 1.0, 0.0, 0.0)
    # Cells as small as the tiles allow, so the grid sits compact in the middle.
    cell_w = max(tile_w * best.scale, caption_w) + GAP_X
    cell_h = tile_h * best.scale + caption_h + GAP_Y
    return best._replace(cell_width=cell_w, cell_height=cell_h)


def capacity_for(width: float, height: float, tile: tuple[int, int], caption: tuple[float, float],
                 limit: int = MAX_SAMPLES) -> int:
    """How many samples fit with tiles at least MIN_TILE_PX on their long side."""
    tile_h, tile_w = tile
    scale = MIN_TILE_PX / max(tile_h, tile_w, 1)
    cell_w = max(tile_w * scale, caption[0]) + GAP_X
    cell_h = tile_h * scale + caption[1] + GAP_Y
    return int(np.clip(int(width // cell_w) * int(height // cell_h), 1, limit))


class SampleThumbnails(pg.GraphicsLayoutWidget):
    """Up to ``capacity`` samples, laid out to fit the widget, each with a caption."""

    capacity_changed = Signal(int)  # after a resize: how many samples now fit (see ``capacity``)

    def __init__(self, capacity: int = MAX_SAMPLES, parent=None) -> None:
        super().__init__(parent)
        self.ink = True  # images are ink on paper; False: photographs (DataInfo.ink), shown as they look
        self.limit = min(capacity, MAX_SAMPLES)
        self.setBackground("w")
        self.ci.setContentsMargins(2, 2, 2, 2)
        self.box = self.addViewBox(lockAspect=True, invertY=True, enableMouse=False)
        self.box.setDefaultPadding(0.0)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.box.addItem(self.image_item)
        self.font = QFont()
        self.font.setPointSizeF(CAPTION_POINTS)
        self.metrics = QFontMetricsF(self.font)
        self.caption_items: list[pg.TextItem] = []
        for _ in range(self.limit):
            text = pg.TextItem(color=RIGHT_COLOUR, anchor=(0.5, 0.0))
            text.setFont(self.font)
            text.textItem.document().setDocumentMargin(CAPTION_MARGIN)  # default 4 px wastes room
            self.box.addItem(text, ignoreBounds=True)  # the view fits the image alone
            self.caption_items.append(text)
        self.indices = np.zeros(0, np.int64)  # sample-set indices shown, in order
        self.mistakes = np.zeros(0, bool)  # which of them are marked as mistakes
        self.captions: list[str] = []
        self.details: list[str] = []  # tooltips, by cell
        self.grid: Grid | None = None
        self._cell_units = (1, 1, 0, 0)  # cell and tile size in picture units
        self._inputs, self._kind = None, "image"
        self._last_capacity = 0
        self._picture_key: tuple | None = None  # what the image shows (show_samples)
        self._caption_shown: list[tuple | None] = [None] * self.limit  # each caption's text, colour, place
        self._tile_shape_of: tuple = (None, (1, 1), None)  # ((id of inputs, kind), tile shape, inputs)
        self._relayout_timer = QTimer(self)
        self._relayout_timer.setSingleShot(True)
        self._relayout_timer.setInterval(120)  # a dragged splitter sends dozens of resizes
        self._relayout_timer.timeout.connect(self._on_resized)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.setMinimumSize(160, 100)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(420, 260)

    # --- sizing ---------------------------------------------------------------------------
    def box_size(self) -> tuple[float, float]:
        """The pixels the grid may use (the widget less its margins)."""
        return max(1.0, self.width() - 6.0), max(1.0, self.height() - 6.0)

    def caption_size(self, captions: list[str]) -> tuple[float, float]:
        """Pixels of the widest and tallest of ``captions`` in the caption font."""
        width = height = 0.0
        for text in captions:
            lines = text.split("\n")
            width = max(width, *(self.metrics.horizontalAdvance(line) for line in lines))
            height = max(height, len(lines) * self.metrics.lineSpacing())
        return width + 2 * CAPTION_MARGIN + 2, height + 2 * CAPTION_MARGIN  # +2: rounding of the layout

    def capacity(self, inputs: np.ndarray, kind: str, captions: list[str]) -> int:
        """How many samples of ``inputs`` fit now, with captions like ``captions``."""
        if inputs is None or not len(inputs):
            return self.limit
        tile = self._tile_shape(inputs, kind)
        return min(self.limit, capacity_for(*self.box_size(), tile, self.caption_size(captions)))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        timer = getattr(self, "_relayout_timer", None)  # pyqtgraph resizes once while constructing
        if timer is not None:
            timer.start()

    def _on_resized(self) -> None:
        if self._inputs is None:
            return
        capacity = self.capacity(self._inputs, self._kind, self.captions)
        if capacity != self._last_capacity:
            self._last_capacity = capacity
            self.capacity_changed.emit(capacity)  # the owner may show another set of samples
        self.show_samples(self._inputs, self._kind, self.indices, self.captions, self.mistakes, self.details)

    # --- drawing ------------------------------------------------------------------------------
    def show_samples(self, inputs: np.ndarray, kind: str, indices: np.ndarray, captions: list[str],
                     mistakes: np.ndarray | None = None, details: list[str] | None = None) -> None:
        """Show ``inputs[indices]`` (at most ``limit``) with their captions (and
        ``details`` on hover). ``inputs`` is the whole sample set, so tiles are
        scaled over all of it."""
        indices = np.asarray(indices, np.int64)[:self.limit]
        n = len(indices)
        captions = list(captions)[:n]
        mistakes = np.zeros(n, bool) if mistakes is None else np.asarray(mistakes, bool)[:n]
        self.indices, self.mistakes, self.captions = indices, mistakes, captions
        self.details = list(details)[:n] if details is not None else list(captions)
        self._inputs, self._kind = (inputs, kind) if n else (None, kind)
        if n == 0:
            if self.grid is not None or self._picture_key is not None:
                self.grid, self._picture_key = None, None
                self.image_item.clear()
                for text in self.caption_items:
                    text.hide()
                self._caption_shown = [None] * self.limit
            return
        self._last_capacity = self.capacity(inputs, kind, captions)
        h, w = self._tile_shape(inputs, kind)
        grid = self.grid = grid_for(n, *self.box_size(), (h, w), self.caption_size(captions))
        # Tiles are enlarged by a whole factor (crisp pixels) and the picture is built in
        # units of about one screen pixel, so gaps and caption room are exact in pixels.
        zoom = max(1, int(grid.scale))
        unit = grid.scale / zoom  # screen pixels per picture unit
        cell_w, cell_h = math.ceil(grid.cell_width / unit), math.ceil(grid.cell_height / unit)
        tile_w, tile_h = w * zoom, h * zoom
        self._cell_units = (cell_w, cell_h, tile_w, tile_h)
        # Live, the same samples come again with new captions (confidences) at every
        # snapshot: the picture is rebuilt only when what it shows changed.
        key = (id(inputs), kind, self.ink, indices.tobytes(), mistakes.tobytes(), grid)
        if key != self._picture_key:
            self._picture_key = key
            self._draw_picture(sample_tiles(inputs, kind, indices, self.ink), mistakes, zoom)
        for i, text in enumerate(self.caption_items):
            if i >= n:
                text.hide()
                self._caption_shown[i] = None
                continue
            r, c = divmod(i, grid.columns)
            shown = (captions[i], bool(mistakes[i]), c * cell_w + cell_w / 2, r * cell_h + tile_h + 2)
            if shown != self._caption_shown[i]:  # setText re-lays the text out: only when it changed
                self._caption_shown[i] = shown
                text.setText(captions[i], color=MISTAKE_COLOUR if mistakes[i] else RIGHT_COLOUR)
                text.setPos(shown[2], shown[3])
            text.show()

    def _draw_picture(self, tiles: np.ndarray, mistakes: np.ndarray, zoom: int) -> None:
        grid = self.grid
        cell_w, cell_h, tile_w, tile_h = self._cell_units
        picture = np.ones((grid.rows * cell_h, grid.columns * cell_w, 3), np.float32)
        for i, tile in enumerate(tiles):
            r, c = divmod(i, grid.columns)
            top, left = r * cell_h, c * cell_w
            if mistakes[i]:
                picture[top + 1:top + cell_h - 1, left + 1:left + cell_w - 1] = MISTAKE_TINT
            x = left + (cell_w - tile_w) // 2
            big = np.repeat(np.repeat(1.0 - tile, zoom, axis=0), zoom, axis=1)
            picture[top + 2:top + 2 + tile_h, x:x + tile_w] = big[..., None]
        self.image_item.setImage(picture, levels=(0.0, 1.0))
        self.box.setRange(QRectF(0, 0, picture.shape[1], picture.shape[0]), padding=0.0)

    def _tile_shape(self, inputs: np.ndarray, kind: str) -> tuple[int, int]:
        """(h, w) of one sample's tile, measured once per sample set."""
        key = (id(inputs), kind)
        if self._tile_shape_of[0] != key:
            # (the inputs are kept with it, so their id cannot be reused by another array)
            self._tile_shape_of = (key, tuple(sample_tiles(inputs, kind, np.zeros(1, np.int64)).shape[1:]), inputs)
        return self._tile_shape_of[1]

    def clear_samples(self) -> None:
        self.show_samples(np.zeros((0, 1, 1, 1), np.float32), "image", np.zeros(0, np.int64), [])

    def cell_rect(self, i: int, tile_only: bool = False) -> QRectF:
        """Scene rectangle of cell ``i`` (or of its tile alone), for hit tests and tests."""
        cell_w, cell_h, tile_w, tile_h = self._cell_units
        r, c = divmod(i, self.grid.columns)
        rect = QRectF(c * cell_w, r * cell_h, cell_w, cell_h)
        if tile_only:
            rect = QRectF(c * cell_w + (cell_w - tile_w) // 2, r * cell_h + 2, tile_w, tile_h)
        return self.image_item.mapRectToScene(rect)

    # --- hover ------------------------------------------------------------------------------
    def cell_at(self, scene_pos) -> int | None:
        """Index (into ``indices``) of the cell under a scene position."""
        if self.grid is None or self.image_item.image is None:
            return None
        point = self.image_item.mapFromScene(scene_pos)
        height, width = self.image_item.image.shape[:2]
        if not (0 <= point.x() < width and 0 <= point.y() < height):
            return None
        column = int(point.x() * self.grid.columns / width)
        row = int(point.y() * self.grid.rows / height)
        i = row * self.grid.columns + column
        return i if i < len(self.indices) else None

    def _on_mouse_moved(self, scene_pos) -> None:
        i = self.cell_at(scene_pos)
        if i is None:
            QToolTip.hideText()
        else:
            QToolTip.showText(QCursor.pos(), self.details[i], self)
