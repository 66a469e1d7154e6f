"""bench/run.py: a part runs in its own process and its figures reach the
table and the JSON; a target that is missed, or a part that fails, says so."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "run.py"


@pytest.fixture(scope="module")
def bench_run():
    spec = importlib.util.spec_from_file_location("bench_run", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules["bench_run"]


def test_the_cost_part_runs_for_real_and_reaches_the_table(bench_run, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(bench_run.ARGS, "cost", (["--repeats", "1", "--lengths", "10,20,40"],) * 2)
    out = tmp_path / "bench.json"
    assert bench_run.main(["--quick", "--only", "cost", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "| cost against length on cpu (C12), 10 → 40 steps | GRU" in printed
    results = json.loads(out.read_text())
    assert results["quick"] is True and results["machine"]["cores"] >= 1
    ms = results["cost"]["ms_per_step"]
    assert set(ms) == {"CNN", "GRU"} and all(len(v) == 3 and min(v.values()) > 0 for v in ms.values())


def test_the_first_point_part_presses_train_in_the_real_window(bench_run, tmp_path, capsys, monkeypatch):
    """Issue #18's Press Train → first loss point: the real window, a warm
    training process, two presses; the figure is a real time that reaches the
    table (its target is checked by the full bench, not here: a loaded test
    machine is not the measure)."""
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setitem(bench_run.ARGS, "first", (["--repeats", "2"],) * 2)
    out = tmp_path / "bench.json"
    assert bench_run.main(["--quick", "--only", "first", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "| Press Train → first loss point, digits_cnn, warm training process, 2 presses |" in printed
    first = json.loads(out.read_text())["first"]
    assert len(first["times_s"]) == 2 and all(0 < t < 30 for t in first["times_s"])


def spread(median: float) -> dict[str, float]:
    return {"median": median, "min": median * 0.9, "max": median * 1.1}


def test_the_window_parts_run_for_real_and_reach_the_table(bench_run, tmp_path, capsys, monkeypatch):
    """Issue #18's window figures, each as the part of bench/run.py that measures it, run briefly:
    the app with every view floated against the plain loop (a CNN and a row GRU), start-up, and
    memory over a run. The figures are real; their targets are checked by the full bench, not here
    (a loaded test machine is not the measure)."""
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setitem(bench_run.ARGS, "gui", (["--pairs", "1", "--segment", "0.6"],) * 2)
    # Once, on a fresh-clone CI run, the row GRU's Gates view got no update in a 0.6 s segment
    # (0 updates/s; it paints, and here it updates ~10 times a second; cause not found): 1.5 s
    # leaves room for a late first snapshot.
    monkeypatch.setitem(bench_run.ARGS, "gui_gru", (["--preset", "digits_gru_rows", "--pairs", "1",
                                                     "--segment", "1.5"],) * 2)
    monkeypatch.setitem(bench_run.ARGS, "startup", (["--repeats", "1"],) * 2)
    monkeypatch.setitem(bench_run.ARGS, "memory", (["--steps", "1500"],) * 2)
    out = tmp_path / "bench.json"
    assert bench_run.main(["--quick", "--only", "gui,gui_gru,startup,memory", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    for preset in ("digits_cnn", "digits_gru_rows"):
        assert f"| GUI overhead, {preset} with every view open: app / plain loop" in printed
        assert f"| live views, {preset}: updates per second of the slowest view showing the run" in printed
    assert "| start-up: process start to Train enabled |" in printed
    assert "| memory: resident, window + training process, after " in printed
    results = json.loads(out.read_text())
    for part in ("gui", "gui_gru"):
        gui = results[part]
        assert gui["step_ratio"]["median"] > 0 and gui["lateness_ticks"] > 0
        assert gui["slowest_view"] in gui["applying_views"] and gui["updates_per_second"][gui["slowest_view"]] > 0
    assert "trajectories" in results["gui_gru"]["applying_views"]
    assert "filters" in results["gui"]["applying_views"]
    assert 0 < results["startup"]["shown_s"]["median"] <= results["startup"]["train_s"]["median"]
    assert results["memory"]["samples"][0]["total"] > 0


def test_missed_targets_and_failed_parts_are_marked(bench_run):
    results = {
        "engine": {"presets": [{"preset": "digits_cnn", "engine_wall": spread(0.99), "engine_step": spread(1.0),
                                "probes_wall": spread(0.95)},
                               {"preset": "motif_gru", "engine_wall": spread(0.80), "engine_step": spread(0.8),
                                "probes_wall": spread(0.8)}]},
        "gui": {"preset": "digits_cnn", "threads": 1, "step_ratio": {**spread(0.93), "pairs": 12}, "p50_ms": 0.5,
                "p99_ms": 70.0, "max_ms": 120.0, "lateness_ticks": 2400, "busiest": "curves",
                "redraws_per_second": {"curves": 24.0}},
        "startup": {"error": "bench/startup.py exited with code 1"},
        "first": {"preset": "digits_cnn", "repeats": 5, "first_point_s": spread(0.12)},
        "memory": {"ratio": 1.05, "samples": [{"step": 1000, "total": 766.0, "window": 441.0, "children": 325.0},
                                              {"step": 100000, "total": 804.0, "window": 479.0, "children": 325.0}]},
    }
    results["gui"].update(applying_views=["filters", "histograms"], slowest_view="histograms",
                          redraws_per_second={"curves": 24.0, "filters": 11.0, "histograms": 6.0})
    # A newer result counts each view's updates (new data drawn) beside its paints, and is judged on them.
    results["gui_gru"] = {**results["gui"], "preset": "digits_gru_rows",
                          "applying_views": ["trajectories", "predictions"], "slowest_view": "trajectories",
                          "redraws_per_second": {"curves": 21.0, "trajectories": 10.5, "predictions": 3.0},
                          "updates_per_second": {"curves": 0.0, "trajectories": 10.2, "predictions": 10.4}}
    rows = bench_run.table(results)
    by_start = {row.split("|")[1].strip(): row for row in rows[2:]}
    assert by_start["engine overhead, digits_cnn: headless / plain loop, whole epochs"].endswith("| met |")
    assert "**not met**" in by_start["engine overhead, motif_gru: headless / plain loop, whole epochs"]
    assert by_start["GUI overhead, digits_cnn with every view open: app / plain loop at 1 thread(s), 12 paired "
                    "segments"].endswith("| met |")
    assert "**not met**" in by_start["responsiveness, digits_cnn: 10 ms timer lateness while training, p50 / p99 (max)"]
    assert by_start["refresh, digits_cnn: redraws per second of the busiest plot (curves) while "
                    "training"].endswith("| met |")
    assert "**not met**" in by_start["live views, digits_cnn: redraws per second of the slowest view showing the run "
                                     "(histograms), every view floated"]
    gru = by_start["live views, digits_gru_rows: updates per second of the slowest view showing the run "
                   "(trajectories), every view floated"]
    assert gru.endswith("| met |") and "predictions 10.4 (3.0 paints)" in gru
    assert by_start["Press Train → first loss point, digits_cnn, warm training process, 5 presses"].endswith("| met |")
    assert "**not met**" in by_start["memory: resident, window + training process, after 1,000 steps, every view open"]
    assert by_start["memory: resident after 100,000 steps / after 1,000, every view open"].endswith("| met |")
    assert "exited with code 1" in by_start["startup"] and by_start["startup"].endswith("**failed** |")


def test_an_unknown_part_is_refused(bench_run, capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench_run.main(["--only", "engine,gpu"])
    assert exit_info.value.code == 2
    assert "unknown part(s): gpu" in capsys.readouterr().err
