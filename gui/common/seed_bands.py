"""Curves of several seeds of one experiment as a mean and a min–max band.

Each seed's curve is read off at the x of the seed that has got furthest, by
linear interpolation, and mean, min and max are taken over the seeds that
have got that far — so while seeds train one after another (or a run was
stopped early) the band covers what has come in. Used by the comparison
plots and by the Runs tab's groups of seeds.
"""

from __future__ import annotations

import numpy as np


def across_seeds(curves: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, ...]:
    """(x, mean, low, high) of several (x, y) curves over the x of the longest one."""
    curves = [(np.asarray(x, float), np.asarray(y, float)) for x, y in curves if len(x)]
    if not curves:
        empty = np.empty(0)
        return empty, empty, empty, empty
    grid = max(curves, key=lambda c: (c[0][-1], len(c[0])))[0]
    values = np.full((len(curves), len(grid)), np.nan)
    for row, (x, y) in enumerate(curves):
        inside = (grid >= x[0]) & (grid <= x[-1])
        values[row, inside] = np.interp(grid[inside], x, y)
    return grid, np.nanmean(values, 0), np.nanmin(values, 0), np.nanmax(values, 0)
