"""Takes a lesson in the real main window on an X server (QT_QPA_PLATFORM=xcb)
with real keys and mouse, reporting what the offscreen platform cannot show:

- Ctrl+Shift+G (Help ▸ Lessons) opens the lesson dock;
- a real click picks an answer and Alt+L (Lock In My Answer) locks it; the
  prediction box shows each choice once;
- Alt+N (Next) moves on; the step's controls are outlined and the view it
  names is in front, still in its tab group along the bottom;
- F5 trains, and the finished run completes the step;
- Escape or a click elsewhere leaves the lesson running; the window
  manager's close (wmctrl) closes the window.

    DISPLAY=:N python tests/helpers/real_display_lesson_driver.py WORKDIR [PICTURE]

Real input only under a window manager (SMOKE_WINDOW_MANAGER=1), as the
other drivers; keys fall back to QTest on xcb. PICTURE, when given, is a
grab of the window at the trained step. Prints one JSON line; exits 3 when
the xcb platform cannot start here.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
WORKDIR = Path(sys.argv[1])
PICTURE = sys.argv[2] if len(sys.argv) > 2 else None

from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from tests.helpers.real_display_tools import pause, run_tool, start_app, wait  # noqa: E402

app = start_app(WORKDIR, "lesson_settings")

from PySide6.QtWidgets import QApplication, QMessageBox, QRadioButton  # noqa: E402

from engine.preset_paths import LESSONS_DIR  # noqa: E402
from gui.common.settings import app_settings  # noqa: E402
from gui.gallery.page import SEEN_KEY as GALLERY_SEEN  # noqa: E402
from gui.gallery.tour import SEEN_KEY as TOUR_SEEN  # noqa: E402
from gui.shell.main_window import MainWindow  # noqa: E402

MANAGED = os.environ.get("SMOKE_WINDOW_MANAGER") == "1"
XDOTOOL = shutil.which("xdotool") if MANAGED else None
WMCTRL = shutil.which("wmctrl") if MANAGED else None
KEYS = {"ctrl+shift+g": (Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier),
        "alt+l": (Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier),
        "alt+n": (Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier),
        "F5": (Qt.Key.Key_F5, Qt.KeyboardModifier.NoModifier)}

app_settings().setValue(GALLERY_SEEN, True)
app_settings().setValue(TOUR_SEEN, True)
questions: list[str] = []


def _discard(*args, **kwargs):  # closing after the lesson's edits: a learner discards them
    questions.append(str(args[2] if len(args) > 2 else ""))
    return QMessageBox.StandardButton.Discard


QMessageBox.question = staticmethod(_discard)


def key(name: str) -> None:
    if XDOTOOL:
        run_tool(XDOTOOL, "key", "--clearmodifiers", name)
    else:
        code, modifiers = KEYS[name]
        QTest.keyClick(QApplication.focusWidget() or window, code, modifiers)
    pause(250)


def click(widget) -> None:
    """On the widget's left part: a radio button stretched by its layout takes clicks on its circle and text only."""
    at = QPoint(min(12, widget.width() // 2), widget.height() // 2)
    if XDOTOOL:
        centre = widget.mapToGlobal(at)
        run_tool(XDOTOOL, "mousemove", str(centre.x()), str(centre.y()), "click", "1")
    else:
        QTest.mouseClick(widget, Qt.MouseButton.LeftButton, pos=at)
    pause(250)


report: dict = {"xdotool": bool(XDOTOOL), "wmctrl": bool(WMCTRL)}
window = MainWindow()
window.resize(1500, 940)
window.show()
report["ready"] = wait(lambda: window.is_ready, 90_000)
QTest.qWaitForWindowExposed(window, 10_000)
window.activateWindow()
pause(500)

key("ctrl+shift+g")
report["dock_by_key"] = wait(lambda: window.lessons.dock is not None and window.lessons.dock.isVisible(), 10_000)
panel = window.lessons.show(str(LESSONS_DIR / "03_shift_test.json"))
driver = panel.driver
pause(500)
prediction = driver.step.predict
buttons = [b for b in panel.prediction.findChildren(QRadioButton) if b.isVisible()]
report["choices_shown"] = [b.text() for b in buttons]
report["choices"] = list(prediction.choices)
report["next_before_answer"] = panel.next_button.isEnabled()
click(buttons[0])
report["picked"] = buttons[0].isChecked()
key("alt+l")
report["answered"] = driver.progress.answers.get(0)
# A step shown again (Back, Next) must not pile up a second set of choices.
key("alt+n")
panel.back_button.click()
pause(300)
report["choices_after_back"] = [b.text() for b in panel.prediction.findChildren(QRadioButton) if b.isVisible()]
panel.next_button.setFocus()
key("alt+n")
report["index_after_next"] = driver.index
report["outlined"] = wait(lambda: len(driver.highlights.shown()) == 2, 5_000)
filters = window.docks["filters"]
report["filters_area"] = window.dockWidgetArea(filters).name
report["filters_tabbed_with"] = sorted(d.objectName() for d in window.tabifiedDockWidgets(filters))[:3]
report["filters_in_front"] = wait(lambda: not filters.visibleRegion().isEmpty(), 5_000)
report["filters_height"] = filters.height()
# A short run: the step asks only for a run that finishes.
window.document.set(window.document.experiment.with_training(epochs=1))
window.activateWindow()
pause(300)
before = len(window.run_history.records)
key("F5")
report["trained"] = wait(lambda: len(window.run_history.records) > before and not window.runner.is_active, 120_000)
report["step_done"] = wait(lambda: driver.is_done(), 10_000)
pause(500)
if PICTURE:
    window.grab().save(PICTURE)

report["closed_by_wm"] = None
if WMCTRL:
    run_tool(WMCTRL, "-c", "CNN-RNN Playground")
    report["closed_by_wm"] = wait(lambda: not window.isVisible(), 20_000)
report["questions"] = questions
print(json.dumps(report), flush=True)
os._exit(0)
