"""Lesson files: every name checked on load, the first problem in one line
(``--validate``), and predictions and goals judged from measured values."""

from __future__ import annotations

import copy
import io
import json

import pytest

from engine.cli import main
from engine.errors import SpecError
from engine.lesson_file import parse_lesson
from engine.lesson_measure import check_goal, judge, model_fields, right_answer, run_fields

CHOICE = {"question": "Which is higher?", "choices": ["A", "B", "same"], "why": "because",
          "answer": {"higher": ["a.val_accuracy", "b.val_accuracy"], "within": 0.05}}


def lesson(steps, **top):
    return copy.deepcopy({"format": "cnn-rnn-playground/lesson", "version": 1, "title": "T", "steps": steps, **top})


def two_runs(predict=CHOICE):
    return [{"title": "guess", "predict": predict},
            {"title": "A", "open": "digits_cnn", "done": {"action": "train"}, "record": "a"},
            {"title": "B", "open": "digits_mlp", "done": {"action": "train"}, "record": "b"}]


def problem(doc) -> str:
    with pytest.raises(SpecError) as caught:
        parse_lesson(doc)
    return str(caught.value)


def test_a_valid_lesson_loads_with_its_files_resolved():
    parsed = parse_lesson(lesson(two_runs(), claim="C2"))
    assert parsed.steps[1].open.endswith("presets/digits_cnn.json") and parsed.claim == "C2"
    assert [i for i, _ in parsed.predictions] == [0]


@pytest.mark.parametrize(("change", "where"), [
    (lambda d: d["steps"][1].update(highlight=["trian"]), 'steps[1].highlight[0]: unknown control or view "trian"'),
    (lambda d: d["steps"][1].update(hide=["filter"]), 'steps[1].hide[0]: unknown view "filter"'),
    (lambda d: d["steps"][1].update(lock=["filters"]), 'steps[1].lock[0]: unknown control "filters"'),
    (lambda d: d["steps"][1].update(done={"action": "fly"}), "steps[1].done.action: must be one of read, train"),
    (lambda d: d["steps"][1].update(done={"action": "open_view", "view": "gate"}), 'unknown view "gate"'),
    (lambda d: d["steps"][1].update(done={"action": "test", "test": "rotate"}), 'unknown test "rotate"'),
    (lambda d: d["steps"][1].update(done={"action": "train", "epochs": 3}), 'steps[1].done.epochs: unknown key'),
    (lambda d: d["steps"][1].update(open="no_such_preset"), 'steps[1].open: "no_such_preset" is neither'),
    (lambda d: d["steps"][2].update(record="a"), 'steps[2].record: "a" is already the record of steps[1]'),
    (lambda d: d["steps"][0]["predict"]["answer"].update(higher=["a.val_accuracy", "c.val_accuracy"]),
     'reads record "c", which no step records'),
    (lambda d: d["steps"][0]["predict"]["answer"].update(higher=["a.val_acc", "b.val_accuracy"]),
     'unknown value "val_acc"'),
    (lambda d: d["steps"][0]["predict"].update(choices=["A", "B"]), "a 'higher' answer needs 3 choices"),
    (lambda d: d["steps"][0]["predict"].update(expect="C"), "steps[0].predict.expect: must be one of the choices"),
    (lambda d: d["steps"][0].update(colour="red"), "steps[0].colour: unknown key"),
    (lambda d: d.update(claim="C99"), "claim: must be a claim id"),
    (lambda d: d.update(steps=[]), "steps: must be a non-empty list"),
    (lambda d: d.update(goal={"text": "g", "record": "z", "require": []}), 'goal.record: "z" is no step'),
    (lambda d: d["steps"][1].update(experiment="MLP"), "steps[1].experiment: names an experiment inside a comparison"),
    (lambda d: d["steps"][1].update(open="compare_permuted_pixels", experiment="GRU"),
     'steps[1].experiment: "GRU" is not in compare_permuted_pixels.json (its experiments: CNN, MLP, CNN permuted'),
])
def test_each_problem_is_named_where_it_is(change, where):
    doc = lesson(two_runs())
    change(doc)
    assert where in problem(doc)


def test_a_step_can_open_one_experiment_of_a_comparison():
    doc = lesson(two_runs())
    doc["steps"][2].update(open="compare_permuted_pixels", experiment="MLP permuted")
    step = parse_lesson(doc).steps[2]
    assert step.open.endswith("compare_permuted_pixels.json") and step.experiment == "MLP permuted"


def test_answers_come_from_the_measured_values():
    choice = parse_lesson(lesson(two_runs())).steps[0].predict
    assert right_answer(choice, {"a": {"val_accuracy": 0.9}}) is None  # b not measured yet
    assert right_answer(choice, {"a": {"val_accuracy": 0.9}, "b": {"val_accuracy": 0.5}}) == "A"
    assert right_answer(choice, {"a": {"val_accuracy": 0.5}, "b": {"val_accuracy": 0.9}}) == "B"
    assert right_answer(choice, {"a": {"val_accuracy": 0.90}, "b": {"val_accuracy": 0.93}}) == "same"
    assert judge(choice, "B", {"a": {"val_accuracy": 0.9}, "b": {"val_accuracy": 0.5}}).correct is False
    cuts = dict(CHOICE, choices=["chance", "some", "solved"], answer={"value": "a.val_accuracy", "cuts": [0.4, 0.9]})
    cut = parse_lesson(lesson(two_runs(cuts))).steps[0].predict
    assert [right_answer(cut, {"a": {"val_accuracy": v}}) for v in (0.25, 0.6, 0.95)] == ["chance", "some", "solved"]
    number = {"question": "How many?", "number": {"min": 0, "max": 100000}, "why": "w",
              "answer": {"value": "a.params", "within": 0.1}}
    guess = parse_lesson(lesson(two_runs(number))).steps[0].predict
    assert judge(guess, 1900, {"a": {"params": 2000}}).correct
    assert not judge(guess, 1500, {"a": {"params": 2000}}).correct


def test_a_goal_is_met_only_when_every_requirement_is():
    doc = lesson(two_runs(), goal={"text": "small and good", "record": "a", "require": [
        {"value": "a.val_accuracy", "at_least": 0.95}, {"value": "a.params", "at_most": 2000}]})
    goal = parse_lesson(doc).goal
    assert check_goal(goal, {"a": {"val_accuracy": 0.96, "params": 1954}}).met
    missed = check_goal(goal, {"a": {"val_accuracy": 0.96, "params": 9610}})
    assert not missed.met and missed.lines[1] == "params ≤ 2000: 9,610 ✗"
    assert not check_goal(goal, {}).met


def test_run_fields_read_a_summary():
    summary = {"final": {"val_accuracy": 0.5, "val_loss": 1.0, "train_loss": 1.1}, "epochs": 2, "seconds": 3.0,
               "params": 10, "samples_per_second": 100.0, "history": [{"val_metric": 0.6}, {"val_metric": 0.5}]}
    fields = run_fields(summary)
    assert fields["seconds_per_epoch"] == 1.5 and fields["best_val_accuracy"] == 0.6 and fields["params"] == 10


def test_model_fields_give_the_side_of_the_maps_after_the_first_conv_and_pool():
    from engine.experiment_file import load_experiment
    from engine.preset_paths import PRESETS_DIR

    digits = model_fields(load_experiment(PRESETS_DIR / "digits_cnn.json"))  # 8×8, padding 1, then 2×2 pooling
    assert (digits["size_after_conv"], digits["size_after_pool"], digits["valid"]) == (8, 4, 1)
    motif = model_fields(load_experiment(PRESETS_DIR / "motif_cnn.json"))  # a 1-D conv: the sequence's length
    assert (motif["size_after_conv"], motif["size_after_pool"]) == (60, None)
    gru = model_fields(load_experiment(PRESETS_DIR / "motif_gru.json"))
    assert gru["size_after_conv"] is None and gru["params"] > 0
    parse_lesson(lesson([{"title": "guess", "predict": {**CHOICE, "choices": ["8×8", "4×4"], "answer": {
        "value": "m.size_after_pool", "cuts": [6]}}}, {"title": "m", "open": "digits_cnn", "record": "m"}]))


def test_validate_says_valid_or_names_the_first_problem(tmp_path):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(lesson(two_runs())))
    doc = lesson(two_runs())
    doc["steps"][1]["highlight"] = ["trian"]
    bad.write_text(json.dumps(doc))
    out, err = io.StringIO(), io.StringIO()
    assert main(["--validate", str(good)], out=out, err=err) == 0
    assert 'a valid lesson, "T": 3 steps, 1 prediction' in out.getvalue()
    assert main(["--validate", str(bad)], out=out, err=err) == 2
    line = err.getvalue().strip()
    assert "\n" not in line and 'steps[1].highlight[0]: unknown control or view "trian"' in line
    assert main(["--validate", "digits_cnn"], out=out, err=err) == 0
    assert 'a valid experiment, "Digits CNN"' in out.getvalue()


def test_check_results_names_a_foreign_file_and_goes_on(tmp_path):
    (tmp_path / "experiment.json").write_text((__import__("engine.preset_paths").preset_paths.PRESETS_DIR
                                               / "digits_cnn.json").read_text())
    (tmp_path / "empty.json").write_text("")
    out = io.StringIO()
    assert main(["--check-results", str(tmp_path)], out=out) == 0
    text = out.getvalue()
    assert 'experiment.json' in text and 'not a lesson result' in text and "empty.json" in text
    assert "0 of 2 met the goal; 2 could not be read" in text
