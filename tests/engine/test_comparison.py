"""Comparison files (format, references, validation, round trip), the
comparison table and its verdict, and a real headless comparison run."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import pytest

from engine.cli import main
from engine.comparison_file import (
    FORMAT,
    Comparison,
    LabelledExperiment,
    comparison_to_dict,
    is_comparison_file,
    load_comparison,
    parse_comparison,
    save_comparison,
)
from engine.comparison_table import compare, dependency, model_kind, reach
from engine.errors import SpecError
from engine.experiment_file import experiment_to_dict, parse_experiment
from engine.presets import PRESETS_DIR, list_comparisons

TINY = {"n_samples": 200, "length": 20, "n_symbols": 8, "n_classes": 3, "motif_length": 3}
CNN_LAYERS = [{"type": "Conv1d", "out_channels": 8, "kernel_size": 3, "padding": 1}, {"type": "ReLU"},
              {"type": "GlobalMaxPool"}, {"type": "Linear"}]
GRU_LAYERS = [{"type": "GRU", "hidden_size": 8}, {"type": "Linear"}]


def experiment(name="e", layers=CNN_LAYERS, dataset="motif", options=TINY, **training):
    return {"format": "cnn-rnn-playground/experiment", "version": 1, "name": name, "description": "",
            "dataset": {"name": dataset, "options": dict(options)}, "model": {"layers": copy.deepcopy(layers)},
            "training": {"epochs": 1, "batch_size": 32, **training}}


def comparison(*entries, **top):
    return {"format": FORMAT, "version": 1, "name": "c", "description": "d", "claims": ["C8"],
            "experiments": list(entries), **top}


def write(path: Path, doc) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


# ---------------------------------------------------------------- the file


def test_references_resolve_relative_to_the_comparison_file(tmp_path, monkeypatch):
    write(tmp_path / "models" / "cnn.json", experiment("the cnn"))
    path = write(tmp_path / "comps" / "c.json", comparison(
        {"label": "CNN", "path": "../models/cnn.json"},
        {"label": "GRU", "experiment": experiment("the gru", GRU_LAYERS)}))
    monkeypatch.chdir(tmp_path / "models")  # not the folder the reference is relative to
    comp = load_comparison(path)
    assert comp.labels == ("CNN", "GRU") and comp.dataset == "motif" and comp.claims == ("C8",)
    cnn, gru = comp.experiments
    assert cnn.experiment.name == "the cnn" and cnn.source == (tmp_path / "models" / "cnn.json").resolve()
    assert gru.experiment.name == "the gru" and gru.source is None


def test_round_trip_keeps_references_and_inline_experiments(tmp_path):
    write(tmp_path / "cnn.json", experiment("cnn"))
    first = write(tmp_path / "c.json", comparison(
        {"label": "CNN", "path": "cnn.json"}, {"label": "GRU", "experiment": experiment("gru", GRU_LAYERS)}))
    comp = load_comparison(first)
    moved = tmp_path / "sub" / "again.json"
    moved.parent.mkdir()
    save_comparison(comp, moved)
    assert load_comparison(moved) == comp
    doc = json.loads(moved.read_text(encoding="utf-8"))
    assert doc["experiments"][0] == {"label": "CNN", "path": "../cnn.json"}  # relative to the new place
    assert doc["experiments"][1]["experiment"] == experiment_to_dict(comp.experiments[1].experiment)
    text = moved.read_text(encoding="utf-8")
    save_comparison(load_comparison(moved), moved)
    assert moved.read_text(encoding="utf-8") == text


def test_label_defaults_to_the_experiment_name(tmp_path):
    comp = parse_comparison(comparison({"experiment": experiment("one")},
                                       {"experiment": experiment("two", GRU_LAYERS)}))
    assert comp.labels == ("one", "two")


@pytest.mark.parametrize("change, where, words", [
    (lambda d: d["experiments"].pop(), "experiments", "at least 2"),
    (lambda d: d.update(experiments={}), "experiments", "must be a list"),
    (lambda d: d.update(format="cnn-rnn-playground/experiment"), "format", "is this a comparison file"),
    (lambda d: d.update(version=2), "version", "newer CNN-RNN Playground"),
    (lambda d: d.update(extra=1), "extra", "unknown key"),
    (lambda d: d.update(claims=["eight"]), "claims[0]", 'claim id such as "C8"'),
    (lambda d: d["experiments"][1].update(label="A"), "experiments[1].label", "already the label of experiments[0]"),
    (lambda d: d["experiments"][1].update(label=""), "experiments[1].label", "must not be empty"),
    (lambda d: d["experiments"][1].update(path="x.json"), "experiments[1]", "exactly one of"),
    (lambda d: d["experiments"][1].pop("experiment"), "experiments[1]", "exactly one of"),
    (lambda d: d["experiments"][0].update(colour="red"), "experiments[0].colour", "unknown key"),
    (lambda d: d["experiments"][1]["experiment"]["model"]["layers"][0].update(kernel_size=-1),
     "experiments[1].experiment.model.layers[0].kernel_size", "positive integer"),
    (lambda d: d["experiments"][1]["experiment"].update(dataset={"name": "long_range"}),
     "experiments[1]", 'uses data set "long_range", but experiments[0] uses "motif"'),
])
def test_each_problem_names_the_file_and_the_entry(tmp_path, change, where, words):
    doc = comparison({"label": "A", "experiment": experiment()}, {"label": "B", "experiment": experiment()})
    change(doc)
    path = write(tmp_path / "c.json", doc)
    with pytest.raises(SpecError) as caught:
        load_comparison(path)
    assert caught.value.file == path and caught.value.path == where and words in caught.value.message
    assert str(caught.value).startswith(f"{path}: {where}: ")


def test_a_broken_reference_names_the_entry_and_the_referenced_problem(tmp_path):
    write(tmp_path / "bad.json", {**experiment(), "model": {"layers": [{"type": "Conv9d"}]}})
    path = write(tmp_path / "c.json", comparison({"label": "A", "path": "bad.json"},
                                                 {"label": "B", "path": "missing.json"}))
    with pytest.raises(SpecError) as caught:
        load_comparison(path)
    assert str(caught.value).startswith(f'{path}: experiments[0].path: "bad.json": model.layers[0].type: '
                                        'unknown layer type "Conv9d"')
    write(tmp_path / "bad.json", experiment())
    with pytest.raises(SpecError, match=r'experiments\[1\].path: "missing.json": no such file'):
        load_comparison(path)


def test_options_may_differ_and_the_table_shows_them(tmp_path):
    comp = parse_comparison(comparison({"label": "short", "experiment": experiment()},
                                       {"label": "long", "experiment": experiment(options={**TINY, "length": 30})}))
    result = compare(comp, [_summary(0.9), _summary(0.8)])
    assert [r.data_options for r in result.rows] == ["length=20", "length=30"]
    assert "data options" in result.table_lines()[0]


def test_save_refuses_what_could_not_be_loaded(tmp_path):
    exp = parse_experiment(experiment())
    one = Comparison("c", "", (), (LabelledExperiment("A", exp),))
    with pytest.raises(SpecError, match="at least 2"):
        save_comparison(one, tmp_path / "c.json")
    assert not (tmp_path / "c.json").exists()


def test_every_built_in_comparison_loads_and_is_listed():
    files = sorted(PRESETS_DIR.glob("compare_*.json"))
    assert len(files) >= 5
    listed = list_comparisons()
    assert [p.path for p in listed] == files
    for info in listed:
        comp = load_comparison(info.path)
        assert comp.claims and len(comp.description) > 100 and is_comparison_file(info.path)
        assert parse_comparison(comparison_to_dict(comp, PRESETS_DIR), PRESETS_DIR) == comp


# ---------------------------------------------------------------- table and verdict


def _summary(value, params=1000, seconds=1.0, epochs=1, metric="val_accuracy", **flags):
    return {"params": params, "epochs": epochs, "seconds": seconds * epochs, "samples_per_second": 1000.0,
            "final": {"train_loss": 1.0, "val_loss": 1.0, metric: value}, **flags}


def _long_range(cnn_layers=None):
    options = {"length": 64, "distance": 12, "n_samples": 400}
    cnn = cnn_layers or [{"type": "Conv1d", "kernel_size": 5, "padding": 2}, {"type": "ReLU"},
                         {"type": "Conv1d", "kernel_size": 5, "padding": 2}, {"type": "GlobalMaxPool"},
                         {"type": "Linear"}]
    return parse_comparison(comparison(
        {"label": "CNN", "experiment": experiment("cnn", cnn, "long_range", options)},
        {"label": "GRU", "experiment": experiment("gru", GRU_LAYERS, "long_range", options)}))


def test_verdict_names_a_receptive_field_shorter_than_the_dependency():
    result = compare(_long_range(), [_summary(0.51), _summary(0.98)])
    assert result.verdict == ("GRU 0.98 vs CNN 0.51 on long_range from one seed: the CNN's receptive field "
                              "(9 steps) is shorter than the dependency (13 steps).")
    cnn, gru = result.rows
    assert (cnn.model, cnn.reach.field, cnn.reach.describe()) == ("CNN", 9, "9 of 64 steps")
    assert (gru.model, gru.reach.field, gru.reach.describe()) == ("GRU", None, "all 64 steps")
    lines = result.table_lines()
    assert "dependency: 13 steps (the keys stand at least 12 steps apart)" in lines
    assert lines[-1] == f"verdict: {result.verdict}"


def test_a_wide_enough_field_is_not_blamed():
    dilated = [{"type": "Conv1d", "kernel_size": 5, "padding": 8, "dilation": 4}, {"type": "GlobalMaxPool"},
               {"type": "Linear"}]
    result = compare(_long_range(dilated), [_summary(0.70, params=500), _summary(0.98, params=15000)])
    assert result.rows[0].reach.field == 17
    assert result.verdict == ("GRU 0.98 vs CNN 0.70 on long_range from one seed: the GRU has 30× the "
                              "parameters of the CNN (15,000 vs 500).")


def test_similar_results_are_no_clear_difference_with_what_else_differs():
    comp = parse_comparison(comparison({"label": "CNN", "experiment": experiment()},
                                       {"label": "GRU", "experiment": experiment("g", GRU_LAYERS)}))
    result = compare(comp, [_summary(0.97, params=900, seconds=0.5), _summary(0.98, params=1000, seconds=2.0)])
    assert result.verdict == ("No clear difference on motif from one seed: GRU 0.98 vs CNN 0.97 (within what "
                              "another seed can change); the CNN trains 4.0× faster per epoch.")


def test_both_near_chance_and_a_diverged_run():
    comp = parse_comparison(comparison({"label": "RNN", "experiment": experiment()},
                                       {"label": "LSTM", "experiment": experiment("g", GRU_LAYERS)},
                                       {"label": "big", "experiment": experiment("b", GRU_LAYERS)}))
    result = compare(comp, [_summary(0.36), _summary(0.35), _summary(float("nan"), diverged=True)])
    assert result.baseline == pytest.approx(1 / 3)
    assert result.verdict == ("Neither model beat chance on motif from one seed: RNN 0.36 vs LSTM 0.35 "
                              "(chance 0.33); big diverged.")
    assert result.rows[2].status == "diverged" and "(diverged)" in result.table_lines()[4]
    unflagged = compare(comp, [_summary(0.9), _summary(0.35), _summary(float("inf"))])
    assert unflagged.verdict == ("RNN 0.90 vs LSTM 0.35 on motif from one seed: the LSTM stays near chance "
                                 "(0.33); big diverged.")
    assert unflagged.rows[2].value is None and json.dumps(unflagged.to_dict(), allow_nan=False)


def test_regression_lower_error_wins():
    options = {"n_samples": 200, "length": 20}
    comp = parse_comparison(comparison(
        {"label": "RNN", "experiment": experiment("r", [{"type": "RNN"}, {"type": "Linear"}], "adding", options)},
        {"label": "LSTM", "experiment": experiment("l", [{"type": "LSTM"}, {"type": "Linear"}], "adding", options)}))
    result = compare(comp, [_summary(0.16, metric="val_mse"), _summary(0.01, metric="val_mse")])
    assert result.metric == "val_mse"
    assert result.verdict == "LSTM MSE 0.01 vs RNN MSE 0.16 on adding from one seed: the RNN stays near chance (0.167)."


def test_model_kinds_reach_and_dependencies_of_the_built_ins():
    comps = {p.key: load_comparison(p.path) for p in list_comparisons()}
    lr = comps["compare_long_range"].experiments
    assert [model_kind(e.experiment.model) for e in lr] == ["CNN", "GRU"]
    assert reach(lr[0].experiment).field == 9 and dependency(lr[0].experiment.dataset).span == 13
    digits = comps["compare_digits_cnn_mlp"].experiments
    assert [model_kind(e.experiment.model) for e in digits] == ["CNN", "MLP"]
    assert dependency(digits[0].experiment.dataset) is None


# ---------------------------------------------------------------- command line


def test_headless_comparison_trains_each_and_writes_the_table(tmp_path):
    path = write(tmp_path / "c.json", comparison(
        {"label": "CNN", "experiment": experiment("cnn")},
        {"label": "GRU/rnn", "experiment": experiment("gru", GRU_LAYERS)}))
    out_json = tmp_path / "out" / "s.json"
    out_json.parent.mkdir()
    code, out, err = run("--headless", path, "--device", "cpu", "--seed", "3", "--summary-json", str(out_json),
                         "--metrics-out", str(tmp_path / "out" / "m.csv"))
    assert code == 0, err
    assert "[1/2 CNN] epoch   1/1" in out and "[2/2 GRU/rnn] epoch   1/1" in out
    assert "verdict: " in out and out.index("verdict: ") > out.index("[2/2 GRU/rnn] epoch")
    table = json.loads(out_json.read_text())
    assert table["summaries"] == ["s.1-CNN.json", "s.2-GRU_rnn.json"]
    assert table["comparison"] == "c" and table["dataset"] == "motif" and table["claims"] == ["C8"]
    assert [r["label"] for r in table["rows"]] == ["CNN", "GRU/rnn"] and table["verdict"] in out
    first = json.loads((out_json.parent / "s.1-CNN.json").read_text())
    assert first["preset"] == "cnn" and first["label"] == "CNN" and first["epochs"] == 1
    assert first["diverged"] is False and table["rows"][0]["params"] == first["params"]
    assert sorted(p.name for p in out_json.parent.iterdir()) == [
        "m.1-CNN.csv", "m.2-GRU_rnn.csv", "s.1-CNN.json", "s.2-GRU_rnn.json", "s.json"]


def test_summary_of_a_comparison_and_its_errors(tmp_path):
    code, out, _ = run("--summary", str(PRESETS_DIR / "compare_long_range.json"))
    assert code == 0
    assert "[1/2 CNN] " in out and "[2/2 GRU] " in out and "sees 9 of 64 steps" in out
    bad = write(tmp_path / "c.json", comparison(
        {"label": "A", "experiment": experiment()},
        {"label": "B", "experiment": experiment(layers=[{"type": "GRU", "output": "all"}, {"type": "Linear"}])}))
    code, _, err = run("--summary", bad)
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"error: {bad}: experiments[1]: (B) model.layers[1] (Linear): the model ends with")
    code, out, err2 = run("--headless", bad)  # refused before the first experiment trains
    assert code == 2 and err2 == err and "training" not in out
    code, _, err = run("--headless", bad.replace("c.json", "missing.json"))
    assert code == 2 and "no such file" in err


def test_an_inline_experiments_data_path_is_relative_to_the_comparison_file(tmp_path, monkeypatch):
    """Imported data beside a comparison file is found from any working directory."""
    from engine.experiment_file import experiment_to_dict, load_experiment
    from engine.presets import PRESETS_DIR

    data = tmp_path / "corpus.txt"
    data.write_text("the quick brown fox jumps over the lazy dog. " * 200, encoding="utf-8")
    text = experiment_to_dict(load_experiment(PRESETS_DIR / "text_lstm.json"))
    text["dataset"]["options"]["path"] = "corpus.txt"
    doc = {"format": "cnn-rnn-playground/comparison", "version": 1, "name": "two text models",
           "experiments": [{"label": "a", "experiment": text}, {"label": "b", "experiment": text}]}
    path = tmp_path / "compare.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    monkeypatch.chdir(tmp_path.parent)
    comparison = load_comparison(path)
    assert comparison.experiments[0].experiment.dataset.options["path"] == str(data)
    save_comparison(comparison, tmp_path / "again.json")  # saved beside: stored relative again
    saved = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    assert saved["experiments"][0]["experiment"]["dataset"]["options"]["path"] == "corpus.txt"


def test_an_images_reach_is_said_in_both_dimensions():
    """"all 8 px" for an 8×8 image read as a strip 8 pixels long (issue #16, item 14)."""
    from engine.comparison_table import Reach, reach
    from engine.presets import load_preset

    assert reach(load_preset("digits_cnn")).describe() == "all 8×8 px"  # Flatten: every pixel
    assert Reach(5, 16, "px", 16).describe() == "5×5 of 16×16 px"
    assert Reach(40, 16, "px", 16).describe() == "16×16 of 16×16 px"  # a field past the border is the image
