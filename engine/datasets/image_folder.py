"""The user's own images: one subfolder per class, PNG or JPEG files inside.

The engine never imports Qt, yet the issue wants Qt's image readers (one
decoder for the whole app, with the formats the window can show). So the
decoder is injected: ``set_image_reader(fn)`` registers a function
``fn(path, size, rgb) -> uint8 array (H, W) or (H, W, 3)`` (``size`` is
``(height, width)`` to scale to, or None to keep the file's size) that raises
``ValueError`` with a reason when a file cannot be decoded. ``gui.data.qt_images``
provides Qt's; main.py and the window register it.

The registration lives in ``engine.image_reader`` (cheap to import at
start-up, and it reaches the spawned training process); ``set_image_reader``
is re-exported here.

Decoded folders are cached in memory, keyed by the folder, its class folders'
modification times and the options, so describe / load / the import dialog
decode every file once.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.datasets import data_paths
from engine.datasets import transforms as tf
from engine.datasets.base import CLASSIFICATION, IMAGE, DataBundle, DataInfo, DatasetKind
from engine.errors import DataError
from engine.image_reader import READER_ENV, image_reader, set_image_reader
from engine.params import BOOL, CHOICE, INT, STR, Param, visible

SUFFIXES = (".png", ".jpg", ".jpeg")
COLOURS = ("grayscale", "rgb")
MAX_IMAGES = 100_000
MAX_VALUES = 50_000_000  # as the registry's limit for generated data: 200 MB of float32

_cache: OrderedDict[tuple[Any, ...], Folder] = OrderedDict()
_cache_lock = threading.Lock()


class Cancelled(Exception):
    """Reading was cancelled by the caller (the import dialog's Cancel)."""


@dataclass(frozen=True)
class Folder:
    """A decoded folder: uint8 images ``(N, C, H, W)``, labels, and where each came from."""

    images: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    files: tuple[str, ...]  # relative to the folder, "class/file.png"

    def counts(self) -> list[int]:
        return np.bincount(self.labels, minlength=len(self.class_names)).tolist()


# --------------------------------------------------------------- the folder
def _root(path: str) -> Path:
    """The folder (an experiment file's relative path was resolved on load: data_paths)."""
    return data_paths.locate(path, "image folder", folder=True)


def _is_image(entry: os.DirEntry) -> bool:
    return not entry.name.startswith(".") and entry.name.lower().endswith(SUFFIXES) and entry.is_file()


def scan(path: str) -> tuple[Path, list[tuple[str, list[str]]]]:
    """The class folders (sorted) and their image files (sorted); raises
    DataError when there are none, or a class folder holds no image."""
    root = _root(path)
    try:
        classes = sorted(e.name for e in os.scandir(root) if e.is_dir() and not e.name.startswith("."))
        listing = []
        for name in classes:
            files = sorted(e.name for e in os.scandir(root / name) if _is_image(e))
            if not files:
                raise DataError(f'{_where(path)}: class folder "{visible(name)}" holds no PNG or JPEG image')
            listing.append((name, files))
    except OSError as exc:
        raise DataError(f'{_where(path)}: cannot be listed ({exc.strerror or exc})') from None
    if not classes:
        loose = any(_is_image(e) for e in os.scandir(root))
        hint = " — the images lie in the folder itself" if loose else ""
        raise DataError(f'{_where(path)}: no class folders; put the images of each class in a '
                        f"subfolder named after the class{hint}")
    if len(classes) < 2:
        raise DataError(f'{_where(path)}: only one class folder ("{visible(classes[0])}"); '
                        "a classifier needs at least two")
    total = sum(len(files) for _, files in listing)
    if total > MAX_IMAGES:
        raise DataError(f'{_where(path)}: {total:,} images; at most {MAX_IMAGES:,} can be imported')
    return root, listing


def _stamp(root: Path, listing: list[tuple[str, list[str]]]) -> tuple[Any, ...]:
    """What decides the decoded data besides the options: the files and their folders' versions."""
    folders = tuple((name, os.stat(root / name).st_mtime_ns, len(files)) for name, files in listing)
    return str(root.resolve()), folders


def _key(options: Mapping[str, Any], root: Path, listing: list[tuple[str, list[str]]]) -> tuple[Any, ...]:
    size = (options["height"], options["width"]) if options["resize"] else None
    return _stamp(root, listing), size, options["colour"]


def read_folder(options: Mapping[str, Any], progress: Callable[[int, int], None] | None = None,
                cancelled: Callable[[], bool] | None = None) -> Folder:
    """Decode every image of the folder (or return the cached result).

    ``progress(done, total)`` is called as files are decoded; when
    ``cancelled()`` turns true, reading stops with ``Cancelled`` and nothing
    is cached. Raises DataError naming the file for every bad input."""
    path = options["path"]
    root, listing = scan(path)
    key = _key(options, root, listing)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    folder = _decode(path, root, listing, options, progress, cancelled)
    with _cache_lock:
        _cache[key] = folder
        while len(_cache) > 2:
            _cache.popitem(last=False)
    return folder


def _decode(path: str, root: Path, listing: list[tuple[str, list[str]]], options: Mapping[str, Any],
            progress: Callable[[int, int], None] | None, cancelled: Callable[[], bool] | None) -> Folder:
    reader = image_reader()
    rgb = options["colour"] == "rgb"
    size = (options["height"], options["width"]) if options["resize"] else None
    files = [f"{name}/{file}" for name, names in listing for file in names]
    labels = np.repeat(np.arange(len(listing)), [len(names) for _, names in listing])
    images: np.ndarray | None = None
    first = ""
    for i, rel in enumerate(files):
        if cancelled is not None and cancelled():
            raise Cancelled
        try:
            pixels = reader(str(root / rel), size, rgb)
        except (ValueError, OSError) as exc:
            raise DataError(f'{_where(path)}: cannot read "{visible(rel)}" ({visible(str(exc))})') from None
        pixels = pixels[None] if pixels.ndim == 2 else np.moveaxis(pixels, -1, 0)  # (C, H, W)
        if images is None:
            if len(files) * pixels.size > MAX_VALUES:
                h, w = pixels.shape[1:]
                raise DataError(f'{_where(path)}: {len(files):,} images of {h}×{w} are too much data; '
                                "turn resizing on with a smaller size")
            images = np.empty((len(files), *pixels.shape), dtype=np.uint8)
            first = rel
        elif pixels.shape != images.shape[1:]:
            raise DataError(f'{_where(path)}: images differ in size with resizing off: "{visible(first)}" is '
                            f"{_size(images.shape[1:])}, \"{visible(rel)}\" is {_size(pixels.shape)}; "
                            "turn resizing on or make them the same size")
        images[i] = pixels
        if progress is not None and (i % 32 == 31 or i == len(files) - 1):
            progress(i + 1, len(files))
    assert images is not None  # scan() guarantees at least two files
    images.setflags(write=False)  # shared through the cache
    labels.setflags(write=False)
    return Folder(images, labels.astype(np.int64), tuple(name for name, _ in listing), tuple(files))


def _where(path: str) -> str:
    """How messages name the folder: on one line, whatever its name holds."""
    return f'image folder "{visible(path)}"'


def _size(shape: tuple[int, ...]) -> str:
    return f"{shape[2]}×{shape[1]} pixels"


def check_split(n: int, val_fraction: float, path: str) -> None:
    """Both parts of the split need at least one image."""
    if round(n * val_fraction) < 1 or n < 2:
        need = max(2, int(np.ceil(0.5 / val_fraction)))
        raise DataError(f'{_where(path)}: {n} images are too few for a validation split of '
                        f"{val_fraction:.0%} (at least {need} needed)")


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


# --------------------------------------------------------------- the kind
def _info(folder: Folder) -> DataInfo:
    counts = folder.counts()
    return DataInfo(IMAGE, tuple(folder.images.shape[1:]), CLASSIFICATION, False, len(counts),
                    class_names=folder.class_names, baseline=max(counts) / sum(counts), ink=False)


def _describe(o: Mapping[str, Any]) -> DataInfo:
    if o["resize"]:  # the shape follows from the options: only list the folder
        root, listing = scan(o["path"])
        counts = [len(files) for _, files in listing]
        check_split(sum(counts), o["val_fraction"], o["path"])  # said before Train, not after
        channels = 3 if o["colour"] == "rgb" else 1
        return DataInfo(IMAGE, (channels, o["height"], o["width"]), CLASSIFICATION, False, len(listing),
                        class_names=tuple(name for name, _ in listing), baseline=max(counts) / sum(counts),
                        ink=False)
    folder = read_folder(o)
    check_split(len(folder.labels), o["val_fraction"], o["path"])
    return _info(folder)


def _generate(o: Mapping[str, Any], seed: int) -> DataBundle:
    folder = read_folder(o)
    check_split(len(folder.labels), o["val_fraction"], o["path"])
    x = folder.images.astype(np.float32) / 255.0
    return tf.split_bundle(_info(folder), x, folder.labels, o, seed)


def cache_token(options: Mapping[str, Any]) -> tuple[Any, ...]:
    """What, besides the options, decides the data: the folder's version."""
    return _stamp(*scan(options["path"]))


IMAGE_FOLDER = DatasetKind(
    name="image_folder", title="Image folder (your images)",
    help=("Your own images: a folder with one subfolder per class (the subfolder's name is the class "
          "name), PNG or JPEG files inside, read with Qt's image readers. Every image is scaled to "
          "height × width (or, with resizing off, all must have the same size) and converted to "
          "grayscale (1 channel) or colour (3 channels), pixel values 0–1. Import ▸ Image Folder… beside "
          "the data set shows the classes and sample images before it sets the data set."),
    params=(
        Param("path", STR, "", "The folder that holds one subfolder per class.", maximum=1000),
        Param("height", INT, 28, "Height the images are scaled to (pixels).", minimum=4, maximum=256),
        Param("width", INT, 28, "Width the images are scaled to (pixels).", minimum=4, maximum=256),
        Param("colour", CHOICE, "grayscale", "grayscale: 1 channel; rgb: 3 channels.", choices=COLOURS),
        Param("resize", BOOL, True, "Scale every image to height × width (smoothly). Off: the images "
              "must all have the same size already."),
        tf.VAL_FRACTION,
    ),
    describe=_describe, generate=_generate,
)

KINDS = (IMAGE_FOLDER,)
__all__ = ["IMAGE_FOLDER", "KINDS", "READER_ENV", "Folder", "Cancelled", "read_folder", "scan", "image_reader",
           "set_image_reader", "check_split", "clear_cache", "cache_token"]
