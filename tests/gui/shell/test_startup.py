"""Start-up and files: the default preset, opening a file, a bad file,
saving, the layout restored on the next start, and a clean exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.gui.conftest import open_window

ROOT = Path(__file__).resolve().parents[3]


def test_opens_the_default_ready_to_train(qtbot, window):
    assert window.document.experiment.dataset.name == "digits"
    assert window.document.analysis().ok
    assert window.train_action.isEnabled()
    assert not window.document.dirty and not window.isWindowModified()
    assert window.document.display_name in window.windowTitle()
    assert window.model_stack.row_count() > 0
    assert window.state_label.text() == "Ready"


def write_experiment(path: Path, **changes) -> Path:
    from engine.experiment_file import experiment_to_dict
    from gui.builder.templates import default_experiment

    doc = experiment_to_dict(default_experiment())
    doc.update(changes)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_opens_a_file_given_at_start(qtbot, tmp_path):
    path = write_experiment(tmp_path / "mine.json", name="My experiment")
    window = open_window(qtbot, str(path))
    assert window.document.experiment.name == "My experiment"
    assert window.document.path == str(path)
    assert "My experiment" in window.windowTitle()
    assert window.messages == []


def test_a_bad_file_at_start_shows_a_message_and_opens_the_default(qtbot, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "cnn-rnn-playground/experiment", "version": 1, "name": "x", '
                   '"dataset": {"name": "digits"}, "model": {"layers": [{"type": "Conv9d"}]}}')
    window = open_window(qtbot, str(bad))
    title, text = window.messages[0]
    assert title == "Cannot open experiment"
    assert "bad.json" in text and "Conv9d" in text and "default" in text
    assert window.document.experiment.dataset.name == "digits"
    assert window.train_action.isEnabled()


def test_save_as_and_reopen(qtbot, window, tmp_path, dialogs):
    from engine.experiment_file import load_experiment

    window.training_panel.set_value("epochs", 7)
    dialogs.save_path = str(tmp_path / "saved")
    window.window_actions.save_as.trigger()
    saved = tmp_path / "saved.json"
    assert load_experiment(saved) == window.document.experiment
    assert not window.document.dirty and not window.isWindowModified()
    window.training_panel.set_value("epochs", 8)
    window.window_actions.save.trigger()  # to the same path, no dialog
    assert load_experiment(saved).training.epochs == 8
    window.window_actions.new.trigger()
    assert window.document.path is None
    dialogs.open_path = str(saved)
    window.window_actions.open.trigger()
    assert window.document.experiment.training.epochs == 8


def test_open_refuses_a_bad_file_and_keeps_the_experiment(qtbot, window, tmp_path, dialogs):
    before = window.document.experiment
    bad = tmp_path / "broken.json"
    bad.write_text("{not json")
    dialogs.open_path = str(bad)
    window.window_actions.open.trigger()
    assert window.document.experiment == before
    assert "not valid JSON" in window.messages[-1][1]


def test_dock_layout_is_restored_on_the_next_start(qtbot):
    from PySide6.QtCore import Qt

    first = open_window(qtbot)
    first.docks["layers"].hide()
    first.removeDockWidget(first.docks["training"])
    first.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, first.docks["training"])
    first.docks["training"].show()
    assert first.close()
    second = open_window(qtbot)
    assert second.docks["layers"].isHidden()
    assert second.dockWidgetArea(second.docks["training"]) == Qt.DockWidgetArea.LeftDockWidgetArea


def test_run_app_exits_cleanly_when_closed_during_training(tmp_path):
    script = (
        "import sys\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "import gui.shell.main_window as mw\n"
        "def close_soon(window):\n"
        "    window.runner.stepped.connect(lambda batch: QTimer.singleShot(0, window.close))\n"
        "    window.train_action.trigger()\n"
        "original = mw.MainWindow.__init__\n"
        "def init(self, *a, **k):\n"
        "    original(self, *a, **k)\n"
        "    self.ready.connect(lambda: close_soon(self))\n"
        "mw.MainWindow.__init__ = init\n"
        "from gui.app import run_app\n"
        "sys.exit(run_app(None))\n"
    )
    env = {"QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path), "HOME": str(tmp_path),
           "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "QThread: Destroyed" not in result.stderr
    assert "Traceback" not in result.stderr


def test_the_window_does_not_wait_for_torch(qtbot):
    from gui.shell.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    # Built and shown before the engine is loaded: placeholders, Train off.
    assert not window.is_ready and window.model_stack is None
    assert not window.train_action.isEnabled()
    assert window.state_label.text() == "Loading PyTorch…"
    qtbot.waitUntil(lambda: window.is_ready, timeout=60_000)
    assert window.train_action.isEnabled()


def test_importing_the_gui_does_not_import_torch():
    code = ("import sys\nimport gui.app, gui.shell.main_window\n"
            "heavy = [m for m in ('torch', 'sklearn') if m in sys.modules]\n"
            "print(heavy)\nsys.exit(1 if heavy else 0)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_ready_window_holds_no_compiler_stack_nor_scikit_learn(tmp_path):
    """Issue #18: the window never trains, so torch._dynamo and sympy (imported
    by meta-device execution and by any torch.optim optimiser: ~2 s, ~100 MB)
    and scikit-learn (the digits are read from its data file) stay out of it —
    and the engine starts loading only after the window's first paint."""
    script = (
        "import sys\n"
        "from PySide6.QtCore import QTimer\n"
        "import gui.shell.main_window as mw\n"
        "order = []\n"
        "original_init, original_start = mw.MainWindow.__init__, mw.MainWindow._start_loader\n"
        "def start(self):\n"
        "    order.append('loader')\n"
        "    original_start(self)\n"
        "def init(self, *a, **k):\n"
        "    original_init(self, *a, **k)\n"
        "    mw.FirstPaint(self, lambda: order.append('painted'))\n"
        "    self.ready.connect(lambda: QTimer.singleShot(0, self.close))\n"
        "mw.MainWindow.__init__, mw.MainWindow._start_loader = init, start\n"
        "from gui.app import run_app\n"
        "code = run_app(None)\n"
        "heavy = [m for m in ('torch._dynamo', 'sympy', 'sklearn') if m in sys.modules]\n"
        "print('heavy', heavy, 'order', order)\n"
        "sys.exit(code or (1 if heavy or 'torch' not in sys.modules or order[:1] != ['painted'] else 0))\n"
    )
    env = {"QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path), "HOME": str(tmp_path),
           "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def test_train_pressed_before_every_view_is_built_reaches_them_all(qtbot):
    """Issue #18: Train is enabled as soon as the shapes are shown, and the
    views are built one group per turn of the event loop after that. A user
    who presses Train at once gets a run that every view shows, in the docks'
    order, as each view arrives."""
    from gui.shell.dock_layout import VIEW_DOCKS
    from gui.shell.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    pressed: dict = {}

    def on_changed() -> None:
        if window.train_action.isEnabled() and not pressed:
            pressed["views_left"] = len(window._views_to_build)
            pressed["built"] = len(window.views.views)
            window.training_panel.set_value("epochs", 1)
            window.train_action.trigger()

    window.train_action.changed.connect(on_changed)
    window.show()
    qtbot.waitUntil(lambda: window.is_ready, timeout=60_000)
    assert pressed["views_left"] > 0 and pressed["built"] < len(VIEW_DOCKS), pressed
    qtbot.waitUntil(lambda: window.runner.state == "idle" and window.views.shown_snapshot is not None,
                    timeout=60_000)
    assert list(window.views.views) == [name for name, _title in VIEW_DOCKS]
    run = window.views.run
    assert run is not None
    for name, view in window.views.views.items():
        assert view.run is run, name
    # The filters the view shows are the run's last snapshot's.
    filters = window.views.views["filters"]
    assert filters.snapshot is window.views.store.snapshots[-1]
