"""The experiment spec: the single source of truth for one experiment.

Immutable dataclasses. The GUI never mutates a live model: an edit produces a
new Experiment (``dataclasses.replace`` or the ``with_*`` helpers), which
makes undo a stack of specs. The parameter dicts inside are never mutated
after construction; helpers copy them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from engine.params import CHOICE, FLOAT, INT, Param

OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop")
DEVICES = ("auto", "cpu", "cuda", "mps")
MAX_LAYERS = 64  # an experiment file's limit, and the model builder's

TRAINING_PARAMS: tuple[Param, ...] = (
    Param("optimizer", CHOICE, "adam", "Optimiser that updates the weights.", choices=OPTIMIZERS),
    Param("learning_rate", FLOAT, 1e-3, "Step size of each update; can be changed while training.",
          minimum=1e-6, maximum=10.0, log_scale=True),
    Param("momentum", FLOAT, 0.9, "Momentum (SGD and RMSprop only).", minimum=0.0, maximum=0.999),
    Param("batch_size", INT, 64, "Samples per training step.", minimum=1, maximum=4096),
    Param("epochs", INT, 10, "Passes over the training set.", minimum=1, maximum=10_000),
    Param("weight_decay", FLOAT, 0.0, "L2 penalty on the weights (decoupled for AdamW).",
          minimum=0.0, maximum=1.0),
    Param("grad_clip", FLOAT, 0.0, "Clip the gradient norm to this value; 0 turns clipping off.",
          minimum=0.0, maximum=1e6),
    Param("seed", INT, 0, "Seed for data, initial weights and batch order: same seed, same run.",
          minimum=0, maximum=2**31 - 1),
    Param("device", CHOICE, "auto", "Where to train: auto picks CUDA, then MPS, then CPU.",
          choices=DEVICES),
)
TRAINING_DEFAULTS: dict[str, Any] = {p.name: p.default for p in TRAINING_PARAMS}


@dataclass(frozen=True)
class LayerSpec:
    """One layer: its registry type name and its complete parameter dict."""

    type: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def with_params(self, **changes: Any) -> LayerSpec:
        return LayerSpec(self.type, {**self.params, **changes})


@dataclass(frozen=True)
class ModelSpec:
    layers: tuple[LayerSpec, ...] = ()

    def with_layer(self, index: int, layer: LayerSpec) -> ModelSpec:
        layers = list(self.layers)
        layers[index] = layer
        return ModelSpec(tuple(layers))

    def inserted(self, index: int, layer: LayerSpec) -> ModelSpec:
        layers = list(self.layers)
        layers.insert(index, layer)
        return ModelSpec(tuple(layers))

    def removed(self, index: int) -> ModelSpec:
        return ModelSpec(self.layers[:index] + self.layers[index + 1 :])

    def moved(self, source: int, target: int) -> ModelSpec:
        layers = list(self.layers)
        layers.insert(target, layers.pop(source))
        return ModelSpec(tuple(layers))


@dataclass(frozen=True)
class DatasetSpec:
    """A built-in data set by name, with its complete options dict."""

    name: str
    options: Mapping[str, Any] = field(default_factory=dict)

    def with_options(self, **changes: Any) -> DatasetSpec:
        return DatasetSpec(self.name, {**self.options, **changes})


@dataclass(frozen=True)
class TrainingSpec:
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    momentum: float = 0.9
    batch_size: int = 64
    epochs: int = 10
    weight_decay: float = 0.0
    grad_clip: float = 0.0
    seed: int = 0
    device: str = "auto"

    def as_dict(self) -> dict[str, Any]:
        return {p.name: getattr(self, p.name) for p in TRAINING_PARAMS}


@dataclass(frozen=True)
class Experiment:
    name: str
    description: str
    dataset: DatasetSpec
    model: ModelSpec
    training: TrainingSpec = field(default_factory=TrainingSpec)

    def with_model(self, model: ModelSpec) -> Experiment:
        return replace(self, model=model)

    def with_dataset(self, dataset: DatasetSpec) -> Experiment:
        return replace(self, dataset=dataset)

    def with_training(self, **changes: Any) -> Experiment:
        return replace(self, training=replace(self.training, **changes))
