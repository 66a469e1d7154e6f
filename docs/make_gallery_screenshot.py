"""Regenerate docs/gallery.png: the examples gallery as it opens on a first start.

Needs an X server (Xvfb is enough; see DESIGN.md):

    Xvfb :99 -screen 0 1600x1000x24 &
    DISPLAY=:99 .venv/bin/python docs/make_gallery_screenshot.py [--claim C8] [--out F.png] [--screen S.png]

Opens the real window with fresh settings (so the gallery is the start page),
waits for every thumbnail, and saves the gallery window's picture; --screen
also saves the whole screen (ImageMagick's import), to see it over the window.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claim", help="filter the gallery by this claim first, e.g. C8")
    parser.add_argument("--out", default=str(ROOT / "docs" / "gallery.png"))
    parser.add_argument("--screen", help="also save the whole screen here")
    args = parser.parse_args()

    from PySide6.QtCore import QSettings, QTimer

    from gui.app import create_application

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    app = create_application()
    from gui.gallery.page import GalleryDialog
    from gui.shell.main_window import MainWindow

    window = MainWindow()
    window.show()

    def wait_for_gallery() -> None:
        dialog = window.findChild(GalleryDialog)
        if dialog is None or not dialog.isVisible() or dialog.gallery.loader.busy:
            QTimer.singleShot(300, wait_for_gallery)
            return
        if args.claim:
            dialog.gallery.set_claim(args.claim)
        QTimer.singleShot(500, lambda: save(dialog))

    def save(dialog: GalleryDialog) -> None:
        dialog.grab().save(args.out)
        print(f"saved {args.out}", flush=True)
        if args.screen:
            subprocess.run(["import", "-window", "root", args.screen], check=False)
            print(f"saved {args.screen}", flush=True)
        dialog.close()
        window.close()
        app.quit()

    QTimer.singleShot(500, wait_for_gallery)
    QTimer.singleShot(120_000, app.quit)  # never hang a script
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
