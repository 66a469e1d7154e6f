"""Hidden-state trajectories: h_t of every probe sequence projected to 2-D
by PCA, one path per sequence, coloured by class or by time step (claim C7:
the paths of different classes separate as training proceeds). By class,
each class has a dash pattern of its own besides its colour.

PCA is fitted on the current states of all probes. The basis comes from
the eigenvectors of the H×H covariance, not an SVD of the (P·T, H) states:
measured here 1.2 ms against 11 ms for 8×64 steps of 128 units (7 ms against
111 ms for 8×500 of 256), cheap enough to refit on every snapshot, which
arrive at most every 0.1 s.

A refit alone makes the picture jump: when the top two eigenvalues cross
the axes swap, and when the plane turns the paths spin, though the states
barely moved. So the projection is chosen in the view, and named in its
caption:

- *aligned between snapshots* (the default): each new top-2 plane is turned
  onto the last one by an orthogonal Procrustes step (the 2×2 orthogonal R
  closest to carrying the new components onto the old, from an SVD of
  old·newᵀ), which undoes swaps, sign flips and turns within the plane;
- *fixed basis*: the basis (mean and components) of the snapshot shown when
  it is chosen, or of the first one with states, is kept for the rest of the
  run, so whatever moves on the plot is the states, nothing else.

Either way the axis labels give the share of the current states' variance
along each axis drawn (after alignment, or in the fixed basis), not the
eigenvalues of a fit. Each layer keeps its own basis; a new run forgets them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from gui.common import palette as pal
from gui.common.line_styles import dash
from gui.views.recurrent_picker import (
    class_names,
    is_sequence_classification,
    layer_title,
)
from gui.views.recurrent_view import RecurrentView
from gui.views.steady_range import SteadyRange

CLASS_COLOURS = pal.SERIES
BY_CLASS, BY_TIME = "class", "time"
TIME_SHADES = 16
ALIGNED, FIXED = "aligned between snapshots", "fixed basis"


def pca_basis(states: np.ndarray, previous: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean (H,), components (2, H), share of variance (2,)) of ``states`` (N, H);
    with ``previous`` components (2, H), the new ones are aligned to them (``aligned``)."""
    x = states.astype(np.float64)
    mean = x.mean(axis=0)
    x = x - mean
    _, vectors = np.linalg.eigh(x.T @ x)  # ascending
    components = vectors[:, ::-1][:, :2].T
    if components.shape[0] < 2:  # a one-unit layer: the second axis is empty
        components = np.vstack([components, np.zeros_like(components)])
    if previous is not None and previous.shape == components.shape:
        components = aligned(components, previous)
    return mean, components, axis_shares(x, components)


def aligned(components: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """``components`` (2, H) turned within their plane to be closest to ``previous``:
    R·components for the orthogonal R minimising ‖R·components − previous‖
    (orthogonal Procrustes: R = U·Vᵀ from the SVD of previous·componentsᵀ).
    R may swap the axes, flip their signs and turn them, never leave the plane,
    so the picture follows the states instead of jumping when a refit
    reorders or turns its eigenvectors."""
    if not components[1].any():  # a one-unit layer: only the sign of the first axis is free
        return components * (-1.0 if float(previous[0] @ components[0]) < 0 else 1.0)
    u, _, vt = np.linalg.svd(previous @ components.T)
    return (u @ vt) @ components


def axis_shares(states: np.ndarray, components: np.ndarray) -> np.ndarray:
    """Share of the total variance of ``states`` (N, H) along each row of
    ``components`` (orthonormal, or zero): what the axis labels say."""
    x = states - states.mean(axis=0)
    total = float(np.einsum("nh,nh->", x, x))
    if total <= 0:
        return np.zeros(len(components))
    projected = x @ components.T
    return np.einsum("nk,nk->k", projected, projected) / total


def class_pen(c: int):
    """Class ``c``'s paths: its colour, and a dash pattern of its own, so
    classes differ by more than colour (gui/common/line_styles.py)."""
    return pg.mkPen(CLASS_COLOURS[c % len(CLASS_COLOURS)], width=1, style=dash(c))


@dataclass
class Basis:
    """One layer's projection: where it was fitted, and the shares on the states last drawn."""

    mean: np.ndarray  # (H,)
    components: np.ndarray  # (2, H)
    shares: np.ndarray  # (2,)
    step: int  # the step of the snapshot it was fitted on


def joined_paths(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, connect) drawing every path of ``points`` (n, T, 2) as one line item."""
    n, t = points.shape[:2]
    connect = np.ones((n, t), dtype=bool)
    connect[:, -1] = False  # do not join one path's end to the next one's start
    flat = points.reshape(-1, 2)
    return flat[:, 0], flat[:, 1], connect.reshape(-1)


class HiddenStateTrajectories(RecurrentView):
    title = "Hidden-state trajectories"
    help = ("The hidden state h_t of each probe sequence, projected to its two main directions (PCA), "
            "as a path from ○ (first step) to □ (last step): classes separate as the RNN learns (claim C7).")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colour_combo = QComboBox()
        self.colour_combo.addItems([BY_CLASS, BY_TIME])
        self.colour_combo.setToolTip("Colour the paths by the class of their sequence, or by time step")
        self.colour_combo.activated.connect(lambda _: self.redraw())
        self.controls.addWidget(QLabel("Colour by"))
        self.controls.addWidget(self.colour_combo)
        self.projection_combo = QComboBox()
        self.projection_combo.addItems([ALIGNED, FIXED])
        self.projection_combo.setToolTip(
            "How the states are projected to 2-D. Aligned: PCA refitted on every snapshot and turned onto "
            "the last one, so the picture follows the states without jumping. Fixed: the PCA basis of the "
            "snapshot shown now is kept for the rest of the run, so all motion is the states moving.")
        self.projection_combo.activated.connect(lambda _: self._projection_chosen())
        self.controls.addWidget(QLabel("Projection"))
        self.controls.addWidget(self.projection_combo)

        self.plot_widget = pg.GraphicsLayoutWidget()
        self.plot_widget.setBackground("w")
        self.plot = self.plot_widget.addPlot(row=0, col=0)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        for side in ("bottom", "left"):  # "(x0.001)" beside "% of variance" would read as a unit
            self.plot.getAxis(side).enableAutoSIPrefix(False)
        self.legend = self.plot.addLegend(offset=(-5, 5), labelTextColor=pal.TEXT, brush=(255, 255, 255, 200))
        self.class_lines: list[pg.PlotCurveItem] = []  # one per class, made as classes appear
        self.time_line = self.plot.plot(pen=pg.mkPen(pal.FAINT, width=1))
        self.time_dots = pg.ScatterPlotItem(size=5, pen=None)
        self.plot.addItem(self.time_dots)
        # White default brushes: the legend shows the marker shapes, the points their path's colour.
        self.starts = pg.ScatterPlotItem(symbol="o", size=9, pen=pg.mkPen(pal.TEXT, width=1), brush="w")
        self.ends = pg.ScatterPlotItem(symbol="s", size=9, pen=pg.mkPen(pal.TEXT, width=1), brush="w")
        self.plot.addItem(self.starts)
        self.plot.addItem(self.ends)
        self.time_map = pg.colormap.get("viridis")
        # A few shared brushes, not one per point: every distinct brush costs the scatter item a
        # symbol rendering (measured: 530 points with their own brushes took ~100 ms a draw).
        shades = self.time_map.map(np.linspace(0.0, 1.0, TIME_SHADES), mode="qcolor")
        self._class_brushes = [pg.mkBrush(c) for c in CLASS_COLOURS]
        self._time_brushes = np.array([pg.mkBrush(c) for c in shades], dtype=object)
        self.time_bar = pg.ColorBarItem(values=(0, 1), colorMap=self.time_map, interactive=False,
                                        label="time step t", colorMapMenu=False, width=12)
        self.plot_widget.addItem(self.time_bar, row=0, col=1)
        self.body.addWidget(self.plot_widget)
        self.steady = SteadyRange(self.plot)

        self.projected = np.zeros((0, 0, 2))  # (P, T, 2) as drawn
        self.bases: dict[int, Basis] = {}  # layer → its projection, kept between snapshots of a run
        self.fixed_at: dict[int, int] = {}  # layer → step its basis was fixed at (fixed basis only)
        self._fitted_on: dict[int, tuple[int, int]] = {}  # layer → (id of states, step) its basis was fitted on
        self._shown: Basis | None = None  # the basis of the picture on screen
        self._legend_key: tuple | None = None
        self._clear()

    # --- public, for tests and the hub -----------------------------------------------
    def path_count(self) -> int:
        return int(self.projected.shape[0]) if self.projected.ndim == 3 else 0

    def colour_mode(self) -> str:
        return self.colour_combo.currentText()

    def set_colour_mode(self, mode: str) -> None:
        self.colour_combo.setCurrentText(mode)
        self.redraw()

    def projection_mode(self) -> str:
        return self.projection_combo.currentText()

    def set_projection_mode(self, mode: str) -> None:
        """As if the user chose ``mode`` (ALIGNED or FIXED) in the Projection combo."""
        self.projection_combo.setCurrentText(mode)
        self._projection_chosen()

    def _projection_chosen(self) -> None:
        """Fixed: keep the basis of the picture shown (layers not shown are fixed
        when next drawn). Aligned: refit from the next draw on, starting from
        the basis in use so the switch itself does not jump."""
        self.fixed_at = {}
        layer = self.picker.layer()
        if self.projection_mode() == FIXED:
            if layer in self.bases and self._shown is self.bases[layer]:
                self.fixed_at[layer] = self.bases[layer].step
        else:
            self._fitted_on = {}
        self.redraw()

    # --- drawing ------------------------------------------------------------------------
    def set_run(self, run) -> None:
        super().set_run(run)
        by_class = is_sequence_classification(run) if run is not None else True
        self.colour_combo.setCurrentText(BY_CLASS if by_class else BY_TIME)
        self.colour_combo.model().item(0).setEnabled(by_class)

    def _clear(self) -> None:
        """A new run (or none): forget every layer's basis, and empty the plot."""
        self.bases, self.fixed_at, self._fitted_on = {}, {}, {}
        self.steady.reset()
        self._empty_plot()
        self.caption.setText("Train a recurrent model to see its hidden states move.")

    def _empty_plot(self) -> None:
        self.projected = np.zeros((0, 0, 2))
        self._shown = None
        self._legend_key = None
        for item in (*self.class_lines, self.time_line):
            item.setData([], [])
        for item in (self.time_dots, self.starts, self.ends):
            item.setData([], [])
        self.plot.setLabel("bottom", "PC 1")
        self.plot.setLabel("left", "PC 2")

    def _draw_snapshot(self, snapshot) -> None:
        states_by_layer = snapshot.hidden_states
        self.picker.set_layers({i: layer_title(i, snapshot.gates.get(i), self.layer_types) for i in states_by_layer})
        layer = self.picker.layer()
        if layer is None or layer not in states_by_layer:
            self._empty_plot()  # not _clear: a later snapshot with states keeps the run's bases
            self.caption.setText("No hidden states in this snapshot: the model has no recurrent layer.")
            return
        states = states_by_layer[layer]  # (P, T, H)
        basis = self._basis_for(layer, states, snapshot.step)
        self._shown = basis
        self.projected = ((states - basis.mean) @ basis.components.T).astype(np.float32)
        self.plot.setLabel("bottom", f"PC 1 ({basis.shares[0]:.0%} of variance)")
        self.plot.setLabel("left", f"PC 2 ({basis.shares[1]:.0%} of variance)")
        if self.colour_mode() == BY_CLASS and is_sequence_classification(self.run):
            self._draw_by_class()
        else:
            self._draw_by_time()
        self.steady.fit(self.projected[..., 0], self.projected[..., 1])
        p, t = self.projected.shape[:2]
        projection = f"fixed at step {self.fixed_at[layer]}" if layer in self.fixed_at else ALIGNED
        self.caption.setText(f"Step {snapshot.step}: {p} probe sequences of {t} steps, {states.shape[-1]} units; "
                             f"○ first step, □ last step; PCA {projection}.")

    def _basis_for(self, layer: int, states: np.ndarray, step: int) -> Basis:
        """The layer's basis for these states: refitted (aligned with the last)
        on a new snapshot, unless it is fixed; a redraw of the same snapshot
        (another colouring) reuses it."""
        flat = states.reshape(-1, states.shape[-1])
        basis = self.bases.get(layer)
        if basis is not None and basis.mean.shape != flat.shape[1:]:  # another width: nothing to keep
            basis = None
            self.fixed_at.pop(layer, None)
        if basis is not None and layer in self.fixed_at:
            basis.shares = axis_shares(flat.astype(np.float64), basis.components)
            return basis
        key = (id(states), step)
        if basis is None or self._fitted_on.get(layer) != key:
            previous = basis.components if basis is not None else None
            basis = Basis(*pca_basis(flat, previous), step=step)
            self.bases[layer] = basis
            self._fitted_on[layer] = key
        if self.projection_mode() == FIXED:
            self.fixed_at[layer] = basis.step
        return basis

    def _draw_by_class(self) -> None:
        labels = np.asarray(self.run.probe_targets).astype(int)
        names = class_names(self.run, int(labels.max()) + 1 if labels.size else 0)
        classes = sorted(set(labels.tolist()))
        while len(self.class_lines) < len(classes):
            # Plain curve items, not PlotDataItems: these paths need none of their data
            # handling, and ten of them cost a frame ~2 ms more.
            line = pg.PlotCurveItem()
            line.shown_class = None
            self.plot.addItem(line)
            self.class_lines.append(line)
        for line, c in zip(self.class_lines, classes + [None] * len(self.class_lines), strict=False):
            if c is None:
                line.setData([], [])
                continue
            if line.shown_class != c:  # a new pen only when the line's class changes
                line.setPen(class_pen(c))
                line.shown_class = c
            x, y, connect = joined_paths(self.projected[labels == c])
            line.setData(x, y, connect=connect)
        self.time_line.setData([], [])
        self.time_dots.setData([], [])
        self.time_bar.setVisible(False)
        brushes = [self._class_brushes[c % len(CLASS_COLOURS)] for c in labels]
        self._mark_ends(brushes, brushes)
        self._set_legend(("class", tuple(classes)), [(self.class_lines[i], names[c]) for i, c in enumerate(classes)])

    def _draw_by_time(self) -> None:
        for line in self.class_lines:
            line.setData([], [])
        x, y, connect = joined_paths(self.projected)
        self.time_line.setData(x, y, connect=connect)
        t = self.projected.shape[1]
        steps = np.tile(np.arange(t), self.projected.shape[0])
        shade = np.rint(steps / max(t - 1, 1) * (TIME_SHADES - 1)).astype(int)
        self.time_dots.setData(x, y, brush=list(self._time_brushes[shade]))
        self.time_bar.setLevels((0, max(t - 1, 1)))
        self.time_bar.setVisible(True)
        first, last = self._time_brushes[0], self._time_brushes[-1]
        self._mark_ends([first] * len(self.projected), [last] * len(self.projected))
        self._set_legend(("time",), [(self.time_line, "path of one sequence")])

    def _mark_ends(self, start_brushes: list, end_brushes: list) -> None:
        self.starts.setData(self.projected[:, 0, 0], self.projected[:, 0, 1], brush=start_brushes)
        self.ends.setData(self.projected[:, -1, 0], self.projected[:, -1, 1], brush=end_brushes)

    def _set_legend(self, key: tuple, entries: list[tuple[pg.PlotDataItem, str]]) -> None:
        """Rebuild the legend only when what it lists changes (not on every snapshot)."""
        if key == self._legend_key:
            return
        self._legend_key = key
        self.legend.clear()
        for item, name in entries:
            self.legend.addItem(item, name)
        self.legend.addItem(self.starts, "first step")
        self.legend.addItem(self.ends, "last step")

    def run_ended(self) -> None:
        self.steady.reset()  # live, the range held still; the last picture is fitted to its data
        if self.snapshot is not None:
            self.redraw()

    def describe_now(self) -> str:
        basis = self._shown
        if basis is None or self.path_count() == 0:
            return ""
        shares = " and ".join(f"{share:.0%}" for share in basis.shares[:2])
        return (f"{self.caption.drawn.split(';')[0]}; plotted on their first two principal components, "
                f"which explain {shares} of the variance.")

    def export_data(self) -> dict[str, np.ndarray]:
        basis = self._shown
        if self.path_count() == 0 or basis is None:
            return {}
        data = {"projected": self.projected, "mean": basis.mean.astype(np.float32),
                "components": basis.components.astype(np.float32),
                "explained_variance": basis.shares.astype(np.float32),
                "basis_fitted_at_step": np.array([basis.step], dtype=np.int64)}
        if self.run is not None and self.run.probe_targets is not None:
            data["probe_targets"] = np.asarray(self.run.probe_targets)
        return data
