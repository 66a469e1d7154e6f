"""Where a learner is in a lesson, kept in the settings so that leaving and
coming back resumes there: the step, the steps done, the answers given and
the values measured. One entry per lesson (by its file), and which lesson
was open last."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from gui.common.settings import app_settings

CURRENT_KEY = "lessons/current"


@dataclass
class Progress:
    index: int = 0
    done: set[int] = field(default_factory=set)
    answers: dict[int, Any] = field(default_factory=dict)  # step → the answer locked in
    values: dict[str, dict[str, Any]] = field(default_factory=dict)  # record → field → value

    def to_json(self) -> str:
        return json.dumps({"index": self.index, "done": sorted(self.done),
                           "answers": {str(k): v for k, v in self.answers.items()}, "values": self.values})

    @classmethod
    def from_json(cls, text: str, steps: int) -> Progress:
        """What was kept; anything unreadable or out of range starts the lesson afresh."""
        try:
            doc = json.loads(text)
            index = int(doc.get("index", 0))
            done = {int(i) for i in doc.get("done", []) if 0 <= int(i) < steps}
            answers = {int(k): v for k, v in dict(doc.get("answers", {})).items() if 0 <= int(k) < steps}
            values = {str(k): dict(v) for k, v in dict(doc.get("values", {})).items()}
        except (ValueError, TypeError, AttributeError):
            return cls()
        return cls(index if 0 <= index < steps else 0, done, answers, values)


def _key(path: str) -> str:
    # QSettings keys cannot hold "/" or "\\" as plain characters of one key.
    return "lessons/progress/" + path.replace("\\", "|").replace("/", "|")


def load_progress(path: str, steps: int) -> Progress:
    text = app_settings().value(_key(path), "", type=str)
    return Progress.from_json(text, steps) if text else Progress()


def save_progress(path: str, progress: Progress) -> None:
    settings = app_settings()
    settings.setValue(_key(path), progress.to_json())
    settings.setValue(CURRENT_KEY, path)


def forget_progress(path: str) -> None:
    app_settings().remove(_key(path))


def current_lesson() -> str | None:
    return app_settings().value(CURRENT_KEY, None, type=str) or None
