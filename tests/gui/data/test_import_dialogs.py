"""Import ▸ CSV sequences… and Text file… in the window: the dialog's preview
and live validation, OK as one undoable step, Cancel and errors changing
nothing, training on the imported data, and Locate… for data that moved."""

from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox


def write_wide(path, n=40, t_len=8, bad_row=None):
    lines = ["label," + ",".join(f"t{i}" for i in range(t_len))]
    for k in range(n):
        label = "up" if k % 2 == 0 else "down"
        values = [f"{(i if label == 'up' else -i) + k * 0.01:g}" for i in range(t_len)]
        if k == bad_row:
            values[1] = "abc"
        lines.append(label + "," + ",".join(values))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def warnings(monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text, *a, **k: shown.append(text)))
    return shown


def dialog_for(qtbot, window):
    from gui.data.import_csv_dialog import ImportCsvDialog

    dialog = ImportCsvDialog(window.document, window)
    qtbot.addWidget(dialog)
    return dialog


def ok_enabled(dialog) -> bool:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()


def test_csv_dialog_imports_a_file_and_the_window_trains_on_it(qtbot, window, tmp_path):
    path = write_wide(tmp_path / "moves.csv")
    before = window.document.experiment
    dialog = dialog_for(qtbot, window)
    assert not ok_enabled(dialog) and "no file chosen" in dialog.status.text()
    dialog.set_path(str(path))
    # The raw rows, the guessed label column, the sequences as the network gets them.
    assert dialog.table.rowCount() == 20 and dialog.table.horizontalHeaderItem(0).text() == "label"
    assert dialog.form.values()["label_column"] == "label"
    assert not dialog.form.editor("window").isEnabled() and not dialog.form.editor("id_column").isEnabled()
    assert ok_enabled(dialog) and dialog.error is None
    assert "8 steps × 1 feature → 2 classes" in dialog.status.text() and "40 samples" in dialog.status.text()
    x, y = dialog.lines[0].getData()
    assert len(x) == 8 and y[-1] > y[0]  # the first row rises
    assert sum(line.isVisible() for line in dialog.lines) == 8
    assert window.document.experiment == before  # nothing changes before OK
    dialog.accept()
    spec = window.document.experiment.dataset
    assert spec.name == "csv_sequences" and spec.options["path"] == str(path)
    assert window.dataset_panel.combo.currentData() == "csv_sequences"
    window.document.undo_stack.undo()  # one undoable step
    assert window.document.experiment == before
    window.document.undo_stack.redo()
    window.apply_template("rnn")
    window.training_panel.set_value("epochs", 1)
    assert window.train_action.isEnabled(), window.document.analysis().problem
    with qtbot.waitSignal(window.runner.finished, timeout=60_000):
        window.train_action.trigger()
    assert window.runner.outcome == "finished"


def test_a_broken_file_disables_ok_and_cancel_changes_nothing(qtbot, window, tmp_path):
    path = write_wide(tmp_path / "bad.csv", bad_row=4)
    before = window.document.experiment
    dialog = dialog_for(qtbot, window)
    dialog.set_path(str(path))
    assert dialog.error == "bad.csv row 6, column 't1': 'abc' is not a number"
    assert "row 6, column 't1'" in dialog.status.text() and not ok_enabled(dialog)
    assert dialog.table.rowCount() == 20  # the rows are still shown, to find the cell
    assert not any(line.isVisible() for line in dialog.lines)
    dialog.accept()  # a stray Enter does nothing
    assert dialog.result() == 0 and window.document.experiment == before
    dialog.reject()
    assert window.document.experiment == before and not window.document.dirty


def test_options_are_validated_as_they_change(qtbot, window, tmp_path):
    dialog = dialog_for(qtbot, window)
    dialog.set_path(str(write_wide(tmp_path / "moves.csv")))
    dialog.set_option("label_column", "kind")
    assert "no column 'kind' (label_column)" in dialog.error and not ok_enabled(dialog)
    dialog.set_option("label_column", "label")
    dialog.set_option("target", "next_value")
    dialog.set_option("window", 3)
    assert dialog.form.editor("window").isEnabled() and not dialog.form.editor("ragged").isEnabled()
    assert ok_enabled(dialog) and "3 steps × 1 feature → 1 value (regression)" in dialog.status.text()
    dialog.set_option("window", 50)
    assert "too few samples for a validation split" in dialog.error


def test_text_import_sets_the_text_data_set_or_says_why_not(qtbot, window, tmp_path, dialogs, warnings):
    story = tmp_path / "story.txt"
    story.write_text("the river bank and the money bank " * 20, encoding="utf-8")
    dialogs.open_path = str(story)
    assert window.dataset_panel.import_text()
    spec = window.document.experiment.dataset
    assert spec.name == "text" and spec.options["path"] == str(story)
    broken = tmp_path / "latin1.txt"
    broken.write_bytes(b"caf\xe9 " * 100)
    dialogs.open_path = str(broken)
    assert not window.dataset_panel.import_text()
    assert warnings and "not UTF-8 at byte 3" in warnings[-1]
    assert window.document.experiment.dataset == spec  # unchanged


def test_moved_data_offers_locate(qtbot, window, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    write_wide(project / "moves.csv")
    doc = {"format": "cnn-rnn-playground/experiment", "version": 1, "name": "moved", "description": "",
           "dataset": {"name": "csv_sequences", "options": {"path": "moves.csv", "label_column": "label"}},
           "model": {"layers": [{"type": "GRU", "hidden_size": 4}, {"type": "Linear"}]},
           "training": {"epochs": 1}}
    (project / "exp.json").write_text(json.dumps(doc))
    (project / "moves.csv").rename(tmp_path / "moves.csv")
    assert window.files.open_path(str(project / "exp.json"))
    panel = window.dataset_panel
    assert panel.locate_button.isVisible()
    assert "the data has moved" in panel.info_label.text() and "moves.csv" in panel.info_label.text()
    assert not window.train_action.isEnabled()
    panel.locate_data(str(tmp_path / "moves.csv"))
    assert not panel.locate_button.isVisible() and window.document.dirty
    assert "8 steps × 1 feature" in panel.info_label.text()


def test_enter_in_the_path_field_shows_the_preview_and_does_not_import(qtbot, window, tmp_path):
    """Enter in the path field pressed OK: the file was imported before its
    preview had been seen (issue #16, item 14). Now Enter reads it; OK imports."""
    from PySide6.QtCore import Qt

    path = write_wide(tmp_path / "moves.csv")
    before = window.document.experiment
    dialog = dialog_for(qtbot, window)
    dialog.show()
    dialog.path_edit.setFocus()
    dialog.path_edit.setText(str(path))
    qtbot.keyClick(dialog.path_edit, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.result() == 0  # still open
    assert dialog.table.rowCount() == 20 and ok_enabled(dialog)  # the preview is there
    assert window.document.experiment == before
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert window.document.experiment.dataset.options["path"] == str(path)
