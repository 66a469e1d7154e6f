"""What a data set is, for the rest of the engine.

Each built-in data set is declared once as a ``DatasetKind``: its options (as
``Param`` declarations, so files are validated and the GUI builds its form
from them), a cheap ``describe`` that tells shapes and task without
generating anything (the model builder infers shapes from it on every edit),
and ``generate`` that makes the tensors, deterministically from the seed.

Conventions, per sample (batch dimension omitted):
- images: float32 ``(C, H, W)``;
- video clips: float32 ``(T, C, H, W)`` — frames first, each frame an image;
- sequences: float32 ``(T, F)`` — time first, features last;
- tokens: int64 ``(T,)`` with ids in ``[0, vocab_size)``.
Targets:
- classification: int64 ``(N,)``; per-step: int64 ``(N, T)`` where -100 marks
  steps that are not scored (``IGNORE_INDEX``);
- regression: float32 ``(N, n_outputs)``; per-step: ``(N, T, n_outputs)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch

from engine.params import Param

IGNORE_INDEX = -100
IMAGE, SEQUENCE, TOKENS, VIDEO = "image", "sequence", "tokens", "video"
CLASSIFICATION, REGRESSION = "classification", "regression"


@dataclass(frozen=True)
class DataInfo:
    input_kind: str  # IMAGE | SEQUENCE | TOKENS | VIDEO
    input_shape: tuple[int, ...]  # per sample, see module docstring
    task: str  # CLASSIFICATION | REGRESSION
    per_step: bool  # a target at every time step (many-to-many)
    n_outputs: int  # number of classes, or of target features
    vocab_size: int | None = None  # TOKENS only
    class_names: tuple[str, ...] = ()
    # Score of the trivial predictor on the validation metric (accuracy of
    # guessing, or MSE of predicting the mean), so views can draw the baseline.
    baseline: float | None = None
    # Images: True when high values are ink on paper (digits, shapes: 1 is the
    # stroke, drawn dark), False for photographs (1 is light, drawn light).
    ink: bool = True
    # TOKENS that are not characters (expression trees): what each id reads as, "" for padding.
    token_texts: tuple[str, ...] = ()
    # Per-step targets with another number of steps than the input has (a
    # sequence-to-sequence or caption data set): the output's length.
    out_steps: int | None = None


@dataclass
class DataBundle:
    info: DataInfo
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    # For text data: the characters, index = token id.
    vocab: str | None = None

    def __post_init__(self) -> None:
        if len(self.x_train) != len(self.y_train) or len(self.x_val) != len(self.y_val):
            raise ValueError("inputs and targets differ in length")


@dataclass(frozen=True)
class DatasetKind:
    name: str
    title: str
    help: str  # one paragraph, shown as a tooltip and in the gallery
    params: tuple[Param, ...]
    describe: Callable[[Mapping[str, Any]], DataInfo]
    generate: Callable[[Mapping[str, Any], int], DataBundle]
