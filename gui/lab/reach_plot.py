"""The lab's "How far back" plot (claim C8): how far back each column's model
can use its input, every column on one axis of steps back from the output
(0 = the last step).

- A recurrent column's gradient through time (‖∂loss/∂hₜ‖ of its first
  recurrent layer, from the latest training snapshot that measured it),
  relative to its value at the last step, on a log axis; a dashed line in
  the column's colour where it falls below 1e-3 of it ("reaches k steps
  back"), or a note that it reaches the whole sequence.
- A convolutional column's receptive field along time: a band in its colour
  from 0 to field − 1 steps back ("CNN sees N steps"). A CNN reading an
  image beside a recurrent column that reads the same image row by row
  (digits as a sequence) shares the axis in rows: its band is the field's
  height.
- The data set's dependency, where known (engine.comparison_table's
  ``dependency``, the one ConvReach carries): a green line at the farthest
  step the label depends on (span − 1 back).
- Columns with neither (an MLP) are named in a caption line.

The numbers come from engine.explain.reach; the log drawing follows
gui/explain/reach.py (gui/views/gradient_time.py's floor and ticks). The
engine is imported inside functions: importing this module loads no torch.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from engine.spec import Experiment
from gui.common import line_styles
from gui.common import palette as pal
from gui.common.style import subdued
from gui.views.gradient_time import decade_ticks, drawable, floor_for

if TYPE_CHECKING:
    from engine.explain.reach import ConvReach, GradientReach

EMPTY = "Train the lab to see how far back each model reaches."
TITLE = "How far back each model can use the input"
BAND_ALPHA = 45  # the receptive-field bands are see-through: two may overlap
EMPTY_Y_RANGE = (-4.0, 0.5)  # log10 of the y range when there is no curve (bands only)


@dataclass(frozen=True)
class ReachColumn:
    """One lab column as the plot needs it."""

    label: str
    colour: tuple[int, int, int]  # RGB
    experiment: Experiment
    norms: np.ndarray | None = None  # (T,) ‖∂loss/∂hₜ‖ of the first recurrent layer; None: not measured yet
    step: int | None = None  # the training step the norms were measured at


@dataclass(frozen=True)
class _Reach:
    """What is drawn for one column."""

    column: ReachColumn
    name: str  # unique among the columns: keys of the plot items and of export_data
    image_rows: bool  # the column reads an image (as an image, or row by row)
    recurrent: bool  # it has a recurrent layer
    conv: ConvReach | None
    gradient: GradientReach | None  # None: no norms (yet)
    scale: int  # input steps per step of the recurrent layer (a hybrid's pooling shortens the sequence)
    dependency: int | None  # steps back the label depends on

    @property
    def has_curve(self) -> bool:
        return self.gradient is not None and self.gradient.reference > 0

    @property
    def steps_back(self) -> np.ndarray:
        """x of the curve: steps back from the last one, in input steps."""
        return np.arange(self.gradient.length, dtype=np.float64) * self.scale

    @property
    def relative(self) -> np.ndarray:
        """The norms relative to the reference, the last step first (true values, zeros kept)."""
        return self.gradient.norms[::-1] / self.gradient.reference

    @property
    def reaches(self) -> int | None:
        """Steps back (input steps) where the gradient has fallen below the threshold, or None."""
        k = self.gradient.steps_back if self.gradient is not None else None
        return None if k is None else k * self.scale

    @property
    def band(self) -> tuple[int, int] | None:
        """The receptive-field band, steps back: 0 … field − 1, clipped to the input."""
        if self.conv is None:
            return None
        return 0, min(self.conv.field, self.length) - 1

    @property
    def length(self) -> int:
        """The input's extent along the shared axis: steps, or image rows."""
        if self.conv is not None:
            return int(self.conv.size[0])
        return int(self.gradient.length * self.scale) if self.gradient is not None else 0


def _name(label: str, taken: set[str]) -> str:
    base = re.sub(r"[^0-9A-Za-z]+", "_", label).strip("_").lower() or "column"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def _structure(experiment) -> tuple:
    """What does not change while a column trains: its data, conv field,
    recurrent layers and the label's dependency (shape inference builds the
    model with torch: too slow to redo on the GUI thread at every snapshot)."""
    from engine.comparison_table import dependency
    from engine.datasets import describe
    from engine.explain.reach import conv_reach, recurrent_layers

    return describe(experiment.dataset), conv_reach(experiment), bool(recurrent_layers(experiment)), \
        dependency(experiment.dataset)


def _analyse(column: ReachColumn, name: str, structure: tuple | None = None) -> _Reach:
    from engine.explain.reach import gradient_reach
    from engine.layers import IMAGE, RECURRENT, in_group

    experiment = column.experiment
    info, conv, recurrent, dep = structure or _structure(experiment)
    norms = None if column.norms is None else np.asarray(column.norms, np.float64).ravel()
    gradient = gradient_reach(norms) if norms is not None and norms.size else None
    scale = 1
    if (gradient is not None and conv is not None and not conv.image and conv.mixed_by is not None
            and in_group(conv.mixed_by, RECURRENT) and conv.out_size[0] == gradient.length):
        scale = int(np.prod([w.stride for w in conv.windows]))  # the recurrent layer reads every scale-th step
    image_rows = info.input_kind == IMAGE or bool(experiment.dataset.options.get("as_sequence"))
    return _Reach(column, name, image_rows, recurrent, conv, gradient, max(scale, 1),
                  None if dep is None else dep.span - 1)


def _hex(colour: tuple[int, int, int]) -> str:
    return QColor(*colour).name()


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}{'' if n == 1 else 's'}"


def _mixing(conv: ConvReach, unit: str) -> str:
    """What comes after the conv part, for the legend: ", then Flatten mixes all"."""
    from engine.layers import RECURRENT, in_group

    after = conv.mixed_by
    if after is None:
        return ""
    if in_group(after, RECURRENT):
        return f", then its {after} reads them in order"
    if after.startswith("Global"):  # global pooling: over every position, but each feature sees only its field
        return f", then {after} pools over all {unit}s"
    return f", then {after} mixes all"


class SharedReachPlot(QWidget):
    """One plot, every lab column: gradient reach, receptive fields, the dependency."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._structures: dict[int, tuple] = {}  # id(experiment) → (experiment, _structure(experiment))
        self.setWhatsThis(
            "How far back each model can use its input (claim C8). A recurrent layer can carry information "
            "over any distance, but it only learns from as far back as its gradient still reaches: the curves "
            "show the gradient reaching each step, relative to the last step, on a log scale, and a dashed "
            "line where it has fallen below 1e-3. A convolution's output sees only its receptive field: the "
            "shaded bands. The green line is how far back the data set's label depends on the input.")
        self.columns: list[ReachColumn] = []
        self.reaches: list[_Reach] = []
        self.unit = "step"  # or "row": a CNN and an RNN reading the same image share its rows
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.markers: dict[str, pg.PlotDataItem] = {}
        self.reach_lines: dict[str, pg.InfiniteLine] = {}
        self.bands: dict[str, pg.LinearRegionItem] = {}
        self.dependency_lines: dict[int, pg.InfiniteLine] = {}

        self.title = QLabel(f"<b>{TITLE}</b>")
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.legend.setToolTip("What each colour on the plot is.")
        self.plot_widget = pg.PlotWidget(background="w")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.setLogMode(x=False, y=True)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.setLabel("left", "gradient, relative to the last step")
        self.threshold_line = pg.InfiniteLine(angle=0, pen=pg.mkPen(pal.FRAME, style=Qt.PenStyle.DashLine))
        self.threshold_line.setZValue(-5)
        self.plot.addItem(self.threshold_line)
        self.empty_text = pg.TextItem(EMPTY, color=pal.LABEL, anchor=(0.5, 0.5))
        self.empty_text.setPos(0.5, sum(EMPTY_Y_RANGE) / 2)
        self.plot.addItem(self.empty_text)
        self.plot_widget.setToolTip("Gradient reaching each step back (log scale, 1 = the last step); dashed: "
                                    "where it fell below 1e-3; bands: what a CNN sees at once; green: what "
                                    "the label depends on.")
        self.plot_widget.setWhatsThis(self.whatsThis())
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        self.caption.setToolTip("The plot in one sentence.")
        self.notes = subdued(QLabel())
        self.notes.setWordWrap(True)
        self.notes.setTextFormat(Qt.TextFormat.PlainText)
        self.notes.setToolTip("Columns with nothing on the plot, and why.")

        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addWidget(self.legend, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.caption)
        layout.addWidget(self.notes)
        self._draw()

    # --- public -------------------------------------------------------------------------
    def set_columns(self, columns: Sequence[ReachColumn]) -> None:
        self.columns = list(columns)
        taken: set[str] = set()
        self.reaches = [_analyse(c, _name(c.label, taken), self._structure_of(c.experiment)) for c in self.columns]
        self._draw()

    def _structure_of(self, experiment) -> tuple:
        cached = self._structures.get(id(experiment))
        if cached is None or cached[0] is not experiment:
            cached = (experiment, _structure(experiment))
            self._structures[id(experiment)] = cached
        return cached[1]

    def export_data(self) -> dict[str, np.ndarray]:
        """Per column NAME (its label in lower case, non-letters as _): NAME_steps_back and
        NAME_relative_gradient (the curve, last step first), NAME_reaches_steps_back (where it fell
        below the threshold, absent when it reaches the whole input), NAME_conv_band (first and last
        step back of the band) and NAME_conv_field (the field, padding included); and
        dependency_steps_back."""
        data: dict[str, np.ndarray] = {}
        for r in self.reaches:
            if r.has_curve:
                data[f"{r.name}_steps_back"] = r.steps_back
                data[f"{r.name}_relative_gradient"] = r.relative
                if r.reaches is not None:
                    data[f"{r.name}_reaches_steps_back"] = np.asarray([r.reaches], np.int64)
            if r.band is not None:
                data[f"{r.name}_conv_band"] = np.asarray(r.band, np.int64)
                data[f"{r.name}_conv_field"] = np.asarray([r.conv.field], np.int64)
        if self.dependency_lines:
            data["dependency_steps_back"] = np.asarray(sorted(self.dependency_lines), np.int64)
        return data

    # --- drawing ------------------------------------------------------------------------
    def _clear(self) -> None:
        for item in (*self.curves.values(), *self.markers.values(), *self.reach_lines.values(),
                     *self.bands.values(), *self.dependency_lines.values()):
            self.plot.removeItem(item)
        for items in (self.curves, self.markers, self.reach_lines, self.bands, self.dependency_lines):
            items.clear()

    def _draw(self) -> None:
        self._clear()
        drawn = [r for r in self.reaches if r.has_curve or r.band is not None]
        rows = any(r.image_rows for r in drawn)
        self.unit = "row" if rows else "step"
        self.plot.setLabel("bottom", "rows back from the last row (0 = the image's last row)" if rows
                           else "steps back from the output (0 = the last step)")
        self.notes.setText(self._notes())
        self.empty_text.setVisible(not drawn)
        if not drawn:
            self.threshold_line.setVisible(False)
            self.legend.setText("")
            self.caption.setText(EMPTY)
            self.plot.getAxis("left").setTicks(None)
            self.plot.setYRange(*EMPTY_Y_RANGE, padding=0)
            self.plot.setXRange(0, 1, padding=0)
            return
        legend: list[str] = []
        shown: list[np.ndarray] = []
        placed = 0  # in-plot labels go one under the other, so two never sit on each other
        for r in drawn:
            if r.band is not None:
                legend.append(self._draw_band(r, placed))
                placed += 1
        for r in drawn:
            if r.has_curve:
                entry, values = self._draw_curve(r, placed)
                legend.append(entry)
                shown.append(values)
                placed += r.reaches is not None
        distances = sorted({r.dependency for r in self.reaches if r.dependency is not None})
        for d in distances:
            legend.append(self._draw_dependency(d, placed))
            placed += 1
        if shown:
            threshold = next(r.gradient.threshold for r in drawn if r.has_curve)
            self.threshold_line.setValue(np.log10(threshold))
            self.threshold_line.setVisible(True)
            legend.append(f'<span style="color:{pal.FRAME}">┄┄</span>&nbsp;{threshold:g} of the last step')
            self.plot.getAxis("left").setTicks(decade_ticks(np.concatenate([*shown, [threshold]])))
            self.plot.enableAutoRange(axis="y")
        else:
            self.threshold_line.setVisible(False)
            self.plot.getAxis("left").setTicks(None)
            self.plot.setYRange(*EMPTY_Y_RANGE, padding=0)
        extent = [r.length - 1 for r in drawn] + [float(r.steps_back[-1]) for r in drawn if r.has_curve]
        extent += distances
        self.plot.setXRange(-0.5, max(1.0, max(extent)) + 0.5, padding=0.02)
        self.legend.setText("&nbsp;&nbsp;&nbsp; ".join(legend))
        self.caption.setText(self._sentence(drawn, distances))

    def _label_position(self, placed: int) -> float:
        return max(0.1, 0.95 - 0.1 * placed)

    def _draw_band(self, r: _Reach, placed: int) -> str:
        colour = r.column.colour
        first, last = r.band
        band = pg.LinearRegionItem((first, last), movable=False, brush=pg.mkBrush(*colour, BAND_ALPHA),
                                   pen=pg.mkPen(colour))
        band.setZValue(-10)
        text = self._band_text(r)
        # On the band's left edge (0 steps back), reading into the band: visible however wide the band is.
        pg.InfLineLabel(band.lines[0], f" {text}", position=self._label_position(placed),
                        anchors=[(0, 0), (0, 0)], color=colour)
        self.plot.addItem(band)
        self.bands[r.name] = band
        entry = escape(text + _mixing(r.conv, self.unit), quote=False)
        return f'<span style="color:{_hex(colour)}">▇▇</span>&nbsp;{entry}'

    def _band_text(self, r: _Reach) -> str:
        field, length = r.conv.field, r.length
        who = f"{r.column.label}'s convolutions see" if r.recurrent else f"{r.column.label} sees"
        text = f"{who} {_plural(field, self.unit)}"
        if field >= length:
            text += f" (padding included: all {length})"
        return text

    def _draw_curve(self, r: _Reach, placed: int) -> tuple[str, np.ndarray]:
        colour = r.column.colour
        relative = r.relative
        values = drawable(relative, floor_for(relative))
        # A dash and a symbol per column as well as a colour: told apart without colour.
        curve = self.plot.plot(r.steps_back, values, pen=pg.mkPen(colour, width=2, style=line_styles.dash(placed)),
                               symbol=line_styles.symbol(placed), symbolSize=4,
                               symbolPen=None, symbolBrush=pg.mkBrush(*colour))
        self.curves[r.name] = curve
        k = r.reaches
        notes = [f"its {self._recurrent_type(r)} reads one step in {r.scale}"] if r.scale > 1 else []
        notes += [f"step {r.column.step:,}"] if r.column.step is not None else []
        if k is None:
            text = f"{r.column.label} reaches all {_plural(r.length, self.unit)}"
        else:
            text = f"{r.column.label} reaches {_plural(k, self.unit)} back"
            line = pg.InfiniteLine(k, angle=90, pen=pg.mkPen(colour, width=2, style=Qt.PenStyle.DashLine),
                                   label=text, labelOpts={"color": colour,
                                                          "position": self._label_position(placed)})
            self.plot.addItem(line)
            self.reach_lines[r.name] = line
            self.markers[r.name] = self.plot.plot([k], [values[r.gradient.steps_back]], pen=None, symbol="x",
                                                  symbolSize=12, symbolPen=pg.mkPen(colour, width=2))
        if notes:
            text += f" ({'; '.join(notes)})"
        entry = f'<span style="color:{_hex(colour)}">━━</span>&nbsp;{escape(text, quote=False)}'
        return entry, values

    @staticmethod
    def _recurrent_type(r: _Reach) -> str:
        return r.conv.mixed_by if r.conv is not None and r.conv.mixed_by else "recurrent layer"

    def _draw_dependency(self, d: int, placed: int) -> str:
        text = f"the label depends on {self.unit} {d} back"
        line = pg.InfiniteLine(d, angle=90, pen=pg.mkPen(pal.GREEN, width=2), label=text,
                               labelOpts={"color": pal.GREEN, "position": self._label_position(placed)})
        self.plot.addItem(line)
        self.dependency_lines[d] = line
        return f'<span style="color:{pal.GREEN}">┃</span>&nbsp;{escape(text, quote=False)}'

    # --- text ---------------------------------------------------------------------------
    def _sentence(self, drawn: list[_Reach], distances: list[int]) -> str:
        """'GRU's gradient reaches 11 steps back; CNN sees 5; the label depends on step 12 back.'"""
        parts = []
        for r in drawn:
            if not r.has_curve:
                continue
            if r.reaches is None:
                parts.append(f"{r.column.label}'s gradient reaches all {_plural(r.length, self.unit)}")
            else:
                parts.append(f"{r.column.label}'s gradient reaches {_plural(r.reaches, self.unit)} back")
        for r in drawn:
            if r.band is not None:
                whole = " (the whole input)" if r.conv.field >= r.length else ""
                who = f"{r.column.label}'s convolutions see" if r.recurrent else f"{r.column.label} sees"
                parts.append(f"{who} {r.conv.field}{whole}")
        parts += [f"the label depends on {self.unit} {d} back" for d in distances]
        sentence = "; ".join(parts)
        return sentence[:1].upper() + sentence[1:] + "."

    def _notes(self) -> str:
        notes = []
        for r in self.reaches:
            if r.has_curve or r.band is not None:
                continue
            label = r.column.label
            if r.recurrent and r.gradient is None:
                notes.append(f"{label}: gradient not measured yet")
            elif r.recurrent:
                notes.append(f"{label}: no gradient reaches any step yet")
            else:
                notes.append(f"{label}: no time axis (sees every input at once)")
        return " · ".join(notes)
