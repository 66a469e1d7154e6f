"""What each lab column costs as it trains: milliseconds of training per
batch (and per sample, the fair unit when batch sizes differ), against the
samples seen — claim C12's "an RNN walks its steps one after another, a CNN
sees them all at once" as the price of a step.

Fed with the runner's step batches: each tick's training time over its
steps, so the curve is the cost now, not an average since the start. Columns
training at the same time share the processor: the note under the plot says
so while more than one trains.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui.common import line_styles
from gui.common import palette as pal
from gui.common.style import subdued

POINTS = 2000  # per column; older points thin out


class CostPlot(QWidget):
    def __init__(self, labels: list[str], colours: list[str], batch_sizes: list[int],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.labels, self.batch_sizes = list(labels), list(batch_sizes)
        self.points: list[deque] = [deque(maxlen=POINTS) for _ in labels]  # (samples seen, ms per sample)
        self._last: list[tuple[int, float] | None] = [None] * len(labels)  # (step, elapsed) at the last batch
        self.widget = pg.PlotWidget(background="w")
        self.plot = self.widget.getPlotItem()
        self.plot.setTitle("Training cost per sample", color=pal.TEXT, size="11pt")
        self.plot.setLabel("left", "ms per sample", color=pal.TEXT)
        self.plot.setLabel("bottom", "samples seen", color=pal.TEXT)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.legend = self.plot.addLegend(offset=(-10, 10), labelTextColor=pal.TEXT)
        # A dash per model as well as a colour: told apart without colour.
        self.curves = [self.plot.plot(pen=pg.mkPen(colour, width=1.5, style=line_styles.dash(i)), name=label)
                       for i, (label, colour) in enumerate(zip(labels, colours, strict=True))]
        self.note = QLabel("Train the lab to see what a batch of each model costs.")
        self.note.setWordWrap(True)
        subdued(self.note)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.widget, 1)
        layout.addWidget(self.note)

    def start(self, index: int) -> None:
        self.points[index].clear()
        self._last[index] = (0, 0.0)  # the first batches' cost counts from the start of the run
        self.curves[index].setData([], [])

    def add(self, index: int, batch) -> None:
        """A tick's steps of column ``index`` (a TrainingRunner StepBatch)."""
        last = batch.last
        before = self._last[index]
        self._last[index] = (last.step, last.elapsed)
        if before is None or last.step <= before[0] or last.elapsed <= before[1]:
            return
        per_batch = (last.elapsed - before[1]) / (last.step - before[0])
        self.points[index].append((last.step * self.batch_sizes[index], 1000.0 * per_batch / self.batch_sizes[index]))
        x, y = np.array(self.points[index]).T
        self.curves[index].setData(x, y)

    def show_costs(self, training: int) -> None:
        """The note: each column's latest cost per batch, and whether they shared the processor."""
        parts = []
        for label, points, size in zip(self.labels, self.points, self.batch_sizes, strict=True):
            if points:
                recent = np.median([p[1] for p in list(points)[-20:]])
                parts.append(f"{label}: {recent * size:.2f} ms per batch of {size}")
        if not parts:
            return
        shared = " Columns training at once share the processor: train one alone for its own cost." \
            if training > 1 else ""
        self.note.setText(" · ".join(parts) + "." + shared)
