"""Running from the Sweep window: Run trains only what the results folder
lacks (a stopped sweep resumes), Stop stops, closing while it runs leaves no
worker thread nor training process, and a bad cluster address is one line
with nothing run."""

from __future__ import annotations

import multiprocessing

from engine.sweep_file import load_sweep
from engine.sweep_run import SweepStarted, TrialDone, results_folder_for
from gui.sweep.sweep_window import SweepWindow

from .conftest import copy_sweep, digits, write_sweep


def open_sweep(qtbot, path) -> SweepWindow:
    window = SweepWindow(load_sweep(path), str(path))
    qtbot.addWidget(window)
    window.show()
    return window


def record(window) -> list:
    events = []
    window.runner.evented.connect(events.append)
    return events


def test_run_trains_only_the_missing_trials_and_the_plot_follows(qtbot, finished, tmp_path):
    path = copy_sweep(finished["curve"], tmp_path)
    results = results_folder_for(path)
    removed = sorted(results.glob("CNN-5-distance=12-*.json"))  # both seeds of one point
    assert len(removed) == 2
    for file in removed:
        file.unlink()
    window = open_sweep(qtbot, path)
    assert "10 of 12 trials have a result; Run trains the 2 missing" in window.progress_label.text()
    x, _ = window.plot.curves[1].getData()
    assert list(x) == [2, 4]  # the point without a seed is not drawn
    events = record(window)
    with qtbot.waitSignal(window.runner.finished, timeout=60_000) as finished_run:
        assert window.run()
        assert not window.run_action.isEnabled() and window.stop_action.isEnabled()
    outcome = finished_run.args[0]
    started = [e for e in events if isinstance(e, SweepStarted)]
    assert started[0].total == 2 and started[0].finished == 0
    trained = [e.trial for e in events if isinstance(e, TrialDone) and not e.cached]
    assert sorted(t.values for t in trained) == [(12,), (12,)] and {t.label for t in trained} == {"CNN-5"}
    assert len(outcome.results) == 2 and not outcome.failed
    qtbot.waitUntil(lambda: not window.running)
    x, _ = window.plot.curves[1].getData()
    assert list(x) == [2, 4, 12]
    assert "12 of 12 trials have a result" in window.progress_label.text()
    assert window.run_action.isEnabled() and not window.stop_action.isEnabled()
    assert not window.run()  # nothing left to train


def slow_sweep(folder):
    """Eight trials of three epochs, one at a time: still going when Stop comes."""
    return write_sweep(folder, "slow", digits("mlp", 32, epochs=3),
                       [{"path": "training.learning_rate", "values": [0.001, 0.002, 0.003, 0.004, 0.005, 0.006,
                                                                     0.007, 0.008]}])


def test_stop_stops_the_sweep(qtbot, tmp_path):
    window = open_sweep(qtbot, slow_sweep(tmp_path))
    window.jobs.setValue(1)
    events = record(window)
    with qtbot.waitSignal(window.runner.finished, timeout=60_000) as finished_run:
        window.run()
        qtbot.waitUntil(lambda: any(type(e).__name__ == "TrialStarted" for e in events), timeout=30_000)
        window.stop_action.trigger()
        assert not window.stop_action.isEnabled()  # stopping
    outcome = finished_run.args[0]
    assert outcome.stopped and len(outcome.results) < 8
    qtbot.waitUntil(lambda: not window.running)
    assert window.progress_label.text().startswith(f"{len(outcome.results)} of 8 trials have a result")
    assert set(window.table.column_values(6)) <= {"done", "waiting"}  # no row left "running"


def test_closing_while_running_stops_and_leaves_no_thread_or_process(qtbot, tmp_path):
    window = open_sweep(qtbot, slow_sweep(tmp_path))
    events = record(window)
    window.run()
    qtbot.waitUntil(lambda: any(type(e).__name__ == "TrialStarted" for e in events), timeout=30_000)
    window.close()
    assert not window.running
    # What is left is the pool's idle, warm processes (the next Train's), nothing mid-run; the app
    # closes them when it quits.
    from engine import process_pool

    idle = {p.pid for p in process_pool._idle}
    assert {c.pid for c in multiprocessing.active_children()} <= idle
    process_pool.close_all()
    assert not multiprocessing.active_children()
    # The autouse no_leaked_threads fixture checks the threads and Qt's pool.


def test_a_bad_cluster_address_is_one_line_and_nothing_runs(qtbot, finished, tmp_path):
    path = copy_sweep(finished["grid"], tmp_path)
    next(results_folder_for(path).glob("*.json")).unlink()
    window = open_sweep(qtbot, path)
    window.cluster.setText("my-laptop")
    assert not window.run()
    assert not window.running
    assert len(window.messages) == 1 and "\n" not in window.messages[0]
    assert "tcp://host:8786" in window.messages[0] and window.problem_label.isVisible()
    window.cluster.setText("local:0")
    assert not window.run()
    assert "local:N needs a number of workers" in window.messages[-1]
