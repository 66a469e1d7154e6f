"""Faults on purpose, to test what a person sees when training breaks.

A testing aid, not a feature: set the environment variable
``CNN_RNN_PLAYGROUND_FAULT`` to ``KIND@STEP`` and ``train()`` raises, at
that training step, the exception PyTorch itself raises for that failure:

=============== ==========================================================
``cuda-oom``    ``torch.OutOfMemoryError("CUDA out of memory. Tried to
                allocate 2.00 GiB. GPU 0 has a total capacity of …")``
``device-lost`` ``torch.AcceleratorError("CUDA error: an illegal memory
                access was encountered …")`` (a GPU failing mid-run;
                ``RuntimeError("CUDA error: …")`` on a torch without it)
``cpu-oom``     ``RuntimeError("[enforce fail at alloc_cpu.cpp:127] …
                DefaultCPUAllocator: can't allocate memory …")``, what
                torch's CPU allocator raises
``memory-error`` ``MemoryError()``, what Python and numpy raise
=============== ==========================================================

``STEP`` counts batches from 1 (``cuda-oom@5``: four steps train, the fifth
fails before its backward pass); ``@0`` fails at the start, before the first
event, as moving a model that does not fit to the GPU would. The GPU faults
(``cuda-oom``, ``device-lost``) stand for a GPU the machine may not have, so
they fire only when the run asks for a device other than ``cpu`` (``auto``
included): training on the CPU afterwards works, as it would on a real
machine. Examples::

    CNN_RNN_PLAYGROUND_FAULT=cuda-oom@5 python main.py
    CNN_RNN_PLAYGROUND_FAULT=cpu-oom@3 python main.py --headless presets/digits_cnn.json

The variable is read once per run, so the training loop pays one ``None``
check per step. The GUI's training process inherits the environment when it
is spawned: a test that sets the variable must close the process pool
(``engine.process_pool.close_all()``) before and after.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import NoReturn

ENV = "CNN_RNN_PLAYGROUND_FAULT"
GPU_FAULTS = ("cuda-oom", "device-lost")
KINDS = (*GPU_FAULTS, "cpu-oom", "memory-error")

CUDA_OOM_TEXT = (
    "CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 7.79 GiB of which "
    "1.06 GiB is free. Including non-PyTorch memory, this process has 6.72 GiB memory in use. Of the "
    "allocated memory 6.41 GiB is allocated by PyTorch, and 117.54 MiB is reserved by PyTorch but "
    "unallocated. If reserved but unallocated memory is large try setting "
    "PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.  See documentation for "
    "Memory Management  (https://pytorch.org/docs/stable/notes/cuda.html#environment-variables)")
DEVICE_LOST_TEXT = (
    "CUDA error: an illegal memory access was encountered\n"
    "CUDA kernel errors might be asynchronously reported at some other API call, so the stacktrace "
    "below might be incorrect.\nFor debugging consider passing CUDA_LAUNCH_BLOCKING=1\n"
    "Compile with `TORCH_USE_CUDA_DSA` to enable device-side assertions.\n")
CPU_OOM_TEXT = ("[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate memory: "
                "you tried to allocate 2147483648 bytes. Error code 12 (Cannot allocate memory)")


@dataclass(frozen=True)
class Fault:
    kind: str  # one of KINDS
    step: int  # the training step that fails (0: the start of the run)

    def trigger(self) -> NoReturn:
        import torch

        if self.kind == "cuda-oom":
            raise torch.OutOfMemoryError(CUDA_OOM_TEXT)
        if self.kind == "device-lost":
            error = getattr(torch, "AcceleratorError", RuntimeError)  # torch >= 2.8 has its own type
            raise error(DEVICE_LOST_TEXT)
        if self.kind == "cpu-oom":
            raise RuntimeError(CPU_OOM_TEXT)
        raise MemoryError()


def parse(text: str) -> Fault:
    """``"cuda-oom@5"`` → Fault("cuda-oom", 5); a ValueError naming the variable otherwise
    (a mistyped fault must not pass silently as a clean run)."""
    kind, at, step = text.strip().partition("@")
    if kind not in KINDS or not at or not step.isdigit():
        raise ValueError(f"{ENV}={text!r}: expected KIND@STEP with KIND one of {', '.join(KINDS)} "
                         "and STEP a whole number, e.g. cuda-oom@5")
    return Fault(kind, int(step))


def armed(device: str) -> Fault | None:
    """The fault for a run on ``device`` (the requested name: auto, cpu, cuda, mps), or None."""
    text = os.environ.get(ENV)
    if not text:
        return None
    fault = parse(text)
    if fault.kind in GPU_FAULTS and device == "cpu":
        return None  # a GPU fault on a run that uses no GPU
    return fault
