"""Loads PyTorch and the engine after the window is on screen.

Importing torch takes over a second here, and the first shape inference on
the meta device (like the first ``torch.optim.Adam`` step) two more: torch
imports torch._dynamo lazily. All of it happens on a worker thread while the
window paints: ``loaded`` fires when the engine's modules are imported (the
panels can be built), ``warmed_up`` when shape inference and the optimisers
are warm (shapes can be shown, Train enabled) without stalling the GUI thread.
"""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import QObject, Signal

from gui.common.task import Task

ENGINE_MODULES = ("engine.layers", "engine.shapes", "engine.datasets", "engine.experiment_file",
                  "engine.devices", "engine.training", "engine.control", "engine.events")


_warm = False


def load_engine() -> Iterator[str]:
    """Runs on the worker thread; yields "imported" as soon as the panels can be built."""
    import importlib

    import torch

    for name in ENGINE_MODULES:
        importlib.import_module(name)
    yield "imported"  # the panels can be built now; their shapes wait for "warm"
    global _warm
    if not _warm:  # once per process: a second window finds torch warm already
        _warm_shape_inference()
        # Warm the optimisers' lazy imports now, not on the first Train press.
        weight = torch.zeros(1, requires_grad=True)
        weight.grad = torch.zeros(1)
        torch.optim.Adam([weight], lr=1e-3).step()
        _warm = True
    yield "warm"


def _warm_shape_inference() -> None:
    """The first shape inference on the meta device imports torch._dynamo
    (about two seconds, holding the import lock): do it here, not in the
    GUI thread's first redraw of the model stack."""
    from engine import datasets
    from engine.shapes import infer
    from gui.builder.templates import KINDS, stack_for

    for options in ({}, {"as_sequence": True}):
        info = datasets.describe(datasets.validate_dataset({"name": "digits", "options": options}))
        for kind in KINDS:
            infer(stack_for(kind, info), info)


class EngineLoader(QObject):
    loaded = Signal()  # the engine can be imported without waiting
    warmed_up = Signal()  # the optimisers' lazy imports are done too
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.task = Task(self)
        self.is_loaded = False
        self.is_warm = False

    def start(self) -> None:
        self.task.start(load_engine, on_yielded=self._on_yielded, on_errored=self._on_errored)

    def wait(self, timeout_ms: int = 30_000) -> None:
        """Block (processing events) until a running load has finished: imports
        cannot be interrupted, and the process must not exit under them."""
        self.task.shutdown(timeout_ms)

    def _on_yielded(self, stage: str) -> None:
        if stage == "imported":
            self.is_loaded = True
            self.loaded.emit()
        else:
            self.is_warm = True
            self.warmed_up.emit()

    def _on_errored(self, exc: BaseException) -> None:
        self.failed.emit(f"{type(exc).__name__}: {exc}")

