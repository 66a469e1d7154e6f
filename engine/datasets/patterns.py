"""Patterns for a Hopfield network: binarised digits or shapes, or random
±1 patterns, and probes made from them by flipping or hiding pixels.

Each sample is a corrupted copy of one stored pattern, an image (1, s, s)
of ±1; its target is the clean pattern, one class per pixel (0 = off,
1 = on), so the metric every view already shows — accuracy — is the
fraction of pixels recalled. The training set's targets are what a Hebbian
or projection rule stores; the validation set probes the same patterns with
fresh corruptions, sample j probing pattern j mod K so the first K samples
(and the views' probes) cover every stored pattern.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from engine import hopfield
from engine.datasets import transforms as tf
from engine.datasets.base import CLASSIFICATION, IMAGE, DataBundle, DataInfo, DatasetKind
from engine.datasets.images import _digit_images, render_shapes
from engine.errors import SpecError
from engine.params import CHOICE, FLOAT, INT, Param

SOURCES = ("digits", "shapes", "random")
CORRUPTIONS = ("flip", "occlude")
_DIGIT_INK = 0.3  # resized digits are grey at the stroke edges; above this is ink


def _describe(o: Mapping[str, Any]) -> DataInfo:
    s = o["size"]
    return DataInfo(IMAGE, (1, s, s), CLASSIFICATION, True, 2, class_names=("off", "on"),
                    baseline=_probe_accuracy(o))


def _probe_accuracy(o: Mapping[str, Any]) -> float:
    """The baseline: pixels right in the corrupted probe itself (a net that
    changes nothing). Hiding rows costs only their "on" pixels, so it is
    measured on a few of the source's patterns (the same at every seed)."""
    if o["corruption"] == "flip":
        return 1.0 - o["amount"]
    sample = source_patterns(o, 0, 10)
    hidden = hopfield.corrupt(sample, np.random.default_rng(0), "occlude", o["amount"])
    return float((hidden == sample).mean())


def _check(o: Mapping[str, Any], path: str) -> None:
    units = o["size"] ** 2
    if units > hopfield.MAX_UNITS:
        raise SpecError(f"{path}.size", f"{o['size']}×{o['size']} pixels make {units:,} units and a "
                        f"{units:,}×{units:,} weight matrix ({units * units * 4 / 1e9:.1f} GB); "
                        f"the limit is {hopfield.MAX_UNITS:,} units (size 64)")
    if o["n_patterns"] > units:
        raise SpecError(f"{path}.n_patterns", f"{o['n_patterns']} patterns for {units} units: a network "
                        f"of N units stores at most N independent patterns (and recalls far fewer)")


def resize(images: np.ndarray, size: int) -> np.ndarray:
    """Bilinear resize of (K, h, w) images to (K, size, size)."""
    h = images.shape[1]
    pos = np.clip((np.arange(size) + 0.5) * h / size - 0.5, 0, h - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, h - 1)
    f = (pos - lo).astype(np.float32)
    rows = images[:, lo, :] * (1 - f)[None, :, None] + images[:, hi, :] * f[None, :, None]
    return rows[:, :, lo] * (1 - f)[None, None, :] + rows[:, :, hi] * f[None, None, :]


def source_patterns(o: Mapping[str, Any], seed: int, count: int) -> np.ndarray:
    """``count`` clean patterns (count, s·s) of ±1, float32. Digits and shapes
    go round the classes (the first ten digits are ten different ones)."""
    s = o["size"]
    rng = np.random.default_rng([seed, 7])
    if o["source"] == "random":
        return rng.choice(np.array([-1.0, 1.0], np.float32), size=(count, s * s))
    if o["source"] == "digits":
        images, labels = _digit_images()
        by_class = [rng.permutation(np.flatnonzero(labels == c)) for c in range(10)]
        picks = [by_class[i % 10][(i // 10) % len(by_class[i % 10])] for i in range(count)]
        grey = resize(images[np.asarray(picks, int)], s)
        return np.where(grey > _DIGIT_INK, 1.0, -1.0).astype(np.float32).reshape(count, -1)
    kinds = np.arange(count) % 4
    r = rng.uniform(max(2.0, s / 6), s / 2.5, count).astype(np.float32)
    cx = (r + rng.random(count) * (s - 2 * r)).astype(np.float32)
    cy = (r + rng.random(count) * (s - 2 * r)).astype(np.float32)
    grey = render_shapes(kinds, cx, cy, r, s)
    return np.where(grey > 0.5, 1.0, -1.0).astype(np.float32).reshape(count, -1)


def _generate(o: Mapping[str, Any], seed: int) -> DataBundle:
    k, s = o["n_patterns"], o["size"]
    clean = source_patterns(o, seed, k)
    rng = tf.data_rng(seed)
    n_val = tf.val_count(o["n_samples"], o["val_fraction"])
    n_train = max(k, o["n_samples"] - n_val)

    def probes(n: int) -> tuple[np.ndarray, np.ndarray]:
        which = np.arange(n) % k
        x = hopfield.corrupt(clean[which], rng, o["corruption"], o["amount"])
        return x.reshape(n, 1, s, s), (clean[which] > 0).astype(np.int64)

    x_train, y_train = probes(n_train)
    x_val, y_val = probes(n_val)
    return tf.make_bundle(_describe(o), x_train, y_train, x_val, y_val)


PATTERNS = DatasetKind(
    name="patterns",
    title="Patterns to store (Hopfield)",
    help=("Binary ±1 patterns for a feedback network to store and recall: handwritten digits or "
          "shapes resized and binarised, or random patterns. Each sample is one stored pattern "
          "with a fraction of its pixels flipped (or its bottom hidden); the target is the clean "
          "pattern, so accuracy is the fraction of pixels recalled. Random patterns show the "
          "classical capacity (about 0.14 N for N pixels under the Hebbian rule); digits are "
          "alike (most of their pixels are background), which the Hebbian rule cannot store "
          "beyond two or three — the projection rule can."),
    params=(
        Param("source", CHOICE, "digits", "Where the stored patterns come from.", choices=SOURCES),
        Param("size", INT, 16, "Pattern width and height in pixels; N = size² units.", minimum=4, maximum=128),
        Param("n_patterns", INT, 10, "How many patterns the network stores (K).", minimum=1, maximum=4096),
        Param("corruption", CHOICE, "flip", "How a probe is corrupted: flip random pixels, or hide "
              "the bottom rows (set them off).", choices=CORRUPTIONS),
        Param("amount", FLOAT, 0.2, "Fraction of the pixels flipped, or of the rows hidden.",
              minimum=0.0, maximum=0.9),
        tf.n_samples_param(400, maximum=20_000),
        tf.VAL_FRACTION,
    ),
    describe=_describe, generate=_generate,
)

KINDS = (PATTERNS,)
CHECKS = {"patterns": _check}
