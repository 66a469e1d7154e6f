"""What the Sweep window knows about its trials: which have a result (read
from the results folder when the window opens, then as the run reports
them), which run, which failed — and from that the summary the plots draw,
each trial's status and number for the table, and the seed of a point that
best stands for it (the one nearest the mean) when a user opens the point.

Plain Python over the engine's sweep modules (imported when used: they
bring torch), no Qt, so the window's parts are fed from one place.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DONE, RUNNING, WAITING, FAILED, DIVERGED = "done", "running", "waiting", "failed", "diverged"


def point_key(label: str, values: tuple[Any, ...]) -> tuple[str, tuple[str, ...]]:
    """A point's identity: its experiment and axis values (as JSON, as the engine's summary groups them)."""
    return label, tuple(json.dumps(v) for v in values)


class SweepResults:
    def __init__(self, sweep, folder: str | Path, trials: list | None = None) -> None:
        from engine.sweep_run import ResultsFolder

        self.sweep = sweep
        self.folder = Path(folder)
        self.store = ResultsFolder(self.folder)
        self.trials = trials if trials is not None else sweep.trials()
        self.results: dict[int, dict[str, Any]] = {}  # trial index → result document
        self.failed: dict[int, str] = {}
        self.running: set[int] = set()
        self.problems: list[str] = []  # result files that could not be read
        self._summary = None
        self._marks = None
        self._points: dict[tuple, list] = {}
        for t in self.trials:
            self._points.setdefault(point_key(t.label, t.values), []).append(t)

    # --- what has happened ----------------------------------------------------------
    def load(self) -> int:
        """The results already in the folder; how many."""
        found, self.problems = self.store.load(self.trials)
        self.results = {t.index: found[t.key] for t in self.trials if t.key in found}
        self._summary = None
        return len(self.results)

    def take(self, event: object) -> None:
        """A run's event (engine/sweep_run.py)."""
        from engine.sweep_run import TrialDone, TrialFailed, TrialStarted

        if isinstance(event, TrialStarted):
            self.running.add(event.trial.index)
            self.failed.pop(event.trial.index, None)
        elif isinstance(event, TrialDone):
            self.running.discard(event.trial.index)
            self.failed.pop(event.trial.index, None)
            self.results[event.trial.index] = event.result
            self._summary = None
        elif isinstance(event, TrialFailed):
            self.running.discard(event.trial.index)
            self.failed[event.trial.index] = event.message

    def run_ended(self) -> None:
        """Whatever was still running was stopped: it waits again."""
        self.running.clear()

    @property
    def missing(self) -> list:
        """The trials a Run trains."""
        return [t for t in self.trials if t.index not in self.results]

    # --- what to show ----------------------------------------------------------------
    def summary(self):
        if self._summary is None:
            from engine.sweep_summary import summarise, sweep_marks

            if self._marks is None:  # the models' receptive fields: once, not at every redraw
                self._marks = sweep_marks(self.sweep, self.trials)
            self._summary = summarise(self.sweep, self.trials, self.results, self._marks)
        return self._summary

    @property
    def metric(self) -> str:
        return self.summary().metric

    def status(self, index: int) -> str:
        result = self.results.get(index)
        if result is not None:
            return DIVERGED if result.get("diverged") else DONE
        if index in self.failed:
            return FAILED
        return RUNNING if index in self.running else WAITING

    def number(self, index: int) -> float | None:
        from engine.sweep_summary import trial_metric

        result = self.results.get(index)
        return None if result is None else trial_metric(result, self.metric)

    def seconds(self, index: int) -> float | None:
        summary = (self.results.get(index) or {}).get("summary") or {}
        value = summary.get("seconds")  # training's own time (wall_seconds adds a fresh process's start)
        return float(value) if isinstance(value, int | float) else None

    def epochs(self, index: int) -> int | None:
        summary = (self.results.get(index) or {}).get("summary") or {}
        value = summary.get("epochs")
        return int(value) if isinstance(value, int | float) else None

    def trials_of(self, label: str, values: tuple[Any, ...]) -> list:
        return list(self._points.get(point_key(label, values), []))

    def representative(self, label: str, values: tuple[Any, ...]):
        """The finished seed of a point whose number is nearest the point's mean
        (None when no seed has a number)."""
        done = [(t, self.number(t.index)) for t in self.trials_of(label, values) if t.index in self.results]
        finite = [(t, v) for t, v in done if v is not None]
        if not finite:
            return done[0][0] if done else None
        mean = sum(v for _, v in finite) / len(finite)
        return min(finite, key=lambda tv: (abs(tv[1] - mean), tv[0].seed))[0]

    def weights(self, trial) -> dict | None:
        """The trial's trained weights from the results folder (None: none kept)."""
        from engine.weights_file import load_weights

        result = self.results.get(trial.index)
        path = None if result is None else self.store.weights_path(result)
        return None if path is None else load_weights(path, trial.experiment)

    def steps(self, trial) -> int:
        summary = (self.results.get(trial.index) or {}).get("summary") or {}
        return int(summary.get("steps") or 0)
