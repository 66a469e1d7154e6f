"""Reopened weights are visible (issue #16, item 2): open an experiment saved
with its weights and the live views show that model — the Filters view its
kernels, Draw its answers, Predictions and the confusion matrix its
predictions — where they said "Train a model to see this view". And what the
window shows belongs to the experiment in it (item 3): New and Open forget
the previous run's curves, progress and views."""

from __future__ import annotations

import numpy as np

from tests.gui.trained.test_trained_weights import same_weights, train_one_epoch


def test_open_shows_the_saved_weights_in_the_views_and_new_forgets_the_run(qtbot, window, dialogs, tmp_path):
    finished = train_one_epoch(qtbot, window)
    dialogs.save_path = str(tmp_path / "mine.json")
    window.window_actions.save.trigger()
    assert (tmp_path / "mine.weights.npz").is_file()
    filters = window.views.views["filters"]
    assert filters.layer_weights is not None  # the run's

    window.window_actions.new.trigger()
    assert window.views.shown_snapshot is None and filters.layer_weights is None
    assert "Train a model" in filters.caption.text()
    assert window.curves.train_loss.x.size == 0  # the curves are the new experiment's: none yet
    assert window.training_panel.progress.format() in ("", "Not started")

    dialogs.open_path = str(tmp_path / "mine.json")
    window.window_actions.open.trigger()
    assert same_weights(window.trained.weights.weights, finished.weights)
    qtbot.waitUntil(lambda: window.views.shown_snapshot is not None, timeout=30_000)
    snapshot = window.views.shown_snapshot
    np.testing.assert_array_equal(snapshot.filters[0], finished.weights["layers.0.weight"])
    qtbot.waitUntil(lambda: filters.layer_weights is not None, timeout=10_000)
    np.testing.assert_array_equal(filters.layer_weights, finished.weights["layers.0.weight"])
    assert window.inspector.ready  # Draw runs the loaded model on a drawing
    assert window.loaded_views.shown_source == "mine.weights.npz"
    assert "mine.weights.npz" in window.statusBar().currentMessage()
    assert window.views.timeline.readout.text().startswith("Trained weights from mine.weights.npz")

    # A run takes the views over; its own snapshots replace the loaded ones.
    train_one_epoch(qtbot, window)
    assert window.loaded_views.shown_source == ""
    assert window.views.shown_snapshot.step > 0
