"""Tests on the trained model from the window: Train ▸ Test the Trained Model
runs a test of the trained model on a worker thread and the results table shows the
metric before → after, or the refusal in words where the model cannot take
the changed input."""

from __future__ import annotations

import threading

import pytest


def menu_action(window, title_start: str):
    """The action in Train ▸ Test the Trained Model whose text starts with ``title_start``."""
    train_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Train")
    test_menu = next(a.menu() for a in train_menu.actions() if a.menu() is not None
                      and a.menu().title() == "&Test the Trained Model")
    return next(a for a in test_menu.actions() if a.text().startswith(title_start))


@pytest.fixture
def trained_window(qtbot, window):
    shift = menu_action(window, "Shift test")
    assert not shift.isEnabled()  # nothing trained yet
    assert "C3" in shift.toolTip() and "global pooling" in shift.toolTip()
    window.training_panel.set_value("epochs", 2)
    with qtbot.waitSignal(window.runner.finished, timeout=60_000):
        window.train_action.trigger()
    assert shift.isEnabled()
    return window


def run_from_menu(qtbot, window, title_start: str) -> list[tuple[str, ...]]:
    """Trigger one test from the menu, wait for its results; the new table rows."""
    probes = window.trained.model_tests
    before = len(window.trained.panel.rows()) if window.trained.panel is not None else 0
    with qtbot.waitSignal(probes.finished_results, timeout=30_000):
        menu_action(window, title_start).trigger()
        panel = window.trained.panel
        assert panel.isVisible() and panel.progress.isVisible()  # shown at once, busy while it runs
        assert "Running:" in panel.status.text()
        assert not menu_action(window, "Shift test").isEnabled()  # one test at a time
    qtbot.waitUntil(lambda: not probes.busy, timeout=5_000)
    assert not panel.progress.isVisible()
    return panel.rows()[before:]


def test_shift_test_and_new_size_through_the_menu(qtbot, trained_window, monkeypatch):
    import gui.trained.model_test_runner

    threads = []
    real = gui.trained.model_test_runner.run_tests

    def recording(*args):
        threads.append(threading.get_ident())  # current_thread() would register a dummy thread
        return real(*args)

    monkeypatch.setattr(gui.trained.model_test_runner, "run_tests", recording)
    window = trained_window

    rows = run_from_menu(qtbot, window, "Shift test")
    assert threads and threads[0] != threading.main_thread().ident  # torch work off the GUI thread
    assert [r[1] for r in rows] == ["Shift test, 1 px right", "Shift test, 2 px right", "Shift test, 4 px right"]
    assert {r[0] for r in rows} == {f"{window.document.experiment.name} (CNN)"}  # whose results they are
    for _model, _name, claim, before, after, note in rows:
        assert claim == "C3"
        assert before.startswith("accuracy ") and before.endswith("%")
        assert after.startswith("accuracy ") and after.endswith("%")
        assert "→" in note and "images moved" in note

    # The digits CNN ends in Flatten + Linear: another input size is refused, in words.
    rows = run_from_menu(qtbot, window, "Different input size")
    assert len(rows) == 1
    model, name, claim, before, after, note = rows[0]
    assert name == "Input size 8×8 → 12×12" and claim == "C6"
    assert before.startswith("accuracy ") and after == "refused"
    assert "Flatten" in note and "Linear" in note and "Traceback" not in note
    assert len(window.trained.panel.rows()) == 4  # results accumulate until cleared
    window.trained.panel.clear_button.click()
    assert window.trained.panel.rows() == []


def test_no_probe_without_weights_that_fit(qtbot, trained_window):
    window = trained_window
    document = window.document
    model = document.experiment.model
    document.set(document.experiment.with_model(model.with_layer(7, model.layers[7].with_params(out_features=32))))
    assert not menu_action(window, "Shift test").isEnabled()
    assert not window.trained.run_all.isEnabled()
    assert window.trained.run_tests(["shift"]) is False and not window.trained.model_tests.busy
