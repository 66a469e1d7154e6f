"""Explain ▸ Where the Parameters Are, driven as a learner would: it explains
the current model, follows edits live, and the bars stand for the counts."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine.spec import LayerSpec


def _open(window):
    return window.explain.show("parameters")


def test_explains_every_layer_of_the_current_model(qtbot, window):
    explainer = _open(window)
    layers = window.document.experiment.model.layers
    assert explainer.table.rowCount() == len(layers)
    assert explainer.table.item(0, 2).text() == ("16 filters × 1 input channel × 3×3 kernel = 144 weights "
                                                 "+ 16 biases = 160")
    assert explainer.table.item(0, 3).text() == "160"
    assert explainer.table.item(1, 2).text() == "no parameters"  # ReLU
    assert "4,800 parameters" in explainer.sentence.text()
    total = sum(int(explainer.table.item(r, 3).text().replace(",", "")) for r in range(len(layers)))
    assert total == window.document.analysis().summary.total_params
    ours, dense = explainer.bar_heights()
    assert ours[0] == pytest.approx(160) and dense[0] == pytest.approx(64 * 1024 + 1024)
    assert len(ours) == sum(1 for r in window.document.analysis().summary.rows if r.params)


def test_follows_an_edit_live_and_the_arrow_keys_select_a_layer(qtbot, window):
    explainer = _open(window)
    experiment = window.document.experiment
    model = experiment.model.with_layer(0, experiment.model.layers[0].with_params(out_channels=8))
    window.document.set(experiment.with_model(model))
    assert explainer.table.item(0, 3).text() == str(8 * 9 + 8)
    assert explainer.bar_heights()[0][0] == pytest.approx(80)
    explainer.table.setFocus()
    explainer.table.setCurrentCell(0, 0)
    qtbot.keyClick(explainer.table, Qt.Key.Key_Down)
    qtbot.keyClick(explainer.table, Qt.Key.Key_Down)
    qtbot.keyClick(explainer.table, Qt.Key.Key_Down)
    assert explainer.table.currentRow() == 3
    assert explainer.detail.text().startswith("Layer 4 (Conv2d): 32 filters × 8 input channels")
    assert "Dense equivalent" in explainer.detail.text()


def test_a_recurrent_layer_is_taken_apart_per_gate(qtbot, window):
    from engine.presets import load_preset

    explainer = _open(window)
    window.document.set(load_preset("copy_memory_lstm"))
    formula = explainer.table.item(0, 2).text()
    assert "4 gates × 64 hidden × 64 hidden = 16,384 recurrent weights" in formula
    explainer.table.setCurrentCell(0, 0)
    assert "forget gate" in explainer.detail.text()
    assert "recurrent layers hold 18,432" in explainer.sentence.text()


def test_a_broken_stack_shows_the_layers_before_the_problem(qtbot, window):
    explainer = _open(window)
    experiment = window.document.experiment
    window.document.set(experiment.with_model(experiment.model.inserted(1, LayerSpec("LSTM", {
        "hidden_size": 8, "num_layers": 1, "bidirectional": False, "dropout": 0.0, "output": "last",
        "forget_bias": 0.0}))))
    assert explainer.table.rowCount() == 1
    assert "Only the layers before the problem" in explainer.sentence.text()
    assert np.all(np.isfinite(explainer.bar_heights()[0]))
