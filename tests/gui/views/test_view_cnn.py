"""The CNN views: filter grid, feature maps with receptive fields, drawing canvas.

A short real digits-CNN run (one epoch, a couple of seconds) feeds the views;
synthetic snapshots cover what that run cannot (1-D filters, sequences).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from engine import receptive_field as rf
from engine.events import RunStarted, Snapshot
from tests.gui.conftest import FakeInspectionRunner


@pytest.fixture(scope="module")
def digits_run():
    """(experiment, RunStarted, snapshots) of one epoch of the digits CNN."""
    from engine.presets import load_preset
    from engine.probes import ProbeSettings
    from engine.training import train

    experiment = load_preset("digits_cnn").with_training(epochs=1, device="cpu")
    probes = ProbeSettings(gates=False, gradients=False, histograms=False, predictions=False)
    events = list(train(experiment, probes=probes))
    snapshots = [e for e in events if isinstance(e, Snapshot)]
    assert isinstance(events[0], RunStarted) and len(snapshots) >= 2
    return experiment, events[0], snapshots


def make_view(qtbot, cls, experiment, run, *args):
    view = cls(*args)
    qtbot.addWidget(view)
    view.set_experiment(experiment) if hasattr(view, "set_experiment") else None
    view.set_run(run)
    view.resize(700, 450)
    view.show()
    return view


# --- receptive fields ----------------------------------------------------------------
def test_two_3x3_convolutions_see_a_5x5_box():
    windows = [rf.Window(3), rf.Window(3)]
    assert rf.receptive_box(0, 0, windows) == (0, 4, 0, 4)
    assert rf.receptive_box(2, 1, windows) == (2, 6, 1, 5)
    assert rf.field_size(windows) == 5


def test_pooling_doubles_the_jump_and_padding_reaches_outside():
    windows = [rf.Window(3), rf.Window(2, 2), rf.Window(3)]
    assert rf.field_size(windows) == 3 + 1 + 2 * 2  # the second conv's taps are 2 input pixels apart
    assert rf.input_interval(1, windows) == (2, 9)  # one step right moves the box by the jump, 2
    padded = [rf.Window(3, padding=1)]
    assert rf.input_interval(0, padded) == (-1, 1)
    assert rf.clip_interval(-1, 1, 8) == (0, 1)
    assert rf.input_interval(0, [rf.Window(3, dilation=2)]) == (0, 4)


def test_layer_windows_agree_with_the_model_summary(digits_run):
    from engine import datasets
    from engine.shapes import infer

    experiment = digits_run[0]
    summary = infer(experiment.model, datasets.describe(experiment.dataset))
    for row in summary.rows:
        if row.receptive_field is not None:
            assert rf.field_size(rf.layer_windows(experiment.model.layers, row.index)) == row.receptive_field
    assert rf.layer_windows(experiment.model.layers, 6) is None  # after Flatten, no box


# --- filter grid ---------------------------------------------------------------------
def test_filter_grid_shows_out_channels_tiles_of_a_real_run(qtbot, digits_run):
    from gui.views.filter_grid import FilterGrid

    experiment, run, snapshots = digits_run
    view = make_view(qtbot, FilterGrid, experiment, run)
    assert view.applies_to(run)
    view.show_snapshot(snapshots[-1])
    conv_layers = sorted(snapshots[-1].filters)
    assert view.layer_picker.count() == len(conv_layers) == 2
    assert view.tile_count() == experiment.model.layers[0].params["out_channels"] == 16
    assert view.image.image.shape == (4 * 3 + 3, 4 * 3 + 3)  # 4×4 tiles of 3×3, 1 px gaps
    assert np.isnan(view.image.image[3]).all()  # the gap row
    low, high = view.image.levels
    assert high == -low > 0  # centred at zero
    view.select_layer(3)
    assert view.tile_count() == 32
    assert view.input_picker.currentText() == "mean over inputs"
    np.testing.assert_allclose(view.shown_kernels, snapshots[-1].filters[3].mean(axis=1), rtol=1e-6)
    view.scale_picker.setCurrentIndex(1)  # per-filter scale
    assert np.nanmax(np.abs(view.image.image)) == pytest.approx(1.0)
    assert "Conv2d" in view.layer_picker.currentText()


def test_filter_grid_exports_pictures_and_data(qtbot, digits_run, tmp_path):
    from gui.views.filter_grid import FilterGrid

    experiment, run, snapshots = digits_run
    view = make_view(qtbot, FilterGrid, experiment, run)
    view.show_snapshot(snapshots[-1])
    png, svg = view.export_image(tmp_path / "f.png"), view.export_image(tmp_path / "f.svg")
    assert png.stat().st_size > 1000 and b"<svg" in svg.read_bytes()[:2000]
    saved = np.load(view.export_data_to(tmp_path / "f.npz"))
    assert saved["weights"].shape == (16, 1, 3, 3) and saved["shown"].shape == (16, 3, 3)
    table = np.loadtxt(view.export_data_to(tmp_path / "f.csv"), delimiter=",")
    assert table.shape == (16, 9)


def test_frozen_filter_grid_keeps_its_picture_until_unfrozen(qtbot, digits_run):
    from gui.views.filter_grid import FilterGrid

    experiment, run, snapshots = digits_run
    view = make_view(qtbot, FilterGrid, experiment, run)
    view.show_snapshot(snapshots[0])
    before = view.image.image.copy()
    view.set_frozen(True)
    view.show_snapshot(snapshots[-1])
    np.testing.assert_array_equal(view.image.image, before)
    view.set_frozen(False)
    assert not np.allclose(np.nan_to_num(view.image.image), np.nan_to_num(before))  # training moved the weights


def test_conv1d_filters_are_small_line_plots_and_no_conv_says_so(qtbot):
    from gui.views.filter_grid import MEAN_OVER_INPUTS, FilterGrid

    view = FilterGrid()
    qtbot.addWidget(view)
    view.set_run(SimpleNamespace(probe_inputs=np.zeros((2, 10, 3)), probe_targets=np.zeros(2, int)))
    weights = np.random.default_rng(0).normal(size=(6, 3, 5)).astype(np.float32)
    view.show_snapshot(Snapshot(1, 1, filters={0: weights}))
    assert view.tile_count() == 6  # several inputs: each filter an input-channel × tap image
    assert view.stack.currentWidget() is view.image_widget and view.shown_kernels.shape == (6, 3, 5)
    view.input_picker.setCurrentIndex(view.input_picker.findData(MEAN_OVER_INPUTS))
    assert view.tile_count() == 6
    x, y = view.curves.getData()
    assert len(x) == 6 * 5  # one line item for every filter
    assert view.stack.currentWidget() is view.curve_widget
    np.testing.assert_allclose(y[:5], weights[0].mean(axis=0), rtol=1e-5)  # the first filter's baseline is 0
    view.show_snapshot(Snapshot(2, 1))
    assert view.tile_count() == 0 and "no convolution" in view.caption.text()


# --- feature maps --------------------------------------------------------------------
def test_feature_maps_show_one_block_per_conv_and_pool_layer(qtbot, digits_run):
    from gui.views.feature_maps import FeatureMaps

    experiment, run, snapshots = digits_run
    view = make_view(qtbot, FeatureMaps, experiment, run)
    view.show_snapshot(snapshots[-1])
    assert view.block_count() == 4 and view.block_layers() == [0, 2, 3, 5]
    assert view.block_title(2) == "Layer 3 · MaxPool2d · 16×4×4"
    assert view.input_picker.count() == len(run.probe_inputs)
    assert f"class {run.probe_targets[0]}" in view.input_picker.currentText()
    np.testing.assert_array_equal(view.shown_input, run.probe_inputs[0, 0])
    view.select_input(3)
    np.testing.assert_array_equal(view.shown_maps[5], snapshots[-1].feature_maps[5][3])
    view.enlarge(3, 7)
    assert view.enlarged == (3, 7)
    np.testing.assert_array_equal(view.enlarged_image.image, snapshots[-1].feature_maps[3][3, 7])
    view.show_receptive_field(5, 1, 1)  # the last pool's pixel (1, 1) sees rows/cols 1..7 of the 8×8 digit
    assert view.highlight.isVisible()
    rect = view.highlight.rect()
    assert (rect.x(), rect.y(), rect.width(), rect.height()) == (1, 1, 7, 7)


def test_clicking_a_map_enlarges_it(qtbot, digits_run):
    from gui.views.feature_maps import FeatureMaps

    experiment, run, snapshots = digits_run
    view = make_view(qtbot, FeatureMaps, experiment, run)
    view.show_snapshot(snapshots[-1])
    qtbot.waitUntil(lambda: view.canvas.isVisible())
    _, plot, image = view.blocks[1]  # layer 2: 16 tiles of 4×4, 4 columns
    top, left = view._tilings[2].origin(5)
    scene_point = image.mapToScene(left + 1.5, top + 1.5)
    widget_point = view.canvas.mapFromScene(scene_point)
    qtbot.mouseClick(view.canvas.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(widget_point.x(), widget_point.y()))
    qtbot.waitUntil(lambda: view.enlarged == (2, 5))
    # pyqtgraph drops mouse moves closer than 10 ms apart, so hover as its scene reports a move
    view.canvas.scene().sigMouseMoved.emit(scene_point)
    assert view.highlight.isVisible()  # pool pixel (1, 1) sees input rows/cols 1..4
    rect = view.highlight.rect()
    assert (rect.x(), rect.y(), rect.width(), rect.height()) == (1, 1, 4, 4)
    assert "Layer 3 · channel 5 · row 1, column 1" in view.caption.text()


def test_sequence_feature_maps_are_channels_by_time(qtbot):
    from engine.presets import load_preset
    from gui.views.feature_maps import FeatureMaps

    experiment = load_preset("motif_cnn")
    probes = np.zeros((2, 60, 8), np.float32)
    run = SimpleNamespace(probe_inputs=probes, probe_targets=np.array([0, 1]), info=None)
    view = FeatureMaps()
    qtbot.addWidget(view)
    view.set_experiment(experiment)
    view.set_run(run)
    maps = np.random.default_rng(1).normal(size=(2, 60, 32)).astype(np.float32)
    view.show_snapshot(Snapshot(1, 1, feature_maps={0: maps, 1: np.maximum(maps, 0)}))
    assert view.block_layers() == [0]  # the ReLU is not a conv/pool layer
    assert view.blocks[0][2].image.shape == (32, 60)  # channels × time, time on x
    view.show_receptive_field(0, 0, 10)
    rect = view.highlight.rect()
    assert (rect.x(), rect.width(), rect.height()) == (9, 3, 8)  # steps 9..11, all 8 input features


# --- drawing canvas ------------------------------------------------------------------
def test_drawing_makes_requests_of_the_data_shape_and_scale(qtbot, digits_run):
    from gui.views.drawing_canvas import DrawingCanvas

    experiment, run, _ = digits_run
    inspector = FakeInspectionRunner()
    view = make_view(qtbot, DrawingCanvas, experiment, run, inspector)
    assert view.applies_to(run) and view.canvas.picture.shape == (8, 8)
    view.canvas.stroke([(4.5, 1.5), (4.5, 6.5)])  # a vertical "1" down the middle of column 4
    assert len(inspector.requests) == 1
    x = inspector.requests[0]
    assert x.shape == (1, 8, 8) and x.dtype == np.float32
    assert x.min() == 0.0 and x.max() == 1.0  # ink 1 on paper 0, as the digits data
    assert x[0, 4, 4] == 1.0 and x[0, 4, 0] == 0.0
    view.canvas.stroke([(2.0, 2.0), (6.0, 2.0)])  # within the throttle interval: sent on its trailing edge
    qtbot.waitUntil(lambda: len(inspector.requests) == 2)
    assert inspector.requests[1][0, 2, 2] > 0


def test_mouse_drawing_reaches_the_inspector(qtbot, digits_run):
    from gui.views.drawing_canvas import DrawingCanvas

    experiment, run, _ = digits_run
    inspector = FakeInspectionRunner()
    view = make_view(qtbot, DrawingCanvas, experiment, run, inspector)
    canvas = view.canvas
    qtbot.waitUntil(canvas.isVisible)
    centre = canvas.rect().center()
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseMove(canvas, centre + QPoint(0, canvas.height() // 4))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=centre + QPoint(0, canvas.height() // 4))
    assert canvas.picture.sum() > 1.0
    qtbot.waitUntil(lambda: inspector.requests and inspector.requests[-1].sum() == pytest.approx(canvas.picture.sum()))


def test_an_inspection_sets_the_bars_and_feeds_the_feature_maps(qtbot, digits_run):
    from gui.views.drawing_canvas import DrawingCanvas
    from gui.views.feature_maps import FeatureMaps

    experiment, run, snapshots = digits_run
    inspector = FakeInspectionRunner()
    view = make_view(qtbot, DrawingCanvas, experiment, run, inspector)
    maps_view = make_view(qtbot, FeatureMaps, experiment, run)
    view.connect_feature_maps(maps_view)
    maps_view.show_snapshot(snapshots[-1])
    view.load_sample(0)
    np.testing.assert_allclose(view.drawn_input(), np.clip(run.sample_inputs[0], 0, 1))
    probs = np.full(10, 0.02, np.float32)
    probs[7] = 0.82
    feature_maps = {k: v[0] for k, v in snapshots[-1].feature_maps.items()}
    inspector.inspected.emit(SimpleNamespace(input=inspector.requests[-1], output=probs, feature_maps=feature_maps))
    np.testing.assert_allclose(view.probabilities(), probs)
    assert view.predicted_class() == 7 and "7 (82%)" in view.bars_plot.getPlotItem().titleLabel.text
    assert maps_view.input_picker.currentText() == "drawn input" and maps_view.block_count() == 4
    np.testing.assert_array_equal(maps_view.shown_input, inspector.requests[-1][0])
    inspector.inspected.emit(SimpleNamespace(input=np.zeros(20, np.int64), output=np.ones(5), feature_maps={}))
    assert view.predicted_class() == 7  # the text probe's answers are not the canvas's


def test_a_drawn_sample_is_judged_by_the_real_inspector(qtbot, digits_run):
    pytest.importorskip("engine.inspect")
    from gui.trained.inspection_runner import InspectionRunner
    from gui.views.drawing_canvas import DrawingCanvas
    from gui.views.feature_maps import FeatureMaps

    experiment, run, snapshots = digits_run
    inspector = InspectionRunner()
    inspector.set_run(experiment, run)
    inspector.set_weights(snapshots[-1].weights)
    view = make_view(qtbot, DrawingCanvas, experiment, run, inspector)
    maps_view = make_view(qtbot, FeatureMaps, experiment, run)
    view.connect_feature_maps(maps_view)
    try:
        view.load_sample(0)
        qtbot.waitUntil(lambda: view.inspection is not None, timeout=20_000)
    finally:
        inspector.shutdown()
    probs = view.probabilities()
    assert probs.shape == (10,) and probs.sum() == pytest.approx(1.0, abs=1e-4)
    assert maps_view.block_count() == 4 and maps_view.input_picker.currentText() == "drawn input"
    assert maps_view.shown_maps[0].shape == (16, 8, 8)


def test_centred_levels_round_up_to_nice_numbers_that_hold_while_values_creep():
    from gui.views.view_panel import centred_levels, nice_ceiling

    assert [nice_ceiling(v) for v in (0.41, 0.5, 0.51, 7.2, 0.00093, 1.0)] == pytest.approx(
        [0.5, 0.5, 0.6, 8.0, 0.001, 1.0])
    rng = np.random.default_rng(0)
    for value in rng.uniform(1e-4, 1e3, 200):
        top = nice_ceiling(value)
        assert value <= top <= value * 4 / 3 + 1e-12  # never clips, never washes the colours out
    # A maximum creeping up by 0.1 % a frame keeps its levels for many frames.
    tops = [centred_levels(np.array([0.3 * 1.001 ** k, -0.1]))[1] for k in range(200)]
    assert len(set(tops)) <= 3
    assert centred_levels(np.zeros(4)) == (-1.0, 1.0)
