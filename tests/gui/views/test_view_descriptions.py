"""What the curves and the live views show, in words (describe(), the
accessible description, Copy as text), before and after a short real run."""

from __future__ import annotations

import re

import pyqtgraph as pg
from PySide6.QtWidgets import QApplication

from engine.presets import PRESETS_DIR
from gui.common.described import NO_RUN
from tests.gui.conftest import open_window
from tests.gui.views.test_views_in_window import bring_forward


def train_one_epoch(qtbot, window):
    window.training_panel.set_value("epochs", 1)
    with qtbot.waitSignal(window.runner.finished, timeout=120_000):
        window.train()
    assert window.runner.outcome == "finished"


def described(widget) -> str:
    """describe(), checked to be what a screen reader is given too."""
    text = widget.describe()
    assert widget.accessibleDescription() == text
    assert widget.accessibleName()
    return text


def test_cnn_descriptions_before_and_after_a_run_and_copy_as_text(qtbot):
    window = open_window(qtbot, str(PRESETS_DIR / "digits_cnn.json"))
    assert described(window.curves) == NO_RUN
    for name, view in window.views.views.items():
        assert described(view) == NO_RUN, name

    train_one_epoch(qtbot, window)
    curves = described(window.curves)
    # One epoch: one validation point, no trend yet; the training loss has one.
    assert re.match(r"Validation accuracy \d+\.\d% at epoch 1 of 1; validation loss [\d.]+; training loss "
                    r"[\d.]+ \(smoothed\) at step \d+ of \d+, (rising|falling|flat)", curves), curves
    assert "guessing scores 10.0%" in curves

    filters = bring_forward(qtbot, window, "filters")
    text = described(filters)
    assert re.search(r"^Filters: \d+ filters of 3×3 in layer 1 \(Conv2d, 1 input channel\) at step \d+; "
                     r"weights from -?\d", text), text
    maps = bring_forward(qtbot, window, "feature_maps")
    assert "activations from" in described(maps) and "hover" not in described(maps).lower()
    confusion = bring_forward(qtbot, window, "confusion")
    text = described(confusion)
    assert "validation samples" in text and "on the diagonal" in text and "Click" not in text
    predictions = bring_forward(qtbot, window, "predictions")
    assert re.search(r"^Predictions: \d+ of \d+ validation samples right \(\d+\.\d% accuracy\) after epoch 1",
                     described(predictions)), predictions.describe()
    for name, view in window.views.views.items():
        text = view.describe()
        assert text and text != NO_RUN, name
        assert text.startswith(view.title) or not view.applies_to(view.run), (name, text)

    # Edit ▸ Copy View as Text: the view with the focus…
    filters = bring_forward(qtbot, window, "filters")
    filters.freeze_button.setFocus()
    window.window_actions.copy_view_text.trigger()
    assert QApplication.clipboard().text() == filters.describe()
    assert window.statusBar().currentMessage().startswith("Copied to the clipboard: Filters:")
    # …else the live view in front.
    window.model_stack.view.setFocus()
    window.window_actions.copy_view_text.trigger()
    assert QApplication.clipboard().text() == filters.describe()
    # The context menus, the view's own and its plots', have "Copy as text".
    assert filters.copy_text_action in filters.actions()
    scene = filters.findChildren(pg.GraphicsView)[0].scene()
    assert filters.copy_text_action in scene.contextMenu
    QApplication.clipboard().clear()
    window.curves.copy_text_action.trigger()
    assert QApplication.clipboard().text() == window.curves.describe()


def test_rnn_views_describe_their_states_gates_and_gradient(qtbot):
    window = open_window(qtbot, str(PRESETS_DIR / "digits_gru_rows.json"))
    train_one_epoch(qtbot, window)
    trajectories = described(bring_forward(qtbot, window, "trajectories"))
    assert re.search(r"probe sequences of \d+ steps, \d+ units; plotted on their first two principal "
                     r"components, which explain \d+% and \d+% of the variance", trajectories)
    hidden = described(bring_forward(qtbot, window, "hidden_heatmap"))
    assert "Hidden units range from" in hidden and "most active is unit" in hidden
    gates = described(bring_forward(qtbot, window, "gates"))
    assert re.search(r"mean gate values over units and time: reset 0\.\d+, update 0\.\d+", gates), gates
    gradient = described(bring_forward(qtbot, window, "gradient_time"))
    assert "the gradient reaching step 0 is" in gradient
    filters = bring_forward(qtbot, window, "filters")
    assert described(filters) == "Filters: this model has no convolution layers."
