"""MNIST and Fashion-MNIST, once downloaded (engine/downloads.py): 70,000
grayscale 28×28 images in 10 classes, read from the cached idx files.

A random subset of ``n_images`` keeps training quick on a CPU; the subset
and the train/val split are drawn from the seed like every other data set
(the official 60k/10k split is not kept: the validation part is drawn from
all 70,000 images).
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from engine import downloads
from engine.datasets import transforms as tf
from engine.datasets.base import CLASSIFICATION, IMAGE, SEQUENCE, DataBundle, DataInfo, DatasetKind
from engine.errors import DataError
from engine.params import BOOL, INT, Param

FASHION_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                 "Ankle boot")
DIGIT_NAMES = tuple(str(i) for i in range(10))
_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

_cache: dict[tuple[Any, ...], tuple[np.ndarray, np.ndarray]] = {}
_lock = threading.Lock()


def read_idx(path: Path) -> np.ndarray:
    """One idx file (gzip-compressed or not) as an array; DataError naming the file if it is not one."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DataError(f'"{path}": cannot be read ({getattr(exc, "strerror", None) or exc})') from None
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] not in _DTYPES:
        raise DataError(f'"{path}": not an idx file (bad magic number)')
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f'"{path}": idx header cut short')
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, 4))
    dtype = np.dtype(_DTYPES[raw[2]])
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        raise DataError(f'"{path}": {len(raw) - header} bytes of data, the header promises '
                        f"{expected - header} for shape {shape}")
    return np.frombuffer(raw, dtype, offset=header).reshape(shape)


def _not_downloaded(key: str) -> DataError:
    title = downloads.SOURCES[key].title
    return DataError(f"{title}: not downloaded yet — File ▸ Download Data Sets… (looked in "
                     f"{downloads.folder_of(key)})")


def _all_images(key: str) -> tuple[np.ndarray, np.ndarray]:
    """All images ``(N, 28, 28)`` uint8 and labels of the cached files, read once per file version."""
    folder = downloads.folder_of(key)
    files = [folder / f.name for f in downloads.SOURCES[key].files]
    try:
        stamp = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    except FileNotFoundError:
        raise _not_downloaded(key) from None
    with _lock:
        if stamp in _cache:
            return _cache[stamp]
    train_x, train_y, test_x, test_y = (read_idx(f) for f in files)
    for images, labels, name in ((train_x, train_y, files[0]), (test_x, test_y, files[2])):
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise DataError(f'"{name}": {images.shape} images do not match labels of shape {labels.shape}')
    if train_x.shape[1:] != test_x.shape[1:]:
        raise DataError(f'"{files[2]}": images of {test_x.shape[1:]}, the training files have {train_x.shape[1:]}')
    result = np.concatenate([train_x, test_x]), np.concatenate([train_y, test_y]).astype(np.int64)
    if result[1].min() < 0 or result[1].max() > 9:
        raise DataError(f'"{folder}": labels outside 0–9')
    with _lock:
        _cache.clear()  # one data set at a time: 55 MB each
        _cache[stamp] = result
    return result


def _describe(key: str, names: tuple[str, ...]):
    def describe(o: Mapping[str, Any]) -> DataInfo:
        if not downloads.is_downloaded(key):
            raise _not_downloaded(key)
        if o["as_sequence"]:
            return DataInfo(SEQUENCE, (28, 28), CLASSIFICATION, False, 10, class_names=names, baseline=0.1)
        return DataInfo(IMAGE, (1, 28, 28), CLASSIFICATION, False, 10, class_names=names, baseline=0.1)

    return describe


def _generate(key: str, names: tuple[str, ...]):
    describe = _describe(key, names)

    def generate(o: Mapping[str, Any], seed: int) -> DataBundle:
        info = describe(o)
        images, labels = _all_images(key)
        n = min(o["n_images"], len(images))
        chosen = np.sort(tf.data_rng(seed).choice(len(images), n, replace=False))
        x = images[chosen].astype(np.float32)[:, None] / 255.0
        if images.shape[1:] != (28, 28):
            raise DataError(f"{downloads.SOURCES[key].title}: images of {images.shape[1:]}, expected 28×28")
        if o["as_sequence"]:
            x = x[:, 0]  # time = row
        return tf.split_bundle(info, x, labels[chosen], o, seed)

    return generate


def _kind(key: str, title: str, names: tuple[str, ...], what: str) -> DatasetKind:
    return DatasetKind(
        name=key, title=f"{title} (28×28, download)",
        help=(f"{what} 70,000 grayscale images of 28×28 pixels in 10 classes. Downloaded once with "
              "File ▸ Download Data Sets… (checksums verified) and kept in your data folder. A random "
              "subset of n_images keeps training quick. Tick 'as sequence' to read each image one row "
              "per step with a recurrent network."),
        params=(
            # Not "n_samples": the registry's size check describes the data set, and describe
            # must be able to say "not downloaded yet" without failing validation of the file.
            Param("n_images", INT, 6000, "How many of the 70,000 images to use (train + validation); "
                  "fewer train faster.", minimum=100, maximum=60_000),
            Param("as_sequence", BOOL, False,
                  "Read each image as a sequence of 28 rows (28 pixels per step) for RNNs."),
            tf.VAL_FRACTION,
        ),
        describe=_describe(key, names), generate=_generate(key, names),
    )


MNIST = _kind("mnist", "MNIST digits", DIGIT_NAMES, "The classic handwritten digits 0–9:")
FASHION_MNIST = _kind("fashion_mnist", "Fashion-MNIST", FASHION_NAMES,
                      "Zalando's clothing photos (T-shirt, trouser, pullover, dress, coat, sandal, shirt, "
                      "sneaker, bag, ankle boot), a harder drop-in for MNIST:")
KINDS = (MNIST, FASHION_MNIST)
