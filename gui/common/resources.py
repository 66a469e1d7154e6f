"""The files of gui/resources, read with importlib.resources so that an
installed wheel finds them as a checkout does."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import as_file, files
from typing import Any

PACKAGE = "gui.resources"


def resource_text(name: str) -> str:
    return files(PACKAGE).joinpath(name).read_text(encoding="utf-8")


@cache
def resource_json(name: str) -> Any:
    return json.loads(resource_text(name))


def app_icon():
    """The window icon (resources/icon.svg), as a QIcon; needs a QGuiApplication."""
    from PySide6.QtGui import QIcon, QPixmap

    with as_file(files(PACKAGE).joinpath("icon.svg")) as path:
        icon = QIcon()
        for size in (16, 24, 32, 48, 64, 128, 256):  # rendered now: the file may be temporary
            icon.addPixmap(QIcon(str(path)).pixmap(size, size))
        return icon if not icon.isNull() else QIcon(QPixmap(str(path)))
