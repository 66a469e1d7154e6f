"""Training from the window: curves fill, pause/resume/step/stop, live
learning rate, divergence and failures, closing during a run."""

from __future__ import annotations

import threading

from tests.gui.conftest import curve_points, wait_ticks


def start(qtbot, window, epochs=30):
    window.training_panel.set_value("epochs", epochs)
    assert window.train_action.isEnabled()
    window.train_action.trigger()
    qtbot.waitUntil(lambda: window.runner.step_count >= 3, timeout=30_000)


def test_train_on_digits_fills_the_loss_curve(qtbot, window):
    curves = window.curves
    window.training_panel.set_value("epochs", 2)
    with qtbot.waitSignal(window.runner.finished, timeout=60_000):
        window.train_action.trigger()
        assert not window.train_action.isEnabled()  # one run at a time
    assert window.runner.outcome == "finished"
    run = window.runner.run_info
    assert curve_points(curves.train_raw_curve) == run.total_steps
    _, losses = curves.train_raw_curve.getData()
    assert (losses > 0).all()
    assert curve_points(curves.val_loss_curve) == 2
    _, accuracy = curves.val_metric_curve.getData()
    assert 0 <= accuracy[-1] <= 100
    assert window.monitor.state_text() == "Finished"
    assert "Finished" in window.state_label.text()
    assert window.training_panel.progress.value() == run.total_steps
    assert "samples/s" in window.training_panel.progress_label.text()
    assert window.train_action.isEnabled()
    assert not window.document.dirty or window.document.experiment.training.epochs == 2


def test_pause_resume_step_and_stop(qtbot, window):
    runner = window.runner
    start(qtbot, window)
    window.pause_action.trigger()
    qtbot.waitUntil(lambda: runner.state == "paused", timeout=10_000)
    assert window.pause_action.text() == "&Resume"
    assert window.state_label.text() == "Paused"
    paused_at = runner.step_count
    points = curve_points(window.curves.train_raw_curve)
    wait_ticks(qtbot, window)
    assert runner.step_count == paused_at  # nothing trains while paused
    assert curve_points(window.curves.train_raw_curve) == points

    window.step_action.trigger()  # exactly one batch
    qtbot.waitUntil(lambda: runner.step_count == paused_at + 1, timeout=10_000)
    wait_ticks(qtbot, window)
    assert runner.step_count == paused_at + 1 and runner.state == "paused"

    window.pause_action.trigger()  # resume
    qtbot.waitUntil(lambda: runner.step_count > paused_at + 3, timeout=10_000)
    assert runner.state == "running"

    with qtbot.waitSignal(runner.finished, timeout=10_000):
        window.stop_action.trigger()
    assert runner.outcome == "stopped" and not runner.is_active
    assert window.state_label.text() == "Stopped"
    assert curve_points(window.curves.train_raw_curve) == runner.step_count  # the curves stay


def test_step_from_idle_trains_one_batch(qtbot, window):
    window.step_action.trigger()
    qtbot.waitUntil(lambda: window.runner.state == "paused" and window.runner.step_count == 1,
                    timeout=30_000)
    wait_ticks(qtbot, window)
    assert window.runner.step_count == 1
    with qtbot.waitSignal(window.runner.finished, timeout=10_000):
        window.stop_action.trigger()


def test_changing_the_learning_rate_applies_to_the_running_run(qtbot, window):
    runner = window.runner
    start(qtbot, window)
    assert runner.last_step.learning_rate == window.document.experiment.training.learning_rate != 0.02
    window.training_panel.set_value("learning_rate", 0.02)
    qtbot.waitUntil(lambda: abs(runner.last_step.learning_rate - 0.02) < 1e-12, timeout=10_000)
    with qtbot.waitSignal(runner.finished, timeout=10_000):
        window.stop_action.trigger()


def test_reset_clears_the_curves(qtbot, window):
    start(qtbot, window)
    window.reset_action.trigger()
    assert not window.runner.is_active
    assert curve_points(window.curves.train_raw_curve) == 0
    assert window.state_label.text() == "Ready"
    assert window.train_action.isEnabled()


def test_diverging_run_shows_a_message_and_the_app_stays_usable(qtbot, window):
    from gui.builder.templates import layer

    window.dataset_panel.choose_dataset("sine")
    window.model_stack.set_layers(type(window.document.experiment.model)(
        (layer("Flatten"), layer("Linear", out_features=64), layer("ReLU"), layer("Linear"))))
    for name, value in (("optimizer", "sgd"), ("learning_rate", 10.0), ("momentum", 0.99), ("epochs", 5)):
        window.training_panel.set_value(name, value)
    before = window.document.experiment
    with qtbot.waitSignal(window.runner.finished, timeout=60_000):
        window.train_action.trigger()
    assert window.runner.outcome == "diverged"
    text = window.banner.text()
    assert "diverged at step" in text and "learning rate" in text
    assert window.state_label.text() == "Diverged"
    assert window.document.experiment == before  # the experiment is untouched
    window.training_panel.set_value("learning_rate", 1e-3)
    assert window.train_action.isEnabled()


def test_a_worker_error_is_shown_and_the_experiment_is_untouched(qtbot, window):
    from engine.devices import device_availability

    # A file may ask for a device this machine lacks; the combo cannot, so set it in the spec.
    missing = next(name for name in ("mps", "cuda") if not device_availability()[name][0])
    window.document.set(window.document.experiment.with_training(device=missing))
    before = window.document.experiment
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        window.train_action.trigger()
    assert window.runner.outcome == "failed"
    title, text = window.messages[-1]
    assert title == "Training failed" and f"{missing} is not available" in text
    assert "Training failed" in window.banner.text()
    assert window.document.experiment == before
    assert window.state_label.text() == "Failed"


def test_a_training_process_that_dies_is_reported_and_the_next_run_works(qtbot, window):
    import os
    import signal

    start(qtbot, window)
    before = window.document.experiment
    process = window.runner._process
    assert process is not None and process.pid != os.getpid()  # training runs in a child
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        os.kill(process.pid, signal.SIGKILL)
    assert window.runner.outcome == "failed"
    title, text = window.messages[-1]
    assert title == "Training failed" and "ended unexpectedly" in text
    assert window.document.experiment == before
    window.training_panel.set_value("epochs", 1)
    with qtbot.waitSignal(window.runner.finished, timeout=60_000):
        window.train_action.trigger()
    assert window.runner.outcome == "finished"


def test_training_on_a_thread_of_the_window_still_works(qtbot):
    """The fallback when no training process can start, and a seam for tests."""
    from engine.experiment_file import load_experiment
    from gui.training.training_runner import TrainingRunner

    runner = TrainingRunner(in_process=True)
    batches = []
    runner.stepped.connect(batches.append)
    experiment = load_experiment("presets/digits_cnn.json")
    with qtbot.waitSignal(runner.finished, timeout=60_000):
        runner.start(experiment, epochs=1)
    assert runner.outcome == "finished" and runner._process is None
    assert sum(len(b.steps) for b in batches) == runner.run_info.total_steps


def test_out_of_memory_reads_as_such():
    import torch

    from gui.training.training_runner import describe_error

    text = describe_error(torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"))
    assert text.startswith("Out of memory on cuda (it tried to allocate 2.00 GiB)")


def test_closing_during_training_stops_the_worker(qtbot, window):
    start(qtbot, window)
    assert window.runner.is_active
    assert window.close()
    assert not window.runner.is_active
    assert window.runner.outcome == "stopped"
    assert [t.name for t in threading.enumerate() if t is not threading.main_thread()
            and not t.daemon] == []


def test_closing_with_unsaved_changes_asks_first(qtbot, window, dialogs):
    from PySide6.QtWidgets import QMessageBox

    window.training_panel.set_value("epochs", 3)
    dialogs.answer = QMessageBox.StandardButton.Cancel
    assert not window.close()
    assert window.isVisible() and dialogs.questions
    dialogs.answer = QMessageBox.StandardButton.Discard
    assert window.close()


def test_keyboard_shortcuts_drive_training(qtbot, window):
    from PySide6.QtCore import Qt

    window.training_panel.set_value("epochs", 30)
    window.activateWindow()
    qtbot.waitActive(window)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.runner.step_count >= 3, timeout=30_000)
    qtbot.keyClick(window, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: window.runner.state == "paused", timeout=10_000)
    at = window.runner.step_count
    qtbot.keyClick(window, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: window.runner.step_count == at + 1, timeout=10_000)
    with qtbot.waitSignal(window.runner.finished, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_F5, Qt.KeyboardModifier.ShiftModifier)
    assert window.runner.outcome == "stopped"


def test_space_in_a_number_field_pauses_instead_of_typing_a_blank(qtbot, window):
    """Space is Pause/Resume; with the learning rate (or any number field)
    focused it typed a blank into the field and training went on (issue #16,
    item 8). The key goes where a real key press goes: the focused widget."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from gui.training.training_runner import PAUSED, RUNNING

    window.activateWindow()
    start(qtbot, window, epochs=200)
    for name in ("learning_rate", "batch_size"):
        editor = window.training_panel.form.editor(name)
        field = getattr(editor, "box", editor)
        field.setFocus()
        qtbot.waitUntil(lambda f=field: QApplication.focusWidget() is f, timeout=2_000)
        text = field.lineEdit().text()
        before = window.runner.state
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
        qtbot.waitUntil(lambda b=before: window.runner.state == (PAUSED if b == RUNNING else RUNNING), timeout=5_000)
        assert field.lineEdit().text() == text, name  # nothing typed
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        window.stop_action.trigger()


def test_editing_the_model_mid_run_says_so_in_the_banner(qtbot, window):
    """The stack showed the edited model, the views the running one, and only
    the status bar said so (issue #16, item 4). Undo back to the run's model
    takes the notice away; a training option alone is the status bar's."""
    start(qtbot, window, epochs=200)
    assert window.banner.text() == ""
    window.training_panel.set_value("batch_size", 32)
    assert window.banner.text() == ""  # the next run's batch size: the status bar says it
    window.model_stack.remove_layer(1)
    assert window.banner.text().startswith("The run goes on with the model") and window.banner.isVisible()
    window.document.undo_stack.undo()
    assert window.banner.text() == ""
    with qtbot.waitSignal(window.runner.finished, timeout=30_000):
        window.stop_action.trigger()


def test_before_any_run_the_accuracy_axis_reads_in_percent(window):
    """"accuracy (%)" with ticks 0–1 before the first run (issue #16, item 10)."""
    low, high = window.curves.metric_plot.viewRange()[1]
    assert low <= 0 and 99 <= high <= 103


def test_after_a_run_a_change_of_data_labels_the_views_as_an_earlier_run(qtbot, window):
    """After a run on 28×28 images, an undo back to digits left the 28×28 maps
    in Feature maps with nothing saying whose they were (issue #16, item 3)."""
    dataset = window.document.experiment.dataset
    window.document.set(window.document.experiment.with_dataset(
        type(dataset)("shapes", {"size": 28})), "Change data set")
    window.training_panel.set_value("epochs", 1)
    with qtbot.waitSignal(window.runner.finished, timeout=60_000):
        window.train_action.trigger()
    assert window.banner.text() == "" and not window.views.earlier
    window.document.undo_stack.undo()  # the epochs
    window.document.undo_stack.undo()  # back to digits
    assert window.document.experiment.dataset.name == "digits"
    assert window.banner.text().startswith("The curves and live views show the last run")
    assert window.views.timeline.readout.text().startswith("Earlier run")
    window.document.undo_stack.redo()  # the run's data again: nothing to say
    assert window.banner.text() == "" and not window.views.earlier
    assert not window.views.timeline.readout.text().startswith("Earlier run")
