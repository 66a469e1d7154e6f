"""Short video clips of a moving (or growing, or shrinking) square: the class
is in the motion, never in one frame.

Each sample is a clip ``(T, 1, s, s)``: a soft-edged square drawn on a field
that wraps around (what leaves one edge comes back at the other), moving one
pixel per frame up, down, left or right; with ``motion_and_size`` two more
classes stand still and grow or shrink. The start is uniform over the whole
field, so in *every* frame, taken alone, the square is anywhere with equal
chance whatever the class; the square's side is drawn for the last frame
from one range for every class (a growing square ends as large as a
shrinking one), so the last frame alone tells nothing about the class
either. A network must compare frames: a CNN on every frame and a GRU over
them, or a CNN that sees the frames stacked as channels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from engine.datasets import transforms as tf
from engine.datasets.base import CLASSIFICATION, VIDEO, DataBundle, DataInfo, DatasetKind
from engine.params import CHOICE, FLOAT, INT, Param

MOTIONS = ("up", "down", "left", "right")
SIZES = ("grow", "shrink")
CLASS_SETS = ("motion", "motion_and_size")
# (rows, columns) moved per frame, in pixels; rows grow downwards.
_VELOCITY = {"up": (-1.0, 0.0), "down": (1.0, 0.0), "left": (0.0, -1.0), "right": (0.0, 1.0)}
# The square's side in the last frame, as fractions of the field, and how much
# a growing or shrinking one changes over the clip.
_SIDE = (0.2, 0.4)
_CHANGE = 0.15


def class_names(o: Mapping[str, Any]) -> tuple[str, ...]:
    return MOTIONS + (SIZES if o["classes"] == "motion_and_size" else ())


def _describe(o: Mapping[str, Any]) -> DataInfo:
    names = class_names(o)
    return DataInfo(VIDEO, (o["frames"], 1, o["size"], o["size"]), CLASSIFICATION, False, len(names),
                    class_names=names, baseline=1 / len(names))


def coverage(centre: np.ndarray, half: np.ndarray, size: int) -> np.ndarray:
    """How much of each pixel ``[i, i+1)`` an interval ``centre ± half`` covers on
    a ring of ``size`` pixels: ``(...,)`` centres and halves → ``(..., size)``."""
    pixel = np.arange(size, dtype=np.float32) + 0.5
    d = (pixel - centre[..., None] + size / 2) % size - size / 2  # signed, wrapped distance
    h = half[..., None]
    return np.clip(np.minimum(d + 0.5, h) - np.maximum(d - 0.5, -h), 0.0, 1.0)


def render(rows: np.ndarray, cols: np.ndarray, sides: np.ndarray, size: int) -> np.ndarray:
    """Squares centred at (rows, cols) with these sides, ``(N, T)`` each →
    frames ``(N, T, size, size)``, float32 in [0, 1]."""
    cy = coverage(rows, sides / 2, size)
    cx = coverage(cols, sides / 2, size)
    return (cy[..., :, None] * cx[..., None, :]).astype(np.float32)


def _generate(o: Mapping[str, Any], seed: int) -> DataBundle:
    n, t, s = o["n_samples"], o["frames"], o["size"]
    names = class_names(o)
    rng = tf.data_rng(seed)
    labels = tf.balanced_labels(rng, n, len(names))
    step = np.arange(t, dtype=np.float32)
    start = rng.uniform(0, s, (n, 2)).astype(np.float32)
    last_side = rng.uniform(_SIDE[0] * s, _SIDE[1] * s, n).astype(np.float32)
    velocity = np.array([_VELOCITY.get(name, (0.0, 0.0)) for name in names], np.float32)[labels]
    rows = start[:, :1] + velocity[:, :1] * step
    cols = start[:, 1:] + velocity[:, 1:] * step
    # Growth per frame: 0 for motion, so the side is last_side throughout.
    change = _CHANGE * s / max(t - 1, 1)
    growth = np.array([change if c == "grow" else -change if c == "shrink" else 0.0 for c in names],
                      np.float32)[labels]
    sides = last_side[:, None] - growth[:, None] * (t - 1 - step)
    x = render(rows, cols, sides, s)[:, :, None]
    if o["noise"] > 0:
        x = x + rng.normal(0, o["noise"], x.shape).astype(np.float32)
    return tf.split_bundle(_describe(o), x, labels, o, seed)


CLIPS = DatasetKind(
    name="clips", title="Moving squares (video clips)",
    help=("Short video clips, frames × 1 × size × size: a square moving one pixel a frame up, down, "
          "left or right on a field that wraps around (and, with 'motion and size', standing still "
          "and growing or shrinking). It starts anywhere, so any one frame shows a square somewhere and "
          "nothing about where it is going: the class is in the change from frame to frame. A CNN on "
          "one frame stays at chance; a CNN on every frame with a GRU over them, or a CNN on the frames "
          "stacked as channels, can see the motion."),
    params=(
        Param("classes", CHOICE, "motion", "motion: up, down, left, right; motion_and_size: also grow "
              "and shrink (in place).", choices=CLASS_SETS, key=True),
        Param("frames", INT, 8, "Frames per clip (T).", minimum=2, maximum=64, key=True),
        Param("size", INT, 16, "Width and height of each frame in pixels.", minimum=8, maximum=64),
        Param("noise", FLOAT, 0.1, "Standard deviation of Gaussian noise added to every pixel.",
              minimum=0.0, maximum=2.0),
        tf.n_samples_param(2000, maximum=20_000),
        tf.VAL_FRACTION,
    ),
    describe=_describe, generate=_generate,
)

KINDS = (CLIPS,)
