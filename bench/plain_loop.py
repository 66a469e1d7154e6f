"""The reference every speed figure is a ratio against: the training loop a
person would write by hand in plain PyTorch, on the same model (built from
the same spec), data, batch size, optimiser and thread count as the app.

It does the work the engine does and no more: it logs each step's loss
(``loss.item()``, which is also the step's device sync), counts training
hits for the epoch's accuracy, and evaluates the validation split after
every epoch. ``PlainLoop.epoch()`` trains one epoch and returns its speed,
so a benchmark can interleave plain epochs with the engine's, one by one:
on a shared, noisy machine, a slow spell then hits both sides of a pair
alike. The *step* figure counts only the time inside training steps (what
the engine's samples/s counts), the *wall* figure the whole epoch,
evaluation included.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import torch

from engine.datasets.base import CLASSIFICATION, DataBundle
from engine.shapes import build_model
from engine.spec import Experiment
from engine.training import EVAL_BATCH, Objective, make_optimizer


@dataclass(frozen=True)
class LoopSpeed:
    step: float  # training samples per second of time inside training steps
    wall: float  # training samples per second of the whole epoch, evaluation included


class PlainLoop:
    def __init__(self, experiment: Experiment, bundle: DataBundle, device: str = "cpu") -> None:
        t = experiment.training
        self.dev = torch.device(device)
        self.batch_size = t.batch_size
        torch.manual_seed(t.seed)
        self.model = build_model(experiment.model, bundle.info).to(self.dev)
        self.objective = Objective(bundle.info.task == CLASSIFICATION)
        self.optimizer = make_optimizer(self.model, t)
        self.x, self.y = bundle.x_train.to(self.dev), bundle.y_train.to(self.dev)
        self.x_val, self.y_val = bundle.x_val.to(self.dev), bundle.y_val.to(self.dev)
        self.gen = torch.Generator().manual_seed(t.seed)

    def epoch(self) -> LoopSpeed:
        model, objective, optimizer, x, y = self.model, self.objective, self.optimizer, self.x, self.y
        order = torch.randperm(len(x), generator=self.gen).to(self.dev)
        start = time.perf_counter()
        in_steps = 0.0
        hits = torch.zeros((), device=self.dev)
        model.train()
        for i in range(0, len(x), self.batch_size):
            tick = time.perf_counter()
            idx = order[i:i + self.batch_size]
            optimizer.zero_grad(set_to_none=True)
            out = model(x[idx])
            loss = objective.loss(out, y[idx])
            loss.backward()
            optimizer.step()
            loss.item()
            if objective.classification:
                hits += (out.argmax(-1) == y[idx]).sum()
            in_steps += time.perf_counter() - tick
        float(hits)
        model.eval()
        with torch.no_grad():
            for i in range(0, len(self.x_val), EVAL_BATCH):
                float(objective.loss(model(self.x_val[i:i + EVAL_BATCH]), self.y_val[i:i + EVAL_BATCH]))
        return LoopSpeed(len(x) / in_steps, len(x) / (time.perf_counter() - start))


def plain_loop(experiment: Experiment, bundle: DataBundle, epochs: int, device: str = "cpu") -> LoopSpeed:
    """The speed over ``epochs`` epochs, after one that warms up uncounted."""
    loop = PlainLoop(experiment, bundle, device)
    loop.epoch()
    speeds = [loop.epoch() for _ in range(epochs)]
    n = len(bundle.x_train) * epochs
    return LoopSpeed(n / sum(len(bundle.x_train) / s.step for s in speeds),
                     n / sum(len(bundle.x_train) / s.wall for s in speeds))


def on_a_thread(function, *args, **kwargs):
    """Run ``function`` on a plain thread and return its result. In a process
    with a Qt window, torch work on the GUI thread would start a second
    OpenMP pool that fights the training's (shared/DESIGN.md, pitfalls)."""
    result: list = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            result.append(function(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - re-raised on the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=run, name="plain-loop")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]
