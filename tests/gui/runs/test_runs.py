"""The Runs dock: every run of the session kept (finished, stopped, failed),
its numbers in the table, its curves overlaid on request, rename, delete,
metrics CSV and "Show experiment"."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QMessageBox

from gui.runs.runs_model import BEST, DATASET, DEVICE, EPOCH_SECONDS, MODEL, NAME, OUTCOME, PARAMS, SHOW, SPEED


def train(qtbot, window, epochs: int) -> object:
    """One real run to its end; the record the Runs dock got for it."""
    before = len(window.run_history)
    window.training_panel.set_value("epochs", epochs)
    with qtbot.waitSignal(window.runner.finished, timeout=60_000):
        window.train_action.trigger()
    assert len(window.run_history) == before + 1
    return window.run_history.records[-1]


def cell(window, row: int, column: int, role=Qt.ItemDataRole.DisplayRole):
    table = window.runs_table
    return table.proxy.data(table.proxy.index(row, column), role)


def overlay_items(window) -> list:
    """The plot items that are not the live run's own curves."""
    curves = window.curves
    own = {curves.train_raw_curve, curves.train_loss_curve, curves.val_loss_curve,
           curves.train_metric_curve, curves.val_metric_curve}
    return [item for plot in (curves.loss_plot, curves.metric_plot)
            for item in plot.listDataItems() if item not in own]


def legend_names(plot) -> list[str]:
    return [label.text for _, label in plot.legend.items]


@pytest.fixture
def two_runs(qtbot, window):
    first = train(qtbot, window, 1)
    second = train(qtbot, window, 2)
    return window, first, second


def test_two_runs_make_two_rows_with_their_numbers(two_runs):
    window, first, second = two_runs
    name = window.document.experiment.name
    assert [first.name, second.name] == [f"{name} #1", f"{name} #2"]
    assert window.runs_table.proxy.rowCount() == 2
    run = window.runner.run_info  # the second run's
    assert (len(first.epochs), len(second.epochs)) == (1, 2)
    assert second.params == run.params and second.device == run.device
    assert second.experiment == window.document.experiment
    best = max(e.val_metric for e in second.epochs)
    assert second.best_val_metric == best and 0 < best <= 1
    assert second.seconds_per_epoch == pytest.approx(np.mean([e.seconds for e in second.epochs]))
    assert second.samples_per_second == second.summary["samples_per_second"] > 0
    assert second.outcome == "finished" and second.weights is not None
    assert len(second.steps) == run.total_steps and np.isfinite(second.smoothed_losses).all()

    assert cell(window, 1, NAME) == second.name
    assert cell(window, 1, MODEL).startswith("CNN: Conv2d 16")
    assert cell(window, 1, DATASET) == "digits"
    assert cell(window, 1, PARAMS) == f"{run.params:,}"
    assert cell(window, 1, BEST) == f"{best:.1%} acc."
    assert cell(window, 1, EPOCH_SECONDS) == f"{second.seconds_per_epoch:.2f}"
    assert cell(window, 1, SPEED) == f"{second.samples_per_second:,.0f}"
    assert cell(window, 1, DEVICE) == run.device
    assert cell(window, 1, OUTCOME) == "finished"
    assert window.runs_table.model.headerData(BEST, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)

    # Sorting by a column orders the runs by its number, not its text.
    window.runs_table.view.sortByColumn(PARAMS, Qt.SortOrder.DescendingOrder)
    window.runs_table.view.sortByColumn(EPOCH_SECONDS, Qt.SortOrder.AscendingOrder)
    shown = [cell(window, row, NAME) for row in range(2)]
    by_speed = sorted((first, second), key=lambda r: r.seconds_per_epoch)
    assert shown == [r.name for r in by_speed]


def test_export_metrics_csv_has_the_command_lines_columns(two_runs, dialogs, tmp_path):
    window, _, second = two_runs
    table = window.runs_table
    table.select(second)
    dialogs.save_path = str(tmp_path / "second run.csv")
    table.export_action.trigger()
    with open(dialogs.save_path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "step", "train_loss", "train_accuracy", "val_loss", "val_accuracy",
                       "seconds", "samples_per_second"]
    assert [int(r[0]) for r in rows[1:]] == [1, 2]
    assert [float(r[5]) for r in rows[1:]] == pytest.approx([e.val_metric for e in second.epochs], rel=1e-5)

    dialogs.save_path = str(tmp_path / "missing folder" / "x.csv")  # a file-system problem is a message
    table.export_action.trigger()
    title, text = window.messages[-1]
    assert title == "Could not export the metrics" and "missing folder" in text


def test_overlay_checkbox_draws_and_removes_a_runs_curves(two_runs):
    window, first, second = two_runs
    curves = window.curves
    assert overlay_items(window) == []
    table = window.runs_table
    table.proxy.setData(table.proxy.index(0, SHOW), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert first.overlaid and cell(window, 0, SHOW, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    loss, metric = window.curves.overlays.items[first.id]
    assert set(overlay_items(window)) == {loss, metric}
    x, y = metric.getData()
    assert list(x) == [e.step for e in first.epochs]
    assert list(y) == pytest.approx([100 * e.val_metric for e in first.epochs])
    x, y = loss.getData()
    assert x[-1] == first.steps[-1] and np.allclose(y, first.smoothed_losses)
    # Told apart from the live curves (training solid, validation dashed) without colour.
    assert loss.opts["pen"].style() not in (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine)
    assert curves.val_loss_curve.opts["pen"].style() == Qt.PenStyle.DashLine
    assert first.name in legend_names(curves.loss_plot) and first.name in legend_names(curves.metric_plot)
    # The live run's own curves are untouched.
    assert len(curves.val_metric_curve.getData()[0]) == 2

    curves.set_x_axis("epoch")  # overlays follow the x axis
    assert list(metric.getData()[0]) == [1.0]

    table.proxy.setData(table.proxy.index(0, SHOW), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert overlay_items(window) == [] and first.name not in legend_names(curves.loss_plot)


def test_rename_and_delete(two_runs, qtbot, dialogs):
    window, first, second = two_runs
    table = window.runs_table
    window.run_history.set_overlaid(first, True)
    assert table.proxy.setData(table.proxy.index(0, NAME), "  baseline  ")
    assert first.name == "baseline" and cell(window, 0, NAME) == "baseline"
    assert "baseline" in legend_names(window.curves.loss_plot)
    assert not table.proxy.setData(table.proxy.index(0, NAME), "   ")  # an empty name is refused
    assert first.name == "baseline"

    window.docks["runs"].raise_()
    qtbot.waitUntil(table.view.isVisible)
    table.select(first)
    qtbot.keyClick(table.view, Qt.Key.Key_F2)  # F2 edits the name, whichever cell is current
    assert table.view.state() == QAbstractItemView.State.EditingState
    editor = table.view.viewport().findChild(QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, "first try")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: first.name == "first try")  # the delegate commits on the next event loop turn

    layers = window.document.experiment.model.layers
    dialogs.answer = QMessageBox.StandardButton.Cancel
    qtbot.keyClick(table.view, Qt.Key.Key_Delete)
    assert dialogs.questions and "first try" in dialogs.questions[-1]
    assert len(window.run_history) == 2
    dialogs.answer = QMessageBox.StandardButton.Yes
    qtbot.keyClick(table.view, Qt.Key.Key_Delete)
    assert window.run_history.records == [second] and table.proxy.rowCount() == 1
    assert overlay_items(window) == [] and "first try" not in legend_names(window.curves.loss_plot)
    # Del in the table deleted a run, not a layer of the model.
    assert window.document.experiment.model.layers == layers


def test_show_experiment_puts_the_runs_spec_in_the_editor_undoably(two_runs):
    window, first, _ = two_runs
    document = window.document
    window.training_panel.set_value("epochs", 7)
    edited = document.experiment
    window.runs_table.select(first)
    window.runs_table.show_action.trigger()
    assert document.experiment == first.experiment and first.experiment.training.epochs == 1
    document.undo_stack.undo()
    assert document.experiment == edited


def test_stopped_and_failed_runs_are_kept_with_their_outcome(qtbot, window):
    from engine.devices import device_availability

    window.training_panel.set_value("epochs", 30)
    window.train_action.trigger()
    qtbot.waitUntil(lambda: window.runner.step_count >= 3, timeout=30_000)
    with qtbot.waitSignal(window.runner.finished, timeout=10_000):
        window.stop_action.trigger()
    stopped = window.run_history.records[-1]
    assert stopped.outcome == "stopped" and len(stopped.steps) >= 3
    assert stopped.params == window.runner.run_info.params

    missing = next(name for name in ("mps", "cuda") if not device_availability()[name][0])
    window.document.set(window.document.experiment.with_training(device=missing))
    failed = train(qtbot, window, 1)
    assert failed.outcome == "failed" and f"{missing} is not available" in failed.message
    assert failed.epochs == [] and failed.summary is None
    assert cell(window, 1, OUTCOME) == "failed" and cell(window, 1, BEST) == "—"
    assert failed.message in cell(window, 1, OUTCOME, Qt.ItemDataRole.ToolTipRole)
    assert failed.name.endswith("#2")


# ---------------------------------------------------------------- groups of seeds


def fake_run(history, experiment, seed: int, finals: list[float], outcome: str = "finished"):
    """A finished run of ``experiment`` at ``seed`` whose validation accuracy
    goes through ``finals``, epoch by epoch (10 steps an epoch)."""
    from engine.events import EpochDone

    record = history.new_record(experiment.with_training(seed=seed))
    record.params, record.metric, record.steps_per_epoch, record.outcome = 1234, "accuracy", 10, outcome
    record.epochs = [EpochDone(i + 1, 10 * (i + 1), 1.0, v, 1.0, v, 0.5 + seed, 1000.0) for i, v in enumerate(finals)]
    record.steps = np.arange(1, 10 * len(finals) + 1, dtype=float)
    record.smoothed_losses = np.linspace(2.0, 1.0 - 0.1 * seed, len(record.steps))
    record.samples_per_second = 1000.0
    history.add(record)
    return record


@pytest.fixture
def seeded(window):
    history = window.run_history
    exp = window.document.experiment
    runs = [fake_run(history, exp, s, f) for s, f in ((0, [0.5, 0.9]), (1, [0.6, 0.8]), (2, [0.4, 0.95]))]
    other = fake_run(history, exp.with_training(epochs=99), 0, [0.3])
    return window, runs, other


def test_runs_that_differ_only_in_their_seed_form_one_expandable_row(seeded):
    window, runs, other = seeded
    table = window.runs_table
    assert table.proxy.rowCount() == 2  # the group and the other experiment's run
    name = window.document.experiment.name
    assert cell(window, 0, NAME) == f"{name} × 3 seeds"
    group_index = table.proxy.index(0, NAME)
    assert table.proxy.rowCount(group_index) == 3
    assert [table.proxy.data(table.proxy.index(r, NAME, group_index)) for r in range(3)] == [r.name for r in runs]
    assert cell(window, 0, BEST) == "88.3% (80.0–95.0%) acc."
    assert cell(window, 0, OUTCOME) == "3 finished" and cell(window, 0, PARAMS) == "1,234"
    assert cell(window, 0, EPOCH_SECONDS) == "1.50"
    tip = cell(window, 0, NAME, Qt.ItemDataRole.ToolTipRole)
    assert "seed 0: 90.0% (finished)" in tip and "seed 2: 95.0%" in tip
    assert cell(window, 1, NAME) == other.name and cell(window, 1, BEST) == "30.0% acc."

    # Sorting by Best val. orders the group by its mean.
    table.view.sortByColumn(BEST, Qt.SortOrder.AscendingOrder)
    assert cell(window, 0, NAME) == other.name
    # An open group stays open, and a selection stays, when another run comes in.
    table.select(runs[1])
    assert table.view.isExpanded(table.proxy.index(1, 0))
    fake_run(window.run_history, window.document.experiment, 3, [0.7])
    group_row = next(r for r in range(2) if "× 4 seeds" in cell(window, r, NAME))
    assert table.view.isExpanded(table.proxy.index(group_row, 0))
    assert table.selected_records() == [runs[1]]


def test_show_on_a_group_draws_its_mean_and_band(seeded):
    window, runs, _ = seeded
    table = window.runs_table
    table.proxy.setData(table.proxy.index(0, SHOW), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    key = window.run_history.group_key_of(runs[0])
    assert key in window.run_history.overlaid_groups
    assert cell(window, 0, SHOW, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    loss, loss_band, metric, metric_band = window.curves.overlays.bands.items[key]
    x, mean = metric.getData()
    assert list(x) == [10, 20]
    assert list(mean) == pytest.approx([50.0, 88.333333])
    assert list(metric_band.low.getData()[1]) == pytest.approx([40.0, 80.0])
    assert list(metric_band.high.getData()[1]) == pytest.approx([60.0, 95.0])
    _, high = loss_band.high.getData()
    assert high[-1] == pytest.approx(1.0) and loss_band.low.getData()[1][-1] == pytest.approx(0.8)
    assert any("(mean, range)" in n for n in legend_names(window.curves.loss_plot))
    table.proxy.setData(table.proxy.index(0, SHOW), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert key not in window.curves.overlays.bands.items
    assert not any("(mean, range)" in n for n in legend_names(window.curves.loss_plot))


def test_a_group_renames_exports_one_csv_per_seed_and_deletes_its_runs(seeded, dialogs, tmp_path):
    window, runs, other = seeded
    table = window.runs_table
    assert table.proxy.setData(table.proxy.index(0, NAME), "three seeds")
    assert cell(window, 0, NAME) == "three seeds"
    table.select(table.group_of(runs[0]))
    (tmp_path / "out").mkdir()
    dialogs.save_path = str(tmp_path / "out" / "group.csv")
    table.export_action.trigger()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "group.seed0.csv", "group.seed1.csv", "group.seed2.csv"]
    table.select(table.group_of(runs[0]))
    dialogs.answer = QMessageBox.StandardButton.Yes
    table.delete_action.trigger()
    assert "3 runs" in dialogs.questions[-1]
    assert window.run_history.records == [other] and table.proxy.rowCount() == 1
