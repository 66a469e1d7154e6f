"""The convolution explainer driven as a learner would: presets, stepping with
the keys, editing cells, pooling, a trained filter and a real sample."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PySide6.QtCore import Qt

from engine.explain import convolution as cv
from engine.spec import LayerSpec, ModelSpec
from gui.explain.convolution import PRESETS, SAMPLE, TRAINED


def _open(qtbot, window):
    explainer = window.explain.show("convolution")
    qtbot.waitExposed(explainer)
    return explainer


def _choose(explainer, title: str) -> None:
    explainer.choose_preset(PRESETS.index(title))


def test_c1_example_sums_to_4_and_says_no_flip(qtbot, window):
    explainer = _open(qtbot, window)
    _choose(explainer, "C1 worked example")
    assert explainer.equation.text().endswith("= 4")
    assert "cross-correlation" in explainer.explanation.text()
    assert explainer.output_view.written() == ["4"]
    assert explainer.products_view.written() == ["1", "0", "0", "0", "1", "0", "1", "0", "1"]
    assert explainer.input_view.mark_rect("window") == (0, 0, 3, 3)
    assert explainer.toolTip() or explainer.whatsThis()
    for control in (explainer.presets, explainer.mode, explainer.stride, explainer.padding, explainer.play,
                    explainer.speed, explainer.value):
        assert control.toolTip() and control.whatsThis()


def test_stepping_with_keys_fills_the_output_like_conv2d(qtbot, window):
    explainer = _open(qtbot, window)
    _choose(explainer, "edge detector on a digit")
    assert explainer.padding.value() == 1 and len(explainer.steps) == 64  # 'same' padding: 8×8 stays 8×8
    explainer.activateWindow()
    explainer.play.setFocus()
    qtbot.waitUntil(explainer.play.hasFocus, timeout=2_000)
    qtbot.keyClick(explainer.play, Qt.Key.Key_Right)
    qtbot.keyClick(explainer.play, Qt.Key.Key_Right)
    assert explainer.position == 2
    assert explainer.input_view.mark_rect("window") == (0, 2, 3, 3)
    assert explainer.output_view.mark_rect("cell") == (0, 2, 1, 1)
    assert explainer.output_view.written()[:4] == explainer.output_view.written()[:3] + [""]  # not yet computed
    qtbot.keyClick(explainer.play, Qt.Key.Key_Left)
    assert explainer.position == 1
    qtbot.keyClick(explainer.play, Qt.Key.Key_Space)  # Space plays and pauses
    assert explainer.play.isChecked() and explainer.timer.isActive()
    qtbot.keyClick(explainer.play, Qt.Key.Key_Space)
    assert not explainer.play.isChecked() and not explainer.timer.isActive()
    explainer.position = 1
    theirs = F.conv2d(torch.tensor(explainer.grid)[None, None], torch.tensor(explainer.kernel)[None, None],
                      padding=1)[0, 0].numpy()
    explainer.step_by(100)
    assert explainer.position == 63 and not explainer.forward.isEnabled()
    np.testing.assert_allclose(explainer.output_view.values, theirs, atol=1e-12)


def test_play_animates_and_stops_at_the_end(qtbot, window):
    explainer = _open(qtbot, window)
    _choose(explainer, "C5 max pool")
    explainer.padding.setValue(0)
    explainer.stride.setValue(1)
    explainer.speed.setValue(10)
    explainer.play.setChecked(True)
    assert explainer.play.text() == "Pause"
    qtbot.waitUntil(lambda: not explainer.play.isChecked(), timeout=3_000)
    assert explainer.position == len(explainer.steps) - 1 == 0  # a 2×2 window on a 2×2 grid: one step
    assert explainer.equation.text().endswith("max(1, 2, 3, 0) = 3")
    assert explainer.products_view.mark_rect("chosen") == (1, 0, 1, 1)  # the 3 wins


def test_editing_cells_recomputes(qtbot, window):
    explainer = _open(qtbot, window)
    _choose(explainer, "C1 worked example")
    explainer.set_cell("input", 0, 1, 2.0)  # under a kernel weight of 0: the sum stays 4
    assert explainer.equation.text().endswith("= 4")
    explainer.set_cell("kernel", 0, 1, 1.0)  # now it counts: 4 + 2·1
    assert explainer.equation.text().endswith("= 6")
    assert explainer.input_view.mark_rect("selected") is None
    explainer._on_cell_clicked("input", 1, 1)  # select; clicking again cycles 1 → −1
    assert explainer.value.value() == 1.0 and explainer.input_view.mark_rect("selected") == (1, 1, 1, 1)
    explainer._on_cell_clicked("input", 1, 1)
    assert explainer.grid[1, 1] == -1.0 and explainer.equation.text().endswith("= 4")
    explainer.value.setValue(0.5)  # the spin box edits the selected cell
    assert explainer.grid[1, 1] == 0.5 and explainer.equation.text().endswith("= 5.5")


def test_average_pooling_and_refusals(qtbot, window):
    explainer = _open(qtbot, window)
    _choose(explainer, "edge detector on a digit")
    explainer.mode.setCurrentIndex(2)  # average pooling
    explainer.size.setValue(2)
    explainer.stride.setValue(2)
    explainer.padding.setValue(0)
    assert len(explainer.steps) == 16 and "Output size" in explainer.explanation.text()
    theirs = F.avg_pool2d(torch.tensor(explainer.grid)[None, None], 2)[0, 0].numpy()
    explainer.step_by(15)
    np.testing.assert_allclose(explainer.output_view.values, theirs, atol=1e-12)
    explainer.padding.setValue(2)  # more than half the window: torch refuses, so do we
    assert not explainer.steps and "at most half the window" in explainer.equation.text()


def test_trained_filter_needs_a_conv_layer_and_weights(qtbot, window):
    explainer = _open(qtbot, window)
    item = explainer.presets.model().item(TRAINED)
    experiment = window.document.experiment
    found = next(i for i, layer in enumerate(experiment.model.layers) if layer.type == "Conv2d")
    params = experiment.model.layers[found].params
    assert not item.isEnabled() and "Train" in item.toolTip()
    # Weights as a finished run would leave them (the state_dict of the model).
    from engine import datasets
    from engine.shapes import build_model

    model = build_model(experiment.model, datasets.describe(experiment.dataset))
    weights = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    window.trained.weights.take_run(experiment, weights, 10)
    assert item.isEnabled()
    _choose(explainer, "a trained filter of this model")
    explainer.pick.setValue(2)
    np.testing.assert_array_equal(explainer.kernel, weights[f"layers.{found}.weight"][1, 0])
    assert explainer.bias == float(weights[f"layers.{found}.bias"][1])
    assert explainer.padding.value() == params["padding"] and "Filter 2" in explainer.explanation.text()
    assert explainer.equation.text().split("= ")[-1].replace("−", "-") == \
        cv.number(explainer.steps[0].value).replace("−", "-")
    window.document.set(experiment.with_model(ModelSpec((LayerSpec("Flatten", {}),))), "remove the convolutions")
    assert not item.isEnabled() and "no Conv2d" in item.toolTip()


def test_real_sample_loads_on_a_worker(qtbot, window):
    explainer = _open(qtbot, window)
    explainer.choose_preset(SAMPLE)
    qtbot.waitUntil(lambda: not explainer.loading, timeout=20_000)
    assert "Validation sample 1" in explainer.explanation.text()
    assert explainer.grid.shape == window.document.analysis().info.input_shape[1:]
    assert explainer.pick.isVisible()
