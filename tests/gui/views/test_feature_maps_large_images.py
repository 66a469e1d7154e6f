"""Feature maps after a run on 28×28 images at the default window size
(issue #16, item 9): the colour bar's labels were cut off (three one-line
block titles made the layout wider than the dock), and the view switched
itself to "drawn input" with an empty canvas, because resizing the canvas
for the new image size counted as the user drawing."""

from __future__ import annotations

from engine.presets import preset_path
from tests.gui.conftest import open_window


def test_large_maps_fit_the_dock_and_keep_a_validation_sample(qtbot):
    window = open_window(qtbot, str(preset_path("shapes_cnn")))
    window.resize(1500, 940)
    dataset = window.document.experiment.dataset
    window.document.set(window.document.experiment.with_dataset(
        type(dataset)(dataset.name, {**dataset.options, "size": 28})), "Change size")
    window.training_panel.set_value("epochs", 1)
    with qtbot.waitSignal(window.runner.finished, timeout=120_000):
        window.train_action.trigger()
    view = window.views.views["feature_maps"]
    window.docks["feature_maps"].raise_()
    qtbot.waitUntil(lambda: view.on_screen() and view.block_count() == 3, timeout=10_000)
    qtbot.wait(100)
    assert view.input_picker.currentText().startswith("sample 0")
    bar = view.blocks_bar.sceneBoundingRect()
    assert bar.right() <= view.canvas.width() + 1, (bar, view.canvas.width())
