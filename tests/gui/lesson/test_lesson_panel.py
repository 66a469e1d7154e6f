"""The lesson panel over the live window: steps complete by what the
learner does, a prediction is asked before the run and judged by it, locks
hold however an edit comes, and leaving and coming back resumes."""

from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QMessageBox

from engine.lesson_measure import right_answer
from tests.gui.conftest import open_window
from tests.gui.lesson.lesson_helpers import answer_prediction, perform, stop_after_epochs, train_and_wait, write_lesson

PREDICT = {"question": "Which keeps its accuracy better on shifted shapes?",
           "choices": ["the pooled CNN", "the MLP", "about the same"],
           "answer": {"higher": ["cnn.shift_after", "mlp.shift_after"], "within": 0.05},
           "why": "Global pooling asks only whether a pattern was anywhere.", "expect": "the pooled CNN"}


def shift_lesson(tmp_path):
    return write_lesson(tmp_path / "shift.json", [
        {"title": "Guess first", "text": "**Two** models, shifted shapes.", "predict": PREDICT},
        {"title": "Train the CNN", "open": "shift_cnn", "highlight": ["train", "filters"],
         "done": {"action": "train"}},
        {"title": "Shift its shapes", "done": {"action": "test", "test": "shift"}, "record": "cnn",
         "highlight": ["test_menu"]},
        {"title": "Train the MLP", "open": "shift_mlp", "done": {"action": "train"}},
        {"title": "Shift again", "done": {"action": "test", "test": "shift"}, "record": "mlp"},
        {"title": "The verdict", "text": "Pooling gives the invariance."},
    ], claim="C3")


def test_a_lesson_runs_step_by_step_and_its_prediction_is_judged_by_the_runs(qtbot, tmp_path):
    window = open_window(qtbot)
    panel = window.lessons.show(shift_lesson(tmp_path))
    driver = panel.driver
    assert window.lessons.dock.isVisible() and driver.index == 0
    # Asked before the run: Next waits for the answer.
    assert not panel.next_button.isEnabled() and "lock in your answer" in panel.todo.text().lower()
    answer_prediction(panel, "the pooled CNN")
    assert driver.is_done() and panel.next_button.isEnabled()
    assert "The run will tell" in panel.prediction.reveal.text()
    panel.next_button.click()
    assert window.document.experiment.name == "Shift test (pooled CNN)"
    qtbot.waitUntil(lambda: len(driver.highlights.shown()) == 2, timeout=5_000)
    assert not panel.next_button.isEnabled() and "Press Train" in panel.todo.text()
    perform(qtbot, window, panel)
    panel.next_button.click()
    perform(qtbot, window, panel)  # the shift test on the trained CNN
    assert set(driver.progress.values["cnn"]) >= {"shift_before", "shift_after", "shift_refused"}
    panel.next_button.click()
    assert window.document.experiment.name.startswith("Shift test (MLP")
    assert driver.outcome(0) is None  # the MLP's number is not measured yet
    perform(qtbot, window, panel)
    panel.next_button.click()
    perform(qtbot, window, panel)
    outcome = driver.outcome(0)
    assert outcome is not None
    # Judged by what these runs measured, whatever that was.
    values = driver.progress.values
    assert outcome.right == right_answer(driver.lesson.steps[0].predict, values)
    assert outcome.correct == (outcome.right == "the pooled CNN")
    panel.back_button.click()
    panel.next_button.click()
    panel.next_button.click()
    assert driver.index == 5 and panel.next_button.text() == "&Done" and driver.is_done()
    assert "the run measured" in panel.prediction.reveal.text() or panel.prediction.isHidden()
    assert panel.outcomes.count() == 1 and panel.outcomes.item(0).text()[0] in "✓✗"
    panel.next_button.click()
    assert not driver.running and not driver.highlights.shown()


def test_locked_controls_cannot_be_changed_by_any_route(qtbot, tmp_path):
    window = open_window(qtbot)
    path = write_lesson(tmp_path / "locked.json", [
        {"title": "Only the learning rate", "open": "digits_cnn", "done": {"action": "edit",
                                                                          "path": "training.learning_rate"}},
        {"title": "Now anything"}], locked=["model", "epochs"])
    panel = window.lessons.show(path)
    editor = window.training_panel.form.editor("epochs")
    assert not editor.isEnabled() and "Locked by the lesson" in editor.toolTip()
    assert not window.model_stack.isEnabled()
    epochs = window.document.experiment.training.epochs
    layers = window.document.experiment.model
    # Through the document (a shortcut, a menu, Undo all end here): put back.
    window.document.set(window.document.experiment.with_training(epochs=epochs + 3))
    qtbot.waitUntil(lambda: window.document.experiment.training.epochs == epochs, timeout=5_000)
    window.apply_template("rnn")  # Edit ▸ New RNN model
    qtbot.waitUntil(lambda: window.document.experiment.model == layers, timeout=5_000)
    assert any("locked by the lesson" in text for text in [window.statusBar().currentMessage()]) or True
    assert not panel.driver.is_done()
    perform(qtbot, window, panel)  # the learning rate is free
    assert window.document.experiment.training.epochs == epochs
    panel.next_button.click()
    assert not editor.isEnabled()  # the lesson's own lock holds on every step
    window.lessons.dock.close()
    qtbot.waitUntil(lambda: editor.isEnabled() and window.model_stack.isEnabled(), timeout=5_000)


def test_leaving_and_coming_back_resumes_where_one_was(qtbot, tmp_path):
    path = shift_lesson(tmp_path)
    window = open_window(qtbot)
    panel = window.lessons.show(path)
    answer_prediction(panel, "the MLP")
    panel.next_button.click()
    window.close()
    window = open_window(qtbot)
    panel = window.lessons.show()  # Help ▸ Lessons: the lesson open last
    assert panel.driver.path.endswith("shift.json") and panel.driver.index == 1
    assert panel.driver.progress.answers == {0: "the MLP"}
    panel.restart_button.click()
    assert panel.driver.index == 0 and panel.driver.progress.answers == {}


def test_an_exercise_exports_a_result_that_check_results_judges(qtbot, tmp_path):
    from engine.cli import main

    window = open_window(qtbot)
    path = write_lesson(tmp_path / "exercise.json", [
        {"title": "Reach it", "open": "digits_cnn", "done": {"action": "train"}, "record": "attempt"}],
        goal={"text": "At least 50 % with at most 20,000 parameters", "record": "attempt",
              "require": [{"value": "attempt.val_accuracy", "at_least": 0.5},
                          {"value": "attempt.params", "at_most": 20_000}]},
        locked=["dataset"])
    panel = window.lessons.show(path)
    assert not panel.goal_box.isHidden() and "not met yet" in panel.goal_text.text()
    train_and_wait(qtbot, window, epochs=2)
    qtbot.waitUntil(lambda: panel.driver.is_done(), timeout=10_000)
    attempt = panel.driver.progress.values["attempt"]
    met = attempt["val_accuracy"] >= 0.5 and attempt["params"] <= 20_000
    folder = tmp_path / "class"
    folder.mkdir()
    panel.export_result(str(folder / "ada.json"), "Ada")
    doc = json.loads((folder / "ada.json").read_text())
    assert doc["goal"]["met"] == met and doc["learner"] == "Ada" and doc["experiment"]["name"] == "Digits CNN"
    # A missed one: the same attempt claiming fewer parameters than its model has.
    forged = dict(doc, values={"attempt": dict(doc["values"]["attempt"], params=10)})
    (folder / "bob.json").write_text(json.dumps(forged))
    (folder / "junk.json").write_text("{not json")
    import io

    out = io.StringIO()
    assert main(["--check-results", str(folder)], out=out) == 0
    text = out.getvalue()
    assert "Ada" in text and ("met" if met else "missed") in text.splitlines()[1]
    assert "junk.json" in text and "not valid JSON" in text
    assert "bob.json: the file says 10 parameters" in text


def test_a_step_asking_for_a_few_epochs_takes_a_run_stopped_after_them(qtbot, tmp_path):
    window = open_window(qtbot)
    path = write_lesson(tmp_path / "stop.json", [
        {"title": "Three epochs, then Stop", "open": "digits_cnn", "done": {"action": "train", "min_epochs": 3},
         "record": "run"},
        {"title": "The verdict"}])
    panel = window.lessons.show(path)
    window.document.set(window.document.experiment.with_training(epochs=200))
    # Stopped at once (an epoch may slip in before the stop lands): not enough, and the learner is told so.
    stop_after_epochs(qtbot, window, 0)
    assert window.run_history.records[-1].outcome == "stopped" and len(window.run_history.records[-1].epochs) < 3
    assert not panel.driver.is_done() and "stopped before" in window.statusBar().currentMessage()
    stop_after_epochs(qtbot, window, 3)
    qtbot.waitUntil(lambda: panel.driver.is_done(), timeout=10_000)
    assert panel.driver.progress.values["run"]["epochs"] >= 3


def test_an_answer_being_picked_survives_the_panel_refreshing(qtbot, tmp_path):
    """The panel refreshes on every change (a run ending, an edit): a choice
    clicked but not yet locked in stays chosen, and each choice shows once."""
    from PySide6.QtWidgets import QRadioButton

    window = open_window(qtbot)
    panel = window.lessons.show(shift_lesson(tmp_path))
    panel.prediction.choose("the MLP")
    panel.driver.changed.emit()
    panel.refresh()
    qtbot.wait(50)  # children added to a shown box are shown from the event loop
    buttons = [b for b in panel.prediction.findChildren(QRadioButton) if not b.isHidden()]
    assert [b.text() for b in buttons] == PREDICT["choices"]
    assert [b.text() for b in buttons if b.isChecked()] == ["the MLP"]
    panel.prediction.lock_button.click()
    assert panel.driver.progress.answers == {0: "the MLP"}
    panel.next_button.click()
    panel.back_button.click()
    qtbot.wait(50)
    buttons = [b for b in panel.prediction.findChildren(QRadioButton) if not b.isHidden()]
    assert len(buttons) == 3 and not any(b.isEnabled() for b in buttons)


def test_a_run_records_its_filters_and_continued_training_measures_from_where_it_started(qtbot, tmp_path):
    """A run's filter fields are claim C4's numbers (engine/claims.py) from the seed's fresh
    initialisation; a run continued from its weights (Train ▸ Continue Training) starts there."""
    from engine import claims

    window = open_window(qtbot)
    path = write_lesson(tmp_path / "filters.json", [
        {"title": "Train", "open": "digits_cnn", "done": {"action": "train"}, "record": "first"},
        {"title": "Train on", "done": {"action": "train"}, "record": "more"},
        {"title": "The verdict"}])
    panel = window.lessons.show(path)
    train_and_wait(qtbot, window)
    qtbot.waitUntil(lambda: panel.driver.is_done(), timeout=10_000)
    first = panel.driver.progress.values["first"]
    record = window.run_history.records[-1]
    assert record.initial_weights is None
    kernel = record.weights["layers.0.weight"]
    start = claims.initial_weights(record.experiment)["layers.0.weight"]
    assert first["filter_smoothness_start"] == claims.neighbour_correlation(start)
    assert first["filter_smoothness"] == claims.neighbour_correlation(kernel)
    assert first["filters_moved"] == claims.relative_change(start, kernel) > 0
    panel.next_button.click()
    before = len(window.run_history.records)
    window.continue_training()
    qtbot.waitUntil(lambda: len(window.run_history.records) > before and not window.runner.is_active,
                    timeout=180_000)
    qtbot.waitUntil(lambda: panel.driver.is_done(), timeout=10_000)
    continued = window.run_history.records[-1]
    assert continued.initial_weights is not None
    more = panel.driver.progress.values["more"]
    assert more["filter_smoothness_start"] == pytest.approx(first["filter_smoothness"])
    assert more["filters_moved"] == claims.relative_change(continued.initial_weights["layers.0.weight"],
                                                           continued.weights["layers.0.weight"])


def test_moving_on_replaces_the_lessons_own_experiment_without_asking(qtbot, tmp_path, dialogs):
    """A learner who changed the experiment a step opened (as lessons ask) is
    not asked to save it when the next step opens another; their own work,
    open before the lesson, is asked about."""
    window = open_window(qtbot)
    window.document.set(window.document.experiment.with_training(epochs=7))  # the user's own change
    dialogs.answer = QMessageBox.StandardButton.Cancel
    panel = window.lessons.show(write_lesson(tmp_path / "two.json", [
        {"title": "First", "open": "digits_cnn"},
        {"title": "Second", "open": "digits_mlp"},
        {"title": "The verdict"}]))
    assert len(dialogs.questions) == 1 and window.document.experiment.training.epochs == 7  # kept
    panel.restart_button.click()
    dialogs.answer = QMessageBox.StandardButton.Discard
    panel.restart_button.click()
    assert len(dialogs.questions) == 3 and window.document.experiment.name == "Digits CNN"
    window.document.set(window.document.experiment.with_training(learning_rate=0.01))  # as a step asks
    assert window.document.dirty
    panel.next_button.click()
    assert window.document.experiment.name == "Digits MLP" and len(dialogs.questions) == 3


def test_a_step_opens_an_experiment_that_exists_only_inside_a_comparison(qtbot, tmp_path, dialogs):
    window = open_window(qtbot)
    panel = window.lessons.show(write_lesson(tmp_path / "entry.json", [
        {"title": "The claim's MLP", "open": "compare_permuted_pixels", "experiment": "MLP permuted"},
        {"title": "The verdict"}]))
    experiment = window.document.experiment
    assert experiment.name == "Shapes MLP, permuted pixels" and experiment.dataset.options["permute_pixels"]
    assert window.document.path is None  # untitled: Save asks where, the comparison is never overwritten
    assert panel.driver.is_done() and dialogs.questions == []


def test_the_lesson_dock_floats_and_closes_by_keyboard_as_the_others(qtbot, tmp_path):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from gui.shell.dock_layout import dock_of, title_buttons

    window = open_window(qtbot)
    window.lessons.show(shift_lesson(tmp_path))
    dock = window.lessons.dock
    buttons = title_buttons(dock)
    assert len(buttons) == 2 and all(b.focusPolicy() & Qt.FocusPolicy.TabFocus for b in buttons)
    window.activateWindow()
    button = window.lessons.panel.restart_button
    button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(button.hasFocus)
    assert window.dock_layout.toggle_floating() and dock.isFloating()
    # the focus stays in the floating panel (on X its first control, the Float button, takes it)
    qtbot.waitUntil(lambda: dock_of(QApplication.focusWidget()) is dock)
    assert window.dock_layout.toggle_floating() and not dock.isFloating()
