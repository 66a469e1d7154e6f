"""The weights as a PyTorch state dict (``torch.save``), under the names of
the generated source's class, so ``model.load_state_dict(torch.load(path,
weights_only=True))`` fills it. Only tensors are saved: loading needs no
pickle of our classes and works with ``weights_only=True``."""

from __future__ import annotations

from pathlib import Path

import torch

from engine.export.model import PreparedModel, atomic_path


def save_state_dict(path: Path, prepared: PreparedModel) -> None:
    state = prepared.state_dict()
    with atomic_path(path) as tmp:
        torch.save(state, tmp)
