"""The run's snapshots and predictions, kept so the user can scrub back
through them — bounded in count and in bytes however long the run.

Snapshots are kept at a stride (every 1st, then every 2nd, 4th… one to
arrive) plus always the newest: when the store is full the stride doubles
and every second kept one goes. The kept ones stay evenly spread over the
whole run, and memory stays below ``max_bytes`` whether a run lasts a
minute or a day.
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
        self._ordinals: list[int] = []  # arrival number of each kept snapshot
        self._arrived = 0
        self.stride = 1

    def __len__(self) -> int:
        return len(self.snapshots)

    @property
    def nbytes(self) -> int:
        return sum(self._sizes)

    def clear(self) -> None:
        self.snapshots.clear()
        self.predictions.clear()
        self._sizes.clear()
        self._ordinals.clear()
        self._arrived = 0
        self.stride = 1

    def add_snapshot(self, snapshot: object) -> None:
        if self.snapshots and snapshot.step < self.snapshots[-1].step:
            self.clear()  # a new run began without clear(): never mix runs
        if len(self._ordinals) > 1 and self._ordinals[-1] % self.stride:
            self._drop(len(self.snapshots) - 1)  # kept only as the newest, and no longer that
        self.snapshots.append(snapshot)
        self._sizes.append(snapshot_bytes(snapshot))
        self._ordinals.append(self._arrived)
        self._arrived += 1
        while len(self.snapshots) > self.max_snapshots or (self.nbytes > self.max_bytes and len(self.snapshots) > 2):
            self._thin()

    def add_predictions(self, predictions: object) -> None:
        self.predictions.append(predictions)

    def _drop(self, i: int) -> None:
        del self.snapshots[i], self._sizes[i], self._ordinals[i]

    def _thin(self) -> None:
        """Double the stride: keep the snapshots on it, and the newest."""
        self.stride *= 2
        n = len(self.snapshots)
        keep = [i for i in range(n) if self._ordinals[i] % self.stride == 0 or i == n - 1]
        self.snapshots = [self.snapshots[i] for i in keep]
        self._sizes = [self._sizes[i] for i in keep]
        self._ordinals = [self._ordinals[i] for i in keep]

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
