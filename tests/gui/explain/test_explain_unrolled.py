"""Explain ▸ The Unrolled RNN, driven as a learner would: step with the keys
and buttons, play, pick a sample, edit the text; the numbers on screen are the
engine's (engine.explain.rnn_steps, itself tested against torch's cells)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PySide6.QtCore import Qt

from engine import datasets
from engine.events import Snapshot
from engine.explain.rnn_steps import build_with_weights, builtin_example, layer_steps, rnn_steps
from engine.weights_file import state_to_numpy
from tests.gui.conftest import open_window

PRESETS = Path(__file__).resolve().parents[3] / "presets"


def shown_h(explainer) -> np.ndarray:
    """The hidden states as the chain draws them: (T, H)."""
    return explainer.chain.h_image.image.T


def assert_step_shown(explainer, steps, t: int) -> None:
    assert explainer.t == t and explainer.slider.value() == t
    assert explainer.step_label.text() == f"step t = {t} of {steps.steps}"
    bars = explainer.detail.bars
    for name, values in steps.gates.items():
        np.testing.assert_allclose(bars[name].opts["height"], values[t - 1], atol=1e-6)
    np.testing.assert_allclose(bars["h_t"].opts["height"], steps.h[t], atol=1e-6)
    unit = explainer.detail.unit.value()
    assert f"{steps.h[t, unit]:.3f}".replace("-", "−") in explainer.detail.equation.text().splitlines()[-1]


def test_builtin_example_steps_with_keys_buttons_and_play(qtbot, window):
    explainer = window.explain.show("unrolled")  # the default model is a CNN: no recurrent layer
    assert "no RNN, LSTM or GRU layer" in explainer.model_label.text()
    assert explainer.kind.isVisible() and not explainer.sample.isVisible()
    expected = rnn_steps(*builtin_example("GRU"))
    np.testing.assert_allclose(shown_h(explainer), expected.h[1:], atol=1e-6)
    assert_step_shown(explainer, expected, 1)

    qtbot.keyClick(explainer, Qt.Key.Key_Right)
    qtbot.keyClick(explainer, Qt.Key.Key_Right)
    assert_step_shown(explainer, expected, 3)
    before = explainer.detail.equation.text()
    qtbot.keyClick(explainer, Qt.Key.Key_End)
    assert_step_shown(explainer, expected, expected.steps)
    assert explainer.detail.equation.text() != before
    qtbot.keyClick(explainer, Qt.Key.Key_Right)  # stays on the last step
    assert explainer.t == expected.steps
    qtbot.keyClick(explainer, Qt.Key.Key_Home)
    assert_step_shown(explainer, expected, 1)
    explainer.forward.click()
    assert_step_shown(explainer, expected, 2)
    explainer.back.click()
    assert explainer.t == 1

    explainer.detail.unit.setValue(3)  # the equation follows the chosen unit
    assert_step_shown(explainer, expected, 1)

    explainer.timer.setInterval(10)
    qtbot.keyClick(explainer, Qt.Key.Key_Space)
    assert explainer.play.isChecked()
    qtbot.waitUntil(lambda: not explainer.play.isChecked(), timeout=5_000)  # stops at the end
    assert explainer.t == expected.steps

    explainer.kind.setCurrentText("LSTM")
    lstm = rnn_steps(*builtin_example("LSTM"))
    assert list(explainer.detail.bars) == ["input", "forget", "cell", "output", "c_t", "h_t"]
    np.testing.assert_allclose(shown_h(explainer), lstm.h[1:], atol=1e-6)
    assert_step_shown(explainer, lstm, lstm.steps)


def test_users_gru_with_trained_weights_and_sample_picker(qtbot, dialogs):
    window = open_window(qtbot, str(PRESETS / "digits_gru_rows.json"))
    experiment = window.document.experiment
    explainer = window.explain.show("unrolled")
    assert "initial, untrained" in explainer.model_label.text()
    assert explainer.sample.isVisible() and not explainer.kind.isVisible()

    # A training snapshot of this model is followed (within a second)...
    info = datasets.describe(experiment.dataset)
    initial = state_to_numpy(build_with_weights(experiment, info, None))
    window.views.begin_run(experiment)
    snapshot = Snapshot(step=7, epoch=1, weights={k: v * np.float32(1.5) for k, v in initial.items()})
    window.views.store.add_snapshot(snapshot)
    window.views.shown.emit(snapshot)
    qtbot.waitUntil(lambda: "latest training snapshot (step 7)" in explainer.model_label.text(), timeout=5_000)
    expected = layer_steps(build_with_weights(experiment, info, snapshot.weights), 0,
                           datasets.load(experiment.dataset, experiment.training.seed).x_val[0])
    np.testing.assert_allclose(shown_h(explainer), expected.h[1:], atol=1e-5)

    # ...and trained weights come first. Weights as a finished run hands them to the window (a real run is in
    # tests/engine/test_explain_rnn_steps.py): the initial ones, changed.
    weights = {k: v + np.float32(0.3) * np.sign(v) for k, v in initial.items()}
    window.trained.weights.take_run(experiment, weights, 120)
    qtbot.waitUntil(lambda: "trained, from run at step 120" in explainer.model_label.text(), timeout=5_000)

    bundle = datasets.load(experiment.dataset, experiment.training.seed)
    model = build_with_weights(experiment, info, weights)
    explainer.sample.setValue(5)
    expected = layer_steps(model, 0, bundle.x_val[5])
    np.testing.assert_allclose(shown_h(explainer), expected.h[1:], atol=1e-5)
    np.testing.assert_allclose(explainer.chain.x_image.image.T, bundle.x_val[5].numpy(), atol=1e-6)
    qtbot.keyClick(explainer, Qt.Key.Key_Right)
    assert_step_shown(explainer, expected, 2)
    with torch.no_grad():  # the window's last state is what the GRU hands on
        np.testing.assert_allclose(shown_h(explainer)[-1], model.layers[0](bundle.x_val[5:6])[0].numpy(), atol=1e-5)

    # An edit of the model is followed: a smaller GRU, whose weights are not the trained ones.
    layer = experiment.model.layers[0]
    window.document.set(experiment.with_model(experiment.model.with_layer(0, layer.with_params(hidden_size=8))))
    qtbot.waitUntil(lambda: shown_h(explainer).shape[1] == 8, timeout=5_000)
    assert "initial, untrained" in explainer.model_label.text()
    assert explainer.detail.unit.maximum() == 7


def test_editing_the_text_changes_the_hidden_states(qtbot, dialogs):
    window = open_window(qtbot, str(PRESETS / "text_lstm.json"))
    explainer = window.explain.show("unrolled")
    assert explainer.text.isVisible()
    length = len(explainer.text.text())
    assert shown_h(explainer).shape == (length, 128) and length > 16
    assert explainer.chain.scroll.isVisible() and explainer.chain.visible_range() == (1, 16)  # longer ones scroll
    qtbot.keyClick(explainer, Qt.Key.Key_End)
    assert explainer.chain.visible_range()[1] == length and explainer.t == length
    explainer.text.selectAll()
    qtbot.keyClicks(explainer.text, "a river")
    assert [item.textItem.toPlainText() for item in explainer.chain.labels] == list("a␣river")
    experiment = window.document.experiment
    model = build_with_weights(experiment, window.document.analysis().info, None)
    vocab = datasets.load(experiment.dataset, experiment.training.seed).vocab
    expected = layer_steps(model, 1, np.array([vocab.index(c) for c in "a river"]))
    np.testing.assert_allclose(shown_h(explainer), expected.h[1:], atol=1e-5)
    assert_step_shown(explainer, expected, min(explainer.t, 7))

    # Change only the first character: every later state changes, carried forward by the recurrence.
    qtbot.keyClick(explainer.text, Qt.Key.Key_Home)
    qtbot.keyClick(explainer.text, Qt.Key.Key_Delete)
    qtbot.keyClicks(explainer.text, "o")
    assert explainer.text.text() == "o river"
    assert (np.abs(shown_h(explainer) - expected.h[1:]).max(axis=1) > 1e-4).all()
    qtbot.keyClick(explainer.text, Qt.Key.Key_Home)
    qtbot.keyClick(explainer.text, Qt.Key.Key_Delete)
    qtbot.keyClicks(explainer.text, "a")
    qtbot.keyClick(explainer.text, Qt.Key.Key_End)

    qtbot.keyClicks(explainer.text, "§")  # not in the text's vocabulary: said, and the chain stays
    assert "'§' is not in" in explainer.message.text()
    np.testing.assert_allclose(shown_h(explainer), expected.h[1:], atol=1e-5)
    qtbot.keyClick(explainer.text, Qt.Key.Key_Backspace)
    assert explainer.message.text() == ""

