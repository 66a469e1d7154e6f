"""A live plot's range that holds still while its data moves inside it.

Autorange refits the view to the data at every snapshot, and a new range
makes pyqtgraph regenerate both axes' ticks and text (the hidden-state
trajectories spent half of each paint, ~6 ms, on its axes). Here the range
changes only when the data leaves it or shrinks to less than ``fill`` of
it, and then to bounds on a nice grid with some headroom, so the axes are
repainted from their cache for most frames. A pan or zoom by the user
hands the range to them until the plot's "A" button or a new run.
"""

from __future__ import annotations

import math

import numpy as np

from gui.views.view_panel import nice_ceiling


def steady(current: tuple[float, float] | None, low: float, high: float,
           fill: float = 0.4) -> tuple[float, float] | None:
    """``current`` while it holds [low, high] and the data fills at least
    ``fill`` of it; else bounds a little wider than the data, on a grid of a
    nice step (a quarter of the data's span, rounded up)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return current
    low, high = min(low, high), max(low, high)
    if current is not None and current[0] <= low and high <= current[1] \
            and high - low >= fill * (current[1] - current[0]):
        return current
    span = high - low
    if span <= 0:  # one value: a window around it
        span = abs(high) * 0.2 or 1.0
    step = nice_ceiling(span / 4)
    lower = math.floor((low - 0.05 * span) / step) * step
    if low >= 0:  # epochs, steps, counts: a sliver below zero, not a grid step of negative values
        lower = max(lower, -0.02 * span)
    return lower, math.ceil((high + 0.05 * span) / step) * step


class SteadyRange:
    """Fits ``plot`` (a pyqtgraph PlotItem) to the points given, steadily."""

    def __init__(self, plot, fill: float = 0.4, axes: str = "xy") -> None:
        """``axes``: "xy", or the one of them this range keeps ("x", "y")."""
        self.plot = plot
        self.fill = fill
        self.axes = axes
        self.ranges: dict[str, tuple[float, float] | None] = {"x": None, "y": None}
        self.users = False  # the user panned or zoomed: leave the range to them
        self._fitting = False
        self.follow_user_of(plot)

    def follow_user_of(self, plot) -> None:
        """Hand the range to the user when they pan or zoom ``plot`` (this one, or
        one whose axis is linked to it), and take it back at its "A" button."""
        plot.vb.sigRangeChangedManually.connect(self._changed_by_user)
        plot.autoBtn.clicked.connect(self.reset)

    def reset(self) -> None:
        """A new run, or the "A" button: fit the next points afresh."""
        self.users = False
        self.ranges = {"x": None, "y": None}

    def fit(self, x: np.ndarray, y: np.ndarray) -> None:
        data = {"x": np.asarray(x, np.float64).ravel(), "y": np.asarray(y, np.float64).ravel()}
        data = {axis: values[np.isfinite(values)] for axis, values in data.items() if axis in self.axes}
        if self.users or not all(values.size for values in data.values()):
            return
        new = {**self.ranges, **{axis: steady(self.ranges[axis], float(values.min()), float(values.max()), self.fill)
                                 for axis, values in data.items()}}
        if new == self.ranges or any(new[axis] is None for axis in self.axes):
            return
        self.ranges = new
        self._fitting = True
        try:
            self.plot.setRange(xRange=new["x"] if "x" in self.axes else None,
                               yRange=new["y"] if "y" in self.axes else None, padding=0)
        finally:
            self._fitting = False

    def _changed_by_user(self, *args: object) -> None:
        if not self._fitting:
            self.users = True
