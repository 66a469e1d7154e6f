"""An exercise's result file (``cnn-rnn-playground/lesson-result``): what a
learner hands in — their experiment, the values their runs measured, the
predictions they answered, the app's check of the goal, the app's version —
and ``--check-results FOLDER``, a teacher's table of a folder of them.

The table does not take a file's word for it: the goal is judged again from
the values in the file, and the parameter count again from the experiment in
it, so an edited "met": true or a hand-lowered parameter count shows. A
corrupt or foreign file is one line in the table; the rest go on.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from engine.errors import SpecError
from engine.experiment_file import (
    _type_name,
    decode_json,
    experiment_to_dict,
    parse_experiment,
    read_document,
    write_atomic,
)
from engine.lesson_file import Goal, Lesson, Requirement
from engine.lesson_measure import check_goal, model_fields
from engine.params import shown

FORMAT = "cnn-rnn-playground/lesson-result"
VERSION = 1


def result_document(lesson: Lesson, experiment, values: Mapping[str, Mapping[str, Any]],
                    answers: list[dict[str, Any]], learner: str = "") -> dict[str, Any]:
    """The result file's content for ``lesson`` (it must have a goal)."""
    from engine.sweep_run import app_version

    goal = lesson.goal
    check = check_goal(goal, values) if goal is not None else None
    return {
        "format": FORMAT, "version": VERSION,
        "learner": learner,
        "lesson": {"key": lesson.key, "title": lesson.title, "claim": lesson.claim},
        "goal": None if goal is None else {
            "text": goal.text, "record": goal.record,
            "require": [_requirement_doc(r) for r in goal.require],
            "met": check.met, "lines": list(check.lines)},
        "values": {k: dict(v) for k, v in values.items()},
        "predictions": answers,
        "experiment": experiment_to_dict(experiment),
        "app_version": app_version(),
        "written": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


def _requirement_doc(r: Requirement) -> dict[str, Any]:
    doc: dict[str, Any] = {"value": r.value}
    for key in ("at_least", "at_most", "equals"):
        if getattr(r, key) is not None:
            doc[key] = getattr(r, key)
    return doc


def write_result(path: str | os.PathLike[str], document: dict[str, Any]) -> None:
    write_atomic(path, json.dumps(document, indent=2, allow_nan=False) + "\n")


@dataclass(frozen=True)
class ResultRow:
    file: str
    learner: str = ""
    lesson: str = ""
    met: bool | None = None  # judged again here
    values: str = ""  # the goal's values, as text
    predictions: str = ""  # "3 of 4 right"
    version: str = ""
    problem: str = ""  # a file that could not be read, or disagrees with itself


def read_result(path: str | os.PathLike[str]) -> ResultRow:
    name = Path(path).name
    try:
        doc = decode_json(read_document(path, "a lesson result"))
        if not isinstance(doc, dict):
            raise SpecError("", f"must be a JSON object, got {_type_name(doc)}")
        if doc.get("format") != FORMAT:
            raise SpecError("format", f"is {shown(doc.get('format'))}, not a lesson result "
                            f"(\"{FORMAT}\")")
        if doc.get("version") != VERSION:
            raise SpecError("version", f"is {shown(doc.get('version'))}; this app reads version {VERSION}")
        return _row(name, doc)
    except SpecError as exc:
        return ResultRow(name, problem=str(exc))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return ResultRow(name, problem=f"damaged: {type(exc).__name__} {exc}")


def _row(name: str, doc: dict[str, Any]) -> ResultRow:
    lesson = doc.get("lesson") or {}
    values = doc.get("values")
    if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
        raise SpecError("values", "must be an object of records")
    experiment = parse_experiment(doc.get("experiment"))
    goal_doc = doc.get("goal")
    problem = ""
    met = None
    shown_values = ""
    if isinstance(goal_doc, dict):
        require = tuple(Requirement(r["value"], r.get("at_least"), r.get("at_most"), r.get("equals"))
                        for r in goal_doc.get("require", []))
        goal = Goal(str(goal_doc.get("text", "")), str(goal_doc.get("record", "")), require)
        record = values.get(goal.record, {})
        rebuilt = model_fields(experiment)
        if record.get("params") is not None and rebuilt["params"] != record.get("params"):
            problem = (f"the file says {record['params']:,} parameters, its experiment has "
                       f"{rebuilt['params'] if rebuilt['params'] is not None else 'no buildable model'}")
            values = {**values, goal.record: {**record, "params": rebuilt["params"]}}
        check = check_goal(goal, values)
        met = check.met and not problem
        if bool(goal_doc.get("met")) != check.met and not problem:
            problem = f"the file says the goal was {'met' if goal_doc.get('met') else 'missed'}; its values say not"
        shown_values = "; ".join(check.lines)
    answers = doc.get("predictions") or []
    right = sum(1 for a in answers if isinstance(a, dict) and a.get("correct"))
    return ResultRow(name, str(doc.get("learner", "")), str(lesson.get("title", "")), met, shown_values,
                     f"{right} of {len(answers)} right" if answers else "none", str(doc.get("app_version", "")),
                     problem)


def check_results(folder: str | os.PathLike[str]) -> list[ResultRow]:
    """A row per .json file in ``folder`` (sorted by name); unreadable ones name their problem."""
    root = Path(folder)
    if not root.is_dir():
        raise SpecError("", "is not a folder of lesson results", str(folder))
    return [read_result(p) for p in sorted(root.glob("*.json")) if p.is_file()]


def print_results(folder: str, out: TextIO) -> int:
    rows = check_results(folder)
    if not rows:
        print(f"{folder}: no result files (.json) here", file=out)
        return 0
    headers = ("file", "learner", "lesson", "goal", "values", "predictions", "app")
    table = [headers]
    for r in rows:
        if r.problem and r.met is None:
            table.append((r.file, "", "", "unreadable", r.problem, "", ""))
            continue
        goal = "—" if r.met is None else ("met" if r.met else "missed")
        if r.problem:
            goal += " (!)"
        table.append((r.file, r.learner, r.lesson, goal, r.values, r.predictions, r.version))
    widths = [max(len(row[i]) for row in table) for i in range(len(headers) - 1)]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1], file=out)
    for r in rows:
        if r.problem and r.met is not None:
            print(f"(!) {r.file}: {r.problem}", file=out)
    met = sum(1 for r in rows if r.met)
    unreadable = sum(1 for r in rows if r.problem and r.met is None)
    print(f"{met} of {len(rows)} met the goal" + (f"; {unreadable} could not be read" if unreadable else ""),
          file=out)
    return 0
