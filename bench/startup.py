"""Start-up: from process start to the main window on screen, to Train
being enabled (torch and the engine loaded, the experiment open, its shapes
shown), and to ``ready`` (every live view built too: the views are built one
per turn of the event loop after Train is enabled).

Each repeat starts a fresh Python (``bench/startup.py --child T0``) that
does what ``python main.py`` does — ``gui.app.run_app`` — with an event
filter that notes the first paint of the main window and the moment it
emits ``ready``, then quits. T0 is taken by the parent just before it
starts the process, so interpreter start-up and every import count. For
scale, the same is measured for a bare PySide6 window (``--child-bare``):
what any Qt app on this machine pays before its first paint.

    python bench/startup.py [--repeats 5] [--json F]

Targets (issue #18): window visible ≤ 1.0 s, Train enabled ≤ 2.5 s. A first, uncounted start warms
the file cache.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 2.5


def child(t0: float, bare: bool) -> int:
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QEvent, QObject, QSettings, QTimer

    marks: dict[str, float] = {}

    class FirstPaint(QObject):
        def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
            if event.type() == QEvent.Type.Paint and "shown" not in marks:
                marks["shown"] = time.time() - t0
                if bare:
                    QTimer.singleShot(0, watched.window().close)
            return False

    if bare:
        from PySide6.QtWidgets import QApplication, QMainWindow

        app = QApplication(sys.argv[:1])
        window = QMainWindow()
        window.resize(1500, 940)
        window.installEventFilter(FirstPaint(window))
        window.show()
        app.exec()
    else:
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, os.environ["BENCH_SETTINGS"])
        from gui import app as gui_app

        gui_app.create_application()  # what run_app does first; it reuses this instance
        from gui.common.settings import app_settings
        from gui.gallery import page as gallery
        from gui.gallery import tour
        from gui.shell.main_window import MainWindow

        for key in (gallery.SEEN_KEY, tour.SEEN_KEY):  # a returning user's start
            app_settings().setValue(key, True)
        original_init = MainWindow.__init__

        def init(self, *args, **kwargs) -> None:
            original_init(self, *args, **kwargs)
            self.installEventFilter(FirstPaint(self))

            def on_changed() -> None:
                if self.train_action.isEnabled() and "train" not in marks:
                    marks["train"] = time.time() - t0

            self.train_action.changed.connect(on_changed)

            def on_ready() -> None:
                marks["ready"] = time.time() - t0
                QTimer.singleShot(0, self.close)

            self.ready.connect(on_ready)

        MainWindow.__init__ = init
        gui_app.run_app(None)
    print(json.dumps(marks), flush=True)
    return 0


def start_once(bare: bool) -> dict[str, float]:
    env = {**os.environ, "BENCH_SETTINGS": tempfile.mkdtemp(), "XDG_DATA_HOME": tempfile.mkdtemp()}
    env.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")
    flag = "--child-bare" if bare else "--child"
    t0 = time.time()
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), flag, repr(t0)], env=env,
                         capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--child", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--child-bare", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        return child(args.child, bare=False)
    if args.child_bare is not None:
        return child(args.child_bare, bare=True)

    start_once(False)  # warms the file cache; not counted
    runs, bare = [], []
    for _ in range(args.repeats):  # interleaved, so load from other work hits both alike
        runs.append(start_once(False))
        bare.append(start_once(True)["shown"])

    def spread(values: list[float]) -> dict[str, float]:
        return {"median": statistics.median(values), "min": min(values), "max": max(values)}

    result = {"shown_s": spread([r["shown"] for r in runs]), "train_s": spread([r["train"] for r in runs]),
              "ready_s": spread([r["ready"] for r in runs]),
              "bare_qt_shown_s": spread(bare), "target_s": TARGET_S, "repeats": args.repeats}
    print(f"window on screen {result['shown_s']['median']:.2f} s (min {result['shown_s']['min']:.2f}, max "
          f"{result['shown_s']['max']:.2f}); Train enabled {result['train_s']['median']:.2f} s, every view built "
          f"{result['ready_s']['median']:.2f} s; a bare PySide6 "
          f"window {result['bare_qt_shown_s']['median']:.2f} s; target ≤ {TARGET_S} s")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
