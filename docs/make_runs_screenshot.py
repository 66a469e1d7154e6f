"""Regenerate docs/runs.png: the Runs dock after five runs of the digits CNN:
three that differ only in their seed (one group, opened, its mean and band
drawn over the curves), one at a slower learning rate (renamed, overlaid)
and the live one.

Needs an X server (Xvfb is enough; see DESIGN.md):

    Xvfb :99 -screen 0 1600x1000x24 &
    DISPLAY=:99 .venv/bin/python docs/make_runs_screenshot.py [--out FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# (run name, epochs, learning rate, seed); the last run stays the live one, not overlaid
RUNS = (("slow lr 3e-4", 4, 3e-4, 0), (None, 4, 3e-3, 0), (None, 4, 3e-3, 1), (None, 4, 3e-3, 2),
        (None, 6, 1e-3, 0))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "docs" / "runs.png"))
    args = parser.parse_args()

    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtTest import QTest

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp()  # no autosave or recovery from the user's folder
    from gui.app import create_application

    app = create_application()
    from gui.common.settings import app_settings
    from gui.gallery import page as gallery
    from gui.gallery import tour
    from gui.shell.main_window import MainWindow

    # A picture of the window, not of the first-start gallery and tour over it.
    app_settings().setValue(gallery.SEEN_KEY, True)
    app_settings().setValue(tour.SEEN_KEY, True)

    window = MainWindow(str(ROOT / "presets" / "digits_cnn.json"))
    window.show()
    plan = list(RUNS)

    def run_next() -> None:
        if not plan:
            finish()
            return
        _, epochs, learning_rate, seed = plan.pop(0)
        window.training_panel.set_value("epochs", epochs)
        window.training_panel.set_value("learning_rate", learning_rate)
        window.training_panel.set_value("seed", seed)
        window.runner.run_ended.connect(after_run)
        window.train()

    def after_run() -> None:
        window.runner.run_ended.disconnect(after_run)
        QTimer.singleShot(300, run_next)

    def finish() -> None:
        history = window.run_history
        for record, (name, *_) in zip(history.records, RUNS, strict=True):
            if name:
                history.rename(record, name)
                history.set_overlaid(record, True)
        history.set_group_overlaid(history.group_key_of(history.records[1]), True)
        window.docks["runs"].raise_()
        window.runs_table.select(history.records[2])  # opens the group of seeds
        QTest.qWait(800)
        window.grab().save(args.out)
        print(f"saved {args.out}", flush=True)
        window.files.confirm_discard = lambda: True  # no "save changes?" on close
        window.close()
        app.quit()

    window.ready.connect(lambda: QTimer.singleShot(1000, run_next))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
