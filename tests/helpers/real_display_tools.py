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
