"""The built-in course end to end, as a learner takes it: every step's
action performed through the window completes it, every prediction is
locked in before its run and, by the lesson's end, judged against a value
that a real run measured. Runs are short here (one epoch where a step only
asks for a run); whether the author's expected answer is what the claim
measures over seeds and threads is tests/engine/test_lesson_course.py's."""

from __future__ import annotations

import pytest

from engine.lesson_measure import check_goal, right_answer
from engine.presets import list_lessons
from tests.gui.conftest import open_window
from tests.gui.lesson.lesson_helpers import answer_prediction, perform

LESSONS = list_lessons()


def solutions():
    """An exercise's model change, as a learner who solved it makes it: the
    small CNN the claims measured (tests/engine/course_measured/c02.py)."""
    from tests.engine.course_measured.c02 import small_digits_cnn

    return {"13_exercise_small_cnn": small_digits_cnn().model}


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.key for lesson in LESSONS])
def test_a_built_in_lesson_runs_end_to_end(qtbot, lesson, dialogs):
    window = open_window(qtbot)
    panel = window.lessons.show(str(lesson.source))
    driver = panel.driver
    assert driver.lesson.title == lesson.title
    solution = solutions().get(lesson.key)
    for index, step in enumerate(lesson.steps):
        assert driver.index == index, (index, step.title)
        if solution is not None and step.done.action == "edit_model":
            answer_prediction(panel)
            window.model_stack.set_layers(solution, "The learner's small CNN")
            qtbot.waitUntil(lambda: driver.is_done(), timeout=10_000)
        else:
            perform(qtbot, window, panel)
        assert driver.is_done(), (index, step.title)
        if index < len(lesson.steps) - 1:
            panel.next_button.click()
    for index, prediction in lesson.predictions:
        outcome = driver.outcome(index)
        assert outcome is not None, (f"step {index}: {prediction.question} was never measured", driver.progress)
        assert outcome.right == right_answer(prediction, driver.progress.values)
    assert panel.outcomes.count() == len(lesson.predictions)
    if lesson.goal is not None:  # solved as the claims measured it: the goal is met, and says so
        assert check_goal(lesson.goal, driver.progress.values).met, driver.progress.values
        assert "met" in panel.goal_text.text().lower()
    panel.next_button.click()  # Done
    assert not driver.running and not window.runner.is_active
