"""Where the convolution explainer's grids come from: built-in cases, the
current model's first convolution layer (trained weights, or the latest
snapshot's filters), and a real validation sample (loaded on a worker:
the first digits load imports scikit-learn, about a second)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.explain.convolution import C1_KERNEL, C1_PATCH, C5_GRID, CONVOLUTION, MAX_POOL
from engine.spec import DatasetSpec, Experiment

# scikit-learn's first digit (a "0"), grey levels 0–16 scaled to 0–1 like the digits data set.
DIGIT_ZERO = np.array([[0, 0, 5, 13, 9, 1, 0, 0], [0, 0, 13, 15, 10, 15, 5, 0], [0, 3, 15, 2, 0, 11, 8, 0],
                       [0, 4, 12, 0, 0, 8, 8, 0], [0, 5, 8, 0, 0, 9, 8, 0], [0, 4, 11, 0, 1, 12, 7, 0],
                       [0, 2, 14, 5, 10, 12, 0, 0], [0, 0, 6, 13, 10, 0, 0, 0]], np.float64) / 16.0
# Dark on the left, bright on the right → large positive sum (a vertical-edge detector, Sobel's).
EDGE_KERNEL = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float64)


@dataclass(frozen=True)
class Case:
    """Everything the explainer shows: the input, the kernel (or the pooling window size) and settings."""

    grid: np.ndarray
    kernel: np.ndarray  # (k, k); for pooling only its size matters
    mode: str = CONVOLUTION
    stride: int = 1
    padding: int = 0
    bias: float = 0.0
    note: str = ""  # where the numbers come from, one or two sentences


C1_CASE = Case(C1_PATCH, C1_KERNEL, note="Claim C1's worked example: one 3×3 patch, one 3×3 kernel, one sum.")
C5_CASE = Case(C5_GRID, np.zeros((2, 2)), MAX_POOL, stride=2,
               note="Claim C5: max pooling keeps the largest value of each 2×2 window.")
EDGE_CASE = Case(DIGIT_ZERO, EDGE_KERNEL, padding=1,
                 note="A handwritten 0 (scikit-learn's digits) and a vertical-edge detector: strong positive "
                      "where ink starts to the right, strong negative where it ends. Padding 1 keeps the 8×8 size.")


def first_conv(experiment: Experiment | None) -> tuple[int, dict] | None:
    """The index and parameters of the model's first Conv2d layer, if any."""
    for index, layer in enumerate(experiment.model.layers if experiment is not None else ()):
        if layer.type == "Conv2d":
            return index, dict(layer.params)
    return None


def trained_filters(context) -> tuple[np.ndarray, np.ndarray | None, str] | str:
    """The current model's first Conv2d weights ``(out, in, k, k)``, biases and where they come
    from; or a one-line reason why there are none (for the disabled preset's tooltip)."""
    experiment = context.document.experiment if context.document is not None else None
    found = first_conv(experiment)
    if found is None:
        return "This model has no Conv2d layer: add one (and train) to see its filters here."
    index, _ = found
    weights = context.weights.weights_for(experiment)
    if weights is not None and f"layers.{index}.weight" in weights:
        return (np.asarray(weights[f"layers.{index}.weight"], np.float64),
                _bias(weights.get(f"layers.{index}.bias")), f"the trained weights of layer {index + 1}")
    views = context.views
    if views.experiment is not None and views.experiment.model == experiment.model:
        for snapshot in reversed(views.store.snapshots):
            if index in snapshot.filters:
                bias = _bias((snapshot.weights or {}).get(f"layers.{index}.bias"))
                return (np.asarray(snapshot.filters[index], np.float64), bias,
                        f"layer {index + 1} at training step {snapshot.step}")
    return "Train this model first: its first convolution layer has no trained filters yet."


def _bias(values) -> np.ndarray | None:
    return None if values is None else np.asarray(values, np.float64)


def sample_spec(experiment: Experiment | None) -> DatasetSpec:
    """The current data set when it is a one-channel image set, else the digits."""
    if experiment is not None and experiment.dataset.name in ("digits", "shapes"):
        from engine import datasets

        info = datasets.describe(experiment.dataset)
        if info.input_kind == "image" and info.input_shape[0] == 1:
            return experiment.dataset
    return DatasetSpec("digits", {"as_sequence": False})


def load_sample(spec: DatasetSpec, seed: int, index: int) -> tuple[np.ndarray, str]:
    """Runs on a worker: validation sample ``index`` (wrapping) as an (H, W) grid, and its caption."""
    from engine import datasets

    bundle = datasets.load(spec, seed)
    index %= len(bundle.x_val)
    label = int(bundle.y_val[index])
    names = bundle.info.class_names
    name = names[label] if 0 <= label < len(names) else str(label)
    grid = bundle.x_val[index, 0].numpy().astype(np.float64)
    return grid, f"Validation sample {index + 1} of the {spec.name} data set (a {name})."
