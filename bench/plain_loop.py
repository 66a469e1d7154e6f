"""The reference every speed figure is a ratio against: the training loop a
person would write by hand in plain PyTorch, on the same model (built from
the same spec), data, batch size, optimiser and thread count as the app.

It evaluates on the validation split after every epoch, as the engine does,
so the two do the same work; the *step* figure counts only the time inside
training steps (what the summary's samples/s counts) and the *wall* figure
the whole loop, evaluation included.
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
    wall: float  # training samples per second of the whole loop, evaluation included


def plain_loop(experiment: Experiment, bundle: DataBundle, epochs: int, device: str = "cpu",
               warm_up: bool = True) -> LoopSpeed:
    t = experiment.training
    dev = torch.device(device)
    torch.manual_seed(t.seed)
    model = build_model(experiment.model, bundle.info).to(dev)
    objective = Objective(bundle.info.task == CLASSIFICATION)
    optimizer = make_optimizer(model, t)
    x, y = bundle.x_train.to(dev), bundle.y_train.to(dev)
    x_val, y_val = bundle.x_val.to(dev), bundle.y_val.to(dev)
    gen = torch.Generator().manual_seed(t.seed)
    seen, in_steps, wall = 0, 0.0, 0.0
    for epoch in range(epochs + int(warm_up)):  # a first epoch warms allocations up, uncounted
        counted = epoch >= int(warm_up)
        order = torch.randperm(len(x), generator=gen).to(dev)
        epoch_start = time.perf_counter()
        model.train()
        for i in range(0, len(x), t.batch_size):
            tick = time.perf_counter()
            idx = order[i:i + t.batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = objective.loss(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
            loss.item()  # a person logs the loss; it is also the step's device sync
            if counted:
                in_steps += time.perf_counter() - tick
                seen += len(idx)
        model.eval()
        with torch.no_grad():
            for i in range(0, len(x_val), EVAL_BATCH):
                float(objective.loss(model(x_val[i:i + EVAL_BATCH]), y_val[i:i + EVAL_BATCH]))
        if counted:
            wall += time.perf_counter() - epoch_start
    return LoopSpeed(seen / in_steps, seen / wall)


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
