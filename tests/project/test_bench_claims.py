"""bench/claims.py in quick mode: the claims table is built from real runs
(one epoch each) and real computations, and prints and writes what it says."""

from __future__ import annotations

import dataclasses
import importlib.util
import io
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import claims as measure
from engine.presets import load_preset

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "claims.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_claims", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_claims"] = module  # its dataclasses look their module up while being defined
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules["bench_claims"]


def test_worked_examples_and_table(bench, tmp_path, capsys):
    """C1 and C5 are computed, C6 trains two CNNs and a GRU for one epoch: the
    refusal and the acceptance do not depend on how well they learned."""
    out = tmp_path / "claims.json"
    assert bench.main(["--quick", "--only", "c1,C5,C6", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    lines = printed.splitlines()
    assert lines[0] == "| claim | measured | numbers: mean (min–max) over the runs | runs | verdict |"
    assert [line.split(" | ")[0] for line in lines[2:5]] == ["| C1", "| C5", "| C6"]
    assert "worked example 4, conv2d 4" in lines[2] and "**holds, with its nuance**" in lines[2]
    assert "max of [[1,2],[3,0]] = 3, max_pool2d 3" in lines[3]
    assert "Conv2d 8×8 → ReLU 8×8 → MaxPool2d 4×4" in lines[3]
    assert "Flatten CNN: refused (layer 7 (Linear) weight was trained as 4×2048" in lines[4]
    assert "sequence length 60 → 120" in lines[4] and "**holds" in lines[4]  # its nuance needs a trained CNN
    assert "quick mode" in printed
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["quick"] is True and [c["claim"] for c in doc["claims"]] == ["C1", "C5", "C6"]
    (run,) = doc["claims"][2]["details"]["runs"]  # quick: one seed at one thread
    assert (run["seed"], run["threads"]) == (0, 1)
    c6 = run["details"]
    assert c6["flatten"]["after"] is None and "global pooling" in c6["flatten"]["refusal"]
    assert c6["pooled"]["after"] is not None and c6["gru"]["after"] is not None


def test_an_unmet_expectation_says_which(bench):
    """Verdicts come from named expectations: one unmet, and the table says it."""
    verdict, unmet = bench.judge({"LSTM ≥ 0.9": False, "RNN near the baseline": True}, nuance=True)
    assert verdict == bench.FAILS and unmet == ["LSTM ≥ 0.9"]
    assert bench.judge({"a": True}, nuance=True) == (bench.NUANCE, [])
    assert bench.judge({"a": True}) == (bench.HOLDS, [])
    result = bench.ClaimResult("C9", "m", "n", (verdict, unmet), "clipping")
    assert "**does not hold**: not met: LSTM ≥ 0.9 |" in bench.table([result])


def test_unknown_claim_is_a_one_line_error(bench):
    with pytest.raises(SystemExit, match="unknown claim C18"):
        bench.main(["--only", "C3,C18"])


def test_filter_structure_and_time_measurements():
    smooth = np.tile(np.linspace(-1, 1, 3), (4, 1, 3, 1))  # four horizontal ramps
    noise = np.random.default_rng(0).normal(size=(64, 1, 3, 3))
    assert measure.neighbour_correlation(smooth) > 0.4
    assert abs(measure.neighbour_correlation(noise)) < 0.15
    exp = load_preset("motif_gru")
    times = measure.time_per_batch({"GRU": exp.model}, exp, (10, 40), batch=8, repeats=1)
    assert set(times["GRU"]) == {10, 40} and all(t > 0 for t in times["GRU"].values())
    assert measure.slope({10: 1.0, 20: 2.0, 40: 4.0}) == pytest.approx(0.1)


def test_generation_feeds_each_character_back():
    exp = load_preset("text_lstm")
    from engine import datasets

    bundle = datasets.load(exp.dataset, exp.training.seed)
    model = measure.model_with(exp, measure.initial_weights(exp, bundle.info), bundle.info)
    text = measure.generate(model, "The ", bundle.vocab, 20, seed=1)
    assert len(text) == 20 and set(text) <= set(bundle.vocab)
    assert text == measure.generate(model, "The ", bundle.vocab, 20, seed=1)  # seeded
    p = measure.next_char_probabilities(model, "the bank", bundle.vocab)
    assert p.shape == (len(bundle.vocab),) and p.sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="not in the vocabulary"):
        measure.encode("the bank\x00", bundle.vocab)


@pytest.mark.slow
def test_new_claim_presets_show_their_claims(bench):
    """The full runs of the presets added for C2/C3, C8's nuance and C15, at
    three seeds (the README's table has five, at one and two threads)."""
    results = {r.claim: r for r in bench.run_claims(["C3", "C2", "C8", "C15"], log=io.StringIO(), seeds=3)}
    for claim in ("C2", "C3", "C8", "C15"):
        assert results[claim].verdict != bench.FAILS, (claim, results[claim].unmet)
        assert results[claim].runs == 3
    for run in results["C3"].details["runs"]:
        assert run["details"]["mlp"]["after"] < 0.35 and run["details"]["cnn"]["after"] > 0.9
    assert all(run["details"]["shapes_ratio"] >= 10 for run in results["C2"].details["runs"])


def test_a_check_that_breaks_is_a_row_not_a_traceback(bench, monkeypatch):
    def broken(b, seed):
        raise RuntimeError("weights missing\nsecond line")

    monkeypatch.setitem(bench.CLAIMS, "C1", dataclasses.replace(bench.CLAIMS["C1"], check=broken))
    (failed, fine) = bench.run_claims(["C1", "C5"], log=io.StringIO())
    assert failed.verdict == bench.FAILS and failed.numbers == "RuntimeError: weights missing"
    assert "not met: the check ran to the end" in bench.table([failed])
    assert fine.claim == "C5" and fine.verdict == bench.NUANCE
