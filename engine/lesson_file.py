"""Lesson files (README, "Lesson file"): an ordered list of steps that lead a
learner through the live app. A step says what to read, what to open, what
to highlight, lock or hide, what completes it, and optionally a prediction
asked *before* the run and compared with what the run measured.

Everything a step names is checked on load — the controls, views,
explainers and tests (engine/lesson_targets.py), the files it opens, the
values its predictions read — so ``--validate`` names the first problem in
one line (``steps[3].highlight[1]: unknown control "trian" (known: …)``).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import lesson_targets as targets
from engine.errors import SpecError
from engine.experiment_file import _string, _type_name, decode_json, migrate_document, read_document
from engine.params import shown, shown_key

FORMAT = "cnn-rnn-playground/lesson"
VERSION = 1
TOP_KEYS = ("format", "version", "title", "claim", "summary", "order", "steps", "goal", "locked")
STEP_KEYS = ("title", "text", "open", "experiment", "highlight", "lock", "hide", "done", "predict", "record")
PREDICT_KEYS = ("question", "choices", "number", "answer", "why", "expect")
ANSWER_KEYS = ("higher", "value", "cuts", "within", "relative")
GOAL_KEYS = ("text", "record", "require")
REQUIRE_KEYS = ("value", "at_least", "at_most", "equals")
MAX_STEPS = 50
CLAIMS = tuple(f"C{i}" for i in range(1, 18))


@dataclass(frozen=True)
class Done:
    """What completes a step: ``action`` (a key of lesson_targets.ACTIONS) and its options."""
    action: str = "read"
    options: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)


@dataclass(frozen=True)
class Prediction:
    question: str
    why: str
    answer: dict[str, Any]  # the rule that turns measured values into the right answer
    choices: tuple[str, ...] = ()  # a choice question; else a number
    number: dict[str, Any] | None = None  # {"min", "max", "unit"} of a number question
    # What the author expects the run to show (a choice, or a number): checked
    # by the tests against the claim's measurements over seeds and threads
    # (docs/claims.json), never used to judge the learner, whose own run decides.
    expect: Any = None

    @property
    def values(self) -> tuple[str, ...]:
        """The "<record>.<field>" values the answer reads."""
        if "higher" in self.answer:
            return tuple(self.answer["higher"])
        return (self.answer["value"],)


@dataclass(frozen=True)
class Step:
    title: str
    text: str = ""
    open: str | None = None  # a resolved path: an experiment, comparison or sweep to open
    highlight: tuple[str, ...] = ()  # controls and views
    lock: tuple[str, ...] = ()
    hide: tuple[str, ...] = ()  # views
    done: Done = Done()
    predict: Prediction | None = None
    record: str | None = None  # the name this step's run, test or model is kept under
    # the label of one experiment inside the comparison ``open`` names: opened in the window as an
    # untitled experiment (some, like a claim's MLP, exist only inside a comparison)
    experiment: str | None = None


@dataclass(frozen=True)
class Requirement:
    value: str  # "<record>.<field>"
    at_least: float | None = None
    at_most: float | None = None
    equals: Any = None

    def met(self, measured: Any) -> bool:
        if measured is None or (isinstance(measured, float) and not math.isfinite(measured)):
            return False
        if self.equals is not None:
            return measured == self.equals
        ok = True
        if self.at_least is not None:
            ok &= measured >= self.at_least
        if self.at_most is not None:
            ok &= measured <= self.at_most
        return bool(ok)

    def text(self) -> str:
        record, name = self.value.split(".", 1)
        if self.equals is not None:
            return f"{name} = {self.equals}"
        parts = []
        if self.at_least is not None:
            parts.append(f"{name} ≥ {self.at_least:g}")
        if self.at_most is not None:
            parts.append(f"{name} ≤ {self.at_most:g}")
        return " and ".join(parts)


@dataclass(frozen=True)
class Goal:
    """An exercise's goal: every requirement met by the run recorded as ``record``."""
    text: str
    record: str
    require: tuple[Requirement, ...]


@dataclass(frozen=True)
class Lesson:
    title: str
    steps: tuple[Step, ...]
    claim: str = ""
    summary: str = ""
    order: int = 0
    goal: Goal | None = None
    locked: tuple[str, ...] = ()  # controls locked for the whole lesson (an exercise's)
    source: Path | None = None

    @property
    def key(self) -> str:
        return self.source.stem if self.source is not None else self.title

    @property
    def predictions(self) -> tuple[tuple[int, Prediction], ...]:
        return tuple((i, s.predict) for i, s in enumerate(self.steps) if s.predict is not None)


def load_lesson(path: str | os.PathLike[str]) -> Lesson:
    data = read_document(path, "a lesson")
    source = Path(path).resolve()
    try:
        return parse_lesson(decode_json(data), source.parent, source)
    except SpecError as exc:
        raise exc.in_file(str(path)) from None


def parse_lesson(doc: Any, base: Path | None = None, source: Path | None = None) -> Lesson:
    """Validate a parsed document; the files steps open resolve against
    ``base`` (the lesson's folder), then among the built-in presets."""
    if not isinstance(doc, dict):
        raise SpecError("", f"must be a JSON object, got {_type_name(doc)}")
    if doc.get("format") != FORMAT:
        raise SpecError("format", f'must be "{FORMAT}" (is this a lesson file?)')
    doc = migrate_document(doc, VERSION, {}, "lessons ")
    _known(doc, TOP_KEYS, "")
    title = _string(doc.get("title"), "title", 200, required=True)
    claim = doc.get("claim", "")
    if claim and claim not in CLAIMS:
        raise SpecError("claim", f"must be a claim id C1 … C17, got {shown(claim)}")
    summary = _string(doc.get("summary", ""), "summary", 1000)
    order = doc.get("order", 0)
    if isinstance(order, bool) or not isinstance(order, int):
        raise SpecError("order", f"must be a whole number, got {shown(order)}")
    steps_doc = doc.get("steps")
    if not isinstance(steps_doc, list) or not steps_doc:
        raise SpecError("steps", "must be a non-empty list of steps")
    if len(steps_doc) > MAX_STEPS:
        raise SpecError("steps", f"has {len(steps_doc)} steps; at most {MAX_STEPS} are allowed")
    locked = _names(doc.get("locked", []), "locked", targets.CONTROLS, "control")
    steps = tuple(_parse_step(s, f"steps[{i}]", base) for i, s in enumerate(steps_doc))
    records: dict[str, int] = {}
    for i, step in enumerate(steps):
        if step.record is not None:
            if step.record in records:
                raise SpecError(f"steps[{i}].record", f"{shown(step.record)} is already the record of "
                                f"steps[{records[step.record]}]")
            records[step.record] = i
    for i, step in enumerate(steps):
        if step.predict is not None:
            for value in step.predict.values:
                _check_value(value, records, i, f"steps[{i}].predict.answer")
    goal = _parse_goal(doc["goal"], records) if "goal" in doc else None
    return Lesson(title, steps, claim, summary, order, goal, locked, source)


def _known(doc: dict[str, Any], keys: tuple[str, ...], where: str) -> None:
    for key in doc:
        if key not in keys:
            at = f"{where}.{shown_key(key)}" if where else shown_key(key)
            raise SpecError(at, f"unknown key (known: {', '.join(keys)})")


def _object(obj: Any, where: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise SpecError(where, f"must be an object, got {_type_name(obj)}")
    return obj


def _names(obj: Any, where: str, known, what: str) -> tuple[str, ...]:
    if not isinstance(obj, list):
        raise SpecError(where, f"must be a list of {what} names, got {_type_name(obj)}")
    for i, name in enumerate(obj):
        if name not in known:
            raise SpecError(f"{where}[{i}]", f"unknown {what} {shown(name)} (known: {', '.join(known)})")
    return tuple(obj)


def _parse_step(obj: Any, where: str, base: Path | None) -> Step:
    doc = _object(obj, where)
    _known(doc, STEP_KEYS, where)
    title = _string(doc.get("title"), f"{where}.title", 200, required=True)
    text = _string(doc.get("text", ""), f"{where}.text", 20_000)
    opened = _resolve_open(doc["open"], f"{where}.open", base) if "open" in doc else None
    entry = _comparison_entry(doc, opened, where) if "experiment" in doc else None
    everything = {**targets.CONTROLS, **dict.fromkeys(targets.VIEWS)}
    highlight = _names(doc.get("highlight", []), f"{where}.highlight", everything, "control or view")
    lock = _names(doc.get("lock", []), f"{where}.lock", targets.CONTROLS, "control")
    hide = _names(doc.get("hide", []), f"{where}.hide", targets.VIEWS, "view")
    done = _parse_done(doc.get("done", {"action": "read"}), f"{where}.done")
    predict = _parse_prediction(doc["predict"], f"{where}.predict") if "predict" in doc else None
    record = doc.get("record")
    if record is not None:
        record = _string(record, f"{where}.record", 40)
        if not record.isidentifier():
            raise SpecError(f"{where}.record", f"must be a short name of letters, digits and _, got {shown(record)}")
        if done.action not in ("train", "metric", "test", "read", "edit_model", "edit"):
            raise SpecError(f"{where}.record", f'records a run, a test or the model: the step\'s action '
                            f'{shown(done.action)} gives nothing to record')
    return Step(title, text, opened, highlight, lock, hide, done, predict, record, entry)


def _comparison_entry(doc: dict, opened: str | None, where: str) -> str:
    """The ``experiment`` key: a label of the comparison the step opens."""
    from engine.comparison_file import is_comparison_file, load_comparison

    label = _string(doc["experiment"], f"{where}.experiment", 200)
    if opened is None or not is_comparison_file(opened):
        raise SpecError(f"{where}.experiment", "names an experiment inside a comparison: the step's open must be "
                        "a comparison")
    labels = load_comparison(opened).labels
    if label not in labels:
        raise SpecError(f"{where}.experiment", f"{shown(label)} is not in {Path(opened).name} "
                        f"(its experiments: {', '.join(labels)})")
    return label


def _resolve_open(value: Any, where: str, base: Path | None) -> str:
    """A file beside the lesson, else a built-in preset, comparison or sweep of that name."""
    from engine.comparison_file import load_comparison
    from engine.experiment_file import load_experiment
    from engine.preset_paths import PRESETS_DIR, SWEEPS_DIR
    from engine.sweep_file import load_sweep

    name = _string(value, where, 1000)
    candidates = []
    if base is not None:
        candidates.append(base / name)
    file = name if name.endswith(".json") else f"{name}.json"
    candidates += [PRESETS_DIR / file, SWEEPS_DIR / file]
    path = next((c for c in candidates if c.is_file()), None)
    if path is None:
        raise SpecError(where, f"{shown(name)} is neither a file beside the lesson nor a built-in preset, "
                        "comparison or sweep")
    try:
        kind = decode_json(read_document(path, "an experiment")).get("format", "")
    except (SpecError, AttributeError):
        kind = ""
    loader = {"cnn-rnn-playground/comparison": load_comparison,
              "cnn-rnn-playground/sweep": load_sweep}.get(kind, load_experiment)
    try:
        loader(path)
    except SpecError as exc:
        raise SpecError(where, f"{shown(name)} does not load: {exc}") from None
    return str(path)


def _parse_done(obj: Any, where: str) -> Done:
    doc = _object(obj, where)
    action = doc.get("action")
    if action not in targets.ACTIONS:
        raise SpecError(f"{where}.action", f"must be one of {', '.join(targets.ACTIONS)}, got {shown(action)}")
    options = {k: v for k, v in doc.items() if k != "action"}
    _known(options, targets.ACTIONS[action], where)
    if action == "metric":
        if options.get("metric") not in targets.RUN_FIELDS:
            raise SpecError(f"{where}.metric", f"must be one of {', '.join(targets.RUN_FIELDS)}, "
                            f"got {shown(options.get('metric'))}")
        if "at_least" not in options and "at_most" not in options:
            raise SpecError(where, "a metric action needs at_least or at_most")
        for key in ("at_least", "at_most"):
            if key in options:
                _number(options[key], f"{where}.{key}")
    if action == "open_view" and options.get("view") not in targets.VIEWS:
        raise SpecError(f"{where}.view", f"unknown view {shown(options.get('view'))} "
                        f"(known: {', '.join(targets.VIEWS)})")
    if action == "explain" and options.get("explainer") not in targets.EXPLAINERS:
        raise SpecError(f"{where}.explainer", f"unknown explainer {shown(options.get('explainer'))} "
                        f"(known: {', '.join(targets.EXPLAINERS)})")
    if action == "test" and options.get("test") not in targets.MODEL_TESTS:
        raise SpecError(f"{where}.test", f"unknown test {shown(options.get('test'))} "
                        f"(known: {', '.join(targets.MODEL_TESTS)})")
    if action == "edit" and not isinstance(options.get("path"), str):
        raise SpecError(f"{where}.path", "must be a dotted setting path, e.g. dataset.options.size")
    if action == "edit":
        _check_setting_path(options["path"], f"{where}.path")
    if action == "train" and "min_epochs" in options:
        n = options["min_epochs"]
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise SpecError(f"{where}.min_epochs", f"must be a whole number ≥ 1, got {shown(n)}")
    for key in ("contains", "lacks"):
        if key in options:
            from engine.layers import REGISTRY

            if options[key] not in REGISTRY:
                raise SpecError(f"{where}.{key}", f"unknown layer type {shown(options[key])}")
    return Done(action, options)


def _check_setting_path(path: str, where: str) -> None:
    head = path.split(".", 1)[0]
    if head not in ("dataset", "model", "training"):
        raise SpecError(where, f"{shown(path)} must start with dataset, model or training")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SpecError(where, f"must be a number, got {shown(value)}")
    return float(value)


def _parse_prediction(obj: Any, where: str) -> Prediction:
    doc = _object(obj, where)
    _known(doc, PREDICT_KEYS, where)
    question = _string(doc.get("question"), f"{where}.question", 500, required=True)
    why = _string(doc.get("why"), f"{where}.why", 2000, required=True)
    if ("choices" in doc) == ("number" in doc):
        raise SpecError(where, "needs either choices (a list of answers) or number (a number to guess)")
    answer = _object(doc.get("answer"), f"{where}.answer")
    _known(answer, ANSWER_KEYS, f"{where}.answer")
    choices: tuple[str, ...] = ()
    number = None
    if "choices" in doc:
        raw = doc["choices"]
        if not isinstance(raw, list) or not 2 <= len(raw) <= 5:
            raise SpecError(f"{where}.choices", "must be a list of 2 to 5 answers")
        choices = tuple(_string(c, f"{where}.choices[{i}]", 200) for i, c in enumerate(raw))
        if "higher" in answer:
            pair = answer["higher"]
            if not isinstance(pair, list) or len(pair) != 2 or not all(isinstance(v, str) for v in pair):
                raise SpecError(f"{where}.answer.higher", 'must name two values, e.g. ["cnn.val_accuracy", '
                                '"mlp.val_accuracy"]')
            want = 3 if "within" in answer else 2
            if len(choices) != want:
                raise SpecError(f"{where}.choices", f"a 'higher' answer needs {want} choices (the first higher, "
                                "the second higher" + (", about the same)" if want == 3 else ")"))
        elif "value" in answer:
            cuts = answer.get("cuts")
            if not isinstance(cuts, list) or not cuts or any(isinstance(c, bool) or not isinstance(c, int | float)
                                                             for c in cuts) or sorted(cuts) != cuts:
                raise SpecError(f"{where}.answer.cuts", "must be an increasing list of numbers: the bounds "
                                "between the choices")
            if len(choices) != len(cuts) + 1:
                raise SpecError(f"{where}.choices", f"{len(cuts)} cuts make {len(cuts) + 1} ranges: one choice "
                                f"each, got {len(choices)}")
        else:
            raise SpecError(f"{where}.answer", "needs higher (two values) or value with cuts")
    else:
        number = _object(doc["number"], f"{where}.number")
        _known(number, ("min", "max", "unit", "decimals"), f"{where}.number")
        lo, hi = _number(number.get("min", 0), f"{where}.number.min"), _number(number.get("max", 1e9),
                                                                                f"{where}.number.max")
        if lo >= hi:
            raise SpecError(f"{where}.number", "min must be below max")
        if "value" not in answer:
            raise SpecError(f"{where}.answer", "a number question needs value (what is measured)")
        if "cuts" in answer or "higher" in answer:
            raise SpecError(f"{where}.answer", "a number question takes value and within, not cuts or higher")
    if "within" in answer and _number(answer["within"], f"{where}.answer.within") < 0:
        raise SpecError(f"{where}.answer.within", "must not be negative")
    if "value" in answer and not isinstance(answer["value"], str):
        raise SpecError(f"{where}.answer.value", 'must name a value, e.g. "cnn.params"')
    expect = doc.get("expect")
    if expect is not None and choices and expect not in choices:
        raise SpecError(f"{where}.expect", f"must be one of the choices, got {shown(expect)}")
    if expect is not None and number is not None:
        _number(expect, f"{where}.expect")
    return Prediction(question, why, dict(answer), choices, number, expect)


def _check_value(value: str, records: dict[str, int], step: int, where: str) -> None:
    record, _, name = value.partition(".")
    if record not in records:
        known = ", ".join(records) or "none: give a step a record"
        raise SpecError(where, f"{shown(value)} reads record {shown(record)}, which no step records (records: "
                        f"{known})")
    if name not in targets.field_names():
        raise SpecError(where, f"{shown(value)}: unknown value {shown(name)} (known: "
                        f"{', '.join(targets.field_names())})")


def _parse_goal(obj: Any, records: dict[str, int]) -> Goal:
    doc = _object(obj, "goal")
    _known(doc, GOAL_KEYS, "goal")
    text = _string(doc.get("text"), "goal.text", 500, required=True)
    record = _string(doc.get("record"), "goal.record", 40, required=True)
    if record not in records:
        raise SpecError("goal.record", f"{shown(record)} is no step's record (records: {', '.join(records) or 'none'})")
    raw = doc.get("require")
    if not isinstance(raw, list) or not raw:
        raise SpecError("goal.require", 'must be a list of requirements, e.g. [{"value": "attempt.val_accuracy", '
                        '"at_least": 0.95}]')
    require = []
    for i, item in enumerate(raw):
        where = f"goal.require[{i}]"
        item = _object(item, where)
        _known(item, REQUIRE_KEYS, where)
        value = item.get("value")
        if not isinstance(value, str):
            raise SpecError(f"{where}.value", 'must name a value, e.g. "attempt.val_accuracy"')
        _check_value(value, records, 0, f"{where}.value")
        bounds = {k: _number(item[k], f"{where}.{k}") for k in ("at_least", "at_most") if k in item}
        if not bounds and "equals" not in item:
            raise SpecError(where, "needs at_least, at_most or equals")
        require.append(Requirement(value, bounds.get("at_least"), bounds.get("at_most"), item.get("equals")))
    return Goal(text, record, tuple(require))
