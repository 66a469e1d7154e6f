"""Scenes to caption: two small shapes on a 3×3 grid, and a sentence saying
where one is from the other.

Each image (1, 18, 18) has two shapes (circle, square, triangle, cross; the
two may be alike) in two different cells of a 3×3 grid of 6×6 cells, each
shifted by a pixel at random inside its cell. The caption names the shape
that comes first in reading order (top row first, left to right), then where
it is from the other:

- same row: "circle left of square";
- same column: "circle above square";
- otherwise (the first is always the higher one): "circle above and left of
  square" or "circle above and right of square".

So every scene has exactly one caption, and captions have 3, 4 or 6 words.
Targets are per step like seq2seq: the words' ids, the end token, then
IGNORE_INDEX; the output has 7 steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from engine.datasets import transforms as tf
from engine.datasets.base import CLASSIFICATION, IGNORE_INDEX, IMAGE, DataBundle, DataInfo, DatasetKind
from engine.params import FLOAT, Param
from engine.sequence_text import END

GRID, CELL = 3, 6
SIZE = GRID * CELL
_BITMAPS = {
    "circle": (".###.", "#...#", "#...#", "#...#", ".###."),
    "square": ("#####", "#...#", "#...#", "#...#", "#####"),
    "triangle": ("..#..", ".#.#.", ".#.#.", "#...#", "#####"),
    "cross": ("#...#", ".#.#.", "..#..", ".#.#.", "#...#"),
}
SHAPES = tuple(_BITMAPS)
WORDS = (*SHAPES, "left", "right", "of", "above", "and")
CLASS_NAMES = (*WORDS, END)
STEPS = 7  # the longest caption (6 words) and its end token


def _bitmap(name: str) -> np.ndarray:
    return np.array([[c == "#" for c in row] for row in _BITMAPS[name]], np.float32)


def caption(first: str, first_cell: tuple[int, int], second: str, second_cell: tuple[int, int]) -> list[str]:
    """The caption of two shapes at (row, column) cells, ``first`` the earlier
    in reading order."""
    (r1, c1), (r2, c2) = first_cell, second_cell
    if r1 == r2:
        relation = ["left", "of"]
    elif c1 == c2:
        relation = ["above"]
    else:
        relation = ["above", "and", "left" if c1 < c2 else "right", "of"]
    return [first, *relation, second]


def _describe(o: Mapping[str, Any]) -> DataInfo:
    # Guessing: the most frequent word at each scored step is right about a third of the time.
    return DataInfo(IMAGE, (1, SIZE, SIZE), CLASSIFICATION, True, len(CLASS_NAMES), class_names=CLASS_NAMES,
                    baseline=0.3, out_steps=STEPS)


def _generate(o: Mapping[str, Any], seed: int) -> DataBundle:
    rng = tf.data_rng(seed)
    n = o["n_samples"]
    info = _describe(o)
    bitmaps = [_bitmap(s) for s in SHAPES]
    x = np.zeros((n, 1, SIZE, SIZE), np.float32)
    y = np.full((n, STEPS), IGNORE_INDEX, np.int64)
    for i in range(n):
        cells = np.sort(rng.choice(GRID * GRID, size=2, replace=False))  # reading order
        kinds = rng.integers(0, len(SHAPES), size=2)
        for cell, kind in zip(cells, kinds, strict=True):
            row, col = divmod(int(cell), GRID)
            dy, dx = rng.integers(0, CELL - 5 + 1, size=2)
            top, left = row * CELL + dy, col * CELL + dx
            x[i, 0, top:top + 5, left:left + 5] = bitmaps[kind]
        words = caption(SHAPES[kinds[0]], divmod(int(cells[0]), GRID), SHAPES[kinds[1]], divmod(int(cells[1]), GRID))
        ids = [CLASS_NAMES.index(w) for w in words] + [len(CLASS_NAMES) - 1]
        y[i, :len(ids)] = ids
    if o["noise"] > 0:
        x = np.clip(x + rng.normal(0, o["noise"], x.shape).astype(np.float32), 0, 1)
    return tf.split_bundle(info, x, y, o, seed)


SCENES = DatasetKind(
    name="scenes", title="Scenes to caption",
    help=("Small pictures of two shapes (circle, square, triangle, cross) on a 3×3 grid, each with a caption "
          "that says where one is from the other: 'circle left of square', 'triangle above cross', 'cross above "
          "and right of circle'. The shape named first is the one that comes first in reading order (top row "
          "first, then left to right), so each picture has one right caption. A CNN reads the picture into a "
          "vector and a Decoder writes the caption word by word, each word fed back as the next step's input "
          "(image captioning: one-to-many, claim C13)."),
    params=(
        tf.n_samples_param(6000),
        Param("noise", FLOAT, 0.1, "Standard deviation of Gaussian pixel noise.", minimum=0.0, maximum=1.0),
        tf.VAL_FRACTION,
    ),
    describe=_describe, generate=_generate,
)

KINDS = (SCENES,)
