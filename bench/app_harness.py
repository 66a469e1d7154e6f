"""The real main window as the GUI benchmarks drive it: a fresh settings
folder (the default layout; the user's own left alone), a preset opened,
every live view floated out of its tab so that all of them are on screen and
draw at once (the worst case: in the default layout only the view in front
draws), and meters for what a person would notice:

- ``PaintCounter``: paint events of a widget (the curves' plot, each view's
  plots) — redraws actually achieved, not just data handed over;
- ``Lateness``: how late a 10 ms timer on the GUI thread fires while a run
  is active — whether the window answers at once;
- ``resident_mb``: resident memory of this process and its training children.

Runs offscreen unless $DISPLAY is set (the README's figures come from Xvfb).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")

import numpy as np  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QEvent, QObject, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QGraphicsView  # noqa: E402

TIMER_MS = 10


def open_window(preset: str):
    """(app, window) with ``preset`` open; the caller waits for ``window.ready``."""
    from PySide6.QtCore import QSettings

    from engine.presets import PRESETS_DIR

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp()  # autosaves away from the user's
    from gui.app import create_application

    app = create_application()
    from gui.common.settings import app_settings
    from gui.gallery import page as gallery
    from gui.gallery import tour
    from gui.shell.main_window import MainWindow

    for key in (gallery.SEEN_KEY, tour.SEEN_KEY):  # a returning user: no gallery or tour over the window
        app_settings().setValue(key, True)
    window = MainWindow(str(PRESETS_DIR / f"{preset}.json"))
    window.show()
    return app, window


def float_all_views(window) -> None:
    """Every view in its own visible window, tiled, so every one of them draws."""
    from gui.shell.dock_layout import VIEW_DOCKS

    for i, (name, _) in enumerate(VIEW_DOCKS):
        dock = window.docks[name]
        dock.setFloating(True)
        dock.resize(520, 380)
        dock.move(40 + (i % 4) * 530, 40 + (i // 4) * 390)
        dock.show()


def warm_up(window, then) -> None:
    """One short, uncounted run, then ``then()``: the first run of a session
    waits for a fresh training process to import torch (the app prestarts
    one at start-up; a benchmark would otherwise time that wait)."""
    from PySide6.QtCore import QTimer

    set_epochs(window, 1)

    def done(_finished: object) -> None:
        window.runner.finished.disconnect(done)
        reset_discarding(window)
        QTimer.singleShot(300, then)

    window.runner.finished.connect(done)
    window.train_action.trigger()


def reset_discarding(window) -> None:
    """Reset, answering Discard to its question: Reset asks before it forgets a
    run's weights, a modal question no benchmark would answer (the weights of a
    warm-up or timing run are worth nothing)."""
    from PySide6.QtWidgets import QMessageBox

    ask, QMessageBox.question = QMessageBox.question, lambda *a, **k: QMessageBox.StandardButton.Discard
    try:
        window.reset_action.trigger()
    finally:
        QMessageBox.question = ask


def set_epochs(window, epochs: int) -> None:
    window.training_panel.set_value("epochs", epochs)
    window.document.replace(window.document.experiment, window.document.path)  # not dirty


class PaintCounter(QObject):
    """Counts paint events of the widgets given, while ``counting``."""

    def __init__(self, widgets) -> None:
        super().__init__()
        self.count = 0
        self.counting = False
        self._widgets = list(widgets)
        for widget in self._widgets:
            widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        if self.counting and event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def plot_viewports(widget) -> list:
    """The viewports of the pyqtgraph plots inside ``widget`` (where painting happens)."""
    return [view.viewport() for view in widget.findChildren(QGraphicsView)]


def view_paint_counters(window) -> dict[str, PaintCounter]:
    counters = {"curves": PaintCounter(plot_viewports(window.curves))}
    for name, view in window.views.views.items():
        counters[name] = PaintCounter(plot_viewports(view) or [view])
    return counters


class Lateness(QObject):
    """A 10 ms precise timer on the GUI thread; records how late each tick is
    while ``active()`` says the run is live."""

    def __init__(self, active) -> None:
        super().__init__()
        self.active = active
        self.late_ms: list[float] = []
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TIMER_MS)
        self._timer.timeout.connect(self._on_tick)

    def start(self) -> None:
        self._clock.start()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _on_tick(self) -> None:
        elapsed = self._clock.nsecsElapsed() / 1e6
        self._clock.restart()
        if self.active():
            self.late_ms.append(max(0.0, elapsed - TIMER_MS))

    def percentiles(self) -> dict[str, float]:
        late = np.array(self.late_ms or [np.nan])
        return {"p50_ms": float(np.percentile(late, 50)), "p99_ms": float(np.percentile(late, 99)),
                "max_ms": float(late.max()), "ticks": len(self.late_ms)}


def _proc_kb(pid: int, file: str, field: str) -> int:
    """A ``field:`` line of /proc/<pid>/<file> in kB (0 when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _rss_kb(pid: int) -> int:
    return _proc_kb(pid, "status", "VmRSS")


def _pss_kb(pid: int) -> int:
    """Proportional set size: resident pages, each shared one divided among the processes that
    map it (the two processes both map torch's libraries: resident sizes count those twice)."""
    return _proc_kb(pid, "smaps_rollup", "Pss")


def resident_mb() -> dict[str, float]:
    """Resident memory (MB) of this process, of its child processes, and both; and both
    proportionally (what they take together, shared pages counted once)."""
    pids = [os.getpid(), *(p.pid for p in multiprocessing.active_children() if p.pid)]
    window = _rss_kb(pids[0]) / 1024
    children = sum(_rss_kb(pid) for pid in pids[1:]) / 1024
    return {"window": window, "children": children, "total": window + children,
            "proportional": sum(_pss_kb(pid) for pid in pids) / 1024}
