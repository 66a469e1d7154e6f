"""The Comparison window: a comparison file's experiments trained in turn or
in parallel (each in its own training process), one curve per experiment in
each overlay plot, the comparison table and verdict at the end; a failing
experiment does not stop the others; Stop and closing stop every run; the
main window opens comparison files from File ▸ Open, the built-in menu and
the command line, and "Open in window" puts an experiment in the document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.comparison_file import load_comparison
from gui.comparison import run as cr
from gui.comparison.panel import ComparisonPanel
from tests.gui.conftest import curve_points, open_window

PRESETS = Path(__file__).resolve().parents[3] / "presets"
RUN_TIMEOUT = 90_000


def motif(n_samples: int = 320) -> dict:
    # 256 training samples in batches of 64: 4 steps an epoch.
    return {"name": "motif", "options": {"n_samples": n_samples, "length": 20, "n_symbols": 8, "n_classes": 4,
                                         "motif_length": 3, "shuffle_steps": False, "val_fraction": 0.2}}


def experiment(name: str, layers: list[dict], epochs: int = 2, device: str = "cpu",
               n_samples: int = 320) -> dict:
    return {"format": "cnn-rnn-playground/experiment", "version": 1, "name": name, "description": "",
            "dataset": motif(n_samples), "model": {"layers": layers},
            "training": {"optimizer": "adam", "learning_rate": 0.01, "batch_size": 64, "epochs": epochs,
                         "seed": 0, "device": device}}


CNN = [{"type": "Conv1d", "out_channels": 8, "kernel_size": 3, "padding": 1}, {"type": "ReLU"},
       {"type": "GlobalMaxPool"}, {"type": "Linear"}]
GRU = [{"type": "GRU", "hidden_size": 8}, {"type": "Linear"}]


def write_comparison(tmp_path: Path, *extra: dict, epochs: int = 2, n_samples: int = 320) -> Path:
    entries = [{"label": "CNN", "experiment": experiment("tiny CNN", CNN, epochs, n_samples=n_samples)},
               {"label": "GRU", "experiment": experiment("tiny GRU", GRU, epochs, n_samples=n_samples)}, *extra]
    path = tmp_path / "tiny_comparison.json"
    path.write_text(json.dumps({"format": "cnn-rnn-playground/comparison", "version": 1, "name": "Tiny motif",
                                "description": "A CNN and a GRU on a few motifs.", "claims": ["C8"],
                                "experiments": entries}), encoding="utf-8")
    return path


def open_panel(qtbot, path: Path) -> ComparisonPanel:
    panel = ComparisonPanel(load_comparison(path), str(path))
    qtbot.addWidget(panel)
    panel.show()
    return panel


def run_to_end(qtbot, panel: ComparisonPanel, parallel: bool, epochs: int | None = None) -> object:
    with qtbot.waitSignal(panel.run.completed, timeout=RUN_TIMEOUT) as blocker:
        panel.start(parallel=parallel, epochs=epochs)
        assert not panel.run_button.isEnabled() and panel.stop_button.isEnabled()
    return blocker.args[0]


def assert_curves_and_table(panel: ComparisonPanel, labels: list[str], epochs: int, timing: str = "in turn") -> None:
    by_label = {r.label: (i, r) for i, r in enumerate(panel.run.runs)}
    for label in labels:
        i, run = by_label[label]
        assert run.state == cr.FINISHED, panel.run.runs[i].reason
        assert curve_points(panel.plots.loss_curves[i]) == run.info.total_steps == epochs * 4
        x, _ = panel.plots.loss_curves[i].getData()
        assert x[-1] == pytest.approx(epochs)  # the x axis is in epochs
        assert curve_points(panel.plots.metric_curves[i]) == epochs
        _, accuracy = panel.plots.metric_curves[i].getData()
        assert ((0 <= accuracy) & (accuracy <= 100)).all()
        assert panel.plots.loss_curves[i].opts["name"] == label
        assert f"&nbsp;{label}" in panel.plots.legend.text()  # the legend above the plots
        assert panel.progress_bars[i].value() == panel.progress_bars[i].maximum()
        assert panel.experiments.item(i, 4).text().startswith("finished: val accuracy")
    pens = {panel.plots.loss_curves[by_label[lb][0]].opts["pen"].color().name() for lb in labels}
    assert len(pens) == len(labels)  # a colour each
    table = panel.results.table
    assert table.isVisibleTo(panel)
    assert table.rowCount() == len(labels)
    head = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert head == ["experiment", "model", "params", "epochs", f"s/epoch ({timing})", f"samples/s ({timing})",
                    "val_accuracy", "sees"]
    rows = {table.item(r, 0).text(): [table.item(r, c).text() for c in range(table.columnCount())]
            for r in range(table.rowCount())}
    assert rows["CNN"][1] == "CNN" and rows["GRU"][1] == "GRU"
    assert rows["CNN"][3] == str(epochs)
    assert rows["CNN"][7] == "3 of 20 steps" and rows["GRU"][7] == "all 20 steps"
    assert all(cell for row in rows.values() for cell in row)
    assert "Dependency: 3 steps" in panel.results.notes_label.text()
    verdict = panel.results.verdict
    assert verdict and "motif" in verdict and "CNN" in verdict and "GRU" in verdict
    assert panel.results.verdict_label.isVisibleTo(panel)


def test_in_turn_overlays_one_curve_per_experiment_and_fills_the_table(qtbot, tmp_path):
    panel = open_panel(qtbot, write_comparison(tmp_path))
    assert panel.windowTitle() == "Comparison: Tiny motif"
    assert panel.results.table.isHidden()
    with qtbot.waitSignal(panel.run.completed, timeout=RUN_TIMEOUT):
        panel.start(parallel=False)
        # In turn: the GRU waits until the CNN has ended.
        assert panel.run.runs[0].active and not panel.run.runs[1].active
        assert panel.experiments.item(1, 4).text() == "waiting for its turn"
        qtbot.waitUntil(lambda: panel.run.runs[1].active or not panel.run.is_active,
                        timeout=RUN_TIMEOUT)
        assert panel.run.runs[0].state == cr.FINISHED
    assert_curves_and_table(panel, ["CNN", "GRU"], epochs=2)
    assert "in parallel" not in panel.results.notes_label.text()
    assert panel.run_button.isEnabled() and not panel.stop_button.isEnabled()


def test_in_parallel_with_an_epochs_override(qtbot, tmp_path):
    panel = open_panel(qtbot, write_comparison(tmp_path, epochs=5))
    with qtbot.waitSignal(panel.run.completed, timeout=RUN_TIMEOUT):
        panel.start(parallel=True, epochs=1)
        assert all(r.active for r in panel.run.runs)  # both at once, each in its own process
        assert panel.experiments.item(0, 2).text() == "1"
    assert_curves_and_table(panel, ["CNN", "GRU"], epochs=1, timing="2 at once")
    assert "2 runs trained at once and shared the processor" in panel.results.notes_label.text()


def test_a_failing_experiment_shows_its_reason_and_the_others_complete(qtbot, tmp_path):
    from engine.devices import device_availability

    missing = next((name for name, (ok, _) in device_availability().items() if not ok), None)
    if missing is None:
        pytest.skip("every device is available here")
    bad = {"label": "Elsewhere", "experiment": experiment("on a missing device", CNN, device=missing)}
    panel = open_panel(qtbot, write_comparison(tmp_path, bad))
    result = run_to_end(qtbot, panel, parallel=True)
    failed = panel.run.runs[2]
    assert failed.state == cr.FAILED
    status = panel.experiments.item(2, 4).text()
    assert status.startswith("failed:") and "not available" in status and missing in status
    assert panel.experiments.item(2, 4).foreground().color().name() == "#960000"
    assert_curves_and_table(panel, ["CNN", "GRU"], epochs=2, timing=f"{result.at_once} at once")
    assert [r.label for r in result.rows] == ["CNN", "GRU"]
    assert "Not in the table — Elsewhere: failed:" in panel.results.notes_label.text()
    assert curve_points(panel.plots.loss_curves[2]) == 0


def test_a_diverging_experiment_says_so_in_its_row_table_and_verdict(qtbot, tmp_path):
    def mlp(name: str, training: dict) -> dict:
        return {"format": "cnn-rnn-playground/experiment", "version": 1, "name": name, "description": "",
                "dataset": {"name": "sine", "options": {"n_samples": 320, "length": 20}},
                "model": {"layers": [{"type": "Flatten"}, {"type": "Linear", "out_features": 64},
                                     {"type": "ReLU"}, {"type": "Linear"}]},
                "training": {"batch_size": 64, "epochs": 3, "seed": 0, "device": "cpu", **training}}

    path = tmp_path / "sine.json"
    path.write_text(json.dumps({
        "format": "cnn-rnn-playground/comparison", "version": 1, "name": "Steady or wild",
        "experiments": [{"label": "Steady", "experiment": mlp("steady", {"learning_rate": 0.001})},
                        {"label": "Wild", "experiment": mlp("wild", {"optimizer": "sgd", "learning_rate": 10.0,
                                                                    "momentum": 0.99})}]}), encoding="utf-8")
    panel = open_panel(qtbot, path)
    result = run_to_end(qtbot, panel, parallel=False)
    steady, wild = panel.run.runs
    assert steady.state == cr.FINISHED and wild.state == cr.DIVERGED
    status = panel.experiments.item(1, 4).text()
    assert status.startswith("diverged: training diverged at step") and "learning rate" in status
    assert panel.plots.metric_plot.titleLabel.text == "Validation MSE"
    assert curve_points(panel.plots.metric_curves[0]) == 3
    table = panel.results.table
    assert table.horizontalHeaderItem(6).text() == "val_mse"
    assert table.item(1, 0).text() == "Wild" and table.item(1, 6).text().endswith("(diverged)")
    assert [r.status for r in result.rows] == ["ok", "diverged"]
    assert "Wild diverged" in panel.results.verdict


def test_stop_stops_the_running_experiment_and_the_rest_do_not_run(qtbot, tmp_path):
    panel = open_panel(qtbot, write_comparison(tmp_path, epochs=500))
    panel.start(parallel=False)
    qtbot.waitUntil(lambda: panel.run.runs[0].last_step >= 2, timeout=RUN_TIMEOUT)
    with qtbot.waitSignal(panel.run.completed, timeout=RUN_TIMEOUT):
        panel.stop_button.click()
    first, second = panel.run.runs
    assert first.state == cr.STOPPED and not first.active
    assert second.state == cr.NOT_RUN and not second.active
    assert "not run" in panel.experiments.item(1, 4).text()
    assert curve_points(panel.plots.loss_curves[0]) == first.last_step
    assert curve_points(panel.plots.loss_curves[1]) == 0
    assert panel.results.verdict  # a table of what there is, or "No result" in words
    assert panel.run_button.isEnabled()


def test_closing_the_window_stops_every_run(qtbot, tmp_path):
    panel = open_panel(qtbot, write_comparison(tmp_path, epochs=500))
    panel.start(parallel=True)
    qtbot.waitUntil(lambda: all(r.last_step >= 1 for r in panel.run.runs), timeout=RUN_TIMEOUT)
    panel.close()
    assert not panel.run.is_active
    assert not any(r.active for r in panel.run.runs) and not any(r.is_active for r in panel.run.runners)


def test_the_window_opens_comparisons_from_the_command_line_file_open_and_the_menu(qtbot, tmp_path, dialogs):
    motif_preset = PRESETS / "compare_motif.json"
    window = open_window(qtbot, str(motif_preset))  # python main.py presets/compare_motif.json
    opener = window.files.comparisons
    assert [p.comparison.name for p in opener.panels] == [load_comparison(motif_preset).name]
    assert window.document.experiment.name != "Local motif (1-D CNN)"  # the document is left alone
    assert not window.messages

    # File ▸ Open with unsaved changes: a comparison does not ask about them.
    window.training_panel.set_value("epochs", 3)
    assert window.document.dirty
    dialogs.open_path = str(write_comparison(tmp_path))
    questions = len(dialogs.questions)
    window.window_actions.open.trigger()
    assert len(dialogs.questions) == questions
    assert [p.comparison.name for p in opener.panels][-1] == "Tiny motif"
    window.window_actions.open.trigger()  # already open: brought to the front, not opened twice
    assert len(opener.panels) == 2

    # File ▸ Built-in Comparisons lists every presets/compare_*.json.
    file_menu = window.menuBar().actions()[0].menu()
    builtin = next(a.menu() for a in file_menu.actions() if a.text() == "&Built-in Comparisons")
    builtin.aboutToShow.emit()
    assert len(builtin.actions()) == len(list(PRESETS.glob("compare_*.json")))
    assert any(a.text() == "Open &Comparison…" for a in file_menu.actions())

    # "Open in window" puts the GRU in the document as one undoable step.
    panel = opener.panels[-1]
    before = window.document.experiment
    panel.open_buttons[1].click()
    assert window.document.experiment == panel.comparison.experiments[1].experiment
    window.document.undo_stack.undo()
    assert window.document.experiment == before

    # A broken comparison: one readable line, nothing opened.
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"format": "cnn-rnn-playground/comparison", "version": 1, "name": "x",
                                  "experiments": []}), encoding="utf-8")
    dialogs.open_path = str(broken)
    window.window_actions.open.trigger()
    title, text = window.messages[-1]
    assert title == "Cannot open comparison" and "experiments" in text and "at least 2" in text
    assert len(opener.panels) == 2

    # Closing the main window closes the comparison windows too.
    dialogs.answer = dialogs.answer.Discard
    window.close()
    assert opener.panels == []


def test_the_built_in_motif_comparison_runs_with_one_epoch(qtbot):
    """The acceptance check on a real preset: open it, run it briefly, the
    overlay has a curve per experiment and the table and verdict fill."""
    panel = open_panel(qtbot, PRESETS / "compare_motif.json")
    result = run_to_end(qtbot, panel, parallel=True, epochs=1)
    assert [r.label for r in result.rows] == ["CNN", "GRU"]
    for i, run in enumerate(panel.run.runs):
        assert run.state == cr.FINISHED
        assert curve_points(panel.plots.loss_curves[i]) == run.info.total_steps
        assert curve_points(panel.plots.metric_curves[i]) == 1
    assert panel.results.table.rowCount() == 2 and panel.results.verdict


def test_a_comparison_opened_in_the_window_records_its_runs_in_the_runs_table(qtbot, tmp_path):
    window = open_window(qtbot, str(write_comparison(tmp_path, epochs=1)))
    panel = window.files.comparisons.panels[-1]
    before = len(window.run_history.records)
    run_to_end(qtbot, panel, parallel=False)
    records = list(window.run_history.records)
    assert before == 0 and len(records) == len(panel.run.runs)
    assert [r.experiment for r in records] == [run.experiment for run in panel.run.runs]
    assert all(r.outcome == "finished" for r in records)


def test_the_plots_and_the_table_export(qtbot, tmp_path):
    import csv

    panel = open_panel(qtbot, write_comparison(tmp_path, epochs=1))
    assert not panel.export.export_table(str(tmp_path / "early.csv"))  # nothing to export before a run
    result = run_to_end(qtbot, panel, parallel=False)
    loss = panel.export.export_plot("loss", str(tmp_path / "loss.png"))
    metric = panel.export.export_plot("metric", str(tmp_path / "metric.svg"))
    table = panel.export.export_table(str(tmp_path / "table.csv"))
    assert loss.stat().st_size > 1000 and metric.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    rows = list(csv.reader(table.open(encoding="utf-8")))
    assert rows[0][:3] == ["experiment", "model", "params"]
    assert [r[0] for r in rows[1:1 + len(result.rows)]] == [r.label for r in result.rows]
    # Plain numbers a spreadsheet reads as numbers: the GRU's 14,468 parameters were the text "14,468".
    for line, row in zip(rows[1:1 + len(result.rows)], result.rows, strict=True):
        assert int(line[2]) == row.params and float(line[5]) > 0 and abs(float(line[6]) - row.value) < 1e-5
    verdict_at = rows.index(["verdict", result.verdict])
    per_seed = rows[verdict_at + 2:]
    assert per_seed[0] == ["experiment", "seed", "val_accuracy", "mean", "min", "max"]
    assert [r[:2] for r in per_seed[1:]] == [[row.label, "0"] for row in result.rows]


# ---------------------------------------------------------------- seeds


def write_seeded(tmp_path: Path, seeds, *, same: bool = False, epochs: int = 2) -> Path:
    """A CNN and a GRU (or, ``same``, one CNN twice with other seeds) over ``seeds``."""
    second = (experiment("tiny CNN again", CNN, epochs) | {"training": {**experiment("x", CNN, epochs)["training"],
                                                                         "seed": 7}}
              if same else experiment("tiny GRU", GRU, epochs))
    path = tmp_path / "seeded.json"
    path.write_text(json.dumps({"format": "cnn-rnn-playground/comparison", "version": 1, "name": "Seeded",
                                "seeds": seeds, "experiments": [
                                    {"label": "CNN", "experiment": experiment("tiny CNN", CNN, epochs)},
                                    {"label": "CNN 2" if same else "GRU", "experiment": second}]}),
                    encoding="utf-8")
    return path


def test_every_experiment_trains_each_seed_with_a_band_and_per_seed_values(qtbot, tmp_path):
    panel = open_panel(qtbot, write_seeded(tmp_path, 2))
    assert panel.seeds_spin.value() == 2 and panel.seeds_spin.isEnabled()
    result = run_to_end(qtbot, panel, parallel=False)
    for run in panel.run.runs:
        assert [s.seed for s in run.seeds] == [0, 1] and all(s.state == cr.FINISHED for s in run.seeds)
        assert [s.experiment.training.seed for s in run.seeds] == [0, 1]
    assert [r.seeds for r in result.rows] == [(0, 1), (0, 1)]
    for i in range(2):
        x, mean = panel.plots.metric_curves[i].getData()
        _, low = panel.plots.metric_bands[i].low.getData()
        _, high = panel.plots.metric_bands[i].high.getData()
        assert x.tolist() == [1, 2] and (low <= mean + 1e-9).all() and (mean <= high + 1e-9).all()
        finals = [100 * s.last_epoch.val_metric for s in panel.run.runs[i].seeds]
        assert (low[-1], high[-1]) == pytest.approx((min(finals), max(finals)))
        assert len(panel.plots.loss_curves[i].getData()[0]) == 2 * 4  # 2 epochs of 4 steps, on one grid
    cell = panel.results.table.item(0, 6)
    assert cell.toolTip().startswith("seed 0: ") and "seed 1: " in cell.toolTip()
    assert panel.results.verdict == result.verdict
    assert "across 2 seeds" in result.verdict
    assert "Seeds: 2 per experiment (seeds 0, 1)" in panel.results.notes_label.text()
    assert "over 2 seeds" in panel.experiments.item(0, 4).text()


def test_two_identical_experiments_that_differ_only_in_seed_show_no_clear_difference(qtbot, tmp_path):
    panel = open_panel(qtbot, write_seeded(tmp_path, 3, same=True))
    result = run_to_end(qtbot, panel, parallel=True)
    assert [r.seeds for r in result.rows] == [(0, 1, 2), (7, 8, 9)]
    assert result.verdict.startswith("No clear difference on motif across 3 seeds"), result.verdict


def test_in_parallel_runs_no_more_than_the_slots_at_once(qtbot, tmp_path):
    panel = open_panel(qtbot, write_seeded(tmp_path, 3))
    slots = panel.run.slots(True)
    seen = []
    panel.run.run_started.connect(lambda *_: seen.append(sum(r.is_active for r in panel.run.runners)))
    result = run_to_end(qtbot, panel, parallel=True)
    assert len(seen) == 6 and max(seen) <= slots and len(panel.run.runners) == slots
    assert result.at_once == min(slots, 6) >= 2


def test_the_seeds_box_overrides_the_file_and_stop_leaves_later_seeds_unrun(qtbot, tmp_path):
    panel = open_panel(qtbot, write_seeded(tmp_path, [4, 9], epochs=500))
    assert panel.seeds_spin.value() == 2
    assert [s.seed for s in panel.run.runs[0].seeds] == [4, 9]  # the file's own list
    panel.seeds_spin.setValue(3)  # a count: each experiment's own seed and the next ones
    assert [s.seed for s in panel.run.runs[0].seeds] == [0, 1, 2]
    panel.start(parallel=False)
    qtbot.waitUntil(lambda: panel.run.runs[0].seeds[0].last_step >= 2, timeout=RUN_TIMEOUT)
    assert "seed 0 (1 of 3)" in panel.experiments.item(0, 4).text()
    with qtbot.waitSignal(panel.run.completed, timeout=RUN_TIMEOUT):
        panel.stop_button.click()
    states = [[s.state for s in run.seeds] for run in panel.run.runs]
    assert states == [[cr.STOPPED, cr.NOT_RUN, cr.NOT_RUN], [cr.NOT_RUN] * 3]


def test_each_seed_of_a_comparison_lands_in_the_runs_table(qtbot, tmp_path):
    window = open_window(qtbot, str(write_seeded(tmp_path, 2, epochs=1)))
    panel = window.files.comparisons.panels[-1]
    run_to_end(qtbot, panel, parallel=True)
    records = window.run_history.records
    assert sorted((r.experiment.name, r.experiment.training.seed) for r in records) == [
        ("tiny CNN", 0), ("tiny CNN", 1), ("tiny GRU", 0), ("tiny GRU", 1)]
    assert all(r.outcome == "finished" for r in records)


def test_plots_take_epochs_in_batches_and_keep_every_point_in_view(qtbot):
    """A lab's short epochs come ten a second per column: a batch of them is
    drawn once, and the steadily growing range holds every point (getData
    gives only what the clip to the view left, so a range fitted to it
    would never grow)."""
    from types import SimpleNamespace

    import numpy as np

    from gui.comparison.plots import ComparisonPlots

    plots = ComparisonPlots(["CNN", "GRU"])
    qtbot.addWidget(plots)
    plots.resize(800, 300)
    plots.show()
    for i in (0, 1):
        plots.start_experiment(i, SimpleNamespace(steps_per_epoch=10, metric="accuracy", baseline=0.1))
    drawn = []
    original = plots._draw
    plots._draw = lambda *args: (drawn.append(args[0]), original(*args))
    plots.add_epochs(0, [(e, 0.5 + e / 100) for e in range(1, 31)])
    assert len(drawn) == 1 and curve_points(plots.metric_curves[0]) == 30
    for chunk in range(10):  # the loss over 300 epochs, as a run's flushes bring it
        steps = np.arange(chunk * 300, (chunk + 1) * 300)
        plots.add_steps(1, steps, np.exp(-steps / 1000.0) + 0.1)
    (x_low, x_high), (y_low, y_high) = plots.loss_plot.vb.viewRange()
    assert x_low <= 0 and x_high >= 2999 / 10 and y_low <= 0.15 and y_high >= 1.0
    (_, _), (m_low, m_high) = plots.metric_plot.vb.viewRange()
    assert m_low <= 51 and m_high >= 80
    plots.reset()
    assert plots.steady["loss"].ranges == {"x": None, "y": None}
