"""Helpers shared by the data set generators.

Randomness comes from separate, seed-derived streams: ``data_rng(seed)`` draws
the samples, ``split`` draws the train/val assignment and
``fixed_permutation`` the pixel / time-step order. Keeping them apart means
that turning ``permute_pixels`` or ``shuffle_steps`` on changes *only* the
order, never the samples or the split, so a user comparing the two runs
compares like with like (claim C10), and tests can rebuild the permutation.
No global RNG state is touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from engine.datasets.base import DataBundle, DataInfo
from engine.params import BOOL, FLOAT, INT, Param

# Tags mixed into the seed so the streams are independent of each other.
_SPLIT_TAG, _PERMUTATION_TAG = 1, 2

MAX_SAMPLES = 100_000


def n_samples_param(default: int, maximum: int = MAX_SAMPLES) -> Param:
    return Param("n_samples", INT, default, "How many examples to generate (train + validation).",
                 minimum=20, maximum=maximum)


VAL_FRACTION = Param("val_fraction", FLOAT, 0.2,
                     "Share of the examples held out for validation (never trained on).",
                     minimum=0.05, maximum=0.5)
PERMUTE_PIXELS = Param("permute_pixels", BOOL, False,
                       "Scramble pixel positions with one fixed permutation, the same for every "
                       "image (shows what a CNN loses when neighbourhoods are destroyed).")
SHUFFLE_STEPS = Param("shuffle_steps", BOOL, False,
                      "Reorder the time steps with one fixed permutation, the same for every "
                      "sequence (shows whether the task depends on order).")


def length_param(default: int, help_text: str = "Sequence length T (time steps).",
                 minimum: int = 2) -> Param:
    return Param("length", INT, default, help_text, minimum=minimum, maximum=1000)


def data_rng(seed: int) -> np.random.Generator:
    """The stream the samples themselves are drawn from."""
    return np.random.default_rng(seed)


def fixed_permutation(n: int, seed: int) -> np.ndarray:
    """The one permutation of ``n`` positions used for every sample of a run."""
    return np.random.default_rng([seed, _PERMUTATION_TAG]).permutation(n)


def permute_pixels(x: np.ndarray, seed: int) -> np.ndarray:
    """Apply the fixed pixel permutation to images ``(N, C, H, W)``; every
    channel gets the same permutation, so a pixel keeps its colour."""
    n, c, h, w = x.shape
    perm = fixed_permutation(h * w, seed)
    return x.reshape(n, c, h * w)[:, :, perm].reshape(n, c, h, w)


def shuffle_steps(arrays: tuple[np.ndarray, ...], length: int, seed: int) -> tuple[np.ndarray, ...]:
    """Reorder axis 1 (time) of every array with the same fixed permutation.

    Pass per-step targets together with the inputs so each step keeps its
    target: the *order* is destroyed, not the pairing of input and answer."""
    perm = fixed_permutation(length, seed)
    return tuple(a[:, perm] for a in arrays)


def one_hot(ids: np.ndarray, depth: int) -> np.ndarray:
    """int array ``(N, T)`` -> float32 ``(N, T, depth)``."""
    return np.eye(depth, dtype=np.float32)[ids]


def balanced_labels(rng: np.random.Generator, n: int, n_classes: int) -> np.ndarray:
    """Labels with every class equally often (up to one), in random order: a
    skewed draw would make the majority-class baseline drift from 1/C."""
    return rng.permutation(np.arange(n) % n_classes)


def val_count(n: int, val_fraction: float) -> int:
    """Validation size for ``n`` samples; both parts keep at least one sample."""
    return min(max(int(round(n * val_fraction)), 1), n - 1)


def split(x: np.ndarray, y: np.ndarray, val_fraction: float, seed: int
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Random (not stratified) train/val split, drawn from its own stream."""
    n = len(x)
    order = np.random.default_rng([seed, _SPLIT_TAG]).permutation(n)
    n_val = val_count(n, val_fraction)
    val, train = order[:n_val], order[n_val:]
    return x[train], y[train], x[val], y[val]


def to_tensor(a: np.ndarray) -> torch.Tensor:
    """numpy -> CPU tensor: float arrays become float32, integer ones int64."""
    a = np.ascontiguousarray(a)
    if np.issubdtype(a.dtype, np.floating):
        return torch.from_numpy(a.astype(np.float32, copy=False))
    return torch.from_numpy(a.astype(np.int64, copy=False))


def make_bundle(info: DataInfo, x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray,
                y_val: np.ndarray, vocab: str | None = None) -> DataBundle:
    return DataBundle(info, to_tensor(x_train), to_tensor(y_train), to_tensor(x_val),
                      to_tensor(y_val), vocab)


def split_bundle(info: DataInfo, x: np.ndarray, y: np.ndarray, options: Mapping[str, Any],
                 seed: int) -> DataBundle:
    """The usual ending of a generator: random split, then tensors."""
    return make_bundle(info, *split(x, y, options["val_fraction"], seed))


def finish_sequences(info: DataInfo, x: np.ndarray, y: np.ndarray, options: Mapping[str, Any],
                     seed: int) -> DataBundle:
    """The ending of a sequence generator: the optional step shuffle (per-step
    targets move with their inputs), then the split."""
    if options["shuffle_steps"]:
        if info.per_step:
            x, y = shuffle_steps((x, y), x.shape[1], seed)
        else:
            (x,) = shuffle_steps((x,), x.shape[1], seed)
    return split_bundle(info, x, y, options, seed)


def symbols_param(default: int, maximum: int, help_text: str) -> Param:
    return Param("n_symbols", INT, default, help_text, minimum=2, maximum=maximum)


def symbol_names(n: int) -> tuple[str, ...]:
    """Readable names for abstract symbols: A, B, C, ..."""
    return tuple(chr(ord("A") + i) for i in range(n))
