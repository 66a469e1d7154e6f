"""One experiment trained without a window: progress lines, the epoch rows
and the summary dict. The command line's ``--headless`` uses it for a single
experiment and for each experiment of a comparison, so both print and write
the same things."""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass, field
from typing import Any, TextIO

from engine.events import Diverged, EpochDone, Finished, RunStarted
from engine.experiment_file import write_atomic
from engine.spec import Experiment
from engine.training import train


@dataclass
class HeadlessRun:
    summary: dict[str, Any]  # Finished.summary plus wall_seconds
    metric: str  # "accuracy" or "mse"
    epochs: list[EpochDone] = field(default_factory=list)
    diverged: str | None = None  # the divergence message, if training diverged
    stopped: bool = False


def train_headless(exp: Experiment, out: TextIO, *, epochs: int | None = None, device: str | None = None,
                   prefix: str = "") -> HeadlessRun:
    """Train to the end, printing one line when the run starts and one per
    epoch (each starting with ``prefix``)."""
    wall = time.perf_counter()
    rows: list[EpochDone] = []
    result: Finished | None = None
    diverged: Diverged | None = None
    metric = "accuracy"
    total = epochs or exp.training.epochs
    for event in train(exp, device=device, epochs=epochs):
        if isinstance(event, RunStarted):
            metric = event.metric
            print(f"{prefix}training {exp.name} on {event.device}: {event.params:,} parameters, "
                  f"{event.n_train} training / {event.n_val} validation samples, {event.epochs} epochs",
                  file=out, flush=True)
        elif isinstance(event, EpochDone):
            rows.append(event)
            print(f"{prefix}epoch {event.epoch:>3}/{total}  "
                  f"train_loss {event.train_loss:.4f}  val_loss {event.val_loss:.4f}  "
                  f"val_{metric} {event.val_metric:.4f}  {event.seconds:.2f}s  "
                  f"{event.samples_per_second:,.0f} samples/s", file=out, flush=True)
        elif isinstance(event, Diverged):
            diverged = event
        elif isinstance(event, Finished):
            result = event
    assert result is not None, "train() always ends with Finished"
    summary = {**result.summary, "wall_seconds": round(time.perf_counter() - wall, 3)}
    return HeadlessRun(summary, metric, rows, diverged.message if diverged else None, result.stopped)


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
