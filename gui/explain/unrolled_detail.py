"""What happens inside the selected cell of the unrolled RNN: the update
written out with its numbers for one hidden unit, the step's gate values as
named groups of bars (one bar per hidden unit), and the weight matrices every
cell shares, drawn once."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGridLayout, QLabel, QSpinBox, QWidget

from engine.explain.rnn_steps import GATES, SYMBOLS, RnnSteps, step_equation
from gui.common import palette as pal
from gui.explain.unrolled_chain import SHARED_COLOUR
from gui.views.view_panel import centred_levels, diverging_colour_map

GAP = 1.0  # bars between two groups
GROUP_COLOURS = pal.EQUATION


def groups(s: RnnSteps, t: int) -> dict[str, np.ndarray]:
    """The vectors drawn as bars at step t (1…T), by name, in order."""
    i = t - 1
    if s.kind == "RNN":
        shown = {"input part": s.input_part[i], "recurrent part": s.recurrent_part[i]}
    else:
        shown = {name: s.gates[name][i] for name in GATES[s.kind]}
        if s.c is not None:
            shown["c_t"] = s.c[t]
    shown["h_t"] = s.h[t]
    return shown


MEANINGS = {
    "RNN": "The activation squeezes the sum into a bounded range; the new state mixes the input with the old "
           "state through the very same weights at every step.",
    "LSTM": "i (input gate): how much of the new content g is written. f (forget gate): how much of the old "
            "cell state c is kept. o (output gate): how much of the cell state is shown as h. Gates run from "
            "0 (closed) to 1 (open).",
    "GRU": "r (reset gate): how much of the old state the candidate n may use. z (update gate): how much of "
           "the old state is kept (1) or replaced by n (0). Gates run from 0 (closed) to 1 (open).",
}


def group_title(kind: str, name: str) -> str:
    if name in SYMBOLS:
        return f"{SYMBOLS[name]} ({name})"
    return {"input part": "W_ih·x+b", "recurrent part": "W_hh·h+b"}.get(name, name)


class StepDetail(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.steps: RnnSteps | None = None
        self.t = 1
        self.unit = QSpinBox()
        self.unit.setPrefix("hidden unit ")
        self.unit.setToolTip("Which hidden unit the equation is written out for (every unit follows the same rule)")
        self.unit.setWhatsThis("The hidden state is a vector; each of its units is updated by the same formula "
                               "with its own row of the weight matrices. Pick one to see its numbers.")
        self.unit.valueChanged.connect(self._show_equation)
        self.equation = QLabel()
        self.equation.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.equation.setFont(QFont("monospace"))
        self.equation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.equation.setWordWrap(True)
        self.equation.setToolTip("The update of the selected step, with its numbers, for one hidden unit")
        self.equation.setWhatsThis("How the cell computes its new state from the input x_t and the previous "
                                   "state h_(t−1). The first number in each bracket comes from the input "
                                   "(W_ih·x_t + b_ih), the second from the previous state (W_hh·h_(t−1) + b_hh).")

        self.meaning = QLabel()
        self.meaning.setWordWrap(True)
        self.meaning.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.meaning.setWhatsThis(self.equation.whatsThis())

        self.bars_widget = pg.PlotWidget(background="w")
        self.bars_plot = self.bars_widget.getPlotItem()
        self.bars_plot.setMouseEnabled(False, False)
        self.bars_plot.hideButtons()
        self.bars_plot.setMenuEnabled(False)
        self.bars_plot.setLabel("left", "value")
        self.bars_plot.setLabel("bottom", "one bar per hidden unit")
        self.bars_plot.addLine(y=0, pen=pg.mkPen(pal.FRAME))
        self.bars: dict[str, pg.BarGraphItem] = {}
        self.marker = pg.ScatterPlotItem(size=9, symbol="t", brush=pg.mkBrush(SHARED_COLOUR), pen=None)
        self.bars_plot.addItem(self.marker)
        self.bars_widget.setToolTip("The values at the selected step: gates (0 = closed, 1 = open) and states")
        self.bars_widget.setWhatsThis("Each group is one named vector at the selected step, one bar per hidden "
                                      "unit; the orange mark is the unit written out on the left. For an LSTM, "
                                      "the forget gate f near 1 keeps the cell state, the input gate i lets new "
                                      "content g in; for a GRU, the update gate z near 1 keeps the old state.")

        self.weights_widget = pg.GraphicsLayoutWidget()
        self.weights_widget.setBackground("w")
        self.weights_plot = self.weights_widget.addPlot(row=0, col=0)
        self.weights_plot.setMouseEnabled(False, False)
        self.weights_plot.hideButtons()
        self.weights_plot.setMenuEnabled(False)
        self.weights_plot.invertY(True)
        self.weights_plot.setLabel("left", "row: gate block, unit")
        self.weights_plot.setLabel("bottom", "columns: x | h | b")
        self.w_images = [pg.ImageItem(axisOrder="row-major") for _ in range(3)]  # W_ih, W_hh, b
        for image in self.w_images:
            image.setColorMap(diverging_colour_map())
            self.weights_plot.addItem(image)
        self.w_titles = [pg.TextItem(text, color=pal.TEXT, anchor=(0, 1)) for text in ("W_ih", "W_hh", "b")]
        for title in self.w_titles:
            self.weights_plot.addItem(title)
        self.w_bar = pg.ColorBarItem(values=(-1, 1), colorMap=diverging_colour_map(), interactive=False,
                                     label="weight", colorMapMenu=False, width=12)
        self.w_bar.setImageItem(self.w_images)
        self.weights_widget.addItem(self.w_bar, row=0, col=1)
        self.shared = QLabel(f"<b style='color:{SHARED_COLOUR}'>The same W_ih, W_hh and b in every cell</b>")
        self.shared.setToolTip("Every cell of the chain uses these very matrices: the parameter count does "
                               "not grow with the length of the sequence")
        self.weights_widget.setToolTip(self.shared.toolTip())
        self.weights_widget.setWhatsThis("The recurrent layer's weights, drawn once because all steps share "
                                         "them (blue negative, red positive). W_ih multiplies the input x_t, "
                                         "W_hh the previous state h_(t−1); LSTM and GRU stack one block of "
                                         "rows per gate.")

        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.unit, 0, 0)
        layout.addWidget(self.equation, 1, 0)
        layout.addWidget(self.meaning, 2, 0)
        layout.addWidget(self.bars_widget, 0, 1, 3, 1)
        layout.addWidget(self.shared, 0, 2)
        layout.addWidget(self.weights_widget, 1, 2, 2, 1)
        layout.setColumnStretch(0, 4)
        layout.setColumnStretch(1, 3)
        layout.setColumnStretch(2, 3)
        layout.setRowStretch(2, 1)

    def set_steps(self, s: RnnSteps) -> None:
        self.steps = s
        self.unit.setMaximum(s.hidden - 1)
        for item in self.bars.values():
            self.bars_plot.removeItem(item)
        self.bars = {}
        names = list(groups(s, 1))
        ticks = []
        for k, name in enumerate(names):
            x0 = k * (s.hidden + GAP)
            item = pg.BarGraphItem(x=x0 + np.arange(s.hidden), height=np.zeros(s.hidden), width=0.8,
                                   brush=GROUP_COLOURS.get(name, pal.LABEL), pen=None)
            self.bars_plot.addItem(item)
            self.bars[name] = item
            ticks.append((x0 + (s.hidden - 1) / 2, group_title(s.kind, name)))
        self.bars_plot.getAxis("bottom").setTicks([ticks, []])
        self.bars_plot.setXRange(-1, len(names) * (s.hidden + GAP) - GAP, padding=0.02)
        self._show_weights(s)
        self.set_step(min(self.t, s.steps))

    def _show_weights(self, s: RnnSteps) -> None:
        bias = (s.b_ih + s.b_hh)[:, None]  # only their sum matters for RNN/LSTM (GRU keeps b_hn apart)
        mats = [s.w_ih, s.w_hh, bias]
        levels = centred_levels(np.concatenate([m.ravel() for m in mats]))
        x = 0.0
        for image, title, m in zip(self.w_images, self.w_titles, mats, strict=True):
            image.setImage(np.ascontiguousarray(m, np.float32), levels=levels)
            image.setRect(x, 0, m.shape[1], m.shape[0])
            title.setPos(x, 0)
            x += m.shape[1] + max(2.0, 0.3 * s.hidden)  # room for the titles over a narrow W_ih
        self.w_bar.setLevels(levels)
        names = GATES[s.kind] or ("tanh",)
        self.weights_plot.getAxis("left").setTicks([
            [((k + 0.5) * s.hidden, SYMBOLS.get(name, name)) for k, name in enumerate(names)],
            [(k * s.hidden, "") for k in range(len(names) + 1)]])
        self.weights_plot.setXRange(0, x, padding=0.02)
        self.weights_plot.setYRange(-0.12 * s.w_ih.shape[0], s.w_ih.shape[0], padding=0.02)

    def set_step(self, t: int) -> None:
        self.t = t
        if self.steps is None:
            return
        values = groups(self.steps, t)
        for name, v in values.items():
            self.bars[name].setOpts(height=v)
        top = max(1.0, float(max(np.abs(v).max() for v in values.values())))
        self.bars_plot.setYRange(-top, top, padding=0.05)
        self.bars_plot.setTitle(f"inside the cell at step t = {t}")
        self._show_equation()

    def _show_equation(self, *_args) -> None:
        s = self.steps
        if s is None:
            return
        unit = self.unit.value()
        self.equation.setText("\n".join(step_equation(s, self.t, unit)))
        self.meaning.setText("In each bracket: first the part from the input x_t (W_ih·x_t + b_ih), then the "
                             "part from the previous state h_(t−1) (W_hh·h_(t−1) + b_hh). " + MEANINGS[s.kind])
        self.marker.setData([{"pos": (k * (s.hidden + GAP) + unit, 0)} for k in range(len(self.bars))])
