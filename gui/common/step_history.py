"""Bounded history of a curve, however long the run.

Points go into preallocated numpy arrays. When they are full, every other
point is dropped and from then on only every ``stride``-th new point is kept
(stride doubles each time), so a million-step run costs the same memory as a
short one and the kept points stay evenly spread. An exponential moving
average is computed over *every* point before thinning, so the smoothed
curve stays faithful even when the raw one is thinned.
"""

from __future__ import annotations

import numpy as np


class StepHistory:
    def __init__(self, capacity: int = 20_000, smoothing: float = 0.9) -> None:
        if capacity < 2:
            raise ValueError("capacity must be at least 2")
        self.capacity = capacity
        self.smoothing = smoothing
        self._x = np.empty(capacity)
        self._y = np.empty(capacity)
        self._smooth = np.empty(capacity)
        self._count = 0
        self._seen = 0  # points offered so far, kept or not
        self._stride = 1
        self._ema = 0.0

    def clear(self) -> None:
        self._count = self._seen = 0
        self._stride = 1
        self._ema = 0.0

    def __len__(self) -> int:
        return self._count

    @property
    def stride(self) -> int:
        return self._stride

    @property
    def x(self) -> np.ndarray:
        return self._x[: self._count]

    @property
    def y(self) -> np.ndarray:
        return self._y[: self._count]

    @property
    def smoothed(self) -> np.ndarray:
        """Bias-corrected EMA of y (as TensorBoard smooths), at the kept x."""
        return self._smooth[: self._count]

    def append(self, x: float, y: float) -> None:
        self.extend(np.array([x], float), np.array([y], float))

    def extend(self, xs: np.ndarray, ys: np.ndarray) -> None:
        xs, ys = np.asarray(xs, float), np.asarray(ys, float)
        if len(xs) == 0:
            return
        smooth = self._smooth_batch(ys)
        index = self._seen + np.arange(len(xs))
        self._seen += len(xs)
        keep = index % self._stride == 0
        while self._count + int(keep.sum()) > self.capacity:
            self._thin()
            keep = index % self._stride == 0
        kept = int(keep.sum())
        end = self._count + kept
        self._x[self._count:end] = xs[keep]
        self._y[self._count:end] = ys[keep]
        self._smooth[self._count:end] = smooth[keep]
        self._count = end

    def nearest(self, x: float) -> int | None:
        """Index of the kept point nearest to ``x`` (x must be increasing)."""
        if self._count == 0:
            return None
        xs = self.x
        i = int(np.searchsorted(xs, x))
        if i >= self._count:
            return self._count - 1
        if i > 0 and x - xs[i - 1] < xs[i] - x:
            return i - 1
        return i

    def _thin(self) -> None:
        # Kept points sit at offered indices 0, s, 2s, …: keeping every other
        # one leaves 0, 2s, 4s, … — exactly what the doubled stride keeps next.
        n = (self._count + 1) // 2
        for array in (self._x, self._y, self._smooth):
            array[:n] = array[: self._count : 2]
        self._count = n
        self._stride *= 2

    def _smooth_batch(self, ys: np.ndarray) -> np.ndarray:
        beta = self.smoothing
        out = np.empty_like(ys)
        ema, t = self._ema, self._seen
        for i, y in enumerate(ys):
            t += 1
            ema = beta * ema + (1 - beta) * y
            out[i] = ema / (1 - beta**t) if beta > 0 else y
        self._ema = ema
        return out
