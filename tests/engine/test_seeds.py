"""Seeds: comparison files and ``--seeds`` train every experiment several
times, the table shows mean and range, and the verdict names a winner only
when the ranges do not overlap."""

from __future__ import annotations

import json

import pytest

from engine.comparison_file import comparison_to_dict, parse_comparison
from engine.comparison_table import compare, seed_values, still_improving
from engine.errors import SpecError
from engine.seeds import MAX_SEEDS, Seeds, parse_seeds
from tests.engine.test_comparison import CNN_LAYERS, GRU_LAYERS, TINY, comparison, experiment, run, write


def _summary(value, seed=0, params=1000, seconds=1.0, epochs=1, metric="val_accuracy", curve=None, **flags):
    history = [{"epoch": i + 1, "val_metric": v} for i, v in enumerate(curve or [value] * epochs)]
    return {"params": params, "epochs": len(history), "seconds": seconds * len(history), "seed": seed,
            "samples_per_second": 1000.0, "final": {"train_loss": 1.0, "val_loss": 1.0, metric: value},
            "history": history, **flags}


def _seeds(*values, **kw):
    return [_summary(v, seed=i, **kw) for i, v in enumerate(values)]


def _pair(**top):
    return parse_comparison(comparison({"label": "CNN", "experiment": experiment("c", CNN_LAYERS)},
                                       {"label": "GRU", "experiment": experiment("g", GRU_LAYERS)}, **top))


# ---------------------------------------------------------------- the field


@pytest.mark.parametrize(("value", "where", "words"), [
    (0, "seeds", "from 1 to 50 seeds, got 0"),
    (-3, "seeds", "from 1 to 50 seeds, got -3"),
    (10_000, "seeds", "from 1 to 50 seeds, got 10000"),
    (2.5, "seeds", "number of seeds (1 to 50) or a list"),
    (True, "seeds", "number of seeds (1 to 50) or a list"),
    ("3", "seeds", "number of seeds (1 to 50) or a list"),
    ([], "seeds", "empty list"),
    ([0, 1.5], "seeds[1]", "whole number"),
    ([0, -1], "seeds[1]", "from 0 to"),
    ([4, 2, 4], "seeds[2]", "4 is already seeds[0]"),
    (list(range(MAX_SEEDS + 1)), "seeds", "at most 50"),
])
def test_bad_seeds_name_the_field(value, where, words):
    with pytest.raises(SpecError) as info:
        _pair(seeds=value)
    assert info.value.path == where and words in info.value.message


def test_a_count_starts_at_each_experiments_own_seed_and_a_list_is_shared():
    doc = comparison({"label": "A", "experiment": experiment("a", seed=5)},
                     {"label": "B", "experiment": experiment("b")}, seeds=3)
    counted = parse_comparison(doc)
    assert [counted.seeds_of(i) for i in (0, 1)] == [(5, 6, 7), (0, 1, 2)]
    listed = parse_comparison({**doc, "seeds": [9, 2]})
    assert [listed.seeds_of(i) for i in (0, 1)] == [(9, 2), (9, 2)]
    assert parse_comparison(comparison_to_dict(listed)) == listed
    old = parse_comparison({k: v for k, v in doc.items() if k != "seeds"})
    assert old.seeds_of(0) == (5,) and "seeds" not in comparison_to_dict(old)  # old files keep their meaning


def test_seeds_describe_themselves():
    assert parse_seeds(3) == Seeds(count=3) and len(parse_seeds([1, 7])) == 2
    assert parse_seeds([1, 7]).describe() == "seeds 1, 7" and Seeds(count=1).describe() == "1 seed"


# ---------------------------------------------------------------- table and verdict


def test_overlapping_ranges_are_no_clear_difference_even_when_the_means_differ():
    """The motif verdict that flipped with one more seed: CNN 1.00/1.00/0.94
    vs GRU 0.59/0.57/1.00."""
    result = compare(_pair(seeds=3), [_seeds(1.0, 1.0, 0.94), _seeds(0.59, 0.57, 1.0)])
    cnn, gru = result.rows
    assert (cnn.low, cnn.high, gru.low, gru.high) == (0.94, 1.0, 0.57, 1.0)
    assert cnn.value == pytest.approx(0.98) and result.seeds == 3
    assert result.verdict.startswith("No clear difference on motif across 3 seeds: CNN 0.98 (0.94–1.00) vs "
                                     "GRU 0.72 (0.57–1.00) (the ranges overlap)")
    assert seed_values(gru) == "seed 0: 0.59, seed 1: 0.57, seed 2: 1.00"
    head, body = result.table_lines()[0], result.table_lines()[2]
    assert "val_accuracy (mean, range over 3 seeds)" in head and "0.98 (0.94–1.00)" in body
    assert any(line.startswith("seeds: 3 per experiment (seeds 0, 1, 2)") for line in result.table_lines())


def test_a_winner_only_when_its_worst_seed_beats_the_others_best():
    result = compare(_pair(seeds=3), [_seeds(0.97, 0.95, 0.99, params=400), _seeds(0.60, 0.81, 0.70, params=1500)])
    assert result.verdict == ("CNN 0.97 (0.95–0.99) vs GRU 0.70 (0.60–0.81) on motif across 3 seeds: the GRU "
                              "has 3.8× the parameters of the CNN (1,500 vs 400).")
    one_better_seed = compare(_pair(seeds=3), [_seeds(0.97, 0.80, 0.99), _seeds(0.60, 0.81, 0.70)])
    assert one_better_seed.verdict.startswith("No clear difference")


def test_speed_is_a_reason_only_when_the_runs_trained_in_turn():
    """Runs trained at once shared the processor: their s/epoch say nothing
    about the models, and the table's timing line says so; the verdict must
    not then call one faster."""
    summaries = [_seeds(0.97, 0.96, seconds=1.0), _seeds(0.30, 0.28, seconds=4.0)]
    in_turn = compare(_pair(seeds=2), summaries)
    assert "the CNN trains 4.0× faster per epoch" in in_turn.verdict
    at_once = compare(_pair(seeds=2), summaries, at_once=2)
    assert "faster" not in at_once.verdict and at_once.verdict.startswith("CNN 0.96 (0.96–0.97) vs GRU")
    assert any(line.startswith("timing: 2 runs trained at once") for line in at_once.table_lines())


def test_identical_ranges_are_within_a_tie_and_diverged_seeds_are_named():
    result = compare(_pair(seeds=2), [_seeds(0.90, 0.91), [_summary(0.895), _summary(float("nan"), seed=1,
                                                                                        diverged=True)]])
    assert "No clear difference" in result.verdict and result.verdict.endswith("; the GRU diverged on seed 1.")
    assert result.rows[1].values == (0.895, None) and "(1 diverged)" in result.table_lines()[3]


def test_a_model_still_improving_at_its_last_epoch_is_named():
    rising = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99]
    flat = [0.3, 0.5, 0.6, 0.62, 0.6, 0.61, 0.6, 0.6, 0.62, 0.6]
    assert still_improving(rising, True) and not still_improving(flat, True)
    assert still_improving([1.0, 0.5, 0.4, 0.3, 0.2], False)
    result = compare(_pair(), [_summary(0.99, curve=rising), _summary(0.60, curve=flat)])
    assert result.rows[0].improving and not result.rows[1].improving
    assert result.verdict.endswith("still improving at the last epoch: CNN (more epochs may change this).")


# ---------------------------------------------------------------- the command line


def test_headless_seeds_for_a_comparison_write_every_seed(tmp_path):
    """Two identical experiments that differ only in their seed: no clear
    difference. Runs in parallel and in turn give the same numbers."""
    path = write(tmp_path / "c.json", comparison({"label": "A", "experiment": experiment("a")},
                                                 {"label": "B", "experiment": experiment("b", seed=10)}, seeds=2))
    out_json, metrics = tmp_path / "s.json", tmp_path / "m.csv"
    code, out, err = run("--headless", path, "--device", "cpu", "--summary-json", str(out_json),
                         "--metrics-out", str(metrics), "--jobs", "2")
    assert code == 0, err
    assert "[1/2 A seed 0] epoch   1/1" in out and "[2/2 B seed 11] epoch   1/1" in out
    table = json.loads(out_json.read_text())
    assert table["seeds"] == [[0, 1], [10, 11]] and table["at_once"] == 2
    assert "No clear difference on motif across 2 seeds" in table["verdict"]
    a = json.loads((tmp_path / "s.1-A.json").read_text())
    assert a["seeds"] == [0, 1] and [p["seed"] for p in a["per_seed"]] == [0, 1]
    values = [p["final"]["val_accuracy"] for p in a["per_seed"]]
    assert a["final_min"]["val_accuracy"] == min(values) and a["final_max"]["val_accuracy"] == max(values)
    assert a["final_mean"]["val_accuracy"] == pytest.approx(sum(values) / 2)
    assert sorted(p.name for p in tmp_path.glob("m.*.csv")) == [
        "m.1-A.seed0.csv", "m.1-A.seed1.csv", "m.2-B.seed10.csv", "m.2-B.seed11.csv"]
    code, out, _ = run("--headless", path, "--device", "cpu", "--jobs", "1", "--summary-json", str(out_json))
    in_turn = json.loads((tmp_path / "s.1-A.json").read_text())
    assert [p["final"] for p in in_turn["per_seed"]] == [p["final"] for p in a["per_seed"]]
    assert "s/epoch (in turn)" in out


def test_headless_seeds_for_one_experiment(tmp_path):
    path = write(tmp_path / "e.json", experiment("e", GRU_LAYERS, options=TINY, seed=4))
    code, out, err = run("--headless", path, "--seeds", "2", "--summary-json", str(tmp_path / "s.json"),
                         "--metrics-out", str(tmp_path / "m.csv"), "--jobs", "1")
    assert code == 0, err
    assert "[seed 4] epoch   1/1" in out and "[seed 5] epoch   1/1" in out and "over 2 seeds" in out
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["seeds"] == [4, 5] and summary["threads"] == 1 and len(summary["per_seed"]) == 2
    assert summary["final"] == summary["final_mean"]
    assert sorted(p.name for p in tmp_path.glob("m.*")) == ["m.seed4.csv", "m.seed5.csv"]
    code, out, err = run("--headless", path, "--seed", "7", "--summary-json", str(tmp_path / "one.json"))
    assert code == 0 and json.loads((tmp_path / "one.json").read_text())["seeds"] == [7]


@pytest.mark.parametrize(("args", "words"), [
    (["--seeds", "0"], "--seeds: must be from 1 to 50 seeds, got 0"),
    (["--seeds", "-2"], "--seeds: must be from 1 to 50 seeds, got -2"),
    (["--seeds", "10000"], "--seeds: must be from 1 to 50 seeds, got 10000"),
    (["--seeds", "1.5"], "--seeds: must be a number of seeds or a comma-separated list"),
    (["--seeds", "3,3"], "--seeds[1]: 3 is already --seeds[0]"),
    (["--threads", "0"], "--threads: must be a whole number of threads"),
    (["--jobs", "0"], "--jobs must be from 1 to 256"),
])
def test_bad_run_options_are_one_line_and_train_nothing(tmp_path, args, words):
    path = write(tmp_path / "e.json", experiment())
    code, out, err = run("--headless", path, *args)
    assert code == 2 and err.startswith(f"error: {words}"), err
    assert err.count("\n") == 1 and "training" not in out


def test_a_comparison_files_bad_seeds_exit_2_before_training(tmp_path):
    path = write(tmp_path / "c.json", comparison({"label": "A", "experiment": experiment()},
                                                 {"label": "B", "experiment": experiment()}, seeds=[1, 1]))
    code, out, err = run("--headless", path)
    assert code == 2 and err.count("\n") == 1 and "seeds[1]: 1 is already seeds[0]" in err and not out
