"""Running a sweep: every trial a headless run of the engine, here in
training processes (engine/headless.py) or on a Dask cluster, each finished
trial written at once to the results folder so a stopped or killed sweep
resumes where it was and a finished one reopens without training.

The results folder holds, per finished trial, ``<name>.json`` (the trial
result: its settings, seed, summary and per-epoch rows), ``<name>.metrics.csv``
and ``<name>.weights.npz``; the JSON is written last, so its presence means
the trial is complete. A trial is matched by its key (engine/sweep_file.py),
not its file name: a result whose key no trial has is left alone, a result
of a changed trial is not reused. Engine code: no Qt.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import PlaygroundError
from engine.experiment_file import experiment_to_dict, write_atomic
from engine.sweep_file import Sweep, Trial

RESULT_FORMAT = "cnn-rnn-playground/sweep-trial"
RESULT_VERSION = 1
RESULTS_SUFFIX = ".results"
LOCAL = "local:"  # --cluster local:N, a Dask LocalCluster on this machine


class SweepError(PlaygroundError):
    """A sweep that cannot run: its results folder, its cluster."""


# --- events -------------------------------------------------------------------
@dataclass(frozen=True)
class SweepStarted:
    total: int
    finished: int  # already in the results folder
    slots: int  # trials that run at once
    where: str  # "this machine, 2 training processes", "Dask at tcp://…"


@dataclass(frozen=True)
class TrialStarted:
    trial: Trial


@dataclass(frozen=True)
class TrialDone:
    trial: Trial
    result: dict[str, Any]  # the trial result document
    cached: bool = False  # read back from the results folder


@dataclass(frozen=True)
class TrialFailed:
    trial: Trial
    message: str


@dataclass(frozen=True)
class SweepFinished:
    done: int
    failed: int
    stopped: bool
    seconds: float


# --- the results folder -----------------------------------------------------
def results_folder_for(sweep_path: str | os.PathLike[str]) -> Path:
    """``long_range.json`` → ``long_range.results`` beside it; a built-in
    sweep's (the package's folder may be read-only) under the user's data
    folder."""
    from engine.presets import PRESETS_DIR

    path = Path(sweep_path).resolve()
    name = path.stem + RESULTS_SUFFIX
    try:
        path.relative_to(PRESETS_DIR.resolve())
    except ValueError:
        return path.with_name(name)
    return user_data_folder() / "sweeps" / name


def user_data_folder() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "cnn-rnn-playground"


class ResultsFolder:
    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def load(self, trials: Sequence[Trial]) -> tuple[dict[str, dict[str, Any]], list[str]]:
        """The results on disk of these trials, by key, and one line per file
        that could not be read (it is trained again). Removes the temporary
        files of writes a kill interrupted: one sweep runs in a folder at a time."""
        wanted = {t.key for t in trials}
        found: dict[str, dict[str, Any]] = {}
        problems: list[str] = []
        if not self.folder.is_dir():
            return found, problems
        for litter in self.folder.glob(".*.tmp"):  # a write a kill cut short (SIGKILL runs no cleanup)
            try:
                litter.unlink()
            except OSError:
                pass
        for path in sorted(self.folder.glob("*.json")):
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
                if not isinstance(doc, dict) or doc.get("format") != RESULT_FORMAT:
                    raise ValueError("not a trial result")
                key = doc["key"]
                if not isinstance(key, str) or not isinstance(doc.get("summary"), dict):
                    raise ValueError("no key or summary")
            except (OSError, ValueError, KeyError) as exc:
                problems.append(f"{path.name}: cannot be read ({str(exc).splitlines()[0][:80]}); "
                                "its trial trains again")
                continue
            if key in wanted:
                found[key] = doc
        return found, problems

    def stem(self, trial: Trial, sweep: Sweep) -> str:
        values = "-".join(f"{a.title}={_safe(json.dumps(v))}" for a, v in zip(sweep.axes, trial.values, strict=True))
        return f"{_safe(trial.label)}-{values}-seed{trial.seed}-{trial.key[:10]}"

    def write(self, sweep: Sweep, trial: Trial, run: Any) -> dict[str, Any]:
        """The trial's weights, metrics CSV and (last) its result JSON."""
        from engine.headless import write_metrics
        from engine.weights_file import save_weights

        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SweepError(f"cannot create the results folder {self.folder}: {exc.strerror or exc}") from None
        stem = self.stem(trial, sweep)
        if run.weights is not None:
            save_weights(self.folder / f"{stem}.weights.npz", trial.experiment, run.weights)
        write_metrics(str(self.folder / f"{stem}.metrics.csv"), run.epochs, run.metric)
        doc = result_document(sweep, trial, run, stem)
        write_atomic(self.folder / f"{stem}.json", json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
        return doc

    def weights_path(self, result: dict[str, Any]) -> Path | None:
        path = self.folder / f"{result.get('file', '')}.weights.npz"
        return path if result.get("file") and path.is_file() else None


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=+-]+", "_", text).strip("_")[:40] or "x"


def result_document(sweep: Sweep, trial: Trial, run: Any, stem: str) -> dict[str, Any]:
    return _finite({
        "format": RESULT_FORMAT, "version": RESULT_VERSION, "app_version": app_version(), "key": trial.key,
        "file": stem, "sweep": sweep.name, "label": trial.label,
        "values": {a.path: v for a, v in zip(sweep.axes, trial.values, strict=True)},
        "seed": trial.seed, "epochs": trial.epochs, "threads": trial.threads, "metric": run.metric,
        "diverged": run.diverged, "stopped": run.stopped, "summary": run.summary,
        "experiment": experiment_to_dict(trial.experiment),
    })


def app_version() -> str:
    """The installed distribution's version, which each trial result records
    (looked up here, not when the engine is imported: start-up pays nothing)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cnn-rnn-playground")
    except PackageNotFoundError:  # a checkout that was never installed
        return "unknown"


def _finite(value: Any) -> Any:
    """NaN and infinities (a diverged run) as null: the file stays strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


# --- running ------------------------------------------------------------------
@dataclass
class SweepOutcome:
    results: dict[int, dict[str, Any]] = field(default_factory=dict)  # trial index → result document
    failed: dict[int, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # unreadable result files
    stopped: bool = False


def run_sweep(sweep: Sweep, folder: str | os.PathLike[str], *, jobs: int | None = None, cluster: str | None = None,
              threads: int | None = None, on_event: Callable[[object], None] | None = None,
              stop: threading.Event | None = None, trials: list[Trial] | None = None) -> SweepOutcome:
    """Every trial not yet in ``folder``: ``jobs`` at a time in training
    processes here (default one per core), or on the Dask scheduler at
    ``cluster`` (``tcp://host:8786``, or ``local:N``). Events go to ``on_event``
    (from this thread) as trials start and end."""
    emit = on_event or (lambda event: None)
    trials = trials if trials is not None else sweep.trials(threads)
    store = ResultsFolder(folder)
    outcome = SweepOutcome()
    found, outcome.problems = store.load(trials)
    todo = [t for t in trials if t.key not in found]
    slots = _slots(jobs, cluster, len(todo))
    where = f"Dask at {cluster}" if cluster else f"this machine, {slots} training process{'es' if slots > 1 else ''}"
    emit(SweepStarted(len(trials), len(trials) - len(todo), slots, where))
    for t in trials:
        if t.key in found:
            outcome.results[t.index] = found[t.key]
            emit(TrialDone(t, found[t.key], cached=True))
    start = time.perf_counter()

    def done(trial: Trial, run: Any) -> None:
        if run.failed:
            outcome.failed[trial.index] = run.failed
            emit(TrialFailed(trial, run.failed))
            return
        if run.stopped:  # stopped halfway: not a result; it trains again on resume
            return
        try:
            doc = store.write(sweep, trial, run)
        except (PlaygroundError, OSError) as exc:
            outcome.failed[trial.index] = str(exc)
            emit(TrialFailed(trial, str(exc)))
            return
        outcome.results[trial.index] = doc
        emit(TrialDone(trial, doc))

    if todo:
        if cluster:
            _on_cluster(cluster, todo, done, emit, stop)
        else:
            _here(todo, slots, done, emit, stop)
    outcome.stopped = bool(stop is not None and stop.is_set())
    emit(SweepFinished(len(outcome.results), len(outcome.failed), outcome.stopped,
                       round(time.perf_counter() - start, 3)))
    return outcome


def _slots(jobs: int | None, cluster: str | None, todo: int) -> int:
    from engine.threads import parallel_slots

    if cluster and cluster.startswith(LOCAL):
        return local_workers(cluster)
    if cluster:
        return jobs or 0  # the scheduler's workers decide
    return max(1, min(jobs or parallel_slots(), max(todo, 1)))


def local_workers(cluster: str) -> int:
    text = cluster[len(LOCAL):]
    if not text.isdigit() or not 1 <= int(text) <= 256:
        raise SweepError(f"--cluster {cluster}: local:N needs a number of workers from 1 to 256, such as local:2")
    return int(text)


def _here(todo: list[Trial], slots: int, done: Callable[[Trial, Any], None], emit: Callable[[object], None],
          stop: threading.Event | None) -> None:
    from engine.headless import Job, train_in_processes

    # The processes go back to the pool (engine/process_pool.py), warm for the next
    # run; whoever owns the pool closes it (the window on exit, the command line at its end).
    jobs = [Job(t.experiment, "", t.epochs) for t in todo]
    with open(os.devnull, "w") as quiet:
        train_in_processes(jobs, quiet, slots, on_start=lambda i: emit(TrialStarted(todo[i])),
                           on_done=lambda i, run: done(todo[i], run), stop=stop)


def check_cluster(cluster: str) -> None:
    """Before any trial: the address's form, and that Dask is installed."""
    if cluster.startswith(LOCAL):
        local_workers(cluster)
    elif not re.fullmatch(r"(tcp|tls|ucx|inproc|ws|wss)://\S+", cluster):
        raise SweepError(f"--cluster {cluster}: give a Dask scheduler's address such as tcp://host:8786, "
                         "or local:N for a cluster on this machine")
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise SweepError('running on a cluster needs Dask distributed: pip install "cnn-rnn-playground[cluster]"'
                         ) from None


def _on_cluster(cluster: str, todo: list[Trial], done: Callable[[Trial, Any], None],
                emit: Callable[[object], None], stop: threading.Event | None) -> None:
    """Every trial submitted to Dask as experiment JSON; results back as JSON."""
    check_cluster(cluster)
    from distributed import Client, LocalCluster, as_completed

    from engine.headless import HeadlessRun
    from engine.sweep_trial import run_from_json, run_trial, trial_document

    local = None
    try:
        if cluster.startswith(LOCAL):
            local = LocalCluster(n_workers=local_workers(cluster), threads_per_worker=1, processes=True,
                                 dashboard_address=None)
            client = Client(local)
        else:
            client = Client(cluster, timeout=15)
    except (OSError, TimeoutError) as exc:
        if local is not None:
            local.close()
        raise SweepError(f"cannot reach the Dask scheduler at {cluster}: {str(exc).splitlines()[0]}") from None
    try:
        futures = {}
        for t in todo:
            doc = trial_document(experiment_to_dict(t.experiment), t.epochs, t.threads)
            futures[client.submit(run_trial, doc, key=f"trial-{t.index}-{t.key[:16]}", pure=False)] = t
            # No TrialStarted: the scheduler decides when each runs; progress counts done and left.
        pending = as_completed(list(futures))
        for future in pending:
            trial = futures[future]
            if stop is not None and stop.is_set():
                client.cancel(list(futures))
                break
            try:
                run = run_from_json(future.result())
            except Exception as exc:  # the worker's exception, a lost worker: that trial only
                from engine.errors import describe_error

                run = HeadlessRun({}, "accuracy", failed=f"on the cluster: {describe_error(exc)}")
            done(trial, run)
    finally:
        client.close()
        if local is not None:
            local.close()


# --- progress -----------------------------------------------------------------
class SweepProgress:
    """Trials done / running / left and an ETA, from the events."""

    def __init__(self) -> None:
        self.total = self.done = self.cached = self.failed = 0
        self.running: set[int] = set()
        self.slots = 1
        self.started = time.perf_counter()
        self.trained_seconds: list[float] = []

    def take(self, event: object) -> None:
        if isinstance(event, SweepStarted):
            self.total, self.slots, self.started = event.total, max(1, event.slots), time.perf_counter()
        elif isinstance(event, TrialStarted):
            self.running.add(event.trial.index)
        elif isinstance(event, TrialDone):
            self.running.discard(event.trial.index)
            self.done += 1
            if event.cached:
                self.cached += 1
            else:
                self.trained_seconds.append(float(event.result["summary"].get("wall_seconds") or 0.0))
        elif isinstance(event, TrialFailed):
            self.running.discard(event.trial.index)
            self.failed += 1

    @property
    def left(self) -> int:
        return max(0, self.total - self.done - self.failed)

    def eta_seconds(self) -> float | None:
        """Elapsed time per trained trial × trials left (None before the first)."""
        trained = self.done - self.cached
        if trained <= 0:
            return None
        return (time.perf_counter() - self.started) / trained * self.left

    def text(self) -> str:
        eta = self.eta_seconds()
        waiting = self.left - len(self.running)
        return (f"{self.done} done, {len(self.running)} running, {waiting} waiting of {self.total}"
                + (f", {self.failed} failed" if self.failed else "")
                + (f", about {format_duration(eta)} left" if eta is not None and self.left else ""))


def format_duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
