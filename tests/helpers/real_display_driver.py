"""Runs the real main window on an X server (QT_QPA_PLATFORM=xcb), as on a
first start, and reports what the offscreen platform cannot show:

- the gallery, then the tour, at first start; the tour's ← / → from real keys;
- every menu shortcut reaches its action, and no key is ambiguous (each
  action's Shortcut event is caught and consumed, so nothing opens);
- Ctrl+D duplicates and Delete removes the selected layer;
- Space in a number field pauses a run instead of typing;
- a layer dragged from the palette with the mouse lands in the model;
- closing through the window manager closes the window.

    DISPLAY=:N python tests/helpers/real_display_driver.py WORKDIR

Real input comes from xdotool and the close from wmctrl where installed and
a window manager runs (SMOKE_WINDOW_MANAGER=1; ``report["xdotool"]`` and
``["wmctrl"]`` say whether they were used); keys fall back to QTest on the
xcb platform. Prints one JSON line; exits 3 when the
xcb platform cannot start here (no libxcb), which the test reads as a skip.
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

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QAction  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from tests.helpers.real_display_tools import pause, run_tool, start_app, wait  # noqa: E402

# A first start: none of the user's settings. Not WORKDIR/settings: the GUI
# tests' fixtures mark the gallery and tour seen there.
app = start_app(WORKDIR, "first_start_settings")

from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from gui.gallery.page import GalleryDialog  # noqa: E402
from gui.gallery.tour import GuidedTour  # noqa: E402
from gui.shell.main_window import MainWindow  # noqa: E402

# Real input and a close request only under a window manager (the test says
# whether it started one): without one, focus does not follow windows.
MANAGED = os.environ.get("SMOKE_WINDOW_MANAGER") == "1"
XDOTOOL = shutil.which("xdotool") if MANAGED else None
WMCTRL = shutil.which("wmctrl") if MANAGED else None




def key(name: str, widget=None) -> None:
    """A real key press (xdotool, to the focused window) or QTest's on xcb."""
    if XDOTOOL:
        run_tool(XDOTOOL, "key", "--clearmodifiers", name)
    else:
        keys = {"Escape": Qt.Key.Key_Escape, "Right": Qt.Key.Key_Right, "space": Qt.Key.Key_Space,
                "F5": Qt.Key.Key_F5}
        QTest.keyClick(widget or QApplication.focusWidget(), keys[name])
    pause(150)


report: dict = {"xdotool": bool(XDOTOOL), "wmctrl": bool(WMCTRL)}
window = MainWindow()
window.show()
report["ready"] = wait(lambda: window.is_ready)
QTest.qWaitForWindowExposed(window, 10_000)

# --- first start: the gallery, then the tour ----------------------------------
gallery = None
report["gallery_at_start"] = wait(lambda: (g := window.findChild(GalleryDialog)) is not None and g.isVisible(),
                                  15_000)
gallery = window.findChild(GalleryDialog)
if gallery is not None:
    gallery.activateWindow()
    wait(lambda: QApplication.activeWindow() is gallery, 3_000)
    key("Escape", gallery)
    report["gallery_closed_by_escape"] = wait(lambda: not gallery.isVisible(), 5_000)
tour = None
report["tour_after_gallery"] = wait(lambda: (t := window.findChild(GuidedTour)) is not None and t.is_open, 15_000)
tour = window.findChild(GuidedTour)
if tour is not None and tour.is_open:
    focus = QApplication.focusWidget()
    report["tour_focus_in_bubble"] = focus is not None and tour.bubble.isAncestorOf(focus)
    key("Right", focus)
    report["tour_after_right"] = tour.index
    key("Escape", QApplication.focusWidget())
    report["tour_closed_by_escape"] = wait(lambda: not tour.is_open, 3_000)
window.activateWindow()
pause(200)


# --- every menu shortcut reaches its action -----------------------------------
class ShortcutCatcher(QObject):
    """Consumes the Shortcut event an action gets when its key is pressed,
    so nothing opens; an ambiguous key reaches none of its actions."""

    def __init__(self) -> None:
        super().__init__()
        self.caught: list[tuple[QAction, bool]] = []

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Shortcut:
            self.caught.append((obj, event.isAmbiguous()))
            return True
        return False


holders: dict[str, list[QAction]] = {}
for action in window.findChildren(QAction):
    if action.shortcutContext() == Qt.ShortcutContext.WidgetShortcut or not action.isEnabled():
        continue  # only while its widget has the focus (the Runs table's Del, handled there)
    for sequence in action.shortcuts():
        holders.setdefault(sequence.toString(), []).append(action)
report["shared"] = {k: [a.text().replace("&", "") for a in v] for k, v in holders.items() if len(v) > 1}
catcher = ShortcutCatcher()
for actions in holders.values():
    for action in actions:
        action.installEventFilter(catcher)
window.model_stack.view.setFocus()
missed = []
for text, actions in holders.items():
    catcher.caught.clear()
    sequence = next(s for s in actions[0].shortcuts() if s.toString() == text)
    combo = sequence[0]
    QTest.keyClick(window.focusWidget() or window, combo.key(), combo.keyboardModifiers())
    QApplication.processEvents()
    if not any(obj in actions and not ambiguous for obj, ambiguous in catcher.caught):
        missed.append(text)
for actions in holders.values():
    for action in actions:
        action.removeEventFilter(catcher)
report["shortcuts_tried"] = len(holders)
report["shortcuts_missed"] = missed
report["delete_keys"] = [k.toString() for k in window.window_actions.delete_layer.shortcuts()]

# --- Ctrl+D and Delete for real --------------------------------------------------
stack = window.model_stack
before = stack.row_count()
stack.select_row(1)
stack.view.setFocus()
QTest.keyClick(window.focusWidget() or window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
pause(200)
report["after_ctrl_d"] = stack.row_count() - before
QTest.keyClick(window.focusWidget() or window, Qt.Key.Key_Delete)
pause(200)
report["after_delete"] = stack.row_count() - before

# --- Space in a number field pauses a run ---------------------------------------
window.training_panel.set_value("epochs", 200)
window.train_action.trigger()
report["training"] = wait(lambda: window.runner.step_count >= 3, 60_000)
field = window.training_panel.form.editor("batch_size")
field.setFocus()
pause(100)
text = field.lineEdit().text()
key("space", field)
report["paused_by_space"] = wait(lambda: window.runner.state == "paused", 5_000)
report["field_unchanged"] = field.lineEdit().text() == text
window.stop_action.trigger()
wait(lambda: not window.runner.is_active, 30_000)
window.document.undo_stack.undo()  # the epochs

# --- a drag from the palette with the mouse -------------------------------------
report["dragged"] = None
if XDOTOOL:
    palette = window.layer_palette
    item = palette.item_for("Dropout")
    palette.scrollToItem(item)
    pause(100)
    start = palette.viewport().mapToGlobal(palette.visualItemRect(item).center())
    target = stack.view.viewport().mapToGlobal(QPoint(stack.view.viewport().width() // 2,
                                                      stack.view.viewport().height() - 10))
    before = stack.row_count()
    run_tool(XDOTOOL, "mousemove", str(start.x()), str(start.y()), "mousedown", "1",
             "mousemove", str(start.x() + 12), str(start.y() + 4),
             "mousemove", str((start.x() + target.x()) // 2), str((start.y() + target.y()) // 2),
             "mousemove", str(target.x()), str(target.y()), "sleep", "0.3",
             "mousemove", str(target.x() + 2), str(target.y()), "mouseup", "1")
    wait(lambda: stack.row_count() != before, 5_000)
    report["dragged"] = stack.row_count() - before
    if report["dragged"]:
        report["dragged_type"] = window.document.experiment.model.layers[-1].type
        window.document.undo_stack.undo()

# --- closing through the window manager ------------------------------------------
report["closed_by_wm"] = None
if WMCTRL:
    asked: list[str] = []

    def answer_questions() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            asked.append(box.text())
            box.button(QMessageBox.StandardButton.Discard).click()

    answerer = QTimer()
    answerer.timeout.connect(answer_questions)
    answerer.start(100)
    run_tool(WMCTRL, "-c", "CNN-RNN Playground")
    report["closed_by_wm"] = wait(lambda: not window.isVisible(), 20_000)
    report["save_questions"] = asked

print(json.dumps(report), flush=True)
os._exit(0)  # the point was the report; skip teardown
