"""Regenerate docs/explain/<key>.png: each explainer window of the Explain
menu, set up to show what it is for.

Needs an X server (Xvfb is enough; see DESIGN.md):

    Xvfb :99 -screen 0 1600x1000x24 &
    DISPLAY=:99 .venv/bin/python docs/make_explain_screenshots.py [KEY ...]

Each explainer has its own setup function in SETUPS (key → function of the
main window that prepares the window and returns when it is ready to shoot).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "explain"


def wait(ms: int) -> None:
    """Run the event loop for ``ms``. Not QTest.qWait: polling with it here kept the
    engine loader's thread (importing torch) from ever finishing; QEventLoop.exec lets it run."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(condition: Callable[[], bool], timeout_ms: int = 60_000) -> None:
    waited = 0
    while not condition() and waited < timeout_ms:
        wait(50)
        waited += 50


def open_preset(window, key: str) -> None:
    from engine.presets import load_preset

    window.document.set(load_preset(key))
    wait(300)


def shoot(window, key: str, setup: Callable[[object], None]) -> Path:
    """Open explainer ``key``, run ``setup(window)``, save its picture."""
    setup(window)
    widget = window.explain.show(key)
    wait(600)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{key}.png"
    widget.grab().save(str(path))
    print(f"saved {path}", flush=True)
    return path


# --- parameters (Where the Parameters Are) -------------------------------------
def setup_parameters(window) -> None:
    open_preset(window, "digits_cnn")


# --- reach (Receptive Field and Memory) ----------------------------------------
def setup_reach(window) -> None:
    """The hybrid Conv1d → GRU on the long-range task, trained for one short
    epoch: the field over a sample sequence with the dependency beside it,
    and the GRU's gradient through time."""
    from engine.presets import load_preset

    experiment = load_preset("hybrid_long_range").with_training(epochs=1)
    window.document.set(experiment)
    wait_until(lambda: window.dataset_panel.preview.samples is not None
               and window.dataset_panel.preview.samples.kind == "sequence")
    window.explain.show("reach")
    window.train_action.trigger()
    wait_until(lambda: window.train_action.isEnabled() and len(window.views.store) > 0, 120_000)
    wait(500)


# --- convolution (Convolution and Pooling Step by Step) -------------------------
def setup_convolution(window) -> None:
    """The edge detector on a handwritten 0, stepped to a window on the digit's
    left stroke: the products, the sum and the output filling in."""
    from gui.explain.convolution import PRESETS

    open_preset(window, "digits_cnn")
    explainer = window.explain.show("convolution")
    explainer.choose_preset(PRESETS.index("edge detector on a digit"))
    explainer.step_by(17)  # output row 3, column 2: the 0's left stroke


# --- unrolled (The Unrolled RNN) -----------------------------------------------
def setup_unrolled(window) -> None:
    """Digits read row by row into a GRU, trained for two short epochs: each
    cell reads one row of the digit, and step 4 is selected."""
    from engine.presets import load_preset

    window.document.set(load_preset("digits_gru_rows").with_training(epochs=2))
    wait_until(lambda: window.train_action.isEnabled())  # Train waits for the new model's shapes
    wait(300)
    window.train_action.trigger()
    wait_until(lambda: window.train_action.isEnabled() and window.trained.weights.weights is not None, 120_000)
    explainer = window.explain.show("unrolled")
    print(window.trained.weights.hint(window.document.experiment), flush=True)
    explainer.sample.setValue(3)
    explainer.detail.unit.setValue(5)
    explainer.select(4)


SETUPS: dict[str, Callable[[object], None]] = {
    "convolution": setup_convolution,
    "parameters": setup_parameters,
    "reach": setup_reach,
    "unrolled": setup_unrolled,
}


def main(keys: list[str]) -> int:
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp()  # no autosave or recovery from the user's folder
    from gui.app import create_application

    app = create_application()
    from gui.shell.main_window import MainWindow

    window = MainWindow(str(ROOT / "presets" / "digits_cnn.json"))
    window.show()
    wait_until(lambda: window.is_ready)
    for key in keys or list(SETUPS):
        shoot(window, key, SETUPS[key])
        window.explain.windows[key].close()
    window.files.confirm_discard = lambda: True  # no "save changes?" on close
    window.close()
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
