"""View ▸ Colour-blind-safe colours: the setting picks the series colours
when the palette is imported (at start-up), Okabe–Ito by default."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gui.common.resources import resource_json

ROOT = Path(__file__).resolve().parents[3]
OKABE_ITO = {"#000000", "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7"}

SCRIPT = """
import json, sys
from PySide6.QtCore import QSettings
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[1])
from gui.common.settings import app_settings
if sys.argv[2] != "unset":
    settings = app_settings()
    settings.setValue("appearance/colour_blind_safe", sys.argv[2] == "on")
    settings.sync()
from gui.common import palette as pal
print(json.dumps({"series": pal.SERIES, "train": pal.TRAIN, "validation": pal.VALIDATION, "raw": pal.RAW,
                  "safe": pal.COLOUR_BLIND_SAFE}))
"""


def palette_with(setting: str, folder: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(folder), setting], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("setting", ["on", "unset"])
def test_okabe_ito_colours_when_on_and_by_default(setting, tmp_path):
    colours = palette_with(setting, tmp_path)
    assert colours["safe"] is True
    assert OKABE_ITO <= set(colours["series"]) and len(colours["series"]) == 10
    assert colours["series"] == resource_json("palette.json")["colour_blind_safe"]["series"]
    assert (colours["train"], colours["validation"]) == ("#0072b2", "#e69f00")  # blue and orange: safe together


def test_the_usual_tab10_colours_when_off(tmp_path):
    colours = palette_with("off", tmp_path)
    assert colours["safe"] is False
    assert colours["series"] == resource_json("palette.json")["series"]
    assert colours["train"] == "#1f77b4" and colours["raw"] == "#a9c8e8"


def test_the_view_menu_entry_stores_the_setting_for_the_next_start(qtbot):
    from PySide6.QtWidgets import QMainWindow

    from gui.common import palette as pal
    from gui.shell.window_actions import WindowActions

    window = QMainWindow()
    qtbot.addWidget(window)
    actions = WindowActions(window)
    action = actions.colour_blind_safe
    assert action.isCheckable() and action.isChecked() == pal.colour_blind_safe_setting()
    assert "next start" in action.statusTip()
    pal.set_colour_blind_safe(False)
    assert pal.colour_blind_safe_setting() is False
    later = QMainWindow()
    qtbot.addWidget(later)
    assert WindowActions(later).colour_blind_safe.isChecked() is False
