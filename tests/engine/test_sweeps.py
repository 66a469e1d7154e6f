"""Sweeps: files validated trial by trial, trials written as they finish, a
stopped or killed sweep resumed, the same numbers here, on a Dask
LocalCluster and after a resume, and the table of means and ranges."""

from __future__ import annotations

import copy
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from engine import process_pool
from engine.cli import main
from engine.errors import SpecError
from engine.presets import list_sweeps
from engine.sweep_file import MAX_TRIALS, load_sweep, parse_sweep, sweep_to_dict
from engine.sweep_run import ResultsFolder, SweepProgress, TrialDone, results_folder_for, run_sweep
from engine.sweep_summary import summarise, trial_metric

ROOT = Path(__file__).resolve().parents[2]

BASE = {"format": "cnn-rnn-playground/experiment", "version": 1, "name": "linear", "description": "",
        "dataset": {"name": "digits"}, "model": {"layers": [{"type": "Flatten"}, {"type": "Linear"}]},
        "training": {"epochs": 1}}


def sweep_doc(**extra):
    doc = {"format": "cnn-rnn-playground/sweep", "version": 1, "name": "tiny", "base": copy.deepcopy(BASE),
           "axes": [{"path": "training.learning_rate", "values": [0.001, 0.01, 0.1]}], "seeds": 2}
    doc.update(extra)
    return doc


def twenty():
    """20 small trials: 5 learning rates × 2 batch sizes × 2 seeds."""
    return sweep_doc(axes=[{"path": "training.learning_rate", "values": [0.001, 0.003, 0.01, 0.03, 0.1]},
                           {"path": "training.batch_size", "values": [32, 128]}])


def finals(folder: Path) -> dict[str, dict]:
    docs = [json.loads(p.read_text()) for p in folder.glob("*.json")]
    return {d["key"]: d["summary"]["final"] for d in docs}


@pytest.fixture(autouse=True, scope="module")
def no_idle_processes():
    """The pool's warm processes serve every test here (each would pay a
    spawn otherwise), and are closed at the end."""
    yield
    process_pool.close_all()


@pytest.fixture(scope="module")
def twenty_here(tmp_path_factory):
    """The 20-trial sweep run once here, two processes: what every other way must match."""
    folder = tmp_path_factory.mktemp("here")
    outcome = run_sweep(parse_sweep(twenty()), folder, jobs=2)
    assert len(outcome.results) == 20 and not outcome.failed
    return finals(folder)


# --- the file -----------------------------------------------------------------
def test_every_trial_is_the_base_with_its_values_at_its_seed():
    sweep = parse_sweep(twenty())
    trials = sweep.trials(threads=1)
    assert sweep.trial_count == len(trials) == 20
    t = trials[3]  # lr 0.001, batch 128, seed 1: seeds vary fastest, then the last axis
    assert (t.values, t.seed) == ((0.001, 128), 1)
    assert t.experiment.training.learning_rate == 0.001 and t.experiment.training.batch_size == 128
    assert t.experiment.training.seed == 1 and t.describe(sweep.axes) == "linear, learning_rate=0.001, " \
        "batch_size=128, seed 1"
    keys = {x.key for x in trials}
    assert len(keys) == 20  # each trial its own key; the same trial the same key, any time
    assert trials[3].key == parse_sweep(twenty()).trials(threads=1)[3].key
    assert trials[3].key != parse_sweep(twenty()).trials(threads=2)[3].key  # threads change the trajectory


@pytest.mark.parametrize(("change", "message"), [
    ({"axes": [{"path": "training.learning_rte", "values": [0.1]}]},
     "trials[0] (linear, learning_rte=0.1): training.learning_rte: there is no setting “learning_rte” here"),
    ({"axes": [{"path": "training.batch_size", "values": [32, -4]}]},
     "trials[2] (linear, batch_size=-4): training.batch_size"),
    ({"axes": [{"path": "model.layers[0].type", "values": ["Conv1d"]}]}, "trials[0] (linear, type=\"Conv1d\")"),
    ({"axes": [{"path": "training.learning_rate", "values": [0.1, 0.1]}]}, "axes[0].values[1]: 0.1 is already"),
    ({"axes": [{"path": "training.learning_rate", "range": {"from": 0.1, "to": 0.01, "step": 0.01}}]},
     "axes[0].range.to: must not be below from"),
    ({"axes": [{"path": "training.learning_rate", "range": {"from": 1, "to": 10, "count": 3, "scale": "cubic"}}]},
     "axes[0].range.scale"),
    ({"axes": [{"path": "training.epochs", "range": {"from": 1, "to": 200, "step": 1}},
               {"path": "training.batch_size", "range": {"from": 1, "to": 60, "step": 1}}]},
     f"makes 24,000 trials (1 experiment × 200 epochs × 60 batch_size × 2 seeds); at most {MAX_TRIALS:,}"),
    ({"axes": [{"path": "dataset.options.distance", "values": [4], "with": {"dataset.options.length": [1, 2]}}]},
     "axes[0].with.dataset.options.length: must list one value for each of the axis's 1 values"),
    ({"axes": []}, "axes: must be a list of one or two axes"),
    ({"axes": [{"path": "training.seed", "values": [1]}] * 3}, "has 3 axes"),
    ({"base": "nowhere.json"}, "base: \"nowhere.json\""),
    ({"metric": "loss"}, "metric: must be one of"),
    ({"seeds": 0}, "seeds: must be from 1 to 50"),
    ({"colour": "red"}, "colour: unknown key"),
])
def test_a_bad_sweep_is_refused_in_one_line_naming_where(change, message):
    doc = sweep_doc(**change)
    with pytest.raises(SpecError) as caught:
        parse_sweep(doc, ROOT)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_value_that_makes_an_impossible_stack_is_named_with_its_trial():
    doc = sweep_doc(base="presets/long_range_cnn.json",
                    axes=[{"path": "model.layers[0].kernel_size", "values": [3, 65]}], seeds=1)
    with pytest.raises(SpecError, match=r"trials\[1\] \(long-range CNN|trials\[1\] \(.*kernel_size=65\)"):
        parse_sweep(doc, ROOT)


def test_a_linked_setting_moves_with_its_axis_and_ranges_expand():
    doc = sweep_doc(base="presets/long_range_gru.json", seeds=1,
                    axes=[{"path": "dataset.options.distance", "range": {"from": 12, "to": 24, "step": 6},
                           "with": {"dataset.options.length": [64, 94, 124]}}])
    sweep = parse_sweep(doc, ROOT)
    assert [(t.experiment.dataset.options["distance"], t.experiment.dataset.options["length"])
            for t in sweep.trials()] == [(12, 64), (18, 94), (24, 124)]
    log = parse_sweep(sweep_doc(axes=[{"path": "training.batch_size",
                                       "range": {"from": 8, "to": 128, "count": 5, "scale": "log"}}]))
    assert log.axes[0].values == (8, 16, 32, 64, 128)
    again = parse_sweep(sweep_to_dict(sweep), ROOT)  # the file writes back what it read
    assert [t.key for t in again.trials()] == [t.key for t in sweep.trials()]


@pytest.mark.parametrize("info", list_sweeps(), ids=lambda p: p.key)
def test_every_built_in_sweep_loads_with_its_claim_and_at_least_three_seeds(info):
    sweep = load_sweep(info.path)
    assert sweep.claims and len(sweep.seeds) >= 3 and len(sweep.axes[0].values) >= 5
    assert results_folder_for(info.path).parent.name == "sweeps"  # not inside the package


def test_the_built_in_sweeps_are_the_issues_four_claims():
    assert {tuple(p.claims) for p in list_sweeps()} == {("C6",), ("C8",), ("C9",), ("C12",)}


def test_the_long_range_marks_say_where_each_cnns_field_stops_covering():
    sweep = load_sweep(next(p.path for p in list_sweeps() if p.key == "long_range_distance"))
    summary = summarise(sweep, sweep.trials(), {})
    marks = {m.label: m.value for m in summary.marks}
    assert marks == {"CNN": 8, "dilated CNN": 16}  # fields 9 and 21 steps cover distance + 1; the GRU has none
    assert {p.baseline for p in summary.points} == {0.25}


# --- running ------------------------------------------------------------------
def test_a_sweep_writes_each_trial_and_a_rerun_trains_nothing(tmp_path):
    sweep = parse_sweep(sweep_doc())
    events = []
    outcome = run_sweep(sweep, tmp_path / "r", jobs=2, on_event=events.append)
    assert len(outcome.results) == 6 and not outcome.failed
    files = sorted(p.name for p in (tmp_path / "r").iterdir())
    assert len(files) == 18 and not [f for f in files if f.endswith(".tmp")]  # json, csv, weights each
    again = []
    run_sweep(sweep, tmp_path / "r", on_event=again.append)
    assert [e.cached for e in again if isinstance(e, TrialDone)] == [True] * 6
    summary = summarise(sweep, sweep.trials(), outcome.results)
    lines = summary.table_lines()
    assert lines[0].split()[:3] == ["experiment", "learning_rate", "seeds"] and "chance: 0.1000" in lines
    point = summary.points[2]
    values = [trial_metric(outcome.results[t.index], "final") for t in sweep.trials() if t.values == (0.1,)]
    assert point.low == min(values) and point.high == max(values) and point.mean == pytest.approx(sum(values) / 2)


def test_a_stopped_sweep_resumes_and_gives_the_same_numbers(tmp_path, twenty_here):
    sweep = parse_sweep(twenty())
    stop = threading.Event()

    def stop_after_five(event):
        if isinstance(event, TrialDone) and sum(1 for _ in tmp_path.glob("*.json")) >= 5:
            stop.set()

    first = run_sweep(sweep, tmp_path, jobs=2, on_event=stop_after_five, stop=stop)
    assert first.stopped and 5 <= len(first.results) < 20
    events = []
    second = run_sweep(sweep, tmp_path, jobs=2, on_event=events.append)
    cached = [e for e in events if isinstance(e, TrialDone) and e.cached]
    assert len(cached) == len(first.results) and len(second.results) == 20
    assert finals(tmp_path) == twenty_here


def test_a_sweep_killed_halfway_leaves_whole_files_and_resumes(tmp_path, twenty_here):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(twenty()))
    folder = tmp_path / "s.results"
    command = [sys.executable, str(ROOT / "main.py"), "--headless", str(path), "--jobs", "2"]
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(folder.glob("*.json"))) < 4:
        time.sleep(0.05)
    os.killpg(child.pid, signal.SIGKILL)  # the command and its training processes, mid-write or not
    child.wait()
    done = len(list(folder.glob("*.json")))
    assert 4 <= done < 20
    out, err = io.StringIO(), io.StringIO()
    assert main(["--headless", str(path), "--jobs", "2"], out, err) == 0, err.getvalue()
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]  # a cut write's temporary file: gone
    assert f"{done} already in" in out.getvalue() and "20 of 20 trials" in out.getvalue()
    trained = [line for line in out.getvalue().splitlines() if line.startswith("[")]
    assert len(trained) == 20 - done
    assert finals(folder) == twenty_here  # the same numbers as a sweep never killed


def test_a_corrupt_result_is_named_and_its_trial_trains_again(tmp_path):
    sweep = parse_sweep(sweep_doc(seeds=1))
    run_sweep(sweep, tmp_path, jobs=2)
    victim = sorted(tmp_path.glob("*.json"))[0]
    victim.write_text("{ not json")
    events = []
    outcome = run_sweep(sweep, tmp_path, jobs=2, on_event=events.append)
    assert len(outcome.problems) == 1 and outcome.problems[0].startswith(victim.name)
    assert sum(1 for e in events if isinstance(e, TrialDone) and not e.cached) == 1
    assert ResultsFolder(tmp_path).load(sweep.trials())[1] == []  # rewritten whole


def test_the_same_sweep_on_a_dask_local_cluster_gives_the_same_numbers(tmp_path, twenty_here):
    pytest.importorskip("distributed")
    sweep = parse_sweep(twenty())
    progress = SweepProgress()
    outcome = run_sweep(sweep, tmp_path / "dask", cluster="local:2", on_event=progress.take)
    assert len(outcome.results) == 20 and not outcome.failed and progress.done == 20
    assert finals(tmp_path / "dask") == twenty_here
    weights = sorted((tmp_path / "dask").glob("*.weights.npz"))
    assert len(weights) == 20  # the trained weights came back as JSON too


# --- the command line ---------------------------------------------------------
def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_headless_prints_a_line_per_trial_then_the_table(tmp_path):
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(sweep_doc()))
    code, out, err = run("--headless", str(path), "--jobs", "2", "--summary-json", str(tmp_path / "s.json"))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("sweep tiny: 6 trials; running on this machine, 2 training processes")
    trial_lines = [line for line in lines if line.startswith("[")]
    assert len(trial_lines) == 6 and all("val_accuracy 0." in line for line in trial_lines)
    assert "waiting of 6" in trial_lines[0]
    assert any(line.startswith("experiment  learning_rate") for line in lines)
    summary = json.loads((tmp_path / "s.json").read_text())
    assert len(summary["points"]) == 3 and all(len(p["per_seed"]) == 2 for p in summary["points"])
    assert (tmp_path / "tiny.results").is_dir()


@pytest.mark.parametrize(("args", "message"), [
    (["--cluster", "somewhere"], "give a Dask scheduler's address such as tcp://host:8786"),
    (["--cluster", "local:0"], "local:N needs a number of workers from 1 to 256"),
])
def test_a_bad_cluster_is_refused_before_anything_trains(tmp_path, args, message):
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(sweep_doc()))
    code, out, err = run("--headless", str(path), *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "tiny.results").exists()


def test_cluster_and_results_belong_to_sweeps(tmp_path):
    code, _, err = run("--headless", str(ROOT / "presets" / "digits_mlp.json"), "--cluster", "local:1")
    assert code == 2 and "sweep file" in err


def test_summary_of_a_built_in_sweep_names_its_axis_and_trials():
    code, out, _ = run("--summary", "long_range_distance")
    assert code == 0
    assert "3 experiments (CNN, dilated CNN, GRU), 72 trials (claims C8)" in out
    assert "axis distance (dataset.options.distance): [2, 4, 8, 12, 16, 24, 32, 48]" in out


def test_no_mark_where_the_axis_does_not_move_the_dependency():
    sweep = load_sweep(next(p.path for p in list_sweeps() if p.key == "cost_length"))
    assert summarise(sweep, sweep.trials(), {}).marks == ()  # a motif is 3 steps at every length
