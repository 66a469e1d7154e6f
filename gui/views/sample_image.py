"""Turning samples and stacks of maps into one displayable image.

Shared by the CNN views. Many small maps (filters, channels) are tiled into
ONE row-major float32 array with 1 px NaN gaps: a single ImageItem paints
32 tiles in about 0.5 ms where 32 items take 4–6 ms, and NaN pixels are drawn
transparent, so the gaps show the background.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

GAP = 1  # pixels between tiles


@dataclass(frozen=True)
class Tiling:
    """Where tile i lies in a tiled image: row-major, ``columns`` per row."""

    count: int
    tile_h: int
    tile_w: int
    columns: int

    @property
    def rows(self) -> int:
        return max(1, -(-self.count // self.columns))

    @property
    def shape(self) -> tuple[int, int]:
        return (self.rows * (self.tile_h + GAP) - GAP, self.columns * (self.tile_w + GAP) - GAP)

    def origin(self, index: int) -> tuple[int, int]:
        """(top row, left column) of tile ``index``."""
        r, c = divmod(index, self.columns)
        return r * (self.tile_h + GAP), c * (self.tile_w + GAP)

    def locate(self, y: float, x: float) -> tuple[int, int, int] | None:
        """(tile, row, col) under image coordinates (x, y), or None in a gap or outside."""
        if x < 0 or y < 0:
            return None
        r, row = divmod(int(y), self.tile_h + GAP)
        c, col = divmod(int(x), self.tile_w + GAP)
        index = r * self.columns + c
        if row >= self.tile_h or col >= self.tile_w or c >= self.columns or index >= self.count:
            return None
        return index, row, col


def grid_columns(count: int, tile_h: int = 1, tile_w: int = 1) -> int:
    """Columns that make the tiled picture roughly square."""
    if count <= 0:
        return 1
    return max(1, min(count, round(math.sqrt(count * tile_h / max(tile_w, 1)))))


def tile(maps: np.ndarray, columns: int | None = None) -> tuple[np.ndarray, Tiling]:
    """(N, h, w) → one (rows·(h+1)−1, cols·(w+1)−1) float32 image, NaN in the gaps."""
    n, h, w = maps.shape
    layout = Tiling(n, h, w, columns or grid_columns(n, h, w))
    out = np.full(layout.shape, np.nan, np.float32)
    for i in range(n):
        top, left = layout.origin(i)
        out[top:top + h, left:left + w] = maps[i]
    return out, layout


def sample_picture(x: np.ndarray) -> np.ndarray:
    """One sample as a 2-D row-major float32 picture: an image (C, H, W) as the
    mean of its channels; a sequence (T, F) as features × time (time on x);
    token ids (T,) as one row."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 3:
        return x.mean(axis=0)
    if x.ndim == 2:
        return np.ascontiguousarray(x.T)
    return x.reshape(1, -1)


def ink_colour_map():
    """White paper, dark ink: how digits and shapes look in the data-set preview."""
    import pyqtgraph as pg

    return pg.ColorMap([0.0, 1.0], [(255, 255, 255), (20, 20, 20)])


def photo_colour_map():
    """Dark to light: how photographs (an imported image folder, DataInfo.ink False) look."""
    import pyqtgraph as pg

    return pg.ColorMap([0.0, 1.0], [(20, 20, 20), (255, 255, 255)])


def picture_levels(picture: np.ndarray) -> tuple[float, float]:
    """At least 0..1 (digits and shapes are ink 1 on paper 0), widened to the data's range."""
    finite = picture[np.isfinite(picture)]
    if finite.size == 0:
        return 0.0, 1.0
    return min(float(finite.min()), 0.0), max(float(finite.max()), 1.0)
