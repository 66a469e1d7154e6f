"""Sweeps from the main window: File ▸ Open Sweep… (a malformed file is one
message naming its trial, and nothing else changes), File ▸ Built-in
Sweeps, a sweep given on the command line, and a trial opened back in the
main window with its weights."""

from __future__ import annotations

import numpy as np

from tests.gui.conftest import open_window

from .conftest import conv, write_sweep


def test_a_malformed_sweep_from_open_sweep_is_one_message(qtbot, dialogs, tmp_path):
    window = open_window(qtbot)
    before = window.document.experiment
    bad = write_sweep(tmp_path, "bad", conv("cnn", 1, length=32),
                      [{"path": "dataset.options.distance", "values": [2, 8]}])
    dialogs.open_path = str(bad)
    actions = {a.objectName(): a for a in window.window_actions.file_menu.actions()}
    assert "open_sweep" in actions
    actions["open_sweep"].trigger()
    assert len(window.messages) == 1
    title, text = window.messages[0]
    assert title == "Cannot open sweep" and "trials[1] (cnn, distance=8)" in text and "\n" not in text
    assert not window.sweeps.opener.windows and window.document.experiment is before
    menus = [a.menu().title() for a in window.window_actions.file_menu.actions() if a.menu() is not None]
    assert "Built-in S&weeps" in menus


def test_a_sweep_given_at_start_opens_its_window_and_a_point_opens_in_main(qtbot, finished):
    window = open_window(qtbot, str(finished["curve"]))
    qtbot.waitUntil(lambda: bool(window.sweeps.opener.windows), timeout=10_000)
    sweep_window = window.sweeps.opener.windows[0]
    assert sweep_window.windowTitle() == "reach — Sweep" and not window.messages
    assert sweep_window.open_point("CNN-3", (4,))
    trial = sweep_window.results.representative("CNN-3", (4,))
    assert window.document.experiment == trial.experiment
    weights = window.trained.weights.weights_for(trial.experiment)
    expected = sweep_window.results.weights(trial)
    assert weights is not None and all(np.array_equal(weights[k], expected[k]) for k in expected)
    sweep_window.close()
    qtbot.waitUntil(lambda: not window.sweeps.opener.windows)
