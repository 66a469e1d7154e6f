"""The live views in words and beyond colour, on hand-built events (no
training): what describe() says a view shows now — its numbers, not only its
caption — and the trajectories' classes told apart by dash as well as colour.
The views with real runs behind them (settling, tree, generate, decoder,
clip) are checked beside their other tests."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine.events import QUANTILES, Histogram, Predictions, RunStarted, Snapshot
from tests.gui.conftest import FakeInspectionRunner
from tests.gui.views.test_view_rnn import FakeInspection, FakeRun, open_view, text_run


def described(view) -> str:
    """describe(), checked to be the accessible description too, and to start with the title."""
    text = view.describe()
    assert view.accessibleDescription() == text
    assert text.startswith(view.title), text
    return text


def image_run(targets, n_classes: int = 10) -> RunStarted:
    from engine.datasets.base import DataInfo

    info = DataInfo("image", (1, 4, 4), "classification", False, n_classes,
                    class_names=tuple(str(i) for i in range(n_classes)))
    inputs = np.random.default_rng(0).random((len(targets), 1, 4, 4)).astype(np.float32)
    targets = np.asarray(targets)
    return RunStarted("cpu", 10, 1, 1, len(targets), len(targets), "classification", "accuracy", 0.1, inputs,
                      targets, info, None, inputs, targets)


# --- predictions ------------------------------------------------------------------------------
def test_predictions_say_how_many_are_right_and_the_commonest_confusion(qtbot):
    from gui.views.predictions_view import PredictionsView

    targets = np.array([3, 3, 3, 8, 1, 2, 4, 5] * 4)
    predicted = targets.copy()
    predicted[[0, 8, 16]] = 8  # three 3s read as 8
    predicted[4] = 7  # and one 1 as 7
    view = open_view(qtbot, PredictionsView)
    view.set_run(image_run(targets))
    view.show_predictions(Predictions(40, 2, predicted, np.full(len(targets), 0.9, np.float32), None))
    text = described(view)
    assert "28 of 32 validation samples right (87.5% accuracy) after epoch 2" in text, text
    assert "most confused: 3 read as 8 (3 times)" in text, text
    shown = len(view.shown_indices)
    if shown < len(targets):  # a page of the strip: its own count
        right = int((predicted[view.shown_indices] == targets[view.shown_indices]).sum())
        assert f"{right} of {shown} shown right (page 1 of" in text, text

    # Everything right: no confusion to name.
    view.show_predictions(Predictions(80, 3, targets.copy(), None, None))
    assert "32 of 32" in described(view) and "confused" not in view.describe()


def test_regression_predictions_give_the_error_and_the_ranges(qtbot):
    from engine.datasets.base import DataInfo
    from gui.views.predictions_view import PredictionsView

    info = DataInfo("sequence", (5, 1), "regression", False, 1)
    inputs = np.zeros((6, 5, 1), np.float32)
    targets = np.linspace(0, 1, 6, dtype=np.float32).reshape(6, 1)
    run = RunStarted("cpu", 10, 1, 1, 6, 6, "regression", "mse", 0.1, inputs, targets, info, None, inputs, targets)
    view = open_view(qtbot, PredictionsView)
    view.set_run(run)
    view.show_predictions(Predictions(5, 1, targets + 0.1, None, None))
    text = described(view)
    assert "MSE 0.01 on 6 validation samples (predicting the mean scores 0.1) after epoch 1" in text, text
    assert "predictions from 0.1 to 1.1, true values from 0 to 1" in text, text


# --- weight histograms ------------------------------------------------------------------------
def histogram(values: np.ndarray) -> Histogram:
    counts, edges = np.histogram(values, bins=40)
    return Histogram(edges, counts.astype(np.int64), np.quantile(values, QUANTILES))


def test_histograms_give_the_mean_and_spread_of_the_layer_shown(qtbot):
    from gui.views.weight_histograms import WeightHistograms

    view = open_view(qtbot, WeightHistograms)
    view.set_run(FakeRun(probe_inputs=np.zeros((2, 1, 4, 4)), probe_targets=np.zeros(2)))
    rng = np.random.default_rng(0)
    for step, spread in ((1, 0.1), (2, 0.15), (3, 0.2), (4, 0.25)):
        view.show_snapshot(Snapshot(step, 1, weight_histograms={0: histogram(rng.normal(0.01, spread, 5000))}))
    text = described(view)
    assert text.startswith("Weight histograms: layer 1 weights at step 4: mean 0.0091, "), text
    assert "spread 0.25 (standard deviation of 5000 values)" in text, text
    assert "widening over the last snapshots (4 kept)" in text, text


# --- gradient through time ----------------------------------------------------------------------
def test_gradient_through_time_gives_the_first_steps_share_of_the_last(qtbot):
    from gui.views.gradient_time import GradientThroughTime

    view = open_view(qtbot, GradientThroughTime)
    view.set_run(FakeRun(probe_inputs=np.zeros((2, 5, 1)), probe_targets=np.zeros((2, 1))))
    view.show_snapshot(Snapshot(5, 1, grad_through_time={0: np.array([1e-8, 1e-6, 1e-3, 0.1, 1.0])}))
    view.show_snapshot(Snapshot(9, 1, grad_through_time={0: np.array([1e-12, 1e-9, 1e-4, 0.1, 1.0])}))
    text = described(view)
    assert "At training step 9 (layer 1: recurrent): the gradient reaching step 0 is 1e-12 of the last step's " \
           "(t = 4)" in text, text
    assert "it stays above 1 % of it for the last 2 of 5 time steps" in text, text
    assert "over the 2 latest measurements the first step's share went from 1e-08 to 1e-12" in text, text


# --- draw ---------------------------------------------------------------------------------------
def test_draw_gives_the_prediction_and_how_much_is_drawn(qtbot):
    from gui.views.drawing_canvas import DrawingCanvas

    inspector = FakeInspectionRunner()
    view = open_view(qtbot, DrawingCanvas, None, inspector)
    view.set_run(image_run([0, 1, 2, 3]))
    assert described(view) == "Draw: Draw with the mouse (right button erases), or load a validation sample."
    view.canvas.set_picture(np.eye(4, dtype=np.float32))
    probabilities = np.array([0.05, 0.8, 0.1, 0.05] + [0.0] * 6, np.float32)
    view.show_inspection(FakeInspection(view.drawn_input(), probabilities))
    text = described(view)
    assert text == "Draw: Predicted 1 (80%), then 2 (10%) and 0 (5%); the drawing inks 4 of 16 pixels (4×4).", text


# --- text probe ---------------------------------------------------------------------------------
def test_text_probe_gives_the_likeliest_next_characters(qtbot):
    from gui.views.text_probe import TextProbe

    vocab = " abknr"
    inspector = FakeInspectionRunner()
    view = open_view(qtbot, TextProbe, None, inspector)
    view.set_run(text_run(vocab))
    view.set_text("bank")
    qtbot.waitUntil(lambda: len(inspector.requests) == 1)
    ids = inspector.requests[0]
    probabilities = np.full((len(ids), len(vocab)), 0.02, np.float32)
    probabilities[-1] = [0.6, 0.1, 0.2, 0.04, 0.03, 0.03]
    hidden = np.linspace(-0.5, 0.5, len(ids) * 3, dtype=np.float32).reshape(len(ids), 3)
    inspector.inspected.emit(FakeInspection(ids, probabilities, hidden_states={0: hidden}))
    text = described(view)
    assert text.startswith("Text probe: After “bank”: likeliest next “␣” (60%), “b” (20%), “a” (10%); hidden "
                           "state of 3 units over 4 characters, values from -0.5 to 0.5."), text


# --- trajectories -------------------------------------------------------------------------------
def test_trajectory_classes_differ_by_dash_as_well_as_colour(qtbot):
    from gui.common.line_styles import dash
    from gui.views.trajectories import HiddenStateTrajectories

    view = open_view(qtbot, HiddenStateTrajectories)
    view.set_run(FakeRun(probe_inputs=np.zeros((6, 5, 1)), probe_targets=np.array([0, 1, 2, 0, 1, 2])))
    states = np.random.default_rng(1).normal(size=(6, 5, 4)).astype(np.float32)
    view.show_snapshot(Snapshot(3, 1, hidden_states={0: states}))
    pens = {line.shown_class: line.opts["pen"] for line in view.class_lines if line.shown_class is not None}
    assert sorted(pens) == [0, 1, 2]
    assert len({pen.style() for pen in pens.values()}) == 3  # three classes, three dash patterns
    assert [pens[c].style() for c in range(3)] == [dash(c) for c in range(3)]
    assert pens[0].style() == Qt.PenStyle.SolidLine
    assert len({pen.color().name() for pen in pens.values()}) == 3  # and their colours still differ
    # The legend draws each class with its own pen, dashes included.
    legend_pens = [sample.item.opts["pen"] for sample, _ in view.legend.items
                   if getattr(sample.item, "shown_class", None) is not None]
    assert {pen.style() for pen in legend_pens} == {pen.style() for pen in pens.values()}


@pytest.mark.parametrize("module, cls", [("gui.views.drawing_canvas", "DrawingCanvas"),
                                         ("gui.views.text_probe", "TextProbe"),
                                         ("gui.views.predictions_view", "PredictionsView"),
                                         ("gui.views.weight_histograms", "WeightHistograms"),
                                         ("gui.views.gradient_time", "GradientThroughTime")])
def test_a_view_with_nothing_drawn_yet_falls_back_to_its_caption(qtbot, module, cls):
    import importlib

    view_class = getattr(importlib.import_module(module), cls)
    view = open_view(qtbot, view_class, None, *((FakeInspectionRunner(),)
                                                if cls in ("DrawingCanvas", "TextProbe") else ()))
    assert view.describe_now() == ""
