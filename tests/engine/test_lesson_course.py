"""The built-in course, checked without training: every lesson loads, asks
each prediction before the step that measures it, and expects what the
claim measured at every seed and thread in docs/claims.json (the learner is
judged by their own run; this checks the lesson's text does not promise
what the measurements do not show)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.lesson_measure import right_answer
from engine.presets import list_lessons
from tests.engine.course_measured import measured_runs

ROOT = Path(__file__).resolve().parents[2]
CLAIMS = {c["claim"]: c for c in json.loads((ROOT / "docs" / "claims.json").read_text())["claims"]}
LESSONS = list_lessons()


def test_the_course_is_in_order_and_each_lesson_asks_before_it_measures():
    assert LESSONS and [lesson.order for lesson in LESSONS] == sorted(lesson.order for lesson in LESSONS)
    for lesson in LESSONS:
        assert 5 <= len(lesson.steps) <= 10, lesson.key
        assert lesson.predictions, lesson.key
        recorded = {step.record: i for i, step in enumerate(lesson.steps) if step.record}
        for index, prediction in lesson.predictions:
            assert prediction.expect is not None, (lesson.key, index)
            first = min(recorded[value.split(".")[0]] for value in prediction.values)
            assert index <= first, f"{lesson.key}: step {index} asks after step {first} measured"
        assert "verdict" in lesson.steps[-1].title.lower(), lesson.key


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.key for lesson in LESSONS])
def test_each_expected_answer_is_what_the_claim_measured_at_every_seed_and_thread(lesson):
    runs = measured_runs(lesson, CLAIMS)
    assert runs
    for index, prediction in lesson.predictions:
        answers = {right_answer(prediction, values) for values in runs}
        assert answers == {prediction.expect}, (lesson.key, index, answers)


@pytest.mark.parametrize("lesson", [lesson for lesson in LESSONS if lesson.goal is not None],
                         ids=[lesson.key for lesson in LESSONS if lesson.goal is not None])
def test_each_exercise_goal_was_met_by_a_measured_model_at_every_seed_and_thread(lesson):
    """An exercise asks for what a real model reached, not for the impossible."""
    from engine.lesson_measure import check_goal

    runs = measured_runs(lesson, CLAIMS)
    assert len(runs) >= 10
    for values in runs:
        check = check_goal(lesson.goal, values)
        assert check.met, check.lines
