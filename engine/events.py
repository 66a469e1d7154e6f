"""Events that ``train()`` yields. Small, immutable, and holding only plain
numbers and numpy copies (never live tensors), so any thread may keep them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class RunStarted:
    device: str
    params: int
    epochs: int
    steps_per_epoch: int
    n_train: int
    n_val: int
    task: str  # "classification" | "regression"
    metric: str  # "accuracy" | "mse"
    baseline: float | None
    probe_inputs: np.ndarray  # the fixed probe samples, for views
    probe_targets: np.ndarray

    @property
    def total_steps(self) -> int:
        return self.epochs * self.steps_per_epoch


@dataclass(frozen=True)
class StepDone:
    step: int  # 1-based, counted over the whole run
    epoch: int  # 1-based epoch this step belongs to
    loss: float
    learning_rate: float
    elapsed: float  # seconds of training so far (pauses excluded)
    samples_per_second: float


@dataclass(frozen=True)
class EpochDone:
    epoch: int
    step: int
    train_loss: float
    train_metric: float
    val_loss: float
    val_metric: float  # accuracy for classification, MSE for regression
    seconds: float  # wall time of this epoch, evaluation included
    samples_per_second: float


@dataclass(frozen=True)
class Snapshot:
    """What probes saw at one step; keys are layer indices in the stack."""

    step: int
    epoch: int
    filters: dict[int, np.ndarray] = field(default_factory=dict)  # (out, in, k[, k])
    feature_maps: dict[int, np.ndarray] = field(default_factory=dict)  # (probes, C, H, W) / (probes, T, C)
    hidden_states: dict[int, np.ndarray] = field(default_factory=dict)  # (probes, T, H)


@dataclass(frozen=True)
class Paused:
    step: int


@dataclass(frozen=True)
class Diverged:
    step: int
    loss: float

    @property
    def message(self) -> str:
        return (f"training diverged at step {self.step} (loss became {self.loss}); "
                "lower the learning rate or turn on gradient clipping")


@dataclass(frozen=True)
class Finished:
    """The last event of every run, also after a stop or divergence."""

    stopped: bool
    diverged: bool
    summary: dict[str, Any]
