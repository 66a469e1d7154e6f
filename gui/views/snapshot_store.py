"""The run's snapshots and predictions, kept so the user can scrub back
through them — bounded in count and in bytes however long the run.

When the store is full it drops every second snapshot (never the first nor
the newest): the kept ones stay spread over the whole run, ever sparser in
the past, like a video's keyframes. Memory then stays below ``max_bytes``
whether a run lasts a minute or a day.
"""

from __future__ import annotations

import bisect
from dataclasses import fields

import numpy as np

MAX_SNAPSHOTS = 200
MAX_BYTES = 256 * 1024 * 1024


def snapshot_bytes(snapshot: object) -> int:
    """The memory a snapshot's arrays hold."""
    total = 0
    for f in fields(snapshot):
        total += _nbytes(getattr(snapshot, f.name))
    return total


def _nbytes(value: object) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values())
    if hasattr(value, "__dataclass_fields__"):
        return sum(_nbytes(getattr(value, f.name)) for f in fields(value))
    return 0


class SnapshotStore:
    def __init__(self, max_snapshots: int = MAX_SNAPSHOTS, max_bytes: int = MAX_BYTES) -> None:
        self.max_snapshots = max(3, max_snapshots)
        self.max_bytes = max_bytes
        self.snapshots: list = []
        self.predictions: list = []  # one per epoch; few, kept whole
        self._sizes: list[int] = []

    def __len__(self) -> int:
        return len(self.snapshots)

    @property
    def nbytes(self) -> int:
        return sum(self._sizes)

    def clear(self) -> None:
        self.snapshots.clear()
        self.predictions.clear()
        self._sizes.clear()

    def add_snapshot(self, snapshot: object) -> None:
        if self.snapshots and snapshot.step < self.snapshots[-1].step:
            self.clear()  # a new run began without clear(): never mix runs
        self.snapshots.append(snapshot)
        self._sizes.append(snapshot_bytes(snapshot))
        while len(self.snapshots) > self.max_snapshots or (self.nbytes > self.max_bytes and len(self.snapshots) > 2):
            self._thin()

    def add_predictions(self, predictions: object) -> None:
        self.predictions.append(predictions)

    def _thin(self) -> None:
        """Drop every second snapshot between the first and the newest."""
        n = len(self.snapshots)
        if n <= 2:
            return
        keep = [i for i in range(n) if i == 0 or i == n - 1 or i % 2 == 0]
        if len(keep) == n:
            keep = [0, n - 1]
        self.snapshots = [self.snapshots[i] for i in keep]
        self._sizes = [self._sizes[i] for i in keep]

    def predictions_at(self, step: int) -> object | None:
        """The latest predictions made at or before ``step``."""
        steps = [p.step for p in self.predictions]
        i = bisect.bisect_right(steps, step)
        return self.predictions[i - 1] if i else None

    def latest_with_weights(self, upto: int | None = None) -> object | None:
        """The newest snapshot (at or before index ``upto``) that carries weights."""
        end = len(self.snapshots) if upto is None else upto + 1
        for snapshot in reversed(self.snapshots[:end]):
            if getattr(snapshot, "weights", None) is not None:
                return snapshot
        return None
