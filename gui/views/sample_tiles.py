"""Samples as small grey pictures for the thumbnail grids: images as ink,
clips as filmstrips of their frames, sequences with many features as features × time maps, sequences of one to
three features as 1-pixel line plots, tokens as no picture (their characters
go in the caption). Plain NumPy, so the sizing logic can measure a tile
without drawing it."""

from __future__ import annotations

import numpy as np

MAX_LINE_FEATURES = 3  # up to this many features a sequence reads better as lines than as a heat map


def sample_tiles(inputs: np.ndarray, kind: str, indices: np.ndarray, ink: bool = True) -> np.ndarray:
    """``inputs[indices]`` → (n, h, w) grey tiles in [0, 1], 1 = ink (drawn dark),
    scaled over the whole set ``inputs`` so that brightness compares across
    thumbnails. ``ink`` False: the images are photographs, whose high values
    are light (DataInfo.ink), so they are turned round to look as they do."""
    x = np.asarray(inputs)
    chosen = x[indices].astype(np.float32)
    low, high = float(x.min(initial=0.0)), float(x.max(initial=1.0))
    if kind == "image":
        tiles = chosen.mean(axis=1) if chosen.ndim == 4 else chosen  # several channels: their mean
    elif kind == "video":  # a filmstrip: the frames side by side, first to last
        frames = chosen.mean(axis=2)  # (n, T, H, W)
        tiles = np.concatenate(list(np.moveaxis(frames, 1, 0)), axis=2)
    elif kind == "sequence" and x.shape[-1] > MAX_LINE_FEATURES:
        # Features × time; rows repeated so that a long, narrow map is not a sliver.
        tiles = np.swapaxes(chosen, 1, 2)
        tiles = np.repeat(tiles, max(1, x.shape[1] // (2 * x.shape[2])), axis=1)
    elif kind == "sequence":
        return _line_tiles(chosen, x.min(axis=(0, 1)), x.max(axis=(0, 1)))
    else:  # tokens: the characters go in the caption; no picture, just room for it
        return np.zeros((len(chosen), 0, 12), np.float32)
    tiles = (tiles - low) / (high - low if high > low else 1.0)
    return tiles if ink or kind not in ("image", "video") else 1.0 - tiles


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

