"""The loss and accuracy plots as a run fills them (issue #16, item 10)."""

from __future__ import annotations

import numpy as np

from gui.training.curves import LossCurves


def run_once(qtbot, curves: LossCurves, loss: float) -> float:
    """What the window does for one run: reset before start, reset on RunStarted, steps."""
    curves.reset(metric="accuracy")
    curves.reset(steps_per_epoch=10, metric="accuracy", total_steps=100)
    curves.append_steps(np.arange(1, 21), np.full(20, loss))
    qtbot.wait(10)
    return curves.loss_plot.vb.viewRange()[1][1]


def test_every_run_fits_the_loss_axis_not_only_the_first(qtbot):
    # The second of two runs of equal length kept the loss axis at 0–1 under an
    # LSTM's loss of 1.39: the whole curve was drawn above the plot.
    curves = LossCurves()
    qtbot.addWidget(curves)
    curves.show()
    for run in range(3):
        assert run_once(qtbot, curves, 1.39) >= 1.39, f"run {run + 1}"


def test_legends_sit_in_the_title_row_above_the_curves(qtbot):
    curves = LossCurves()
    qtbot.addWidget(curves)
    curves.resize(700, 420)
    curves.show()
    qtbot.wait(20)
    for plot in (curves.loss_plot, curves.metric_plot):
        legend = plot.legend.sceneBoundingRect()
        data = plot.vb.sceneBoundingRect()
        assert legend.bottom() <= data.top() + 2, (legend, data)
    for i in range(5):  # overlaid runs add lines: the title row grows, the legend stays out
        curves.loss_plot.legend.addItem(curves.loss_plot.plot([0, 1], [1, 0]), f"Digits CNN #{i + 1}")
    curves.fit_legends()
    qtbot.wait(20)
    assert curves.loss_plot.legend.sceneBoundingRect().bottom() <= curves.loss_plot.vb.sceneBoundingRect().top() + 2


def test_the_scrubbed_step_is_marked_on_both_plots(qtbot):
    curves = LossCurves()
    qtbot.addWidget(curves)
    curves.reset(steps_per_epoch=10, metric="accuracy", total_steps=100)
    curves.mark_step(50)
    assert all(mark.isVisible() and mark.value() == 50 for mark in curves.step_marks)
    curves.set_x_axis("epoch")
    assert all(mark.value() == 5 for mark in curves.step_marks)
    curves.reset(steps_per_epoch=10, metric="accuracy", total_steps=100)  # a new run: live again
    assert curves.marked_step is None and not any(mark.isVisible() for mark in curves.step_marks)


def test_the_curves_say_in_words_where_they_stand_and_which_way_they_go(qtbot):
    curves = LossCurves()
    qtbot.addWidget(curves)
    assert curves.describe() == "No run yet: press Train (F5)." == curves.accessibleDescription()
    assert curves.accessibleName() == "Loss and accuracy curves"
    curves.reset(steps_per_epoch=10, metric="accuracy", baseline=0.1, total_steps=50)
    curves.append_steps(np.arange(1, 31), np.linspace(2.0, 0.5, 30))
    for epoch, (loss, accuracy) in enumerate([(1.5, 0.5), (1.0, 0.7), (0.6, 0.9)], start=1):
        curves.add_epoch(10 * epoch, loss, accuracy, accuracy)
    text = curves.describe()
    assert text == ("Validation accuracy 90.0% at epoch 3 of 5, rising; validation loss 0.6, falling; "
                    "training loss 0.781 (smoothed) at step 30 of 50, falling (guessing scores 10.0%).")
    assert curves.accessibleDescription() == text  # set when the epoch came in
    curves.reset(metric="mse", total_steps=10)
    curves.add_epoch(5, 0.2, 0.03, 0.04)
    curves.add_epoch(10, 0.2, 0.03, 0.04)
    assert curves.describe().startswith("Validation mean squared error 0.04 at epoch 10 of 10, flat;")
