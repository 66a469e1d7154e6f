"""Starting stacks for "New CNN", "New RNN" and "New hybrid", fitted to the
current data set (images, sequences or tokens; one output per sample or one
per step). Pure functions of the data set's description: no Qt.

Every stack here ends in a Linear with ``out_features`` empty, so it matches
the data set's classes or targets whatever they are; tests check that each
template infers cleanly on every built-in data set.
"""

from __future__ import annotations

from typing import Any

from engine.datasets.base import IMAGE, TOKENS, DataInfo
from engine.spec import DatasetSpec, Experiment, LayerSpec, ModelSpec, TrainingSpec

KINDS = ("cnn", "rnn", "hybrid")
TITLES = {"cnn": "New CNN", "rnn": "New RNN", "hybrid": "New hybrid"}


def layer(type_: str, **params: Any) -> LayerSpec:
    """A layer with its registry defaults, overridden by ``params``."""
    from engine.layers import REGISTRY

    return LayerSpec(type_, {**REGISTRY[type_].defaults(), **params})


def stack_for(kind: str, info: DataInfo) -> ModelSpec:
    if kind not in KINDS:
        raise ValueError(f"unknown template {kind!r} (known: {', '.join(KINDS)})")
    if info.input_kind == IMAGE:
        layers = _image_stack(kind, info)
    else:
        layers = _sequence_stack(kind, info)
        if info.input_kind == TOKENS:
            layers = [layer("Embedding", embedding_dim=32), *layers]
    return ModelSpec(tuple(layers))


def _image_stack(kind: str, info: DataInfo) -> list[LayerSpec]:
    size = min(info.input_shape[1:])
    if kind == "rnn":
        # Rows become time steps: the image is read top to bottom.
        return [layer("ToSequence", order="rows"), layer("GRU", hidden_size=64), layer("Linear")]
    blocks = []
    channels = 16
    # Halve the image while it is still at least 8 pixels wide, at most 3 times.
    while size >= 8 and len(blocks) < (1 if kind == "hybrid" else 3):
        blocks += [layer("Conv2d", out_channels=channels, kernel_size=3, padding=1), layer("ReLU"),
                   layer("MaxPool2d", kernel_size=2)]
        size //= 2
        channels = min(channels * 2, 64)
    if not blocks:  # a tiny image: convolve without shrinking
        blocks = [layer("Conv2d", out_channels=16, kernel_size=3, padding=1), layer("ReLU")]
    if kind == "hybrid":
        return [*blocks, layer("ToSequence", order="rows"), layer("GRU", hidden_size=64), layer("Linear")]
    return [*blocks, layer("Flatten"), layer("Linear", out_features=64), layer("ReLU"), layer("Linear")]


def _sequence_stack(kind: str, info: DataInfo) -> list[LayerSpec]:
    per_step = info.per_step
    rnn_output = "all" if per_step else "last"
    if kind == "rnn":
        return [layer("GRU", hidden_size=64, output=rnn_output), layer("Linear")]
    # 'same' padding keeps the length: per-step tasks need one output per step.
    conv = [layer("Conv1d", out_channels=32, kernel_size=5, padding=2), layer("ReLU")]
    if kind == "hybrid":
        return [*conv, layer("GRU", hidden_size=64, output=rnn_output), layer("Linear")]
    deeper = [layer("Conv1d", out_channels=32, kernel_size=5, padding=4, dilation=2), layer("ReLU")]
    if per_step:
        return [*conv, *deeper, layer("Linear")]
    return [*conv, *deeper, layer("GlobalMaxPool"), layer("Linear")]


def default_experiment() -> Experiment:
    """The digits CNN, used when the default preset file is missing or broken."""
    from engine import datasets

    spec = datasets.validate_dataset({"name": "digits"})
    info = datasets.describe(spec)
    return Experiment(
        name="Digits CNN",
        description="A small convolutional network on 8×8 handwritten digits.",
        dataset=spec,
        model=stack_for("cnn", info),
        training=TrainingSpec(epochs=10),
    )


def default_dataset_spec(name: str) -> DatasetSpec:
    from engine import datasets

    return datasets.validate_dataset({"name": name})
