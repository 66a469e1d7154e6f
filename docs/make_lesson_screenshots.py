"""The README's pictures of a lesson: the real app on an X server under a
window manager (openbox), a built-in lesson taken step by step as a learner
would (answers locked in, Train pressed, the runs at the preset's own
epochs), photographed twice: a step with its control outlined, and a
prediction revealed against what the runs measured.

    .venv/bin/python docs/make_lesson_screenshots.py [LESSON]   (default: 03_shift_test)

Needs Xvfb and openbox (see DESIGN.md). Writes docs/lessons/step.png and
docs/lessons/revealed.png.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "lessons"


class Waiter:
    """qtbot's waitUntil and waitSignal, for the test helpers that take a lesson step."""

    def waitUntil(self, condition, timeout=60_000):  # noqa: N802 - qtbot's name
        # A nested event loop, as qtbot's: processEvents alone never runs deleteLater.
        from tests.helpers.real_display_tools import wait

        if not wait(condition, timeout):
            raise TimeoutError("a lesson step did not complete")

    def waitSignal(self, signal, timeout=60_000):  # noqa: N802 - qtbot's name
        waiter = self

        class Wait:
            def __enter__(self):
                self.fired = []
                signal.connect(lambda *args: self.fired.append(args))
                return self

            def __exit__(self, *exc):
                if exc[0] is None:
                    waiter.waitUntil(lambda: self.fired, timeout)
                return False
        return Wait()


def settle(seconds: float) -> None:
    from tests.helpers.real_display_tools import pause

    pause(int(seconds * 1000))


def inside(key: str) -> int:
    """In the child, on the X display: take the lesson and photograph it."""
    from gui.app import create_application
    from gui.common.settings import app_settings
    from gui.shell.main_window import MainWindow
    from tests.gui.lesson.lesson_helpers import answer_prediction, perform

    app = create_application()
    from PySide6.QtWidgets import QMessageBox

    # The lesson opens the next preset over the trained one: discard it, as a learner would.
    QMessageBox.question = staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard)
    settings = app_settings()
    settings.setValue("gallery/seen", True)
    settings.setValue("tour/seen", True)
    window = MainWindow()
    window.show()
    bot = Waiter()
    bot.waitUntil(lambda: window.is_ready, 120_000)
    settle(1)
    path = key if key.endswith(".json") else str(ROOT / "presets" / "lessons" / f"{key}.json")
    panel = window.lessons.show(path)
    driver = panel.driver
    OUT.mkdir(parents=True, exist_ok=True)
    shot_step = False
    for step in driver.lesson.steps:
        answer_prediction(panel)
        settle(0.8)
        if not shot_step and step.highlight and driver.highlights.shown() and not driver.is_done():
            window.grab().save(str(OUT / "step.png"))
            shot_step = True
        perform(bot, window, panel, epochs=None)
        settle(0.5)
        revealed = [i for i, _ in driver.lesson.predictions if driver.outcome(i) is not None]
        if revealed:
            driver.show_step(revealed[0])
            settle(1.0)
            window.grab().save(str(OUT / "revealed.png"))
            break
        panel.next_button.click()
    window.lessons.dock.close()
    window.close()
    app.quit()
    print("saved", OUT / "step.png", OUT / "revealed.png", "(step)" if shot_step else "(no step shot)")
    return 0


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--inside":
        return inside(sys.argv[2])
    key = sys.argv[1] if len(sys.argv) > 1 else "03_shift_test"
    missing = [tool for tool in ("Xvfb", "openbox") if shutil.which(tool) is None]
    if missing:
        print(f"needs {', '.join(missing)} (see DESIGN.md)", file=sys.stderr)
        return 2
    from docs.make_window_screenshots import start_display

    display, processes = start_display(1600, 1000)
    home = Path(tempfile.mkdtemp())
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "HOME": str(home),
           "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data")}
    try:
        return subprocess.run([sys.executable, __file__, "--inside", key], cwd=ROOT, env=env, timeout=900).returncode
    finally:
        for process in processes:
            process.terminate()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
