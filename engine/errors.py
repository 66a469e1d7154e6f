"""The engine's own error types.

Everything the engine refuses is raised as a PlaygroundError subclass whose
message is one readable line naming *where* the problem is (file, field path,
layer index), so the command line can print it and the GUI can show it
without a traceback.
"""

from __future__ import annotations

import re
import sys
from types import ModuleType


class PlaygroundError(Exception):
    """Base of every error the engine raises on purpose."""


class WriteFailed(OSError):
    """A file the app writes could not be written (a full disk, a file-size
    limit, no permission). Raised by the atomic writer, so the old file is
    whole and nothing is left beside it; reads as one line."""

    def __str__(self) -> str:
        return f"cannot write {self.filename}: {self.strerror}"


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


# What kind of failure ended a run: the window offers "Train on CPU" after the
# GPU kinds, a smaller batch size after running out of main memory.
GPU_OUT_OF_MEMORY = "gpu_out_of_memory"
DEVICE_FAILED = "device_failed"  # a GPU that stopped working mid-run (a CUDA error)
DEVICE_UNAVAILABLE = "device_unavailable"  # the chosen device is not there (DeviceError, at the start)
CPU_OUT_OF_MEMORY = "cpu_out_of_memory"
PROCESS_DIED = "process_died"  # the training process ended without a word (the GUI notices)
OTHER = "other"
GPU_KINDS = (GPU_OUT_OF_MEMORY, DEVICE_FAILED, DEVICE_UNAVAILABLE)
CPU_ALLOCATOR = "DefaultCPUAllocator"  # torch's CPU allocator names itself when it runs out
GPU_ERROR_PREFIXES = ("cuda error", "cuda driver error", "cudnn error", "cublas_status", "hip error",
                      "mps backend", "xpu error")
GPU_WORDS = ("cuda", "gpu", "mps", "hip", "xpu")


def classify_failure(exc: BaseException) -> str:
    """One of the kinds above, for an exception that ended a training run."""
    if isinstance(exc, DeviceError):
        return DEVICE_UNAVAILABLE
    if isinstance(exc, PlaygroundError):
        return OTHER
    if isinstance(exc, MemoryError):
        return CPU_OUT_OF_MEMORY
    text = str(exc).strip().lower()
    torch = _torch()
    if torch is not None and isinstance(exc, torch.OutOfMemoryError):
        return GPU_OUT_OF_MEMORY
    if "out of memory" in text or CPU_ALLOCATOR.lower() in text:
        on_gpu = CPU_ALLOCATOR.lower() not in text and any(word in text for word in GPU_WORDS)
        return GPU_OUT_OF_MEMORY if on_gpu else CPU_OUT_OF_MEMORY
    accelerator = getattr(torch, "AcceleratorError", None) if torch is not None else None
    if (accelerator is not None and isinstance(exc, accelerator)) or text.startswith(GPU_ERROR_PREFIXES):
        return DEVICE_FAILED
    return OTHER


def describe_error(exc: BaseException) -> str:
    """One line a person can act on, for an exception from a training run."""
    if isinstance(exc, PlaygroundError):
        return str(exc)
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    kind = classify_failure(exc)
    if kind == GPU_OUT_OF_MEMORY:
        # Only the size: the rest of CUDA's message (capacities, allocator settings,
        # a link) is a paragraph that would fill the banner and repeat "out of memory".
        size = re.search(r"tried to allocate ([\d.]+ ?[KMGT]?i?B)", first, re.IGNORECASE)
        wanted = f" (it tried to allocate {size.group(1)})" if size else f" ({_sentences(first, 1)})"
        return (f"Out of memory on {_gpu_name(first)}{wanted}: try a smaller batch size or model, "
                "or train on the CPU.")
    if kind == CPU_OUT_OF_MEMORY:
        wanted = _allocation(first)
        tried = f" (it tried to allocate {wanted})" if wanted else ""
        return f"Out of memory on cpu{tried}: try a smaller batch size, model or data set."
    if kind == DEVICE_FAILED:
        return f"The GPU ({_gpu_name(first)}) stopped working: {first} — train on the CPU, or try the GPU again."
    return f"{type(exc).__name__}: {first}"


def _torch() -> ModuleType | None:
    """torch, if something imported it (an exception from torch means it did):
    classifying an error must not import torch."""
    return sys.modules.get("torch")


def _gpu_name(text: str) -> str:
    """The device name a person chose it by: Apple's GPU is "mps", the rest
    (NVIDIA, and AMD through ROCm, which PyTorch also calls cuda) "cuda"."""
    return "mps" if text.lower().startswith("mps") else "cuda"


def _sentences(text: str, n: int) -> str:
    """The first ``n`` sentences of an error's text."""
    parts = text.split(". ")
    head = ". ".join(parts[:n]).rstrip(".")
    return head if len(parts) > n else text.rstrip(".")


def _allocation(text: str) -> str:
    """"you tried to allocate 2147483648 bytes" → "2.0 GiB"; "" when the text says no size."""
    match = re.search(r"allocate (\d+) bytes", text)
    if not match:
        return ""
    size = float(match.group(1))
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return ""
