"""The Sweep window on finished sweeps: it reopens drawn (curves with seed
bands, chance and receptive-field marks; heat maps and their difference), its
table sorts numbers as numbers, a click opens that trial with its weights,
and the plot and table export."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from engine.sweep_file import load_sweep
from engine.sweep_run import ResultsFolder, results_folder_for
from engine.sweep_summary import summarise
from engine.weights_file import load_weights
from gui.sweep.sweep_window import SweepWindow


def open_sweep(qtbot, path, **kwargs) -> SweepWindow:
    window = SweepWindow(load_sweep(path), str(path), **kwargs)
    qtbot.addWidget(window)
    window.show()
    return window


def summary_of(path):
    sweep = load_sweep(path)
    trials = sweep.trials()
    found, _ = ResultsFolder(results_folder_for(path)).load(trials)
    return sweep, trials, summarise(sweep, trials, {t.index: found[t.key] for t in trials})


def test_a_finished_one_axis_sweep_reopens_drawn_with_bands_chance_and_marks(qtbot, finished):
    window = open_sweep(qtbot, finished["curve"])
    sweep, _, summary = summary_of(finished["curve"])
    plot = window.plot
    assert window.windowTitle() == "reach — Sweep"
    assert "12 of 12 trials have a result" in window.progress_label.text()
    assert len(plot.curves) == 2 and plot.scale == 100  # accuracy in per cent
    for i, label in enumerate(sweep.labels):
        points = summary.of(label)
        x, mean = plot.curves[i].getData()
        bx, low, high = plot.band(i)
        assert list(x) == [2, 4, 12] and list(bx) == [2, 4, 12]  # 2…12 spans under 10×: a linear axis
        assert np.allclose(mean, [100 * p.mean for p in points])
        assert np.allclose(low, [100 * min(p.numbers) for p in points])
        assert np.allclose(high, [100 * max(p.numbers) for p in points])
        assert len(points[0].numbers) == 2
    # Told apart by more than colour: each experiment its own dash and marker.
    assert plot.curves[0].opts["pen"].style() != plot.curves[1].opts["pen"].style()
    assert plot.curves[0].opts["symbol"] != plot.curves[1].opts["symbol"]
    _, chance = plot.chance.getData()
    assert np.allclose(chance, 25.0)  # four classes
    assert summary.marks and len(plot.marks) == len(summary.marks)
    for mark in summary.marks:
        line = plot.marks[(mark.label, str(mark.value))]
        assert line.value() == mark.value
        assert line.pen.color().name() == plot.curves[sweep.labels.index(mark.label)].opts["pen"].color().name()


def test_a_log_axis_when_the_values_span_ten_times():
    from engine.sweep_file import Axis
    from gui.sweep.curve_plot import AxisPositions

    log = AxisPositions(Axis("training.learning_rate", (0.001, 0.01, 0.1)).values)
    assert log.log and log.x(0.01) == pytest.approx(-2)
    assert not AxisPositions((2, 4, 12)).log
    named = AxisPositions(("adam", "sgd"))
    assert not named.numeric and named.x("sgd") == 1 and named.ticks() == [(0.0, "adam"), (1.0, "sgd")]


def test_a_two_axis_sweep_draws_heat_maps_of_the_means_and_their_difference(qtbot, finished):
    window = open_sweep(qtbot, finished["grid"])
    sweep, _, summary = summary_of(finished["grid"])
    maps = window.plot
    assert maps.difference_name == "Linear − MLP"
    xs, ys = sweep.axes[0].values, sweep.axes[1].values
    for label in sweep.labels:
        for p in summary.of(label):
            i, j = xs.index(p.values[0]), ys.index(p.values[1])
            assert maps.means[label][j, i] == pytest.approx(100 * p.mean, rel=1e-5)
            assert maps.cell_text(label, i, j) == f"{100 * p.mean:.1f}"
        assert np.allclose(maps.images[label].image, maps.means[label])
    assert np.allclose(maps.difference, maps.means["Linear"] - maps.means["MLP"])
    assert np.allclose(maps.images[maps.difference_name].image, maps.difference)


def test_the_table_sorts_numbers_as_numbers(qtbot, finished):
    window = open_sweep(qtbot, finished["curve"])
    table = window.table
    assert table.model_.heads == ["experiment", "distance", "seed", "val_accuracy", "epochs", "seconds", "status"]
    assert table.proxy.rowCount() == 12
    table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    assert table.column_values(1) == sorted(table.column_values(1)) and table.column_values(1)[-1] == 12
    # As text "12" would sort before "2": shown as text, sorted as numbers.
    texts = [table.proxy.index(r, 1).data() for r in range(table.proxy.rowCount())]
    assert texts[0] == "2" and texts[-1] == "12"
    table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    metrics = table.column_values(3)
    assert metrics == sorted(metrics, reverse=True)
    assert set(table.column_values(6)) == {"done"}


def click_point(qtbot, plot, curve, x: float, y: float) -> None:
    """A click where the point is drawn, once the laid-out plot draws it there."""
    def where():
        return plot.mapFromScene(plot.plot.vb.mapViewToScene(QPointF(x, y)))

    qtbot.waitUntil(lambda: curve.scatter in plot.items(where()), timeout=5_000)
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=where())


def test_clicking_a_point_opens_the_seed_nearest_its_mean_with_its_weights(qtbot, finished):
    opened = []
    window = open_sweep(qtbot, finished["curve"], open_in_main=lambda *args: opened.append(args))
    window.resize(1000, 800)
    qtbot.waitExposed(window)
    sweep, trials, summary = summary_of(finished["curve"])
    point = summary.of("CNN-5")[1]  # distance 4
    x, mean = window.plot.curves[1].getData()
    click_point(qtbot, window.plot, window.plot.curves[1], x[1], mean[1])
    qtbot.waitUntil(lambda: bool(opened), timeout=5_000)
    label, experiment, weights, step = opened[0]
    seeds = [t for t in trials if t.label == "CNN-5" and t.values == (4,)]
    nearest = min(seeds, key=lambda t: (abs(point.numbers[point.seeds.index(t.seed)] - point.mean), t.seed))
    assert experiment == nearest.experiment and label == nearest.describe(sweep.axes)
    store = ResultsFolder(results_folder_for(finished["curve"]))
    found, _ = store.load([nearest])
    expected = load_weights(store.weights_path(found[nearest.key]), nearest.experiment)
    assert weights.keys() == expected.keys()
    assert all(np.array_equal(weights[k], expected[k]) for k in expected)
    assert step > 0
    assert "nearest the mean of 2" in window.statusBar().currentMessage()


def test_double_clicking_a_row_opens_that_trial(qtbot, finished):
    opened = []
    window = open_sweep(qtbot, finished["grid"], open_in_main=lambda *args: opened.append(args))
    qtbot.waitExposed(window)
    table = window.table
    index = table.proxy.index(3, 0)
    table.scrollTo(index)
    rect = table.visualRect(index)
    assert table.viewport().rect().contains(rect.center())
    # A person's double-click: press, release, then the double-click event.
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert len(opened) == 1
    trial = window.results.trials[table.proxy.mapToSource(index).row()]
    assert opened[0][1] == trial.experiment and opened[0][2] is not None


def test_export_writes_a_png_an_svg_and_a_csv_of_the_trials(qtbot, finished, tmp_path):
    window = open_sweep(qtbot, finished["curve"])
    png = window.export_plot(str(tmp_path / "plot.png"))
    svg = window.export_plot(str(tmp_path / "plot.svg"))
    table = window.export_table(str(tmp_path / "trials.csv"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in svg.read_bytes()[:2000]
    rows = list(csv.reader(table.open(encoding="utf-8")))
    assert rows[0] == ["trial", "experiment", "dataset.options.distance", "seed", "val_accuracy", "epochs",
                       "seconds", "status"]
    assert len(rows) - 1 == 12 and {r[-1] for r in rows[1:]} == {"done"}
    assert [a.objectName() for a in window.menuBar().actions()[0].menu().actions()[2].menu().actions()] == [
        "export_png", "export_svg", "export_csv"]
