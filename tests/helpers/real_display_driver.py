"""Runs the real main window on an X server (QT_QPA_PLATFORM=xcb) and reports
what the offscreen platform cannot show: the shortcuts every action holds on
this platform, and what Ctrl+D and Delete do to the model.

    DISPLAY=:N python tests/helpers/real_display_driver.py WORKDIR

Prints one JSON line; exits 3 when the xcb platform cannot start here (no
libxcb), which the test reads as a skip.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
WORKDIR = Path(sys.argv[1])

os.environ["QT_QPA_PLATFORM"] = "xcb"
os.environ["XDG_DATA_HOME"] = str(WORKDIR / "data")  # no autosave or recent files of the user's

from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QAction, QGuiApplication  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(WORKDIR / "settings"))

from gui.app import create_application  # noqa: E402

try:
    app = create_application([sys.argv[0]])
except Exception:  # noqa: BLE001 - no xcb here
    sys.exit(3)
if QGuiApplication.platformName() != "xcb":
    sys.exit(3)

from gui.common.settings import app_settings  # noqa: E402
from gui.gallery import page, tour  # noqa: E402
from gui.shell.main_window import MainWindow  # noqa: E402

for key in (page.SEEN_KEY, tour.SEEN_KEY):  # a returning user: nothing over the window
    app_settings().setValue(key, True)


def wait(condition, timeout_ms: int = 90_000) -> bool:
    clock = QElapsedTimer()
    clock.start()
    while not condition() and clock.elapsed() < timeout_ms:
        loop = QEventLoop()
        QTimer.singleShot(20, loop.quit)
        loop.exec()
    return condition()


window = MainWindow()
window.show()
report: dict = {"ready": wait(lambda: window.is_ready)}
QTest.qWaitForWindowExposed(window, 10_000)
window.activateWindow()
QTest.qWait(300)

holders: dict[str, list[str]] = {}
for action in window.findChildren(QAction):
    if action.shortcutContext() == Qt.ShortcutContext.WidgetShortcut:
        continue  # only while its widget has the focus (the Runs table's Del, handled there)
    for key in action.shortcuts():
        holders.setdefault(key.toString(), []).append(action.text().replace("&", ""))
report["shared"] = {key: names for key, names in holders.items() if len(names) > 1}
report["delete_keys"] = [k.toString() for k in window.window_actions.delete_layer.shortcuts()]

stack = window.model_stack
before = stack.row_count()
stack.select_row(1)
stack.setFocus()
QTest.keyClick(window.focusWidget() or window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
QTest.qWait(200)
report["after_ctrl_d"] = stack.row_count() - before
QTest.keyClick(window.focusWidget() or window, Qt.Key.Key_Delete)
QTest.qWait(200)
report["after_delete"] = stack.row_count() - before

from PySide6.QtWidgets import QApplication  # noqa: E402

from gui.shell.start_pages import show_tour  # noqa: E402

tour = show_tour(window)
QTest.qWait(300)
focus = QApplication.focusWidget()
report["tour_focus_in_bubble"] = focus is not None and tour.bubble.isAncestorOf(focus)
QTest.keyClick(focus or window, Qt.Key.Key_Right)  # where a real key press goes: the focused widget
QTest.qWait(100)
report["tour_after_right"] = tour.index

print(json.dumps(report), flush=True)
os._exit(0)  # the point was the report; skip the save question and teardown
