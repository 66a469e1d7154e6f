"""Regenerate the README's pictures of the live views, taken mid-training.

Needs an X server (Xvfb is enough; see DESIGN.md):

    Xvfb :99 -screen 0 1600x1000x24 &
    DISPLAY=:99 .venv/bin/python docs/make_screenshots.py

For each preset below it opens the real window with fresh settings, starts
a long run, waits until the views have a few snapshots, then brings each
listed view to the front and saves its picture to docs/views/<view>.png
while training goes on (and the idle window for the first preset; the window
mid-training is docs/make_window_screenshots.py's, under a window manager).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "views"

# preset → the views to photograph on it, and what to do first
SHOTS = {
    "digits_cnn": ["filters", "feature_maps", "drawing", "predictions", "confusion", "histograms"],
    "digits_gru_rows": ["trajectories"],
    "copy_memory_lstm": ["hidden_heatmap", "gates", "gradient_time"],
    "text_lstm": ["text_probe", "generate"],
    "hopfield_digits": ["settling"],
    "expressions_tree": ["tree"],
    "seq2seq_translate": ["decoder"],
    "caption_scenes": ["predictions"],
    "video_cnn_gru": ["clip"],
}
# Presets whose pictures mean something only once the model has learned: the epochs to wait for.
LEARNED_BY = {"text_lstm": 12, "seq2seq_translate": 25, "caption_scenes": 12, "video_cnn_gru": 6}
# A view shot on a second preset gets its own file.
FILE_NAMES = {("caption_scenes", "predictions"): "predictions_captions"}
WINDOW_SHOT = "digits_cnn"


def shoot(preset: str, views: list[str]) -> None:
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtTest import QTest

    from gui.app import create_application

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    app = create_application()
    from gui.common.settings import app_settings
    from gui.gallery import page as gallery
    from gui.gallery import tour
    from gui.shell.main_window import MainWindow

    # Pictures of the window, not of the first-start gallery and tour over it.
    app_settings().setValue(gallery.SEEN_KEY, True)
    app_settings().setValue(tour.SEEN_KEY, True)

    window = MainWindow(str(ROOT / "presets" / f"{preset}.json"))
    window.show()

    def when_ready() -> None:
        if preset == WINDOW_SHOT:
            QTest.qWait(1000)  # the data preview fills in
            window.grab().save(str(ROOT / "docs" / "screenshot-idle.png"))
            print("saved idle window", flush=True)
        window.training_panel.set_value("epochs", 600)  # still training when the pictures are taken
        window.train()
        QTimer.singleShot(500, wait_for_snapshots)

    def wait_for_snapshots() -> None:
        store = window.views.store
        learned = store.predictions and store.predictions[-1].epoch >= LEARNED_BY.get(preset, 0)
        if len(store) < 4 or not learned:
            QTimer.singleShot(500, wait_for_snapshots)
            return
        for name in views:
            dock = window.docks[name]
            dock.raise_()
            view = window.views.views[name]
            if name == "drawing":
                view.load_sample(3)
            if name == "text_probe":
                view.set_text("the river bank", compare="he made a deposit at the bank")
                for _ in range(150):  # the first answer builds the InspectionRunner's model: give it time
                    if (view.inspection is not None and len(view.inspection.input) == len("the river bank")
                            and view.report is not None and view.report.comparison is not None):
                        break
                    QTest.qWait(100)
            if name == "settling":
                view.run_capacity()
                for _ in range(300):
                    if view.capacity_curves:
                        break
                    QTest.qWait(100)
                view.show_iteration(1)  # mid-settling: some flipped pixels already mended
            if name == "generate":
                view.pace = 0.0
                view.length.setValue(240)
                view.generate()
                for _ in range(300):
                    if not view.task.busy and view.generated:
                        break
                    QTest.qWait(100)
            if name == "clip":
                view.show_frame(4)
            if name == "decoder":
                view.probe_picker.setCurrentIndex(1)
                view.redraw()
                view.show_step(1)
            QTest.qWait(1500)
            dock.grab().save(str(OUT / f"{FILE_NAMES.get((preset, name), name)}.png"))
            print("saved", name, flush=True)
        window.runner.shutdown()
        window.document.replace(window.document.experiment, window.document.path)  # nothing to save
        window.close()
        app.quit()

    window.ready.connect(when_ready)
    app.exec()


def main() -> int:
    if not os.environ.get("DISPLAY"):
        print("needs an X server: run under Xvfb with DISPLAY set", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    only = sys.argv[1:]
    for preset, views in SHOTS.items():
        if not only or preset in only:
            # One process per preset: a fresh window and settings each time.
            pid = os.fork()
            if pid == 0:
                shoot(preset, views)
                os._exit(0)
            os.waitpid(pid, 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
