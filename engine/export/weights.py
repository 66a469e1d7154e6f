"""The weights as a PyTorch state dict (``torch.save``), under the names of
the generated source's class, so ``model.load_state_dict(torch.load(path,
weights_only=True))`` fills it. Only tensors are saved: loading needs no
pickle of our classes and works with ``weights_only=True``."""

from __future__ import annotations

import io
from pathlib import Path

import torch

from engine.export.model import PreparedModel, write_export


def save_state_dict(path: Path, prepared: PreparedModel) -> None:
    buffer = io.BytesIO()  # torch's zip writer fails badly on a short write: it writes to memory
    torch.save(prepared.state_dict(), buffer)
    write_export(path, buffer.getvalue())
