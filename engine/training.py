"""``train()``: an experiment in, a stream of events out.

One generator serves the headless command line and the GUI's worker thread.
It checks the TrainingControl between batches (pause, single step, stop,
learning-rate change), yields small events, and ends with exactly one
``Finished`` event whatever happens: completion, stop or divergence.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from engine import datasets, failpoints
from engine.control import TrainingControl
from engine.datasets.base import CLASSIFICATION, IGNORE_INDEX, DataBundle
from engine.devices import resolve_device
from engine.events import (
    SAMPLE_LIMIT,
    Diverged,
    EpochDone,
    Finished,
    Paused,
    Predictions,
    RunStarted,
    Snapshot,
    StepDone,
)
from engine.modules import Stack
from engine.probes import GRADIENT_SAMPLES, GradientBatch, ProbeClock, ProbeSettings, choose_probes, timed_snapshot
from engine.shapes import build_model
from engine.spec import Experiment, TrainingSpec
from engine.weights_file import check_weights, numpy_to_state, state_to_numpy

Event = RunStarted | StepDone | EpochDone | Snapshot | Predictions | Paused | Diverged | Finished
EVAL_BATCH = 1024


@dataclass
class Objective:
    """Loss and metric for the data set's task: cross-entropy and accuracy for
    classification, MSE for regression; per step for many-to-many data."""

    classification: bool

    def loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.classification:
            return nn.functional.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1),
                                               ignore_index=IGNORE_INDEX)
        return nn.functional.mse_loss(out, y)

    def metric_sums(self, out: torch.Tensor, y: torch.Tensor) -> tuple[float, int]:
        """(sum, count) of accuracy hits or squared errors."""
        total, count = self.metric_tensors(out, y)
        return float(total), int(count)

    def metric_tensors(self, out: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | int]:
        """``metric_sums`` as tensors, for the training loop: no conversion to
        Python numbers (a device sync on GPUs) and fewer small ops per step,
        which on 2 ms CPU steps were a measurable share of the time."""
        if self.classification:
            hits = out.argmax(-1) == y
            if y.dim() == 1:  # one label per sample: nothing is ever ignored
                return hits.sum(), y.numel()
            scored = y != IGNORE_INDEX
            return (hits & scored).sum(), scored.sum()
        return ((out - y) ** 2).sum(), y.numel()


def make_optimizer(model: nn.Module, t: TrainingSpec) -> torch.optim.Optimizer:
    params = model.parameters()
    if t.optimizer == "sgd":
        return torch.optim.SGD(params, lr=t.learning_rate, momentum=t.momentum, weight_decay=t.weight_decay)
    if t.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=t.learning_rate, momentum=t.momentum,
                                   weight_decay=t.weight_decay)
    if t.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=t.learning_rate, weight_decay=t.weight_decay)
    return torch.optim.Adam(params, lr=t.learning_rate, weight_decay=t.weight_decay)


def evaluate(model: Stack, x: torch.Tensor, y: torch.Tensor, objective: Objective) -> tuple[float, float]:
    """(mean loss, metric) over a whole split, in evaluation mode."""
    loss, metric, _ = evaluate_keeping(model, x, y, objective, 0)
    return loss, metric


@torch.no_grad()
def evaluate_keeping(model: Stack, x: torch.Tensor, y: torch.Tensor, objective: Objective,
                     keep: int) -> tuple[float, float, torch.Tensor | None]:
    """``evaluate``, also returning the outputs of the first ``keep`` samples
    (the prediction views' samples come for free from the evaluation pass)."""
    was_training = model.training
    model.eval()
    loss_sum, n, metric_sum, metric_n = 0.0, 0, 0.0, 0
    kept: list[torch.Tensor] = []
    for start in range(0, len(x), EVAL_BATCH):
        xb, yb = x[start:start + EVAL_BATCH], y[start:start + EVAL_BATCH]
        out = model(xb)
        if start < keep:
            kept.append(out[:keep - start])
        loss_sum += float(objective.loss(out, yb)) * len(xb)
        n += len(xb)
        s, c = objective.metric_sums(out, yb)
        metric_sum, metric_n = metric_sum + s, metric_n + c
    model.train(was_training)
    return loss_sum / max(n, 1), metric_sum / max(metric_n, 1), torch.cat(kept) if kept else None


def make_predictions(out: torch.Tensor, y: torch.Tensor, classification: bool, n_classes: int,
                     step: int, epoch: int) -> Predictions:
    """The Predictions event for outputs ``out`` on samples with targets ``y``."""
    if not classification:
        return Predictions(step, epoch, out.detach().to("cpu", torch.float32).numpy().copy(), None, None)
    probs = torch.softmax(out.detach().float(), dim=-1)
    confidence, predicted = probs.max(dim=-1)
    scored = y != IGNORE_INDEX  # per-step tasks leave some steps unscored
    pairs = (y[scored] * n_classes + predicted[scored]).to("cpu").numpy()
    confusion = np.bincount(pairs, minlength=n_classes * n_classes).reshape(n_classes, n_classes)
    return Predictions(step, epoch, predicted.to("cpu").numpy().astype(np.int64),
                       confidence.to("cpu").numpy().astype(np.float32), confusion.astype(np.int64))


def train(experiment: Experiment, *, control: TrainingControl | None = None,
          probes: ProbeSettings | None = None, bundle: DataBundle | None = None,
          device: str | None = None, epochs: int | None = None,
          initial_weights: dict[str, np.ndarray] | None = None) -> Iterator[Event]:
    """Train ``experiment``; ``device``/``epochs`` override its training settings.
    ``initial_weights`` (a numpy state dict, e.g. from engine.weights_file)
    replace the seeded initialisation; the optimiser still starts fresh.
    Raises PlaygroundError subclasses (before the first event) for invalid input."""
    t = experiment.training
    epochs = epochs or t.epochs
    control = control or TrainingControl()
    probes = probes or ProbeSettings.off()
    dev = resolve_device(device or t.device)
    fault = failpoints.armed(device or t.device)  # a testing aid (engine/failpoints.py); almost always None
    bundle = bundle or datasets.load(experiment.dataset, t.seed)
    info = bundle.info

    torch.manual_seed(t.seed)
    model = build_model(experiment.model, info)
    if initial_weights is not None:
        check_weights(initial_weights, experiment, "the starting weights", info)
        model.load_state_dict(numpy_to_state(initial_weights))
    model = model.to(dev)
    objective = Objective(info.task == CLASSIFICATION)
    optimizer = make_optimizer(model, t)
    x_train, y_train = bundle.x_train.to(dev), bundle.y_train.to(dev)
    x_val, y_val = bundle.x_val.to(dev), bundle.y_val.to(dev)
    if fault is not None and fault.step == 0:
        fault.trigger()
    n_train = len(x_train)
    steps_per_epoch = max(1, math.ceil(n_train / t.batch_size))
    order_rng = torch.Generator().manual_seed(t.seed)
    probe_index = choose_probes(bundle.y_val, probes.n_probes)
    probe_x = x_val[probe_index.to(dev)]
    clock = ProbeClock(probes, epochs * steps_per_epoch)
    probe_kw = {"classification": objective.classification,
                "gradient_batch": GradientBatch(x_val[:GRADIENT_SAMPLES], y_val[:GRADIENT_SAMPLES], objective.loss)}
    n_params = sum(p.numel() for p in model.parameters())
    # Layers whose weights a storage rule makes (a Hebbian Hopfield net): each
    # step stores the batch's targets instead of descending a gradient.
    storing = [m for m in model.modules() if getattr(m, "stores", False)]
    # Layers that read the right previous token in training (a Decoder's
    # teacher forcing): they get the batch's targets for the training step only.
    forced = [m for m in model.modules() if getattr(m, "teacher_forced", False)]
    n_samples = min(len(x_val), SAMPLE_LIMIT)
    keep = n_samples if probes.predictions else 0

    yield RunStarted(str(dev), n_params, epochs, steps_per_epoch, n_train, len(x_val), info.task,
                     "accuracy" if objective.classification else "mse", info.baseline,
                     bundle.x_val[probe_index].numpy().copy(), bundle.y_val[probe_index].numpy().copy(),
                     info, bundle.vocab, bundle.x_val[:n_samples].numpy().copy(),
                     bundle.y_val[:n_samples].numpy().copy())

    step, seen, elapsed, history = 0, 0, 0.0, []
    epoch = 0
    stopped = diverged = False
    last_epoch: EpochDone | None = None
    if clock.due(0.0):
        yield timed_snapshot(model, probe_x, clock, 0.0, 0, 0, **probe_kw)
    model.train()
    for epoch in range(1, epochs + 1):
        epoch_start = time.perf_counter()
        epoch_train_time = 0.0
        order = torch.randperm(n_train, generator=order_rng).to(dev)
        loss_sum, metric_sum, metric_n = 0.0, torch.zeros((), device=dev), 0
        for start in range(0, n_train, t.batch_size):
            if control.must_wait():
                if probes.any and clock.last_step != step:
                    # Coming to rest (Pause, or the end of a Step): the views
                    # show the model as it now is, not as it was a few steps ago.
                    yield timed_snapshot(model, probe_x, clock, elapsed, step, epoch, **probe_kw)
                yield Paused(step)
            if not control.wait():
                stopped = True
                break
            lr = control.take_learning_rate()
            if lr is not None:
                for group in optimizer.param_groups:
                    group["lr"] = lr
            tick = time.perf_counter()
            index = order[start:start + t.batch_size]
            xb, yb = x_train[index], y_train[index]
            optimizer.zero_grad(set_to_none=True)
            for layer in storing:
                layer.store(yb)
            for layer in forced:
                layer.targets = yb
            try:
                out = model(xb)
            finally:
                for layer in forced:
                    layer.targets = None
            loss = objective.loss(out, yb)
            loss_value = loss.item()
            step += 1
            if fault is not None and step == fault.step:
                fault.trigger()
            if not math.isfinite(loss_value):
                diverged = True
                yield Diverged(step, loss_value)
                break
            if loss.requires_grad:  # not under a storage rule alone
                loss.backward()
                if t.grad_clip > 0:
                    nn.utils.clip_grad_norm_(model.parameters(), t.grad_clip)
                optimizer.step()
            with torch.no_grad():
                s, c = objective.metric_tensors(out, yb)
                metric_sum.add_(s)
            loss_sum += loss_value * len(xb)
            seen += len(xb)
            metric_n = metric_n + c
            spent = time.perf_counter() - tick
            epoch_train_time += spent
            elapsed += spent
            yield StepDone(step, epoch, loss_value, optimizer.param_groups[0]["lr"], elapsed,
                           seen / max(elapsed, 1e-9))
            if clock.due(elapsed, step):
                yield timed_snapshot(model, probe_x, clock, elapsed, step, epoch, **probe_kw)
        if stopped or diverged:
            break
        val_loss, val_metric, sample_out = evaluate_keeping(model, x_val, y_val, objective, keep)
        seconds = time.perf_counter() - epoch_start
        last_epoch = EpochDone(epoch, step, loss_sum / n_train, float(metric_sum) / max(int(metric_n), 1), val_loss,
                               val_metric, seconds, n_train / max(epoch_train_time, 1e-9))
        history.append(last_epoch)
        yield last_epoch
        if sample_out is not None:
            tick = time.perf_counter()
            predictions = make_predictions(sample_out, y_val[:keep], objective.classification, info.n_outputs,
                                           step, epoch)
            clock.charge(time.perf_counter() - tick)
            yield predictions

    if stopped and keep:  # the model moved since the last epoch's predictions
        _, _, sample_out = evaluate_keeping(model, x_val[:keep], y_val[:keep], objective, keep)
        yield make_predictions(sample_out, y_val[:keep], objective.classification, info.n_outputs, step, epoch)
    if probes.any and not diverged:
        yield timed_snapshot(model, probe_x, clock, elapsed, step, epoch, final=True, **probe_kw)
    yield Finished(stopped, diverged, _summary(experiment, dev, n_params, history, elapsed, step, seen,
                                               objective.classification),
                   None if diverged else state_to_numpy(model))


def _summary(experiment: Experiment, dev: torch.device, n_params: int, history: list[EpochDone],
             elapsed: float, steps: int, seen: int, classification: bool) -> dict:
    final: dict[str, float | None] = {"train_loss": None, "val_loss": None}
    if history:
        last = history[-1]
        final = {"train_loss": last.train_loss, "val_loss": last.val_loss}
        final["val_accuracy" if classification else "val_mse"] = last.val_metric
    return {
        "preset": experiment.name,
        "dataset": experiment.dataset.name,
        "epochs": len(history),
        "steps": steps,
        "params": n_params,
        "seconds": round(sum(e.seconds for e in history), 4),
        "train_seconds": round(elapsed, 4),
        "samples_per_second": round(seen / elapsed, 1) if elapsed > 0 else 0.0,
        "device": str(dev),
        "seed": experiment.training.seed,
        "threads": torch.get_num_threads(),  # part of the trajectory (engine/threads.py)
        "final": final,
        "history": [
            {"epoch": e.epoch, "train_loss": e.train_loss, "val_loss": e.val_loss,
             "val_metric": e.val_metric, "seconds": round(e.seconds, 4)} for e in history
        ],
    }
