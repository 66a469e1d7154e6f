"""What the real-display drivers share: waiting while the event loop runs,
and X tools run without blocking it (a drag needs both)."""

from __future__ import annotations

import subprocess

from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer


def wait(condition, timeout_ms: int = 90_000) -> bool:
    clock = QElapsedTimer()
    clock.start()
    while not condition() and clock.elapsed() < timeout_ms:
        loop = QEventLoop()
        QTimer.singleShot(20, loop.quit)
        loop.exec()
    return bool(condition())


def pause(ms: int) -> None:
    wait(lambda: False, ms)


def run_tool(*command: str) -> None:
    """An X tool run while this event loop keeps going."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait(lambda: process.poll() is not None, 20_000)


def start_app(workdir, settings: str = "settings"):
    """The app on Qt's xcb platform with its data, config and (INI) settings under ``workdir``
    (``settings``: the settings folder's name), as a new user's; exits with 3, which the tests
    read as a skip, when the xcb platform cannot start here (no libxcb)."""
    import os
    import sys

    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QGuiApplication

    os.environ["QT_QPA_PLATFORM"] = "xcb"
    os.environ["XDG_DATA_HOME"] = str(workdir / "data")  # no autosave or recent files of the user's
    os.environ["XDG_CONFIG_HOME"] = str(workdir / "config")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(workdir / settings))
    from gui.app import create_application

    try:
        app = create_application([sys.argv[0]])
    except Exception:  # noqa: BLE001 - no xcb here
        sys.exit(3)
    if QGuiApplication.platformName() != "xcb":
        sys.exit(3)
    return app
