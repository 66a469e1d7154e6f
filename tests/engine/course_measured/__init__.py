"""What each claim measured, per seed and thread, named as its lesson records
it: one module per claim (``c03.py`` for C3), each with
``runs(lesson, claims) -> list[values]`` where ``claims`` is docs/claims.json
by claim id and ``values`` maps a record name to its fields, as the lesson
panel records them from a learner's run (engine/lesson_measure.py)."""

from __future__ import annotations

import importlib


def measured_runs(lesson, claims) -> list[dict]:
    try:
        module = importlib.import_module(f"{__name__}.c{int(lesson.claim[1:]):02d}")
    except ModuleNotFoundError as error:
        raise AssertionError(f"no measurements mapped for {lesson.claim}: add tests/engine/course_measured/"
                             f"c{int(lesson.claim[1:]):02d}.py") from error
    return module.runs(lesson, claims)
