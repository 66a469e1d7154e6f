"""Image data sets: scikit-learn's handwritten digits and generated shapes."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np

from engine.datasets import transforms as tf
from engine.datasets.base import CLASSIFICATION, IMAGE, SEQUENCE, DataBundle, DataInfo, DatasetKind
from engine.errors import DataError
from engine.params import BOOL, CHOICE, FLOAT, INT, Param

# ---------------------------------------------------------------- digits

DIGIT_NAMES = tuple(str(i) for i in range(10))


@functools.lru_cache(maxsize=1)
def _digit_images() -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 digits as float32 ``(N, 8, 8)`` in [0, 1], and int64 labels.

    Read from scikit-learn's own data file without importing scikit-learn:
    ``sklearn.datasets`` takes about a second and ~70 MB to import (scipy), in
    the window and in every training process, for one 1,797-row CSV."""
    table = _digits_table()
    images = (table[:, :-1].reshape(-1, 8, 8) / 16.0).astype(np.float32)
    images.setflags(write=False)  # shared by every load: guard the cache
    labels = table[:, -1].astype(np.int64)
    labels.setflags(write=False)
    return images, labels


def _digits_table() -> np.ndarray:
    """scikit-learn's ``digits.csv.gz`` (64 pixels 0–16 and the label per row)."""
    import gzip
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("sklearn")  # finds the package; runs none of it
    if spec is None or not spec.submodule_search_locations:
        raise DataError("the digits data set needs scikit-learn (pip install scikit-learn)")
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / "digits.csv.gz"
    if not path.is_file():  # a layout this code does not know: ask scikit-learn itself
        from sklearn.datasets import load_digits

        digits = load_digits()
        return np.column_stack([digits.data, digits.target])
    with gzip.open(path, "rt") as handle:
        return np.loadtxt(handle, delimiter=",")


def _describe_digits(o: Mapping[str, Any]) -> DataInfo:
    if o["as_sequence"]:
        return DataInfo(SEQUENCE, (8, 8), CLASSIFICATION, False, 10, class_names=DIGIT_NAMES,
                        baseline=0.1)
    return DataInfo(IMAGE, (1, 8, 8), CLASSIFICATION, False, 10, class_names=DIGIT_NAMES,
                    baseline=0.1)


def _generate_digits(o: Mapping[str, Any], seed: int) -> DataBundle:
    images, labels = _digit_images()
    x = images[:, None]  # (N, 1, 8, 8)
    if o["permute_pixels"]:
        x = tf.permute_pixels(x, seed)
    if o["as_sequence"]:
        x = x[:, 0]  # (N, 8, 8): time = row, features = the 8 pixels of that row
    return tf.split_bundle(_describe_digits(o), x, labels, o, seed)


DIGITS = DatasetKind(
    name="digits",
    title="Handwritten digits (8×8)",
    help=("1,797 small scans of handwritten digits 0–9 (scikit-learn's copy of the UCI set), "
          "8×8 pixels, 10 classes. Small enough to train a CNN in seconds. Tick 'as sequence' "
          "to feed each image to a recurrent network one row at a time: time is then just the "
          "order in which the rows are read."),
    params=(
        Param("as_sequence", BOOL, False,
              "Read each image as a sequence of 8 rows (8 pixels per step) for RNNs."),
        tf.PERMUTE_PIXELS,
        tf.VAL_FRACTION,
    ),
    describe=_describe_digits,
    generate=_generate_digits,
)

# ---------------------------------------------------------------- shapes

SHAPE_NAMES = ("circle", "square", "triangle", "cross")
POSITIONS = ("anywhere", "left", "right", "train_left_val_right")
_CHUNK = 2048  # samples rendered at once: bounds the (chunk, H, W) temporaries


def _describe_shapes(o: Mapping[str, Any]) -> DataInfo:
    s = o["size"]
    return DataInfo(IMAGE, (1, s, s), CLASSIFICATION, False, 4, class_names=SHAPE_NAMES,
                    baseline=0.25)


def _signed_distance(kind: int, dx: np.ndarray, dy: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Signed distance (pixels, negative inside) from each pixel to the shape
    outline; shapes are centred at 0 and fit in a box of half-width ``r``."""
    if kind == 0:  # circle
        return np.sqrt(dx * dx + dy * dy) - r
    if kind == 1:  # square (a slightly smaller box, so its area is close to the disk's)
        return np.maximum(np.abs(dx), np.abs(dy)) - 0.85 * r
    if kind == 2:  # upward triangle: intersection of three half-planes
        # y grows downwards in images, so "up" is -y. Vertices lie on the circle of radius r.
        s3 = np.sqrt(3.0) / 2.0
        return np.maximum(dy, np.maximum(-0.5 * dy + s3 * dx, -0.5 * dy - s3 * dx)) - 0.5 * r
    w = 0.3 * r  # plus-shaped cross: union of two bars
    bar_h = np.maximum(np.abs(dx) - r, np.abs(dy) - w)
    bar_v = np.maximum(np.abs(dx) - w, np.abs(dy) - r)
    return np.minimum(bar_h, bar_v)


def render_shapes(labels: np.ndarray, cx: np.ndarray, cy: np.ndarray, r: np.ndarray,
                  size: int) -> np.ndarray:
    """Noise-free images ``(N, size, size)`` in [0, 1], with anti-aliased edges
    (one pixel of ramp) so small shapes keep their outline."""
    out = np.empty((len(labels), size, size), dtype=np.float32)
    centres = np.arange(size, dtype=np.float32) + 0.5
    for start in range(0, len(labels), _CHUNK):
        sl = slice(start, start + _CHUNK)
        dx = centres[None, None, :] - cx[sl, None, None]
        dy = centres[None, :, None] - cy[sl, None, None]
        dist = np.empty(dx.shape[:1] + (size, size), dtype=np.float32)
        for kind in range(4):
            m = labels[sl] == kind
            if m.any():
                dist[m] = _signed_distance(kind, dx[m], dy[m], r[sl][m, None, None])
        out[sl] = np.clip(0.5 - dist, 0.0, 1.0)
    return out


def _draw(rng: np.random.Generator, n: int, size: int, position: str) -> tuple[np.ndarray, ...]:
    """Labels and geometry of ``n`` shapes. The shape's whole box (not only its
    centre) stays inside the chosen half, so a model trained on the left has
    never seen anything but noise on the right (the shift test, claim C3)."""
    labels = tf.balanced_labels(rng, n, 4)
    # Diameter from a quarter to half the image: every shape fits in either half.
    r = rng.uniform(max(2.0, size / 8), size / 4, n).astype(np.float32)
    lo, hi = {"left": (0.0, size / 2), "right": (size / 2, float(size))}.get(position, (0.0, size))
    cx = (lo + r + rng.random(n) * (hi - lo - 2 * r)).astype(np.float32)
    cy = (r + rng.random(n) * (size - 2 * r)).astype(np.float32)
    return labels, cx, cy, r


def _generate_shapes(o: Mapping[str, Any], seed: int) -> DataBundle:
    rng = tf.data_rng(seed)
    size, n = o["size"], o["n_samples"]
    info = _describe_shapes(o)

    def images(count: int, position: str) -> tuple[np.ndarray, np.ndarray]:
        labels, cx, cy, r = _draw(rng, count, size, position)
        x = render_shapes(labels, cx, cy, r, size)
        if o["noise"] > 0:
            x += np.float32(o["noise"]) * rng.standard_normal(x.shape, dtype=np.float32)
        x = x[:, None]
        if o["permute_pixels"]:
            x = tf.permute_pixels(x, seed)
        return x, labels

    if o["position"] == "train_left_val_right":
        n_val = tf.val_count(n, o["val_fraction"])
        x_train, y_train = images(n - n_val, "left")
        x_val, y_val = images(n_val, "right")
        return tf.make_bundle(info, x_train, y_train, x_val, y_val)
    x, y = images(n, o["position"])
    return tf.split_bundle(info, x, y, o, seed)


SHAPES = DatasetKind(
    name="shapes",
    title="Shapes (circle, square, triangle, cross)",
    help=("Generated grey images of four shapes at random positions and sizes, with Gaussian "
          "noise. Use 'position' for the shift test: train where shapes only appear on the "
          "left and validate where they only appear on the right. A CNN with global pooling "
          "finds a shape wherever it is; a dense network has never seen anything on the "
          "right and drops to chance."),
    params=(
        tf.n_samples_param(3000),
        Param("size", INT, 16, "Image width and height in pixels.", minimum=8, maximum=64),
        Param("noise", FLOAT, 0.1, "Standard deviation of the pixel noise (shapes are 1 on 0).",
              minimum=0.0, maximum=2.0),
        Param("position", CHOICE, "anywhere",
              "Where shapes appear; train_left_val_right trains on the left half and "
              "validates on the right half.", choices=POSITIONS),
        tf.PERMUTE_PIXELS,
        tf.VAL_FRACTION,
    ),
    describe=_describe_shapes,
    generate=_generate_shapes,
)

KINDS = (DIGITS, SHAPES)
