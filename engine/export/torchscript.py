"""The model as TorchScript: traced on an example batch and saved, so it runs
with ``torch.jit.load`` (in Python or C++ libtorch) without this project.

Tracing, not scripting: the engine's modules branch on Python values fixed
at build time (a recurrent layer's output mode), which tracing bakes in.
The batch size stays free: tracing records it as the input's size."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import torch

from engine.export.base import ExportError
from engine.export.model import PreparedModel, write_export


def trace(prepared: PreparedModel) -> torch.jit.ScriptModule:
    example = prepared.example_input()
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch.jit's deprecation and tracer notices: not the user's concern
            return torch.jit.trace(prepared.model, example)
    except Exception as exc:  # torch's message, as one line
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ExportError(f"TorchScript export failed: {text}") from None


def save_torchscript(path: Path, prepared: PreparedModel) -> None:
    traced = trace(prepared)
    buffer = io.BytesIO()  # torch's zip writer aborts the process on a short write: it writes to memory
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit is deprecated, still the format asked for
        torch.jit.save(traced, buffer)
    write_export(path, buffer.getvalue())
