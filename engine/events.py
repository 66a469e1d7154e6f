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
    # What the data are (input kind and shape, classes, vocabulary size).
    info: Any = None  # engine.datasets.base.DataInfo
    vocab: str | None = None  # text data: the characters, index = token id
    # The first validation samples (at most SAMPLE_LIMIT), in the order the
    # Predictions events refer to them: the predictions strip and the
    # confusion matrix's "samples behind this cell" show these.
    sample_inputs: np.ndarray | None = None
    sample_targets: np.ndarray | None = None

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


SAMPLE_LIMIT = 1000  # validation samples that RunStarted carries for the prediction views


@dataclass(frozen=True)
class Histogram:
    """A layer's weights (or gradients) at one step: a histogram over
    ``bins`` equal bins from ``edges[0]`` to ``edges[-1]``, and the
    quantiles at QUANTILES for the distribution-over-time view."""

    edges: np.ndarray  # (bins + 1,)
    counts: np.ndarray  # (bins,) int64
    quantiles: np.ndarray  # (len(QUANTILES),)


QUANTILES = (0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0)


@dataclass(frozen=True)
class Snapshot:
    """What probes saw at one step; keys are layer indices in the stack.

    Probe samples are RunStarted.probe_inputs, in order (P of them).
    Recurrent entries describe the *top* layer of a (possibly stacked)
    recurrent layer; gates are its forward direction.
    """

    step: int
    epoch: int
    filters: dict[int, np.ndarray] = field(default_factory=dict)  # (out, in, k[, k])
    # Every layer whose output has 3 or more dimensions: images (P, C, H, W), sequences
    # (P, T, F), and on a video clip, before Frames, (P, T, C, H, W): T frames of C maps each.
    feature_maps: dict[int, np.ndarray] = field(default_factory=dict)
    hidden_states: dict[int, np.ndarray] = field(default_factory=dict)  # (P, T, H·directions)
    # LSTM: "input", "forget", "cell" (candidate g), "output", "cell_state" (c_t);
    # GRU: "reset", "update", "new" (candidate n); each (P, T, H). None for nn.RNN layers.
    gates: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)
    # Mean over a validation batch of ‖∂loss/∂h_t‖ for each step t, (T,):
    # the total derivative through the recurrence (the vanishing-gradient picture).
    grad_through_time: dict[int, np.ndarray] = field(default_factory=dict)
    weight_histograms: dict[int, Histogram] = field(default_factory=dict)  # layers with parameters
    grad_histograms: dict[int, Histogram] = field(default_factory=dict)  # absent before the first step
    # The model's state_dict as CPU numpy copies (None when the model is too
    # big to copy at probe rate): the GUI's InspectionRunner runs drawn inputs with it.
    weights: dict[str, np.ndarray] | None = None
    # The model's output on the probe samples: class probabilities (P, C) /
    # (P, T, C), or regression values of the target's shape.
    probe_outputs: np.ndarray | None = None


@dataclass(frozen=True)
class Predictions:
    """The model on RunStarted.sample_inputs, after each epoch (and at the end)."""

    step: int
    epoch: int
    predicted: np.ndarray  # classes (M,) or (M, T) int64; regression: values, the targets' shape
    confidence: np.ndarray | None  # classification: probability of the predicted class, predicted's shape
    # Classification: (C, C) counts over the sample set, rows = true class,
    # columns = predicted; per-step tasks count every scored step. None for regression.
    confusion: np.ndarray | None


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
    # The final state_dict as CPU numpy copies (engine.weights_file saves it);
    # None after a divergence, whose weights are of no use.
    weights: dict[str, np.ndarray] | None = None
