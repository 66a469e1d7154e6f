"""Run a trained model on one input a person made (a drawn digit, a typed
prefix) and report what it saw inside.

The ``Inspector`` holds its own CPU copy of the model, loaded from a
snapshot's weights, so it never touches the training model. It records the
same things a Snapshot does for the probe samples (it runs ``take_snapshot``
on a batch of one), so a view draws a drawn input exactly as it draws a probe.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from engine.datasets.base import CLASSIFICATION, IMAGE, TOKENS, VIDEO, DataInfo
from engine.errors import PlaygroundError
from engine.probes import ProbeSettings, take_snapshot
from engine.shapes import build_model
from engine.spec import Experiment

# Feature maps, hidden states, gates and the output: what one input shows.
_SETTINGS = ProbeSettings(filters=False, feature_maps=True, hidden_states=True, gates=True, gradients=False,
                          histograms=False, weights=False, outputs=True, predictions=False)


class InspectionError(PlaygroundError):
    """An input the model cannot take, or weights that do not fit it."""


@dataclass(frozen=True)
class Inspection:
    input: np.ndarray  # the sample, as the model took it
    # Class probabilities (C,) or (T, C); regression: values (n,) or (T, n).
    output: np.ndarray
    feature_maps: dict[int, np.ndarray]  # layer → (C, H, W), (T, C), or on a clip (T, C, H, W)
    hidden_states: dict[int, np.ndarray]  # recurrent layer → (T, H·directions), top layer
    gates: dict[int, dict[str, np.ndarray]]  # LSTM/GRU layer → gate name → (T, H), top layer, forward


class Inspector:
    """One CPU model for one run; ``load`` weights, then ``inspect`` inputs.
    Not thread-safe: use it from one thread at a time."""

    def __init__(self, experiment: Experiment, info: DataInfo) -> None:
        self.info = info
        self.classification = info.task == CLASSIFICATION
        torch.manual_seed(0)  # no effect on results once weights are loaded; keeps builds repeatable
        self.model = build_model(experiment.model, info).eval()

    def load(self, weights: dict[str, np.ndarray]) -> None:
        state = {name: torch.from_numpy(np.asarray(value)) for name, value in weights.items()}
        expected = self.model.state_dict()
        missing = sorted(set(expected) - set(state))
        unexpected = sorted(set(state) - set(expected))
        if missing or unexpected:
            raise InspectionError(f"the weights do not belong to this model (missing: {missing[:3]}, "
                                  f"unexpected: {unexpected[:3]})")
        for name, tensor in expected.items():
            if tuple(tensor.shape) != tuple(state[name].shape):
                raise InspectionError(f"the weights do not fit this model: {name} is "
                                      f"{tuple(state[name].shape)}, the model needs {tuple(tensor.shape)}")
        self.model.load_state_dict(state)

    def inspect(self, x: np.ndarray) -> Inspection:
        sample = self._check(np.asarray(x))
        batch = torch.from_numpy(sample).unsqueeze(0)
        try:
            snap = take_snapshot(self.model, batch, _SETTINGS, 0, 0, classification=self.classification)
        except RuntimeError as exc:  # a size the model refuses (e.g. Flatten + Linear on a new size)
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InspectionError(f"the model cannot take an input of shape {sample.shape}: {text}") from exc
        return Inspection(
            sample,
            snap.probe_outputs[0],
            {index: maps[0] for index, maps in snap.feature_maps.items()},
            {index: states[0] for index, states in snap.hidden_states.items()},
            {index: {name: g[0] for name, g in named.items()} for index, named in snap.gates.items()},
        )

    def _check(self, x: np.ndarray) -> np.ndarray:
        """The sample as the model takes it, or an InspectionError saying what is wrong.

        The number of dimensions and the channels/features must match the
        data; image sizes and sequence lengths may differ (a recurrent or
        globally pooled model takes them; others refuse with a message)."""
        info = self.info
        want = tuple(info.input_shape)
        if info.input_kind == TOKENS:
            if x.ndim != 1 or x.size < 1:
                raise InspectionError(f"a token model takes one sequence of token ids (T,), got shape {x.shape}")
            if not np.issubdtype(x.dtype, np.integer):
                raise InspectionError(f"token ids must be integers, got {x.dtype}")
            vocab = info.vocab_size or 0
            if x.min() < 0 or x.max() >= vocab:
                raise InspectionError(f"token ids must lie in [0, {vocab}), got {int(x.min())}..{int(x.max())}")
            return x.astype(np.int64)
        if x.ndim != len(want):
            raise InspectionError(f"expected one sample of shape {want}, got shape {x.shape}")
        # Channels of an image or of a clip's frames, features of a step.
        fixed = {IMAGE: 0, VIDEO: 1}.get(info.input_kind, len(want) - 1)
        if x.shape[fixed] != want[fixed]:
            what = {IMAGE: "channels", VIDEO: "channels per frame"}.get(info.input_kind, "features per step")
            raise InspectionError(f"expected {want[fixed]} {what} (shape {want}), got shape {x.shape}")
        if min(x.shape) < 1:
            raise InspectionError(f"the input is empty (shape {x.shape})")
        if not np.issubdtype(x.dtype, np.number) or not np.all(np.isfinite(x)):
            raise InspectionError("the input must hold finite numbers")
        return x.astype(np.float32)
