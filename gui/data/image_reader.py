"""Reading user files with Qt's non-widget classes (QtGui, never widgets), for
the engine to use through injected functions: engine/ itself never imports Qt.

``register_image_reader()`` is cheap (it imports neither Qt nor torch): the
reader module is imported on the first image read."""

from __future__ import annotations


def register_image_reader() -> None:
    """Make Qt's image reader the engine's decoder, here and in spawned training processes."""
    from engine.image_reader import set_image_reader

    set_image_reader("gui.data.qt_images:read_image")
