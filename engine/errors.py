"""The engine's own error types.

Everything the engine refuses is raised as a PlaygroundError subclass whose
message is one readable line naming *where* the problem is (file, field path,
layer index), so the command line can print it and the GUI can show it
without a traceback.
"""

from __future__ import annotations


class PlaygroundError(Exception):
    """Base of every error the engine raises on purpose."""


class SpecError(PlaygroundError):
    """An experiment (file or in-memory spec) is invalid.

    ``path`` is the dotted location of the problem, e.g.
    ``model.layers[3].kernel_size``; ``file`` the file it came from, if any.
    """

    def __init__(self, path: str, message: str, file: str | None = None) -> None:
        self.path = path
        self.message = message
        self.file = file
        super().__init__(self._text())

    def _text(self) -> str:
        where = f"{self.file}: " if self.file else ""
        return f"{where}{self.path}: {self.message}" if self.path else f"{where}{self.message}"

    def in_file(self, file: str) -> SpecError:
        return SpecError(self.path, self.message, file)


class ShapeError(PlaygroundError):
    """A layer stack cannot be built for its input; ``index`` is the layer."""

    def __init__(self, index: int, layer_type: str, message: str) -> None:
        self.index = index
        self.layer_type = layer_type
        self.message = message
        super().__init__(f"model.layers[{index}] ({layer_type}): {message}")


class DataError(PlaygroundError):
    """A data set cannot be generated or read."""


class DeviceError(PlaygroundError):
    """The requested compute device is not available."""


class TrainingError(PlaygroundError):
    """Training failed for a reason the user can act on."""


def describe_error(exc: BaseException) -> str:
    """One line a person can act on, for an exception from a training run."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if isinstance(exc, PlaygroundError):
        return str(exc)
    import torch

    if isinstance(exc, torch.OutOfMemoryError) or "out of memory" in first.lower():
        on_cuda = "cuda" in first.lower() or isinstance(exc, torch.OutOfMemoryError)
        device = "cuda" if on_cuda else "this device"
        return f"Out of memory on {device}: {first} — try a smaller batch size or model."
    if isinstance(exc, MemoryError):
        return "Out of memory on cpu: try a smaller batch size, model or data set."
    return f"{type(exc).__name__}: {first}"
