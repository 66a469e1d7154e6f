"""Undo and redo, as a person uses them: every kind of edit (model, data set,
training settings) is one step named in the Edit menu, comes back exactly,
and the panels show the restored values; a spin box edited in a row is one
step; undoing back to the saved state is clean."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence


def undo_text(window) -> str:
    return window.window_actions.undo.text()


def undo(window) -> None:
    assert window.window_actions.undo.isEnabled()
    window.window_actions.undo.trigger()


def redo(window) -> None:
    assert window.window_actions.redo.isEnabled()
    window.window_actions.redo.trigger()


def check_round_trip(window, edit, text: str):
    """Apply ``edit``; it must be one step named ``text`` that undo reverses and redo restores."""
    before = window.document.experiment
    steps = window.document.undo_stack.index()
    edit()
    after = window.document.experiment
    assert after != before
    assert window.document.undo_stack.index() == steps + 1
    assert undo_text(window) == f"&Undo {text}"
    undo(window)
    assert window.document.experiment == before
    assert window.window_actions.redo.text() == f"&Redo {text}"
    redo(window)
    assert window.document.experiment == after
    return before, after


def layer_types(window) -> list[str]:
    return [window.model_stack.row_text(i, "Layer") for i in range(window.model_stack.row_count())]


def test_each_model_edit_is_one_undoable_step(window):
    stack, props = window.model_stack, window.layer_properties
    original = layer_types(window)
    assert original[:3] == ["Conv2d", "ReLU", "MaxPool2d"]

    check_round_trip(window, lambda: window.layer_palette.append_layer("Dropout"), "Add Dropout")
    assert layer_types(window) == original + ["Dropout"]
    undo(window)
    assert layer_types(window) == original  # the rows follow the document
    redo(window)

    check_round_trip(window, lambda: stack.remove_layer(2), "Remove layer 3 (MaxPool2d)")
    undo(window)
    assert layer_types(window) == original + ["Dropout"]

    check_round_trip(window, lambda: stack.move_layer(0, 2), "Move layer 1 to 2")
    assert layer_types(window)[:2] == ["ReLU", "Conv2d"]
    undo(window)
    assert layer_types(window)[:2] == ["Conv2d", "ReLU"]

    check_round_trip(window, lambda: stack.duplicate_layer(0), "Duplicate layer 1 (Conv2d)")
    undo(window)

    stack.select_row(0)
    spin = props.form.editor("kernel_size")
    assert spin.value() == 3
    check_round_trip(window, lambda: spin.setValue(5), "Change kernel size of layer 1")
    assert "k 5" in stack.row_text(0, "Settings")
    undo(window)
    # The property editor and the row show the restored value, not the edited one.
    assert props.form.editor("kernel_size").value() == 3
    assert "k 3" in stack.row_text(0, "Settings")
    assert window.document.experiment.model.layers[0].params["kernel_size"] == 3

    check_round_trip(window, lambda: window.window_actions.new_rnn.trigger(), "New RNN model")


def test_data_set_kind_and_option_undo(window):
    panel = window.dataset_panel
    check_round_trip(window, lambda: panel.combo.setCurrentIndex(panel.combo.findData("shapes")),
                     "Change data set to Shapes (circle, square, triangle, cross)")
    undo(window)
    assert window.document.experiment.dataset.name == "digits"
    assert panel.combo.currentData() == "digits"
    assert [p.name for p in panel.form.params][:1] == ["as_sequence"]

    check_round_trip(window, lambda: panel.form.editor("as_sequence").setChecked(True), "Change as sequence")
    undo(window)
    assert panel.form.editor("as_sequence").isChecked() is False
    assert window.document.experiment.dataset.options["as_sequence"] is False


def test_training_option_undo_and_a_spin_box_edited_in_a_row_is_one_step(window):
    form = window.training_panel.form
    epochs = form.editor("epochs")
    start = epochs.value()
    steps = window.document.undo_stack.index()
    for value in (start + 1, start + 2, start + 3):  # arrow presses / a wheel turn
        epochs.setValue(value)
    assert window.document.undo_stack.index() == steps + 1
    assert undo_text(window) == "&Undo Change epochs"
    undo(window)
    assert epochs.value() == start and window.document.experiment.training.epochs == start
    redo(window)
    assert epochs.value() == start + 3

    # The learning-rate slider dragged over several positions: one step.
    slider = form.editor("learning_rate").slider
    lr = window.document.experiment.training.learning_rate
    steps = window.document.undo_stack.index()
    for position in (slider.value() + 1, slider.value() + 2, slider.value() + 3):
        slider.setValue(position)
    assert window.document.undo_stack.index() == steps + 1
    assert undo_text(window) == "&Undo Change learning rate"
    undo(window)
    assert window.document.experiment.training.learning_rate == lr
    assert form.editor("learning_rate").value() == lr

    # Choices are deliberate: two in a row are two steps.
    optimizer = form.editor("optimizer")
    check_round_trip(window, lambda: optimizer.setCurrentText("sgd"), "Change optimizer")
    check_round_trip(window, lambda: optimizer.setCurrentText("rmsprop"), "Change optimizer")
    undo(window)
    assert optimizer.currentText() == "sgd"
    assert window.training_panel.form.editor("momentum").isEnabled()  # follows the restored optimizer


def test_an_edit_taken_back_in_the_same_gesture_leaves_no_step(window):
    epochs = window.training_panel.form.editor("epochs")
    start = epochs.value()
    steps = window.document.undo_stack.index()
    epochs.setValue(start + 1)
    epochs.setValue(start)
    assert window.document.undo_stack.index() == steps
    assert not window.document.dirty


def test_undo_back_to_the_saved_state_is_clean(window, tmp_path, dialogs):
    window.training_panel.set_value("epochs", 3)
    dialogs.save_path = str(tmp_path / "mine.json")
    window.window_actions.save_as.trigger()
    assert not window.document.dirty and not window.isWindowModified()
    # After a save the next step of the same spin box is a step of its own.
    window.training_panel.set_value("epochs", 4)
    assert window.document.dirty and window.isWindowModified()
    undo(window)
    assert window.document.experiment.training.epochs == 3
    assert not window.document.dirty and not window.isWindowModified()
    undo(window)  # before the save: dirty again
    assert window.document.dirty and window.isWindowModified()
    redo(window)
    assert not window.document.dirty


def test_new_and_open_start_a_fresh_history(window, tmp_path, dialogs):
    window.training_panel.set_value("epochs", 3)
    assert window.window_actions.undo.isEnabled()
    window.window_actions.new.trigger()  # the dialogs fixture answers Discard
    assert not window.window_actions.undo.isEnabled() and undo_text(window) == "&Undo"
    window.training_panel.set_value("epochs", 4)
    dialogs.save_path = str(tmp_path / "a.json")
    window.window_actions.save_as.trigger()
    window.training_panel.set_value("epochs", 5)
    dialogs.open_path = str(tmp_path / "a.json")
    window.window_actions.open.trigger()
    assert window.document.experiment.training.epochs == 4
    assert window.document.undo_stack.index() == 0
    assert not window.window_actions.undo.isEnabled() and not window.window_actions.redo.isEnabled()


def test_undo_and_redo_are_in_the_edit_menu_with_the_standard_keys(window):
    acts = window.window_actions
    edit_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    assert edit_menu.actions()[:2] == [acts.undo, acts.redo]
    assert QKeySequence.keyBindings(QKeySequence.StandardKey.Undo)[0] in acts.undo.shortcuts()
    assert QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)[0] in acts.redo.shortcuts()
    assert not acts.undo.isEnabled()
    window.training_panel.set_value("batch_size", 32)
    assert acts.undo.isEnabled() and acts.undo.statusTip() == "Undo: Change batch size"
