"""A small pool of training processes, so every run after the first starts
at once: a fresh child needs seconds to import torch, a returned one is
ready. Several runs at a time (a comparison run in parallel) each take one.
Engine code: no Qt."""

from __future__ import annotations

import threading

from engine.training_process import TrainingProcess

_idle: list[TrainingProcess] = []
_lock = threading.Lock()
IDLE_LIMIT = 2


def acquire() -> TrainingProcess:
    """An idle, live training process, or a new one."""
    with _lock:
        while _idle:
            process = _idle.pop()
            if process.alive:
                return process
    return TrainingProcess()


def release(process: TrainingProcess) -> None:
    """Give a process back after its run ended (a dead one is dropped)."""
    if not process.alive or process.run_id is not None:
        process.close(timeout=0.5)
        return
    with _lock:
        if len(_idle) < IDLE_LIMIT:
            _idle.append(process)
            return
    process.close()


def prestart() -> None:
    """Start a process now (in the background) if none is idle, so the
    first Train does not wait for a fresh interpreter to import torch."""
    with _lock:
        if any(p.alive for p in _idle):
            return
    process = TrainingProcess()
    with _lock:
        _idle.append(process)


def close_all() -> None:
    with _lock:
        processes, _idle[:] = list(_idle), []
    for process in processes:
        process.close()
