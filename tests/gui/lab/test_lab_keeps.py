"""What a lab learns is kept: a column opens in the main window with its
weights, a lab saves with each column's weights beside it and reopens
trained, the main window's model goes into a lab with its weights — and bad
lab files say what is wrong and open nothing (or all but one column)."""

from __future__ import annotations

import json

import numpy as np

from engine.comparison_file import load_comparison
from engine.presets import PRESETS_DIR
from tests.gui.lab.test_lab_window import answered, step_until_answered


def lab_of(window):
    labs = window.labs.opener.labs
    assert labs, window.messages
    return labs[-1]


def wait_pool(qtbot, lab):
    qtbot.waitUntil(lambda: lab.input.pool_x is not None, timeout=60_000)


def same(a: dict, b: dict) -> bool:
    return set(a) == set(b) and all(np.array_equal(a[k], b[k]) for k in a)


def test_a_column_opens_in_the_main_window_with_its_weights_as_one_undoable_edit(qtbot, window):
    before = window.document.experiment
    assert window.labs.open_path(str(PRESETS_DIR / "compare_digits_cnn_gru.json"))
    lab = lab_of(window)
    try:
        wait_pool(qtbot, lab)
        step_until_answered(qtbot, lab, times=2)
        gru = lab.columns[1]
        qtbot.waitUntil(lambda: gru.runner.state == "paused" and gru.weights_step == gru.runner.step_count)
        gru.buttons["open"].click()
        assert window.document.experiment == gru.experiment
        weights = window.trained.weights.weights_for(gru.experiment)
        assert weights is not None and same(weights, gru.weights)
        assert "the lab's “GRU”" in window.trained.weights.hint(gru.experiment)
        window.document.undo_stack.undo()
        assert window.document.experiment == before
    finally:
        lab.shutdown()
        lab.close()


def test_a_saved_lab_reopens_trained_and_trains_on_from_there(qtbot, window, tmp_path):
    assert window.labs.open_path(str(PRESETS_DIR / "compare_digits_cnn_mlp.json"))
    lab = lab_of(window)
    wait_pool(qtbot, lab)
    with qtbot.waitSignals([c.runner.run_ended for c in lab.columns], timeout=120_000):
        lab.train_all(epochs=3)
    lab.feed_input()  # judged again, surely by the final weights
    qtbot.waitUntil(lambda: answered(lab), timeout=30_000)
    trained = [c.weights for c in lab.columns]
    answers = [c.answer.text for c in lab.columns]
    (tmp_path / "labs").mkdir()
    path = tmp_path / "labs" / "my_lab.json"
    assert lab.save(str(path))
    assert {p.name for p in path.parent.iterdir()} == {"my_lab.json", "my_lab.column-1.weights.npz",
                                                    "my_lab.column-2.weights.npz"}
    assert lab.shutdown()
    lab.close()
    qtbot.waitUntil(lambda: not window.labs.opener.labs)

    assert window.labs.open_path(str(path))
    again = lab_of(window)
    try:
        wait_pool(qtbot, again)
        qtbot.waitUntil(lambda: answered(again), timeout=30_000)
        for column, weights, text in zip(again.columns, trained, answers, strict=True):
            assert same(column.weights, weights)
            assert column.answer.text == text  # judged by the saved model, before any training
            assert "Train goes on from them" in column.status.text()
        # Train goes on from the saved weights: the first epoch already scores as the last one did.
        cnn = again.columns[0]
        with qtbot.waitSignal(cnn.runner.run_ended, timeout=120_000):
            cnn.train(epochs=1)
        assert cnn.runner.last_epoch.val_metric > 0.8
    finally:
        again.shutdown()
        again.close()


def test_weights_that_no_longer_fit_one_column_cost_only_that_column(qtbot, window, tmp_path):
    from engine.lab_file import column_weights_path, save_lab
    from engine.training import train

    comparison = load_comparison(PRESETS_DIR / "compare_digits_cnn_mlp.json")
    cnn_weights = [e for e in train(comparison.experiments[0].experiment, epochs=1)][-1].weights
    path = tmp_path / "lab.json"
    save_lab(path, comparison, [cnn_weights, None])
    column_weights_path(path, 1).write_bytes(column_weights_path(path, 0).read_bytes())  # the CNN's, for the MLP
    assert window.labs.open_path(str(path))
    lab = lab_of(window)
    try:
        cnn, mlp = lab.columns
        assert same(cnn.weights, cnn_weights)
        assert mlp.weights is None and "column 2" in mlp.status.text() and "do not fit" in mlp.status.text()
    finally:
        lab.shutdown()
        lab.close()


def test_a_lab_file_naming_a_missing_experiment_opens_nothing_and_says_which(qtbot, window, tmp_path):
    doc = json.loads((PRESETS_DIR / "compare_long_range.json").read_text())
    doc["experiments"][1]["path"] = "gone.json"
    for entry in doc["experiments"][:1]:
        entry["path"] = str(PRESETS_DIR / entry["path"])
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(doc))
    assert not window.labs.open_path(str(path))
    assert not window.labs.opener.labs
    title, text = window.messages[-1]
    assert title == "Cannot open the lab" and "gone.json" in text and "experiments[1]" in text


def test_compare_with_puts_the_windows_model_and_weights_beside_a_preset(qtbot, window):
    from engine.training import train

    mine = window.document.experiment
    weights = [e for e in train(mine, epochs=1)][-1].weights
    window.trained.weights.take_from(mine, weights, 10, "a test")
    assert window.labs.compare_with(PRESETS_DIR / "digits_gru_rows.json")
    lab = lab_of(window)
    try:
        assert [c.experiment for c in lab.columns][0] == mine
        assert same(lab.columns[0].weights, weights) and lab.columns[1].weights is None
        wait_pool(qtbot, lab)
        qtbot.waitUntil(lambda: lab.columns[0].answer is not None, timeout=30_000)
        assert "not trained yet" in lab.answers[1].text()
    finally:
        lab.shutdown()
        lab.close()


def test_the_comparison_window_opens_its_comparison_as_a_lab(qtbot, window):
    assert window.files.comparisons.open_path(str(PRESETS_DIR / "compare_copy_memory.json"))
    panel = window.files.comparisons.panels[-1]
    assert panel.lab_button.isVisible() and panel.lab_button.isEnabled()
    panel.lab_button.click()
    lab = lab_of(window)
    try:
        assert [c.label for c in lab.columns] == ["RNN", "LSTM"]
    finally:
        lab.shutdown()
        lab.close()
        panel.close()


def test_main_lab_opens_the_lab_over_the_window(monkeypatch):
    import main

    called = {}
    monkeypatch.setattr("gui.app.run_app", lambda path=None, lab=None: called.update(path=path, lab=lab) or 0)
    assert main.main(["--lab", "compare_motif"]) == 0
    assert called == {"path": None, "lab": str(PRESETS_DIR / "compare_motif.json")}


def test_compare_with_the_same_model_one_setting_changed(qtbot, window, monkeypatch):
    """File ▸ Compare With… ▸ "This model, with one setting changed…": the
    setting by its path in the file, the value typed; an impossible one is
    refused with the file's message and opens nothing."""
    import gui.shell.lab_commands as commands

    answers = iter([("This model, with one setting changed…", True), ("model.layers[0].out_channels", True)])
    monkeypatch.setattr(commands.QInputDialog, "getItem", lambda *a, **k: next(answers))
    monkeypatch.setattr(commands.QInputDialog, "getText", lambda *a, **k: ("4", True))
    assert window.labs.compare_with_dialog()
    lab = lab_of(window)
    try:
        mine, other = (c.experiment for c in lab.columns)
        assert mine == window.document.experiment
        assert other.model.layers[0].params["out_channels"] == 4 and other.model.layers[1:] == mine.model.layers[1:]
        assert lab.columns[1].label == "out_channels = 4" and "Conv2d" not in lab.columns[1].label
    finally:
        lab.shutdown()
        lab.close()
    assert not window.labs.compare_with_variant("training.batch_size", -1)
    title, text = window.messages[-1]
    assert title == "Cannot compare" and "batch_size" in text


def test_compare_with_a_run_from_the_runs_tab_brings_its_weights(qtbot, window):
    window.training_panel.set_value("epochs", 1)
    with qtbot.waitSignal(window.runner.finished, timeout=120_000):
        window.train()
    record = window.run_history.records[-1]
    assert record.weights is not None
    assert window.labs.compare_with_run(record)
    lab = lab_of(window)
    try:
        assert same(lab.columns[1].weights, record.weights) and lab.columns[1].label == record.name
        assert same(lab.columns[0].weights, record.weights)  # the window's own trained weights came too
    finally:
        lab.shutdown()
        lab.close()
