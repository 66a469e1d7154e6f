"""Which function decodes image files for the engine (injected: engine/ never imports Qt).

Kept apart from ``engine.datasets`` so registering costs nothing at start-up
(no torch, no numpy, no Qt): the app registers the reader by its import path
("module:function") and it is imported on the first image read.

A spawned process (the window's training child) does not inherit what the
parent registered, so the import path is also kept in an environment
variable, which spawned children do inherit.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any

from engine.errors import DataError

READER_ENV = "CNN_RNN_PLAYGROUND_IMAGE_READER"

# fn(path, size, rgb) -> uint8 array (H, W) or (H, W, 3); size = (height, width) or None.
ImageReader = Callable[[str, Any, bool], Any]
_reader: ImageReader | None = None


def set_image_reader(fn: ImageReader | str | None) -> None:
    """Register the decoder: a function, its import path "module:function", or None to forget it.

    The function raises ValueError with a reason when a file cannot be decoded."""
    global _reader
    if fn is None:
        _reader = None
        os.environ.pop(READER_ENV, None)
    elif isinstance(fn, str):
        _reader = None  # imported on first use
        os.environ[READER_ENV] = fn
    else:
        _reader = fn
        os.environ[READER_ENV] = f"{fn.__module__}:{fn.__qualname__}"


def image_reader() -> ImageReader:
    """The registered decoder; DataError when there is none."""
    global _reader
    target = os.environ.get(READER_ENV)
    if _reader is None and target:
        module, _, name = target.partition(":")
        try:
            _reader = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as exc:
            raise DataError(f"image folder: the image reader {target} cannot be loaded ({exc})") from None
    if _reader is None:
        raise DataError("image folder: no image reader is registered (main.py registers Qt's; scripts call "
                        "gui.data.image_reader.register_image_reader())")
    return _reader
