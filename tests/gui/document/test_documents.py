"""Experiments as documents: a save that fails half-way, Revert, Open Recent,
a file dropped on the window, autosave and the recovery offered after the
app was killed with unsaved edits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from tests.gui.conftest import open_window

ROOT = Path(__file__).resolve().parents[3]


def load_experiment(path):
    from engine.experiment_file import load_experiment as load

    return load(path)


def write_experiment(path: Path, **training) -> Path:
    from engine.experiment_file import save_experiment
    from gui.builder.templates import default_experiment

    experiment = default_experiment()
    save_experiment(experiment.with_training(**training) if training else experiment, path)
    return path


@pytest.fixture
def app_names(qapp):
    """The real app's names, so QStandardPaths.AppDataLocation is the folder
    a `python main.py` subprocess uses."""
    from gui.common.settings import APPLICATION, ORGANIZATION

    old = qapp.organizationName(), qapp.applicationName()
    qapp.setOrganizationName(ORGANIZATION)
    qapp.setApplicationName(APPLICATION)
    yield
    qapp.setOrganizationName(old[0])
    qapp.setApplicationName(old[1])


# --- saving -------------------------------------------------------------------------------------

def test_a_save_that_fails_half_way_keeps_the_old_file(window, tmp_path, monkeypatch, dialogs):
    import engine.experiment_file as experiment_file

    path = write_experiment(tmp_path / "mine.json", epochs=3)
    old_bytes = path.read_bytes()
    dialogs.open_path = str(path)
    window.window_actions.open.trigger()
    window.training_panel.set_value("epochs", 9)
    real_fdopen = os.fdopen

    class HalfWrite:
        """Writes half the text, then the disk is full."""

        def __init__(self, fd, *args, **kwargs):
            self.handle = real_fdopen(fd, *args, **kwargs)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, text):
            self.handle.write(text[: len(text) // 2])
            self.handle.flush()
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(experiment_file.os, "fdopen", HalfWrite)
    window.window_actions.save.trigger()
    monkeypatch.undo()
    assert window.messages[-1] == ("Cannot save", f"{path}: No space left on device")
    assert path.read_bytes() == old_bytes
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["mine.json"]  # no temporary left
    assert window.document.dirty and window.document.experiment.training.epochs == 9
    window.window_actions.save.trigger()  # the disk has room again
    assert not window.document.dirty


class FailingHandle:
    """A file handle whose ``method`` fails with ``error``."""

    def __init__(self, handle, method, error):
        self._handle, self._method, self._error = handle, method, error

    def __getattr__(self, name):
        if name == self._method:
            def fail(*args):
                raise self._error
            return fail
        return getattr(self._handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._handle.close()


def raiser(error: OSError):
    def fail(*args, **kwargs):
        raise error
    return fail


def fail_at(monkeypatch, stage: str, error: OSError) -> None:
    """Make the next atomic write fail at ``stage``: the temporary file (a read-only
    folder, simulated: root ignores a chmod), its flush, fsync or the rename over the old file."""
    import tempfile

    if stage == "mkstemp":
        monkeypatch.setattr(tempfile, "mkstemp", raiser(error))
    elif stage == "flush":
        real = os.fdopen
        monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: FailingHandle(real(fd, *a, **k), "flush", error))
    else:
        monkeypatch.setattr(os, stage, raiser(error))


SAVE_FAILURES = [("mkstemp", OSError(30, "Read-only file system")), ("flush", OSError(28, "No space left on device")),
                 ("fsync", OSError(5, "Input/output error")), ("replace", OSError(13, "Permission denied"))]


def test_a_save_that_fails_at_any_stage_says_why_and_keeps_the_old_file(window, tmp_path, monkeypatch, dialogs):
    path = write_experiment(tmp_path / "mine.json", epochs=3)
    old_bytes = path.read_bytes()
    assert window.files.open_path(str(path))
    window.training_panel.set_value("epochs", 9)
    for stage, error in SAVE_FAILURES:
        with monkeypatch.context() as patch:
            fail_at(patch, stage, error)
            window.window_actions.save.trigger()
        assert window.messages[-1] == ("Cannot save", f"{path}: {error.strerror}"), stage
        assert path.read_bytes() == old_bytes, stage
        assert [p.name for p in tmp_path.iterdir() if p.is_file()] == ["mine.json"], stage  # no temporary left
        assert window.document.dirty and window.isWindowModified(), stage  # the edit is kept, still unsaved
    window.window_actions.save.trigger()
    assert not window.document.dirty and load_experiment(path).training.epochs == 9


def test_a_weights_file_that_fails_to_save_keeps_the_old_one_and_says_so(window, tmp_path, monkeypatch, dialogs):
    import numpy as np

    from engine import weights_file
    from engine.weights_file import expected_state, load_weights, save_weights, weights_path_for
    from gui.builder.templates import default_experiment

    path = write_experiment(tmp_path / "mine.json")
    experiment = default_experiment()
    weights = {name: np.full(shape, 0.5, np.float32) for name, (shape, _) in expected_state(experiment).items()}
    beside = weights_path_for(path)
    save_weights(beside, experiment, weights)
    old_weights = beside.read_bytes()
    assert window.files.open_path(str(path))
    assert "mine.weights.npz" in window.trained.label.text()  # the window holds the file's weights
    for stage, error in SAVE_FAILURES:
        window.training_panel.set_value("epochs", 4 if window.document.experiment.training.epochs != 4 else 5)
        with monkeypatch.context() as patch:
            # The experiment is written first and goes through; the weights file meets the fault.
            patch.setattr(weights_file, "save_weights", failing(weights_file.save_weights, stage, error))
            window.window_actions.save.trigger()
        title, text = window.messages[-1]
        assert title == "Trained weights not saved", stage
        assert text == (f"The experiment was saved, its trained weights were not: cannot save weights to "
                        f"{beside}: {error.strerror}"), stage
        assert not window.document.dirty and load_experiment(path) == window.document.experiment, stage
        assert beside.read_bytes() == old_weights, stage  # the old weights file whole
        assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["mine.json", "mine.weights.npz"], stage
    assert all(np.array_equal(v, weights[k]) for k, v in load_weights(beside, experiment).items())


def failing(save, stage, error):
    """``save`` with the fault armed only while it runs."""
    def save_failing(*args, **kwargs):
        with pytest.MonkeyPatch.context() as patch:
            fail_at(patch, stage, error)
            return save(*args, **kwargs)
    return save_failing


# --- revert -------------------------------------------------------------------------------------

def test_revert_reloads_the_file_after_asking(window, tmp_path, dialogs):
    from PySide6.QtWidgets import QMessageBox

    acts = window.window_actions
    assert not acts.revert.isEnabled()  # the default preset, unchanged
    path = write_experiment(tmp_path / "mine.json", epochs=3)
    dialogs.open_path = str(path)
    acts.open.trigger()
    assert not acts.revert.isEnabled()
    window.training_panel.set_value("epochs", 9)
    window.layer_palette.append_layer("Dropout")
    assert acts.revert.isEnabled()

    dialogs.answer = QMessageBox.StandardButton.Cancel
    acts.revert.trigger()
    assert "mine.json" in dialogs.questions[-1] and "Discard the unsaved changes" in dialogs.questions[-1]
    assert window.document.experiment.training.epochs == 9

    dialogs.answer = QMessageBox.StandardButton.Discard
    acts.revert.trigger()
    assert window.document.experiment.training.epochs == 3
    assert window.training_panel.form.editor("epochs").value() == 3
    assert window.model_stack.row_count() == len(window.document.experiment.model.layers)
    assert not window.document.dirty and not acts.revert.isEnabled()
    assert window.document.path == str(path)
    assert not acts.undo.isEnabled()


def test_revert_of_a_file_that_became_unreadable_keeps_the_edits(window, tmp_path, dialogs):
    path = write_experiment(tmp_path / "mine.json")
    dialogs.open_path = str(path)
    window.window_actions.open.trigger()
    window.training_panel.set_value("epochs", 9)
    path.write_text("{oops")
    window.window_actions.revert.trigger()
    title, text = window.messages[-1]
    assert title == "Cannot open experiment" and "mine.json" in text and "stays as it was" in text
    assert window.document.experiment.training.epochs == 9 and window.document.dirty


# --- recent files -------------------------------------------------------------------------------

def recent_entries(window) -> list[str]:
    menu = window.window_actions.recent_menu
    menu.aboutToShow.emit()  # what opening the menu does
    return [a.statusTip() for a in menu.actions() if a.statusTip()]


def test_recent_files_are_newest_first_capped_and_pruned(window, tmp_path, dialogs):
    from gui.document.recent_files import MAX_RECENT

    paths = [write_experiment(tmp_path / f"e{i}.json") for i in range(MAX_RECENT + 2)]
    for path in paths:
        dialogs.open_path = str(path)
        window.window_actions.open.trigger()
    dialogs.save_path = str(tmp_path / "saved.json")
    window.window_actions.save_as.trigger()  # saving counts as using a file
    expected = [str(tmp_path / "saved.json")] + [str(p) for p in reversed(paths)][: MAX_RECENT - 1]
    assert recent_entries(window) == expected
    paths[-1].unlink()  # gone since: dropped from the list when the menu is shown
    assert str(paths[-1]) not in recent_entries(window)

    # Remembered across sessions (QSettings), and Clear empties it.
    from gui.document.recent_files import RecentFiles

    assert RecentFiles(lambda p: None).paths()[0] == str(tmp_path / "saved.json")
    menu = window.window_actions.recent_menu
    next(a for a in menu.actions() if a.text() == "&Clear list").trigger()
    assert recent_entries(window) == []
    assert not next(a for a in menu.actions() if a.text() == "&Clear list").isEnabled()


def test_choosing_a_recent_file_opens_it_after_asking_about_changes(window, tmp_path, dialogs):
    path = write_experiment(tmp_path / "mine.json", epochs=4)
    dialogs.open_path = str(path)
    window.window_actions.open.trigger()
    window.window_actions.new.trigger()
    window.training_panel.set_value("epochs", 9)
    questions = len(dialogs.questions)
    menu = window.window_actions.recent_menu
    menu.aboutToShow.emit()
    entry = next(a for a in menu.actions() if a.statusTip() == str(path))
    assert entry.text() == "&1 mine.json"
    entry.trigger()
    assert len(dialogs.questions) == questions + 1  # "save your changes?"
    assert window.document.path == str(path) and window.document.experiment.training.epochs == 4


# --- drag and drop ------------------------------------------------------------------------------

def drop_file(target, path: Path) -> bool:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    pos = QPointF(target.width() / 2, target.height() / 2)
    enter = QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    if not enter.isAccepted():
        return False
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, drop)
    return drop.isAccepted()


def test_a_file_dropped_on_the_window_opens(qtbot, window, tmp_path, dialogs):
    path = write_experiment(tmp_path / "dropped.json", epochs=6)
    window.training_panel.set_value("epochs", 9)
    # Qt hands a drag to the innermost widget under the cursor that takes drops,
    # here the loss plot's viewport; it must still reach the window.
    takers = [w for w in window.curves.findChildren(QWidget) if w.acceptDrops()]
    assert takers
    assert drop_file(takers[0], path)
    qtbot.waitUntil(lambda: window.document.path == str(path), timeout=5_000)
    assert window.document.experiment.training.epochs == 6
    assert dialogs.questions  # the unsaved edit was asked about first
    # A drop on the model stack still opens a file (layer drags stay the stack's own).
    other = write_experiment(tmp_path / "other.json", epochs=2)
    assert drop_file(window.model_stack.view.viewport(), other)
    qtbot.waitUntil(lambda: window.document.path == str(other), timeout=5_000)


# --- autosave -----------------------------------------------------------------------------------

def autosave_files(window) -> list[Path]:
    return sorted(window.autosave.directory.glob("*.json"))


def test_autosave_after_a_structural_edit_and_gone_when_clean(window, tmp_path, dialogs):
    from gui.document.autosave import lock_path, read_record

    assert window.autosave.directory.is_relative_to(Path(os.environ["XDG_DATA_HOME"]))
    assert lock_path(window.autosave.file).exists()  # this session's, while it runs
    window.training_panel.set_value("epochs", 9)  # a setting: waits for the minute timer
    assert autosave_files(window) == []
    window.layer_palette.append_layer("Dropout")  # structural: written at once
    [file] = autosave_files(window)
    record = read_record(file)
    assert record.experiment == window.document.experiment
    assert record.original_path == window.document.path
    window.window_actions.undo.trigger()
    window.window_actions.undo.trigger()  # back to the state on disk: nothing to keep
    assert autosave_files(window) == []
    window.dataset_panel.choose_dataset("shapes")
    assert len(autosave_files(window)) == 1
    dialogs.save_path = str(tmp_path / "kept.json")
    window.window_actions.save_as.trigger()
    assert autosave_files(window) == []
    window.dataset_panel.choose_dataset("digits")
    assert len(autosave_files(window)) == 1
    assert window.close()  # the dialogs fixture answers Discard
    assert autosave_files(window) == [] and not lock_path(window.autosave.file).exists()


def test_an_autosave_that_cannot_be_written_keeps_the_last_copy_and_says_so(window, monkeypatch, dialogs):
    from gui.document.autosave import read_record

    window.layer_palette.append_layer("Dropout")  # structural: written at once
    [file] = autosave_files(window)
    kept = window.document.experiment
    shown = []
    window.autosave.failed.connect(shown.append)
    with monkeypatch.context() as patch:
        fail_at(patch, "fsync", OSError(28, "No space left on device"))
        window.layer_palette.append_layer("ReLU")
    assert shown == [f"Autosave failed: {file.parent}: No space left on device"]
    assert window.statusBar().currentMessage() == shown[0]
    assert autosave_files(window) == [file] and read_record(file).experiment == kept  # the last copy, whole
    window.layer_palette.append_layer("Dropout")  # room again: the copy catches up
    assert read_record(file).experiment == window.document.experiment


def test_autosave_timer_keeps_any_unsaved_edit(qtbot, tmp_path):
    from engine.experiment_file import load_experiment
    from engine.presets import DEFAULT_PRESET, preset_path
    from gui.document.autosave import Autosave, read_record
    from gui.document.document import Document

    document = Document(load_experiment(preset_path(DEFAULT_PRESET)), None)
    autosave = Autosave(document, tmp_path / "autosave", interval_ms=20)
    document.set(document.experiment.with_training(epochs=2))
    qtbot.waitUntil(autosave.file.exists, timeout=2_000)
    assert read_record(autosave.file).experiment.training.epochs == 2
    document.undo_stack.undo()
    qtbot.waitUntil(lambda: not autosave.file.exists(), timeout=2_000)
    autosave.close()


def test_a_running_window_keeps_its_autosave_to_itself(qtbot, window, dialogs):
    from gui.document.crash_recovery import find_orphans

    window.layer_palette.append_layer("Dropout")
    assert autosave_files(window)
    second = open_window(qtbot)
    qtbot.wait(50)  # let its recovery check run
    assert dialogs.recover_questions == []
    assert find_orphans(window.autosave.directory) == []
    assert autosave_files(window) == [window.autosave.file]
    assert not second.document.dirty


# --- recovery -----------------------------------------------------------------------------------

KILLED_SESSION = """
import os, signal, sys
import gui.shell.main_window as mw

original = mw.MainWindow.__init__

def edit_then_die(window):
    window.training_panel.set_value("epochs", 3)   # a setting (kept by the next autosave)
    window.layer_palette.append_layer("Dropout")   # structural: autosaved at once
    os.kill(os.getpid(), signal.SIGKILL)           # no clean close

def init(self, *args, **kwargs):
    original(self, *args, **kwargs)
    self.ready.connect(lambda: edit_then_die(self))

mw.MainWindow.__init__ = init
sys.argv = ["main.py", sys.argv[1]]
import runpy
runpy.run_path("main.py", run_name="__main__")
"""


def test_after_the_app_is_killed_the_next_start_recovers_the_edit(qtbot, tmp_path, dialogs, app_names,
                                                                    isolated_data_dir):
    from gui.document.autosave import autosave_dir

    path = write_experiment(tmp_path / "mine.json", epochs=5)
    env = {"QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(isolated_data_dir), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", KILLED_SESSION, str(path)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == -signal.SIGKILL, result.stderr[-2000:]
    assert len(list(autosave_dir().glob("*.json"))) == 1  # what the killed session left

    dialogs.recover = True
    window = open_window(qtbot)
    qtbot.waitUntil(lambda: window.document.dirty, timeout=5_000)
    [question] = dialogs.recover_questions
    assert "did not close properly" in question and str(path) in question
    experiment = window.document.experiment
    assert experiment.training.epochs == 3
    assert [layer.type for layer in experiment.model.layers][-1] == "Dropout"
    # Dirty, under its original path: Save writes it back there.
    assert window.document.path == str(path) and window.isWindowModified()
    assert window.training_panel.form.editor("epochs").value() == 3
    # The copy is this session's now; the dead session's is gone.
    assert [p.name for p in autosave_dir().glob("*.json")] == [window.autosave.file.name]
    window.window_actions.save.trigger()
    from engine.experiment_file import load_experiment

    assert load_experiment(path) == experiment
    assert list(autosave_dir().glob("*.json")) == []


def test_discarding_the_recovery_deletes_the_copy(qtbot, tmp_path, dialogs):
    from gui.builder.templates import default_experiment
    from gui.document.autosave import autosave_dir, write_record

    orphan = autosave_dir() / "12345-dead.json"
    orphan.parent.mkdir(parents=True)
    write_record(orphan, default_experiment().with_training(epochs=7), None)
    dialogs.recover = False
    window = open_window(qtbot)
    qtbot.waitUntil(lambda: bool(dialogs.recover_questions), timeout=5_000)
    assert "never saved" in dialogs.recover_questions[0]
    assert not orphan.exists()
    assert not window.document.dirty and window.document.experiment.training.epochs != 7


def test_an_unreadable_autosave_is_reported_and_set_aside(qtbot, tmp_path, dialogs):
    from gui.document.autosave import autosave_dir

    orphan = autosave_dir() / "12345-dead.json"
    orphan.parent.mkdir(parents=True)
    orphan.write_text('{"format": "cnn-rnn-playground/autosave", "experiment": {"format": "x"}}')
    window = open_window(qtbot)
    qtbot.waitUntil(lambda: bool(window.messages), timeout=5_000)
    title, text = window.messages[-1]
    assert title == "Cannot recover unsaved changes"
    assert "12345-dead.json" in text and "experiment.format" in text
    assert dialogs.recover_questions == []
    assert not orphan.exists() and orphan.with_suffix(".unreadable").exists()


def test_opening_a_document_removes_what_a_killed_save_left_beside_it(qtbot, window, tmp_path):
    """A kill during Save leaves the atomic writer's temporary file (issue #16,
    item 14); the next Open of that document removes old ones, and leaves a
    fresh one alone (another process may be saving right now) and any other file."""
    import os
    import time

    from engine.experiment_file import save_experiment

    path = tmp_path / "mine.json"
    save_experiment(window.document.experiment, path)
    old = time.time() - 3600
    stale = [tmp_path / ".mine.json.k3j2h1.tmp", tmp_path / ".mine.weights.npz.x9y8z7.tmp"]
    for tmp in stale:
        tmp.write_text("half a file")
        os.utime(tmp, (old, old))
    fresh = tmp_path / ".mine.json.abc123.tmp"
    fresh.write_text("being written")
    other = tmp_path / ".other.json.q1w2e3.tmp"
    other.write_text("not ours")
    os.utime(other, (old, old))
    assert window.files.open_path(str(path))
    assert not any(t.exists() for t in stale)
    assert fresh.exists() and other.exists()
