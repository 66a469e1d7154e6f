"""Experiments trained without a window: progress lines, the epoch rows and
the summary dict. The command line's ``--headless`` uses it for a single
experiment, its seeds and each experiment of a comparison, so all print and
write the same things.

``train_many`` trains a list of jobs (an experiment at one seed each): in
this process one after the other, or several at once, each in a training
process of its own (engine/training_process.py, the window's), when the
machine has a core for each (engine/threads.py). Both give the same numbers:
every run trains with the same thread count.
"""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from engine.events import Diverged, EpochDone, Finished, RunStarted
from engine.experiment_file import write_atomic
from engine.spec import Experiment


@dataclass
class HeadlessRun:
    summary: dict[str, Any]  # Finished.summary plus wall_seconds
    metric: str  # "accuracy" or "mse"
    epochs: list[EpochDone] = field(default_factory=list)
    diverged: str | None = None  # the divergence message, if training diverged
    stopped: bool = False
    failed: str | None = None  # why the run broke (a training process's one line), if it did
    weights: dict[str, Any] | None = None  # Finished.weights: the final state dict as numpy arrays


@dataclass(frozen=True)
class Job:
    experiment: Experiment
    prefix: str = ""  # starts each progress line: "[2/3 GRU seed 1] "
    epochs: int | None = None


class Progress:
    """One run's events → its progress lines and its HeadlessRun."""

    def __init__(self, job: Job, out: TextIO) -> None:
        self.job, self.out = job, out
        self.rows: list[EpochDone] = []
        self.metric = "accuracy"
        self.finished: Finished | None = None
        self.diverged: Diverged | None = None
        self.total = job.epochs or job.experiment.training.epochs
        self.wall = time.perf_counter()

    def take(self, event: object) -> None:
        prefix, out = self.job.prefix, self.out
        if isinstance(event, RunStarted):
            self.metric = event.metric
            print(f"{prefix}training {self.job.experiment.name} on {event.device}: {event.params:,} parameters, "
                  f"{event.n_train} training / {event.n_val} validation samples, {event.epochs} epochs",
                  file=out, flush=True)
        elif isinstance(event, EpochDone):
            self.rows.append(event)
            print(f"{prefix}epoch {event.epoch:>3}/{self.total}  "
                  f"train_loss {event.train_loss:.4f}  val_loss {event.val_loss:.4f}  "
                  f"val_{self.metric} {event.val_metric:.4f}  {event.seconds:.2f}s  "
                  f"{event.samples_per_second:,.0f} samples/s", file=out, flush=True)
        elif isinstance(event, Diverged):
            self.diverged = event
        elif isinstance(event, Finished):
            self.finished = event

    def result(self, failed: str | None = None) -> HeadlessRun:
        wall = round(time.perf_counter() - self.wall, 3)
        if self.finished is None:  # the run broke before it could finish
            exp = self.job.experiment
            summary = {"preset": exp.name, "dataset": exp.dataset.name, "epochs": 0, "seed": exp.training.seed,
                       "final": {}, "wall_seconds": wall}
            return HeadlessRun(summary, self.metric, self.rows, None, False, failed or "training ended early")
        summary = {**self.finished.summary, "wall_seconds": wall}
        return HeadlessRun(summary, self.metric, self.rows, self.diverged.message if self.diverged else None,
                           self.finished.stopped, failed, self.finished.weights)


def train_headless(exp: Experiment, out: TextIO, *, epochs: int | None = None, device: str | None = None,
                   prefix: str = "") -> HeadlessRun:
    """Train to the end in this process, printing one line when the run
    starts and one per epoch (each starting with ``prefix``)."""
    from engine.training import train

    progress = Progress(Job(exp, prefix, epochs), out)
    for event in train(exp, device=device, epochs=epochs):
        progress.take(event)
    assert progress.finished is not None, "train() always ends with Finished"
    return progress.result()


def train_many(jobs: Sequence[Job], out: TextIO, at_once: int = 1) -> list[HeadlessRun]:
    """Every job to the end, ``at_once`` at a time; results in the jobs' order.
    In turn, a failure raises as from ``train_headless``; at once, a job that
    breaks keeps its one line in ``failed`` and the others carry on."""
    if at_once <= 1 or len(jobs) <= 1:
        return [train_headless(j.experiment, out, epochs=j.epochs, prefix=j.prefix) for j in jobs]
    return train_in_processes(jobs, out, min(at_once, len(jobs)))


def train_in_processes(jobs: Sequence[Job], out: TextIO, slots: int,
                       on_start: Callable[[int], None] | None = None,
                       on_done: Callable[[int, HeadlessRun], None] | None = None,
                       stop: threading.Event | None = None) -> list[HeadlessRun]:
    """The jobs in ``slots`` training processes. ``on_start(i)`` and
    ``on_done(i, run)`` hear of each job as it starts and ends (a sweep writes
    each trial at once); once ``stop`` is set no job starts and the running
    ones stop between batches (their runs come back ``stopped``)."""
    from engine import process_pool
    from engine.probes import ProbeSettings
    from engine.training_process import wait_any

    results: list[HeadlessRun | None] = [None] * len(jobs)
    waiting = list(range(len(jobs)))
    processes = [process_pool.acquire() for _ in range(max(1, min(slots, len(jobs))))]
    running: dict[int, tuple[int, Progress, list[str]]] = {}  # process index → job, progress, failure
    stopping = False
    try:
        while waiting or running:
            if stop is not None and stop.is_set():
                if not stopping:
                    for p in running:
                        processes[p].send(("stop",))
                    stopping = True
                waiting.clear()
            for p, process in enumerate(processes):
                if p not in running and waiting and process.alive:
                    index = waiting.pop(0)
                    job = jobs[index]
                    process.start_run(job.experiment, job.epochs, ProbeSettings.off(), False)
                    running[p] = (index, Progress(job, out), [])
                    if on_start is not None:
                        on_start(index)
            if not running:  # every process died: say so for the jobs left
                for index in waiting:
                    results[index] = Progress(jobs[index], out).result("its training process could not start")
                break
            wait_any([processes[p] for p in running], 0.5)
            for p in list(running):
                index, progress, failure = running[p]
                process = processes[p]
                ended = False
                for message in process.receive():
                    if message[0] == "events":
                        for event in message[2]:
                            progress.take(event)
                    elif message[0] == "failed":
                        failure.append(message[2])
                    elif message[0] == "done":
                        ended = True
                if not ended and not process.alive:
                    failure.append(f"its training process stopped (exit code {process.exitcode})")
                    ended = True
                if ended:
                    results[index] = progress.result(failure[0] if failure else None)
                    del running[p]
                    if on_done is not None:
                        on_done(index, results[index])
    finally:
        for process in processes:
            if process.run_id is not None:
                process.send(("stop",))
            process_pool.release(process)
    return [r for r in results if r is not None]


def write_metrics(path: str, rows: list[EpochDone], metric: str) -> None:
    """The per-epoch metrics CSV (README, "Command line")."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["epoch", "step", "train_loss", f"train_{metric}", "val_loss", f"val_{metric}",
                     "seconds", "samples_per_second"])
    for e in rows:
        writer.writerow([e.epoch, e.step, f"{e.train_loss:.6g}", f"{e.train_metric:.6g}",
                         f"{e.val_loss:.6g}", f"{e.val_metric:.6g}", f"{e.seconds:.4f}",
                         f"{e.samples_per_second:.1f}"])
    write_atomic(path, buf.getvalue())
