"""The model an export writes: built on the CPU, in evaluation mode, with
trained or freshly initialised weights; its example input; the names its
layers get in the generated source (which the exported state dict uses
too); and an atomic way to write the file.
"""

from __future__ import annotations

import contextlib
import keyword
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from engine import datasets
from engine.datasets.base import DataInfo
from engine.export.base import ExportError
from engine.file_modes import give_ordinary_mode
from engine.layers import TOKENS
from engine.modules import Stack
from engine.shapes import ModelSummary, build_model, infer
from engine.spec import Experiment
from engine.weights_file import check_weights, numpy_to_state

# The module inside the engine's wrapper modules, which the generated source does without.
_WRAPPED = ("inner", "rnn")


@dataclass(frozen=True)
class PreparedModel:
    experiment: Experiment
    info: DataInfo
    summary: ModelSummary
    model: Stack  # CPU, eval mode
    trained: bool

    @property
    def n_params(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    @property
    def class_name(self) -> str:
        return class_name(self.experiment.name)

    @property
    def attributes(self) -> list[str]:
        """The generated class's attribute for each layer: ``conv2d_0``, ``gru_3``…"""
        return [f"{_snake(layer.type)}_{i}" for i, layer in enumerate(self.experiment.model.layers)]

    def example_input(self, batch: int = 2, seed: int = 0) -> torch.Tensor:
        """A batch the model accepts: random values, or token ids for text."""
        g = torch.Generator().manual_seed(seed)
        shape = (batch, *self.info.input_shape)
        if self.info.input_kind == TOKENS:
            return torch.randint(0, self.info.vocab_size or 1, shape, generator=g)
        return torch.randn(shape, generator=g)

    def state_dict(self) -> dict[str, torch.Tensor]:
        """The weights under the generated class's names (``layers.3.rnn.weight_ih_l0``
        → ``gru_3.weight_ih_l0``), CPU copies."""
        names = self.attributes
        out: dict[str, torch.Tensor] = {}
        for key, value in self.model.state_dict().items():
            out[generated_key(key, names)] = value.detach().cpu().clone()
        return out

    def weights_note(self) -> str:
        if self.trained:
            return "with the trained weights"
        return (f"with freshly initialised weights (seed {self.experiment.training.seed}), "
                "not trained ones")


def prepare(experiment: Experiment, weights: Mapping[str, np.ndarray] | None = None) -> PreparedModel:
    """Build ``experiment``'s model for export; raises the stack's ShapeError,
    the data set's error or a WeightsFileError when ``weights`` do not fit."""
    info = datasets.describe(experiment.dataset)
    summary = infer(experiment.model, info)
    if summary.error is not None:
        raise summary.error
    torch.manual_seed(experiment.training.seed)  # as train() does: the weights a run starts from
    model = build_model(experiment.model, info)
    if weights is not None:
        check_weights(weights, experiment, "the trained weights", info)
        model.load_state_dict(numpy_to_state(weights))
    return PreparedModel(experiment, info, summary, model.eval(), weights is not None)


def generated_key(key: str, attributes: list[str]) -> str:
    parts = key.split(".")
    if len(parts) < 3 or parts[0] != "layers" or not parts[1].isdigit():
        raise ExportError(f"cannot name the weight {key} in the exported model")
    rest = parts[2:]
    if len(rest) > 1 and rest[0] in _WRAPPED:
        rest = rest[1:]
    return ".".join([attributes[int(parts[1])], *rest])


def class_name(name: str) -> str:
    """An experiment name as a Python class name: ``digits CNN (rows)`` → ``DigitsCNNRows``."""
    words = re.findall(r"[A-Za-z0-9]+", name)
    text = "".join(w[:1].upper() + w[1:] for w in words)
    if not text or text[0].isdigit():
        text = "Model" + text
    return text + "Model" if keyword.iskeyword(text) else text


def _snake(type_: str) -> str:
    """``GlobalAvgPool`` → ``global_avg_pool``; the activations keep their usual spelling."""
    type_ = type_.replace("ReLU", "Relu").replace("GELU", "Gelu")
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", type_).lower()


def write_export(target: Path, data: str | bytes) -> None:
    """Write an export's bytes (serialised in memory first) atomically: a
    full disk gives one line, the old file whole and nothing left beside it."""
    from engine.experiment_file import write_atomic

    try:
        write_atomic(target, data)
    except OSError as exc:  # WriteFailed: the old file whole, nothing beside it
        raise ExportError(str(exc)) from None


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` to write to; renamed over ``target``
    when the block succeeds, removed when it fails: a failed export leaves
    the old file whole and no stray file."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        give_ordinary_mode(tmp)
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from None
        raise
