"""Regenerate docs/tour.png: the main window with a step of the guided tour.

Needs an X server (Xvfb is enough; see DESIGN.md):

    Xvfb :99 -screen 0 1600x1000x24 &
    DISPLAY=:99 .venv/bin/python docs/make_tour_screenshot.py [--step 2] [--out F.png]

Opens the real window with fresh settings, as if the gallery had been seen,
opens Help ▸ Guided Tour at the chosen step (1-based) and saves the window's
picture.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", type=int, default=2, help="which step to show, from 1")
    parser.add_argument("--out", default=str(ROOT / "docs" / "tour.png"))
    args = parser.parse_args()

    from PySide6.QtCore import QSettings, QTimer

    from gui.app import create_application

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    app = create_application()
    from gui.common.settings import app_settings
    from gui.gallery.page import SEEN_KEY
    from gui.shell.main_window import MainWindow
    from gui.shell.start_pages import show_tour

    app_settings().setValue(SEEN_KEY, True)  # no start page over the window
    window = MainWindow()
    window.show()

    def on_ready() -> None:
        tour = show_tour(window)
        tour.show_step(args.step - 1)
        QTimer.singleShot(800, save)

    def save() -> None:
        window.grab().save(args.out)
        print(f"saved {args.out}", flush=True)
        window.close()

    window.ready.connect(lambda: QTimer.singleShot(1000, on_ready))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
