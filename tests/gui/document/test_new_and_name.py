"""File ▸ New gives a choice, and an experiment can be renamed (issue #16,
item 1): New reloaded the Digits CNN under its own title, so an LSTM built
from it stayed "Digits CNN" in the title, Save As, the Runs tab and export."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox


def test_new_offers_an_empty_model_a_cnn_or_an_rnn_for_the_data_set(qtbot, window):
    acts = window.window_actions
    assert [a.text() for a in acts.new_menu.actions() if not a.isSeparator()] == [
        "&Empty Model", "A &CNN for This Data Set", "An &RNN for This Data Set", "From the &Default Preset"]
    dataset = window.document.experiment.dataset
    acts.new_empty.trigger()  # the dialogs fixture answers Discard to "save changes?"
    doc = window.document
    assert doc.experiment.model.layers == () and doc.experiment.name == "Untitled" and doc.path is None
    assert doc.experiment.dataset == dataset and not window.train_action.isEnabled()
    assert window.windowTitle().startswith("Untitled")
    acts.new_rnn_experiment.trigger()
    types = [layer.type for layer in window.document.experiment.model.layers]
    assert "GRU" in types and window.document.experiment.name == "Untitled RNN"
    assert window.train_action.isEnabled(), window.document.analysis().problem
    acts.new_cnn_experiment.trigger()
    assert "Conv2d" in [layer.type for layer in window.document.experiment.model.layers]
    acts.new.trigger()
    assert window.document.experiment.name == "Digits CNN"  # the default preset, as before


def test_name_and_description_are_one_undoable_edit_that_follows_into_the_title(qtbot, window, monkeypatch):
    doc = window.document
    before = doc.experiment
    dialog = window.edit_name()
    dialog.name_edit.setText("")
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and "needs a name" in dialog.problem.text()
    dialog.name_edit.setText("My LSTM")
    dialog.description_edit.setPlainText("Remembers a symbol over a long delay.")
    ok.click()
    assert doc.experiment.name == "My LSTM" and doc.experiment.description.startswith("Remembers")
    assert window.windowTitle().startswith("My LSTM") and doc.dirty
    assert doc.undo_stack.undoText() == "Rename experiment to “My LSTM”"
    doc.undo_stack.undo()
    assert doc.experiment == before
    doc.undo_stack.redo()
    # The file name Save As suggests comes from the name.
    from PySide6.QtWidgets import QFileDialog

    suggested = []

    def ask(parent, title, start, *args):
        suggested.append(start)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(ask))
    window.window_actions.save_as.trigger()
    assert suggested and suggested[0].endswith("my_lstm.json")
