"""Runs the lab on an X server (QT_QPA_PLATFORM=xcb) and drives it with real
keys and mouse, reporting what the offscreen platform cannot show:

- F10 (Step all) from the keyboard steps every column by the same samples;
- ] (next sample) reaches the shared input's picker, whichever widget has focus;
- a real click on the shift button (→) moves the shared input, and every
  column answers the moved input;
- F5 (Train all) and Shift+F5 (Stop all) from the keyboard;
- a close through the window manager (wmctrl) closes the lab.

    DISPLAY=:N python tests/helpers/real_display_lab_driver.py WORKDIR

Real input under a window manager only (SMOKE_WINDOW_MANAGER=1, as the
main-window driver); keys fall back to QTest on xcb. Prints one JSON line;
exits 3 when the xcb platform cannot start here.
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

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from tests.helpers.real_display_tools import pause, run_tool, start_app, wait  # noqa: E402

app = start_app(WORKDIR)

from engine.comparison_file import load_comparison  # noqa: E402
from engine.presets import PRESETS_DIR  # noqa: E402
from gui.lab.lab_window import LabWindow  # noqa: E402

MANAGED = os.environ.get("SMOKE_WINDOW_MANAGER") == "1"
XDOTOOL = shutil.which("xdotool") if MANAGED else None
WMCTRL = shutil.which("wmctrl") if MANAGED else None
KEYS = {"F10": (Qt.Key.Key_F10, Qt.KeyboardModifier.NoModifier), "F5": (Qt.Key.Key_F5, Qt.KeyboardModifier.NoModifier),
        "shift+F5": (Qt.Key.Key_F5, Qt.KeyboardModifier.ShiftModifier),
        "bracketright": (Qt.Key.Key_BracketRight, Qt.KeyboardModifier.NoModifier)}


def key(name: str) -> None:
    if XDOTOOL:
        run_tool(XDOTOOL, "key", "--clearmodifiers", name)
    else:
        code, modifiers = KEYS[name]
        QTest.keyClick(lab, code, modifiers)
    pause(200)


def click(widget) -> None:
    if XDOTOOL:
        centre = widget.mapToGlobal(widget.rect().center())
        run_tool(XDOTOOL, "mousemove", str(centre.x()), str(centre.y()), "click", "1")
    else:
        QTest.mouseClick(widget, Qt.MouseButton.LeftButton)
    pause(200)


report: dict = {"xdotool": bool(XDOTOOL), "wmctrl": bool(WMCTRL)}
lab = LabWindow(load_comparison(PRESETS_DIR / "compare_motif.json"))
lab.show()
report["shown"] = wait(lambda: lab.isVisible() and lab.input.pool_x is not None, 60_000)
lab.activateWindow()
lab.raise_()
pause(500)
columns = lab.columns

key("F10")
report["stepped"] = wait(lambda: all(c.runner.step_count >= 1 and c.state == "paused" for c in columns), 120_000)
report["steps"] = [c.runner.step_count for c in columns]
report["answered"] = wait(lambda: all(c.answer is not None for c in columns), 30_000)

key("bracketright")
report["sample_after_key"] = lab.input.sample.value()

for column in columns:
    column.answer = None
click(lab.input.shift_buttons["right"])
report["shift_after_click"] = lab.input.edits.shift_x
report["answered_shifted"] = wait(lambda: all(c.answer is not None for c in columns), 30_000)

key("F5")
report["training"] = wait(lambda: any(c.state == "running" for c in columns), 30_000)
pause(1000)
key("shift+F5")
report["stopped"] = wait(lambda: not any(c.runner.is_active for c in columns), 60_000)

report["closed_by_wm"] = None
if WMCTRL:
    run_tool(WMCTRL, "-c", "— Lab —")
    report["closed_by_wm"] = wait(lambda: not lab.isVisible(), 20_000)

print(json.dumps(report), flush=True)
lab.shutdown()
os._exit(0)
