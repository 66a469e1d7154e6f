"""Explain ▸ Receptive Field and Memory, driven as a learner would: the
field outlined over the input follows clicks and arrow keys, the sequence
span sits beside the data set's dependency, and for an RNN the window asks
for a run, starts one, and then marks how far back the gradient reaches."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt

from engine.presets import load_preset


def _open(window):
    return window.explain.show("reach")


def test_image_field_moves_with_the_arrow_keys_and_a_click(qtbot, window):
    explainer = _open(window)  # digits CNN: 8×8 images, field 10 after two conv+pool blocks
    reach = explainer.reach
    assert reach is not None and reach.image and not explainer.example
    assert explainer.position == reach.centre()
    x, y = explainer.box.getData()
    r0, r1, c0, c1 = explainer.field_box()
    assert (x.min(), x.max(), y.min(), y.max()) == (c0, c1 + 1, r0, r1 + 1)
    explainer.setFocus()
    qtbot.keyClick(explainer, Qt.Key.Key_Left)
    qtbot.keyClick(explainer, Qt.Key.Key_Up)
    assert explainer.position == (0, 0)
    assert explainer.field_box() == reach.box(0, 0)
    assert "10×10 pixels" in explainer.field_text.text()
    # A click at the bottom-right pixel of the input picks the bottom-right output.
    vb = explainer.plot.vb
    scene = vb.mapViewToScene(QPointF(7.5, 7.5))
    view = explainer.plot_widget
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(scene))
    assert explainer.position == (1, 1)


def test_sequence_field_beside_the_dependency_follows_the_document(qtbot, window):
    explainer = _open(window)
    window.document.set(load_preset("long_range_cnn"))
    reach = explainer.reach
    assert not reach.image and reach.field == 9
    t0, t1 = explainer.span.getRegion()
    assert (t0 + 0.5, t1 - 0.5) == explainer.field_box()
    x, _ = explainer.dependency.getData()
    assert x[-1] - x[0] == reach.dependency.span == 13
    assert "cannot see the two ends" in explainer.field_text.text()
    explainer.setFocus()
    qtbot.keyClick(explainer, Qt.Key.Key_Right)
    assert explainer.position == (reach.centre()[0] + 1,)
    window.document.set(load_preset("long_range_dilated_cnn"))
    assert explainer.reach.field == 21 and "it covers" in explainer.field_text.text()
    assert not explainer.memory_part.isVisible()


def test_a_model_without_conv_or_recurrent_layers_gets_the_example(qtbot, window):
    explainer = _open(window)
    window.document.set(load_preset("digits_mlp"))
    assert explainer.example and explainer.field_part.isVisible()
    assert "here is the digits CNN as an example" in explainer.field_text.text()


def test_rnn_asks_for_a_run_then_marks_where_the_gradient_vanishes(qtbot, window):
    explainer = _open(window)
    experiment = load_preset("copy_memory_rnn")
    experiment = experiment.with_dataset(experiment.dataset.with_options(n_samples=256)).with_training(epochs=1)
    window.document.set(experiment)
    assert explainer.memory_part.isVisible() and not explainer.field_part.isVisible()
    assert explainer.train_button.isVisible()
    assert explainer.memory_text.text() == "Train the model to see how far back the gradient reaches."
    with qtbot.waitSignal(window.runner.finished, timeout=60_000):
        qtbot.mouseClick(explainer.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: explainer.memory is not None, timeout=10_000)
    assert not explainer.train_button.isVisible()
    norms = explainer.memory.norms
    assert norms.size == window.document.analysis().info.input_shape[0]  # one value per time step
    # The true values on the log axis, however small (a flat 1e-12 floor hid a
    # vanilla RNN's 2e-16, issue #16 item 11); exact zeros go below them all.
    positive = norms > 0
    assert np.allclose(explainer.curve.yData[positive], norms[positive], rtol=1e-6, atol=0)
    assert (explainer.curve.yData[~positive] < norms[positive].min()).all()
    text = explainer.memory_text.text()
    if explainer.memory.steps_back is not None:
        assert f"after {explainer.memory.steps_back} steps" in text
        assert explainer.vanish_line.value() == explainer.memory.first_step_below
    else:
        assert "stays above" in text
    # An edit that changes the model: the old run no longer applies.
    layers = window.document.experiment.model.layers
    window.document.set(window.document.experiment.with_model(
        window.document.experiment.model.with_layer(0, layers[0].with_params(hidden_size=16))))
    assert explainer.memory is None and explainer.train_button.isVisible()
