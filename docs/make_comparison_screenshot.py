"""Regenerate docs/comparison.png: the Comparison window after running a
built-in comparison, opened as ``python main.py presets/compare_motif.json``
opens it. Also saves a picture taken mid-run (``--mid FILE``) for checking
that the curves move while training runs.

Needs an X server (Xvfb is enough; see DESIGN.md):

    Xvfb :99 -screen 0 1600x1000x24 &
    DISPLAY=:99 .venv/bin/python docs/make_comparison_screenshot.py [--mid /tmp/mid.png] [--parallel]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("comparison", nargs="?", default=str(ROOT / "presets" / "compare_motif.json"))
    parser.add_argument("--out", default=str(ROOT / "docs" / "comparison.png"))
    parser.add_argument("--mid", help="also save a picture taken while the second experiment trains")
    parser.add_argument("--parallel", action="store_true")
    parser.add_argument("--epochs", type=int)
    args = parser.parse_args()

    from PySide6.QtCore import QSettings, QTimer

    from gui.app import create_application

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    app = create_application()
    from gui.shell.main_window import MainWindow

    try:  # where the pool of training processes lives
        from engine import process_pool as pool
    except ImportError:
        from engine import training_process as pool

    window = MainWindow(args.comparison)
    window.show()
    state = {"mid_saved": args.mid is None}

    def when_ready() -> None:
        panel = window.files.comparisons.panels[-1]
        panel.resize(1180, 900)
        panel.raise_()
        panel.run.completed.connect(lambda _: QTimer.singleShot(800, lambda: finish(panel)))
        panel.start(parallel=args.parallel, epochs=args.epochs)
        QTimer.singleShot(500, lambda: watch(panel))

    def watch(panel: object) -> None:
        runs = panel.run.runs
        epochs = [s.last_epoch.epoch for s in runs[-1].seeds if s.last_epoch is not None]
        if not state["mid_saved"] and epochs and max(epochs) >= 2:
            panel.grab().save(args.mid)
            state["mid_saved"] = True
            print(f"saved {args.mid}", flush=True)
        if panel.run.is_active:
            QTimer.singleShot(300, lambda: watch(panel))

    def finish(panel: object) -> None:
        panel.grab().save(args.out)
        print(f"saved {args.out}: {panel.results.verdict}", flush=True)
        panel.close()
        window.close()
        app.quit()

    window.ready.connect(when_ready)
    app.aboutToQuit.connect(pool.close_all)
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
