"""One rule for torch's thread count, wherever training runs.

Every run trains with ONE intra-op thread — in the window's training
process, ``--headless``, a comparison, ``bench/claims.py`` and the tests —
so the same experiment and seed give the same numbers in all of them. A
thread count is part of a run's trajectory: float reductions split over
more threads add up in another order, and on this project's machines
``copy_memory_lstm`` scored 0.723 at one thread and 0.944 at two. The small
models trained here gain little from a second thread, and an OpenMP pool
that spans every core stalls whenever the window paints; parallelism comes
from running seeds and experiments side by side, one process each.

``CNN_RNN_PLAYGROUND_THREADS`` (or ``--threads``) sets another count; each
run's summary records the count it trained with (``threads``).
"""

from __future__ import annotations

import os

from engine.errors import SpecError

ENV = "CNN_RNN_PLAYGROUND_THREADS"
DEFAULT = 1
MAXIMUM = 256


def check_threads(value: object, where: str) -> int:
    try:
        n = int(str(value).strip())
    except ValueError:
        n = 0
    if not 1 <= n <= MAXIMUM:
        raise SpecError(where, f"must be a whole number of threads from 1 to {MAXIMUM}, got {str(value)[:20]!r}")
    return n


def training_threads() -> int:
    """The thread count runs train with: the environment's, else one."""
    value = os.environ.get(ENV, "").strip()
    return check_threads(value, ENV) if value else DEFAULT


def use_training_threads(threads: int | None = None) -> int:
    """Set torch's intra-op threads for training in this process (or this
    worker thread); returns the count."""
    import torch

    n = threads or training_threads()
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


def parallel_slots(threads: int | None = None, keep_for_window: bool = False) -> int:
    """How many runs can train at once, one process each, without sharing a
    core: the cores (less one for a window that paints) over each run's threads."""
    cores = os.cpu_count() or 1
    free = cores - 1 if keep_for_window else cores
    return max(1, free // (threads or training_threads()))
