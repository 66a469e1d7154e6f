"""Export a model out of the playground: readable PyTorch source, the weights
as a state dict, TorchScript, and ONNX (when its packages are installed).

Nothing here imports torch at import time (the window builds its menus
before torch is loaded); ``export_model`` imports the writer it needs.

Every writer takes a ``PreparedModel`` (``engine.export.model.prepare``):
the experiment's model built on the CPU, in evaluation mode, holding the
trained weights when given, else freshly initialised ones from the
experiment's seed (the weights a run of it would start from).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from engine.export.base import ONNX_INSTALL, ONNX_PACKAGES, ExportError, onnx_missing, onnx_unavailable_reason

# kind → (title, file suffix). The suffixes are the usual ones; any name is accepted.
KINDS: dict[str, tuple[str, str]] = {
    "source": ("PyTorch source", ".py"),
    "weights": ("weights (state dict)", ".pt"),
    "torchscript": ("TorchScript", ".pt"),
    "onnx": ("ONNX", ".onnx"),
}

@dataclass(frozen=True)
class ExportResult:
    kind: str
    path: Path
    trained: bool  # False: freshly initialised weights (or none: source)
    note: str  # one line saying what was written


def export_model(kind: str, experiment, path: str | os.PathLike[str], weights=None) -> ExportResult:
    """Write ``experiment``'s model as ``kind`` (a key of KINDS) to ``path``.

    ``weights`` is a numpy state dict of the experiment's model (what
    engine.weights_file reads and a finished run gives), or None for freshly
    initialised weights. Raises ExportError (or the experiment's own
    PlaygroundError) with one readable line."""
    if kind not in KINDS:
        raise ExportError(f"unknown export kind {kind!r} (known: {', '.join(KINDS)})")
    target = Path(path)
    if not target.parent.resolve().is_dir():
        raise ExportError(f"{target}: folder does not exist")
    if kind in ("torchscript", "onnx"):  # before anything else: installing a package would not help
        refuse_untraceable(experiment, KINDS[kind][0])
    if kind == "onnx":  # before building anything: the message says what to install
        reason = onnx_unavailable_reason()
        if reason:
            raise ExportError(reason)
    from engine.export.model import prepare

    prepared = prepare(experiment, weights)
    if kind == "source":
        from engine.export.source import write_source

        write_source(target, prepared)
        note = (f"class {prepared.class_name}, {prepared.n_params:,} parameters (the architecture; "
                f"load the weights exported as 'weights' into it)")
        return ExportResult(kind, target, False, note)
    if kind == "weights":
        from engine.export.weights import save_state_dict

        save_state_dict(target, prepared)
    elif kind == "torchscript":
        from engine.export.torchscript import save_torchscript

        save_torchscript(target, prepared)
    else:
        from engine.export.onnx import save_onnx

        save_onnx(target, prepared)
    return ExportResult(kind, target, prepared.trained, prepared.weights_note())


def refuse_untraceable(experiment, title: str) -> None:
    """An ExportError for the first layer a trace cannot record (a TreeRNN:
    its computation follows each sample's tree), naming it and the way out."""
    from engine.layers import layer_kind

    for index, layer in enumerate(experiment.model.layers):
        kind = layer_kind(layer.type)
        if kind is not None and kind.untraceable:
            raise ExportError(f"model.layers[{index}] ({layer.type}) cannot be exported to {title}: "
                              f"{kind.untraceable}; export PyTorch source instead")


__all__ = ["KINDS", "ONNX_PACKAGES", "ONNX_INSTALL", "ExportError", "ExportResult", "export_model",
           "onnx_missing", "onnx_unavailable_reason"]
