"""The predictions strip, the confusion matrix and the weight histograms:
fed by short real training runs (and hand-built events where a run cannot
produce a case quickly), checked for what a user would see."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor

from engine.events import QUANTILES, Histogram, Predictions, RunStarted, Snapshot
from gui.views.confusion_matrix import ConfusionMatrix
from gui.views.predictions_view import PredictionsView
from gui.views.sample_thumbnails import SampleThumbnails, grid_for
from gui.views.weight_histograms import HISTORY, WeightHistograms


def real_run(preset: str, epochs: int = 1, every_step: bool = False, **dataset_options):
    """(experiment, RunStarted, snapshots, predictions) of a short run of ``preset``;
    ``every_step`` makes its first (recurrent) layer output every step."""
    from engine.presets import load_preset
    from engine.probes import ProbeSettings
    from engine.training import train

    experiment = load_preset(preset).with_training(epochs=epochs)
    if dataset_options:
        experiment = experiment.with_dataset(experiment.dataset.with_options(**dataset_options))
    if every_step:
        first = experiment.model.layers[0]
        experiment = experiment.with_model(experiment.model.with_layer(0, first.with_params(output="all")))
    wanted = {"filters": False, "feature_maps": False, "hidden_states": False, "min_interval": 0.0, "budget": 1.0}
    names = {f.name for f in dataclasses.fields(ProbeSettings)}
    settings = ProbeSettings(**{k: v for k, v in wanted.items() if k in names})
    run, snapshots, predictions = None, [], []
    for event in train(experiment, probes=settings):
        if isinstance(event, RunStarted):
            run = event
        elif isinstance(event, Snapshot):
            snapshots.append(event)
        elif isinstance(event, Predictions):
            predictions.append(event)
    if run.sample_inputs is None or not predictions:
        pytest.skip("the engine does not send Predictions yet")
    return experiment, run, snapshots, predictions


@pytest.fixture(scope="module")
def digits_run():
    return real_run("digits_cnn")


def make_view(qtbot, cls, run):
    view = cls()
    qtbot.addWidget(view)
    view.resize(640, 560)
    view.show()
    view.set_run(run)
    return view


# --- predictions strip ------------------------------------------------------------------
def test_strip_shows_a_page_of_thumbnails_and_marks_mistakes(qtbot, digits_run):
    _, run, _, predictions = digits_run
    view = make_view(qtbot, PredictionsView, run)
    last = predictions[-1]
    view.show_predictions(last)
    assert view.mode == "strip"
    strip = view.thumbnails
    page = view.page_size()
    assert 12 <= page == len(strip.indices)  # as many as fit a 640×560 view
    assert sum(text.isVisible() for text in strip.caption_items) == page
    wrong = last.predicted != run.sample_targets
    assert np.array_equal(strip.mistakes, wrong[strip.indices])
    # The picture is one tiled image, and a mistaken sample's cell is tinted (not white).
    assert strip.image_item.image.ndim == 3
    assert "Accuracy on" in view.caption.text()

    view.mistakes_only.setChecked(True)
    assert strip.mistakes.all() and np.array_equal(strip.indices, np.nonzero(wrong)[0][:page])
    view.mistakes_only.setChecked(False)
    view.next_page()
    assert view.page == 1 and strip.indices[0] == page
    assert view.page_label.text() == f"page 2 of {-(-len(run.sample_targets) // page)}"


def test_strip_in_a_wide_low_view_keeps_every_caption_clear_of_the_others_and_the_tiles(qtbot, digits_run):
    _, run, _, predictions = digits_run
    view = make_view(qtbot, PredictionsView, run)
    view.show_predictions(predictions[-1])
    tall_page = view.page_size()
    view.resize(820, 260)
    qtbot.waitUntil(lambda: view.page_size() != tall_page)
    strip = view.thumbnails
    qtbot.waitUntil(lambda: len(strip.indices) == view.page_size())
    assert strip.grid.columns > 2 * strip.grid.rows  # a wide, low strip gets a wide, low grid
    assert view.page_label.text().endswith(f"of {-(-len(run.sample_targets) // view.page_size())}")

    def caption_boxes():
        return [text.sceneBoundingRect() for text in strip.caption_items[:len(strip.indices)]]

    # Under load the captions can be laid out a few events after the cells.
    qtbot.waitUntil(lambda: all(strip.cell_rect(i).adjusted(-1, -1, 1, 1).contains(box)
                                for i, box in enumerate(caption_boxes())), timeout=5_000)
    boxes = caption_boxes()
    for i, box in enumerate(boxes):
        assert strip.cell_rect(i).adjusted(-1, -1, 1, 1).contains(box)
        assert not box.intersects(strip.cell_rect(i, tile_only=True))
        assert not any(box.intersects(other) for other in boxes[i + 1:])


def test_grid_for_a_wide_low_box_has_more_columns_than_rows():
    grid = grid_for(24, 800, 200, (8, 8), (60, 16))
    assert grid.columns * grid.rows >= 24 and grid.columns >= 8
    assert grid.columns * grid.cell_width <= 800 and grid.rows * grid.cell_height <= 200
    tall = grid_for(24, 200, 800, (8, 8), (60, 16))
    assert tall.columns < tall.rows


def test_thumbnails_show_fewer_samples_in_a_smaller_widget(qtbot, digits_run):
    _, run, _, _ = digits_run
    strip = SampleThumbnails()
    qtbot.addWidget(strip)
    strip.resize(800, 400)
    big = strip.capacity(run.sample_inputs, "image", ["9 ✗ 100% (9)"])
    strip.resize(300, 200)
    small = strip.capacity(run.sample_inputs, "image", ["9 ✗ 100% (9)"])
    assert 1 <= small < big


def test_strip_caption_names_prediction_truth_and_confidence(qtbot):
    run = hand_run()
    view = make_view(qtbot, PredictionsView, run)
    view.show_predictions(Predictions(5, 1, np.array([0, 2, 2, 1]), np.array([0.9, 0.6, 0.8, 0.97]), None))
    assert view.thumbnails.captions[1] == "c ✗ 60% (b)"
    assert view.thumbnails.captions[0] == "a ✓ 90%"
    assert view.thumbnails.details[1] == "sample #1: predicted c (60% sure), true b"
    assert view.thumbnails.mistakes.tolist() == [False, True, False, False]
    assert "75.0%" in view.caption.text()


# --- confusion matrix -------------------------------------------------------------------
def test_confusion_cells_sum_to_samples_and_click_finds_them(qtbot, digits_run):
    _, run, _, predictions = digits_run
    view = make_view(qtbot, ConfusionMatrix, run)
    assert view.applies_to(run)
    last = predictions[-1]
    view.show_predictions(last)
    assert view.shown_matrix.sum() == len(run.sample_targets)
    assert len(view.cell_labels.texts) == 100  # counts written in a 10×10 matrix
    assert view.cell_labels.text_at(3, 3) == str(int(last.confusion[3, 3]))
    targets, predicted = run.sample_targets, last.predicted
    wrong = predicted != targets
    for row, col in [(3, 3), *zip(targets[wrong][:3], predicted[wrong][:3], strict=True)]:
        expected = np.nonzero((targets == row) & (predicted == col))[0].tolist()
        assert view.samples_for_cell(int(row), int(col)) == expected
        assert view.click_cell(int(row), int(col)) == expected
        assert view.gallery.indices.tolist() == expected[:len(view.gallery.indices)]
        assert view.gallery_caption.text().startswith(f"true {row} → predicted {col}: {len(expected)} samples")

    view.normalise_rows.setChecked(True)
    assert np.allclose(view.shown_matrix.sum(axis=1)[last.confusion.sum(axis=1) > 0], 1.0)


def test_confusion_counts_are_painted_in_their_cells(qtbot, digits_run):
    """The numbers are one painted item: they must still appear, white on the dark
    diagonal and dark on the light cells."""
    _, run, _, predictions = digits_run
    view = make_view(qtbot, ConfusionMatrix, run)
    view.resize(700, 600)
    view.show_predictions(predictions[-1])
    counts = predictions[-1].confusion

    def ink_in_cell(row: int, col: int) -> tuple[int, int]:
        picture = view.graphics.grab().toImage()
        rect = view.image_item.mapRectToScene(QRectF(col, row, 1, 1))
        rect = view.graphics.mapFromScene(rect).boundingRect()
        dark = light = 0
        for x in range(rect.left() + 2, rect.right() - 1):
            for y in range(rect.top() + 2, rect.bottom() - 1):
                value = QColor(picture.pixel(x, y)).lightness()
                dark += value < 90
                light += value > 200
        return dark, light

    empty = next((r, c) for r in range(10) for c in range(10) if counts[r, c] == 0)
    assert ink_in_cell(*empty)[0] > 3  # a dark "0" on a white cell
    top = np.unravel_index(int(np.argmax(counts)), counts.shape)
    assert ink_in_cell(*top)[1] > 3  # a white count on the darkest cell
    view.cell_labels.set_cells([], np.zeros(0, bool), 0)
    assert ink_in_cell(*empty)[0] == 0  # without the labels the empty cell is blank


def test_confusion_in_a_wide_low_view_puts_the_gallery_beside_a_square_matrix(qtbot, digits_run):
    from PySide6.QtCore import Qt

    _, run, _, predictions = digits_run
    view = make_view(qtbot, ConfusionMatrix, run)
    view.resize(820, 380)
    last = predictions[-1]
    view.show_predictions(last)
    qtbot.waitUntil(lambda: view.splitter.orientation() == Qt.Orientation.Horizontal)
    matrix_box = view.plot.getViewBox().sceneBoundingRect()
    assert matrix_box.height() > 150 and 0.6 < matrix_box.width() / matrix_box.height() < 1.7
    # The most frequent confusion is shown at once.
    off = last.confusion - np.diag(np.diag(last.confusion))
    if off.max() > 0:
        row, col = np.unravel_index(int(np.argmax(off)), off.shape)
        assert view.selected == (row, col) and len(view.gallery.indices) > 0
    view.resize(420, 800)
    qtbot.waitUntil(lambda: view.splitter.orientation() == Qt.Orientation.Vertical)


def test_confusion_for_per_step_text_counts_steps(qtbot):
    run = hand_run(per_step=True)
    predicted = np.array([[0, 1, 2], [2, 2, 2]])
    confusion = np.zeros((3, 3), np.int64)
    scored = run.sample_targets != -100
    np.add.at(confusion, (run.sample_targets[scored], predicted[scored]), 1)
    view = make_view(qtbot, ConfusionMatrix, run)
    view.show_predictions(Predictions(9, 1, predicted, np.ones((2, 3)), confusion))
    assert view.samples_for_cell(0, 2) == [1]  # only the second sequence has a true-0 step predicted 2
    assert view.click_cell(2, 2) == [0, 1]
    assert "2 samples with such a step" in view.gallery_caption.text()


def test_confusion_applies_to_classification_only(qtbot):
    view = ConfusionMatrix()
    qtbot.addWidget(view)
    assert not view.applies_to(dataclasses.replace(hand_run(), task="regression"))


# --- regression ---------------------------------------------------------------------------
def test_regression_shows_prediction_against_target(qtbot):
    _, run, _, predictions = real_run("sine_gru")
    view = make_view(qtbot, PredictionsView, run)
    last = predictions[-1]
    view.show_predictions(last)
    assert view.mode == "scatter"
    x, y = view.scatter.getData()
    assert np.allclose(x, run.sample_targets.ravel()) and np.allclose(y, last.predicted.ravel())
    line_x, line_y = view.identity_line.getData()
    assert np.array_equal(line_x, line_y)  # the y = x line
    assert view.caption.text().startswith(f"MSE on {len(run.sample_targets)} validation samples")


def test_forecast_every_step_shows_predicted_and_target_curves(qtbot):
    _, run, _, predictions = real_run("sine_gru", every_step=True, target="every_step")
    view = make_view(qtbot, PredictionsView, run)
    view.show_predictions(predictions[-1])
    assert view.mode == "curves"
    _, target = view.target_curves[0].getData()
    _, predicted = view.predicted_curves[0].getData()
    assert np.allclose(target, run.sample_targets[0, :, 0])
    assert np.allclose(predicted, predictions[-1].predicted[0, :, 0])


def test_per_step_classification_writes_symbols_with_mistakes(qtbot):
    run = hand_run(per_step=True)
    view = make_view(qtbot, PredictionsView, run)
    view.show_predictions(Predictions(9, 1, np.array([[0, 1, 2], [2, 2, 2]]), None, None))
    assert view.mode == "steps"
    text = view.steps_text.toPlainText()
    assert "#0" in text and "2 of 2 scored steps right" in text and "1 of 3 scored steps right" in text


def test_short_step_by_step_blocks_sit_side_by_side_in_a_wide_view(qtbot):
    run = hand_run(per_step=True)
    run = dataclasses.replace(run, sample_inputs=np.tile(run.sample_inputs, (20, 1)),
                              sample_targets=np.tile(run.sample_targets, (20, 1)))
    view = make_view(qtbot, PredictionsView, run)
    view.resize(900, 300)
    predicted = np.tile(np.array([[0, 1, 2], [2, 2, 2]]), (20, 1))
    view.show_predictions(Predictions(9, 1, predicted, None, None))
    qtbot.waitUntil(lambda: view._steps_grid()[0] > 1)
    qtbot.waitUntil(lambda: len(view.shown_indices) == view.page_size())
    columns, rows = view._steps_grid()
    assert len(view.shown_indices) == columns * rows < 40
    table = view.steps_text.document().rootFrame().childFrames()[0]
    assert table.columns() == columns


# --- weight histograms --------------------------------------------------------------------
def synthetic_snapshot(step: int, spread: float) -> Snapshot:
    values = np.random.default_rng(step).normal(0, spread, 500)
    counts, edges = np.histogram(values, bins=20)
    weights = Histogram(edges, counts, np.quantile(values, QUANTILES))
    grads = Histogram(edges / 1000, counts, np.quantile(values / 1000, QUANTILES))
    return Snapshot(step, 1, weight_histograms={0: weights, 2: weights}, grad_histograms={0: grads})


def test_histograms_accumulate_one_point_per_snapshot(qtbot):
    view = make_view(qtbot, WeightHistograms, hand_run())
    for step in range(1, 6):
        view.show_snapshot(synthetic_snapshot(step * 10, 0.1 * step))
    assert view.points() == 5
    steps, median = view.median_curve.getData()
    assert steps.tolist() == [10, 20, 30, 40, 50]
    low, high = view.quantile_curves[0].getData()[1], view.quantile_curves[6].getData()[1]
    assert (high - low)[-1] > (high - low)[0]  # the weights spread out
    assert [view.layer_picker.itemData(i) for i in range(view.layer_picker.count())] == [0, 2]
    view.show_snapshot(synthetic_snapshot(20, 0.2))  # scrubbing back adds no point
    assert view.points() == 5
    view.set_frozen(True)
    view.show_snapshot(synthetic_snapshot(60, 0.6))  # frozen: the history still grows, the picture waits
    assert view.points() == 6 and len(view.median_curve.getData()[0]) == 5

    view.set_frozen(False)
    view.select(kind="gradients")
    assert view.symlog_box.isChecked() and "symlog" in view.histogram_plot.getAxis("bottom").labelText
    assert view.points() == 6
    # Gradients a thousand times smaller than the weights still fill the axis: it is logarithmic.
    spread = view.quantile_curves[5].getData()[1] - view.quantile_curves[1].getData()[1]
    assert spread.min() > 0.5


def test_a_snapshot_without_histograms_shows_the_latest_measured(qtbot):
    """Histograms come in some snapshots only (their own, slower clock): the
    ones between show the latest measured before them, and say which step."""
    view = make_view(qtbot, WeightHistograms, hand_run())
    view.show_snapshot(synthetic_snapshot(10, 0.1))
    view.show_snapshot(synthetic_snapshot(20, 0.2))
    view.show_snapshot(Snapshot(25, 1))  # between two histograms
    _, counts = view.histogram_curve.getData()
    assert counts is not None and counts.sum() == 500
    assert "step 20, the latest measured by step 25" in view.caption.text()
    assert view.points() == 2  # no point for a snapshot that measured nothing
    assert view.export_data()["bin_left_right_count"][:, 2].sum() == 500
    view.show_snapshot(synthetic_snapshot(30, 0.3))
    assert "step 30;" in view.caption.text()


def test_histogram_legend_sits_above_the_plots_which_go_side_by_side_when_wide(qtbot):
    view = make_view(qtbot, WeightHistograms, hand_run())
    view.resize(820, 380)
    for step in range(1, 4):
        view.show_snapshot(synthetic_snapshot(step * 10, 0.1 * step))
    qtbot.waitUntil(lambda: view.side_by_side)
    legend = view.legend.sceneBoundingRect()
    plots = [plot.getViewBox().sceneBoundingRect() for plot in (view.histogram_plot, view.distribution_plot)]
    assert all(not legend.intersects(box) and box.height() > 150 for box in plots)
    assert plots[0].right() < plots[1].left()
    view.resize(500, 800)
    qtbot.waitUntil(lambda: view.side_by_side is False)


def test_histograms_real_run_and_history_bound(qtbot, digits_run):
    experiment, run, snapshots, _ = digits_run
    with_histograms = [s for s in snapshots if s.weight_histograms]
    if not with_histograms:
        pytest.skip("the engine does not send histograms yet")
    view = make_view(qtbot, WeightHistograms, run)
    view.set_experiment(experiment)
    for snapshot in snapshots:
        view.show_snapshot(snapshot)
    assert view.points() == len({s.step for s in with_histograms})
    x, counts = view.histogram_curve.getData()
    assert counts.sum() > 0
    assert view.layer_picker.currentText().startswith(f"{view.layer + 1}: ")  # counted from 1, as the model stack
    assert HISTORY >= 1000


# --- exports ------------------------------------------------------------------------------
def test_exports_write_pictures_and_data(qtbot, tmp_path, digits_run):
    _, run, _, predictions = digits_run
    strip = make_view(qtbot, PredictionsView, run)
    matrix = make_view(qtbot, ConfusionMatrix, run)
    for view in (strip, matrix):
        assert view.export_data() == {}
        view.show_predictions(predictions[-1])
        png = view.export_image(tmp_path / f"{view.objectName()}.png")
        svg = view.export_image(tmp_path / f"{view.objectName()}.svg")
        assert png.stat().st_size > 1000 and svg.stat().st_size > 1000
    table = np.loadtxt(strip.export_data_to(tmp_path / "strip.csv"), delimiter=",")
    assert table.shape == (len(run.sample_targets), 4)
    assert np.array_equal(table[:, 2], predictions[-1].predicted)
    counts = np.loadtxt(matrix.export_data_to(tmp_path / "confusion.csv"), delimiter=",")
    assert counts.sum() == len(run.sample_targets)

    histograms = make_view(qtbot, WeightHistograms, hand_run())
    for step in (1, 2, 3):
        histograms.show_snapshot(synthetic_snapshot(step, 1.0))
    data = np.load(histograms.export_data_to(tmp_path / "hist.npz"))
    assert data["step_and_quantiles_0_5_25_50_75_95_100"].shape == (3, 1 + len(QUANTILES))
    assert data["bin_left_right_count"].shape == (20, 3)


# --- hand-built runs ----------------------------------------------------------------------
def hand_run(per_step: bool = False) -> RunStarted:
    """Four 4×4 images of classes a, b, c — or two token sequences of three steps."""
    from engine.datasets.base import DataInfo

    if per_step:
        info = DataInfo("tokens", (3,), "classification", True, 3, 3, ("a", "b", "c"))
        inputs, targets = np.array([[0, 1, 2], [1, 2, 0]]), np.array([[-100, 1, 2], [0, 2, 1]])
        return RunStarted("cpu", 10, 1, 1, 2, 2, "classification", "accuracy", 1 / 3, inputs, targets,
                          info, "abc", inputs, targets)
    info = DataInfo("image", (1, 4, 4), "classification", False, 3, class_names=("a", "b", "c"))
    inputs = np.random.default_rng(0).random((4, 1, 4, 4)).astype(np.float32)
    targets = np.array([0, 1, 2, 1])
    return RunStarted("cpu", 10, 1, 1, 4, 4, "classification", "accuracy", 1 / 3, inputs, targets,
                      info, None, inputs, targets)
