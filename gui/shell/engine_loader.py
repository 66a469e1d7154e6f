"""Loads PyTorch and the engine after the window is on screen.

Importing torch takes over a second here. It happens on a worker thread,
started at the window's first paint (``FirstPaint``: the import holds the
interpreter lock for much of that second, and started earlier it delayed
the paint): ``loaded`` fires when the engine's modules are imported (the
panels can be built), ``warmed_up`` when a first shape inference has run
(shapes can be shown, Train enabled) without stalling the GUI thread.

Not warmed here, on purpose: the optimisers. ``torch.optim``'s first
optimizer imports torch._dynamo (~1.8 s, ~100 MB), and this process never
trains: runs train in a training process (engine/training_process.py),
which pays for it once, in the background.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

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
        with torch.no_grad():
            _warm_shape_inference()
        _warm = True
    yield "warm"


def _warm_shape_inference() -> None:
    """The first inference of every template's shapes loads the CPU kernels
    and the templates' modules (tens of ms): here, not in the GUI thread's
    first redraw of the model stack."""
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
        self.started = False

    def start(self) -> None:
        self.started = True
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



class FirstPaint(QObject):
    """Calls ``then`` once, just after ``widget``'s first paint has been handled."""

    def __init__(self, widget: QObject, then: Callable[[], None]) -> None:
        super().__init__(widget)
        self.then = then
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self.then)  # after this paint, not inside it
        return False
