"""Fixtures for the GUI tests: settings in a temporary folder, dialogs that
never block, and a main window that is ready (engine loaded, experiment
open) before the test starts."""

from __future__ import annotations

import tempfile

import numpy as np
import pytest
from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox

# gui/common/palette.py reads a setting when first imported, which may be while
# tests are collected, before any fixture: never from the user's real settings.
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                  tempfile.mkdtemp(prefix="playground-test-settings-"))


@pytest.fixture(scope="session", autouse=True)
def gc_on_gui_thread(qapp):
    """As in the app: cyclic garbage is collected on the GUI thread only, never in
    a worker thread that would then destroy Qt objects (and could deadlock)."""
    from gui.app import install_garbage_collector
    from gui.common import axis_cache
    from gui.common.style import install_focus_outline

    axis_cache.install()  # as create_application does: the tests paint what users see
    install_focus_outline(qapp)
    collector = install_garbage_collector(qapp)
    yield collector
    collector.uninstall()


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path):
    """Window layout goes to a temporary INI file, never the user's config."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield tmp_path / "settings"


@pytest.fixture(autouse=True)
def gallery_already_seen(isolated_settings):
    """The first start opens the examples gallery over the window; tests start
    as if it had been seen (tests/gui/gallery/test_gallery.py clears this)."""
    from gui.common.settings import app_settings
    from gui.gallery.page import SEEN_KEY

    app_settings().setValue(SEEN_KEY, True)


@pytest.fixture(autouse=True)
def tour_already_seen(isolated_settings):
    """The first start shows the guided tour (after the gallery); tests start
    as if it had been closed once (tests/gui/gallery/test_tour.py clears this)."""
    from gui.common.settings import app_settings
    from gui.gallery.tour import SEEN_KEY

    app_settings().setValue(SEEN_KEY, True)


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path, monkeypatch):
    """Autosaves go to a temporary data folder, never the user's (Qt reads
    XDG_DATA_HOME on every QStandardPaths lookup)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data"


class DialogRecorder:
    """Stands in for modal dialogs: records questions, answers as told."""

    def __init__(self) -> None:
        self.questions: list[str] = []
        self.answer = QMessageBox.StandardButton.Discard
        self.open_path = ""
        self.save_path = ""
        self.recover = False  # the answer to "recover unsaved changes?" after a crash
        self.recover_questions: list[str] = []

    def question(self, parent, title, text, *args, **kwargs):
        self.questions.append(text)
        return self.answer

    def ask_to_recover(self, parent, text):
        self.recover_questions.append(text)
        return self.recover


@pytest.fixture(autouse=True)
def dialogs(monkeypatch):
    recorder = DialogRecorder()
    monkeypatch.setattr(QMessageBox, "question", staticmethod(recorder.question))
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (recorder.open_path, "")))
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (recorder.save_path, "")))
    monkeypatch.setattr("gui.document.crash_recovery.ask_to_recover", recorder.ask_to_recover)
    return recorder


def open_window(qtbot, path=None):
    from gui.shell.main_window import MainWindow

    window = MainWindow(path)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.is_ready, timeout=60_000)
    return window


@pytest.fixture
def window(qtbot):
    return open_window(qtbot)


def wait_ticks(qtbot, window, ticks: int = 3) -> None:
    """Let the runner's GUI timer fire a few times (events are processed meanwhile)."""
    for _ in range(ticks):
        with qtbot.waitSignal(window.runner._timer.timeout, timeout=5_000):
            pass


def curve_points(curve) -> int:
    x, _ = curve.getData()
    return 0 if x is None else len(x)


class FakeInspectionRunner(QObject):
    """Stands in for gui.trained.inspection_runner.InspectionRunner: records what views and the hub
    ask of it; tests emit ``inspected`` themselves."""

    inspected = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[np.ndarray] = []
        self.weights = None
        self.run = None

    def request(self, x: np.ndarray) -> None:
        self.requests.append(np.array(x))

    def set_run(self, experiment, run) -> None:
        self.run = run

    def set_weights(self, weights) -> None:
        self.weights = weights
