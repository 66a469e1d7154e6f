"""Explain ▸ Where the Parameters Are (claim C2): every layer of the current
model with its parameter count taken apart (kernel × input channels × output
channels + bias; a recurrent layer's input and recurrent weights and biases
per gate), beside what a dense layer over the same input and output would
need, as a table and a bar chart on a log axis.

The numbers come from engine.explain.parameters (tested against the torch
layers); the window follows ``document.changed`` live. The work is a few
multiplications on the shape inference the document already made.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.explain.parameters import LayerParameters, ModelParameters, explain_summary
from gui.common import palette as pal
from gui.explain.registry import ExplainContext

MODEL_COLOUR = pal.BLUE
DENSE_COLOUR = pal.RED
COLUMNS = ("Layer", "Output shape", "Where the parameters are", "Parameters", "Dense equivalent", "Ratio")
COLUMN_TIPS = (
    "The layer's number in the model and its type.",
    "What the layer hands on, per sample.",
    "The parameter count taken apart: each term is one block of weights, with the formula that gives its size.",
    "The parameters this layer learns (the sum of the terms).",
    "A fully connected (Linear) layer from this layer's whole input, flattened, to its whole output, "
    "flattened: what the same mapping would cost if nothing were shared across positions or time steps.",
    "Dense equivalent ÷ this layer's parameters: how many times more a dense layer would need.",
)


class ParameterExplainer(QWidget):
    def __init__(self, context: ExplainContext) -> None:
        super().__init__()
        self.context = context
        self.explained: ModelParameters | None = None
        self.setWhatsThis(
            "Where the parameters are: for every layer of your model, how its parameter count is made "
            "(filters × input channels × kernel, plus biases; for a recurrent layer input weights, recurrent "
            "weights and biases for every gate), beside a dense layer doing the same mapping. A convolution "
            "shares one small kernel across every position, so its count does not grow with the image "
            "(claim C2).")
        self.sentence = QLabel()
        self.sentence.setWordWrap(True)
        self.sentence.setTextFormat(Qt.TextFormat.PlainText)
        self.sentence.setStyleSheet("font-size: 11pt; font-weight: 600;")
        self.sentence.setToolTip("The claim in this model's numbers: shared weights against a dense layer.")
        self.sentence.setWhatsThis("A one-sentence summary of the table: how many parameters the model's "
                                   "convolutional (or recurrent) layers hold, and how many dense layers "
                                   "mapping the same inputs to the same outputs would need.")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        for i, tip in enumerate(COLUMN_TIPS):
            self.table.horizontalHeaderItem(i).setToolTip(tip)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        for i in range(len(COLUMNS)):
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setToolTip("One row per layer; ↑ ↓ select a layer to read its formula in full below.")
        self.table.setWhatsThis("Every layer of the current model. Layers without parameters (activations, "
                                "pooling, Flatten) hold nothing to learn. Select a row (arrow keys) to read "
                                "the formula and the dense equivalent in full below the table.")
        self.table.currentCellChanged.connect(lambda row, *_: self._show_detail(row))
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setToolTip("The selected layer's parameter count in full.")
        self.detail.setWhatsThis("The selected layer's formula, its dense equivalent, and for a recurrent "
                                 "layer what each gate holds.")

        self.plot_widget = pg.PlotWidget(background="w")
        self.plot = self.plot_widget.getPlotItem()
        # The axis labels read 10^y: bars are drawn with log10 heights (BarGraphItem has no log mode).
        self.plot.setLogMode(x=False, y=True)
        self.plot.showGrid(x=False, y=True, alpha=0.2)
        self.plot.setLabel("left", "parameters (log scale)")
        self.plot.setLabel("bottom", "layer")
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        legend = self.plot.addLegend(offset=(-5, 5), labelTextColor=pal.TEXT)
        self.model_bars = pg.BarGraphItem(x=[], height=[], width=0.38, brush=pg.mkBrush(MODEL_COLOUR))
        self.dense_bars = pg.BarGraphItem(x=[], height=[], width=0.38, brush=pg.mkBrush(DENSE_COLOUR))
        self.plot.addItem(self.model_bars)
        self.plot.addItem(self.dense_bars)
        legend.addItem(self.model_bars, "this model's layer")
        legend.addItem(self.dense_bars, "a dense layer doing the same mapping")
        self.plot_widget.setToolTip("Parameters per layer on a log scale: blue this model, red a dense layer "
                                    "from the same input to the same output.")
        self.plot_widget.setWhatsThis("A bar chart of the table: each layer with parameters gets a blue bar "
                                      "(its real count) and a red bar (a dense layer doing the same mapping). "
                                      "The scale is logarithmic: one grid line up is ten times more.")
        self.plot_widget.setMinimumHeight(180)

        splitter = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.table, 1)
        top_layout.addWidget(self.detail)
        splitter.addWidget(top)
        splitter.addWidget(self.plot_widget)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.sentence)
        layout.addWidget(splitter, 1)
        self.resize(980, 680)
        context.document.changed.connect(self._on_changed)
        self.refresh()

    # --- public -----------------------------------------------------------------
    def refresh(self) -> None:
        analysis = self.context.document.analysis()
        summary = analysis.summary
        if summary is None:
            self.explained = None
            self.sentence.setText(analysis.problem or "The model is not analysed yet.")
            self._fill(())
            return
        self.explained = explain_summary(summary)
        text = self.explained.sentence()
        if not summary.ok:
            text += f" (Only the layers before the problem are shown: {analysis.problem})"
        self.sentence.setText(text)
        self._fill(self.explained.layers)

    def bar_heights(self) -> tuple[np.ndarray, np.ndarray]:
        """The parameters the two bar sets stand for (not their log10 heights)."""
        return (10 ** np.asarray(self.model_bars.opts["height"], float),
                10 ** np.asarray(self.dense_bars.opts["height"], float))

    # --- drawing ----------------------------------------------------------------
    def _on_changed(self, _experiment) -> None:
        self.refresh()

    def _fill(self, layers: tuple[LayerParameters, ...]) -> None:
        current = max(self.table.currentRow(), 0)
        self.table.setRowCount(len(layers))
        for row, layer in enumerate(layers):
            ratio = _ratio(layer.ratio) if layer.ratio is not None else ""
            dense = f"{layer.dense:,}" if layer.dense is not None else ("–" if layer.terms else "")
            cells = (f"{layer.index + 1}  {layer.type}", layer.output_text,
                     layer.formula() if layer.terms else "no parameters",
                     f"{layer.total:,}", dense, ratio)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column in (3, 4, 5):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if not layer.terms:
                    item.setForeground(Qt.GlobalColor.gray)
                item.setToolTip(self._detail_text(layer))
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        if layers:
            self.table.setCurrentCell(min(current, len(layers) - 1), 0)
        self._show_detail(self.table.currentRow())
        self._draw_bars(layers)

    def _draw_bars(self, layers: tuple[LayerParameters, ...]) -> None:
        shown = [layer for layer in layers if layer.terms]
        x = np.arange(len(shown), dtype=float)
        ours = np.log10([max(layer.total, 1) for layer in shown]) if shown else np.zeros(0)
        dense = np.log10([max(layer.dense or layer.total, 1) for layer in shown]) if shown else np.zeros(0)
        self.model_bars.setOpts(x=x - 0.2, height=ours, y0=0)
        self.dense_bars.setOpts(x=x + 0.2, height=dense, y0=0)
        self.plot.getAxis("bottom").setTicks([[(i, f"{layer.index + 1} {layer.type}")
                                               for i, layer in enumerate(shown)]])
        top = float(max(np.max(ours, initial=0), np.max(dense, initial=0)))
        self.plot.setXRange(-0.7, max(len(shown) - 0.3, 0.7), padding=0)
        self.plot.setYRange(0, np.ceil(top) + 0.3, padding=0)

    def _detail_text(self, layer: LayerParameters) -> str:
        if not layer.terms:
            return (f"Layer {layer.index + 1} ({layer.type}) has no parameters: it computes a fixed function "
                    "of its input.")
        parts = [f"Layer {layer.index + 1} ({layer.type}): {layer.formula()}."]
        if layer.per_gate:
            parts.append(layer.per_gate)
        if layer.dense is not None:
            parts.append(f"Dense equivalent: {layer.dense_words}: {_ratio(layer.ratio or 0)} this layer's.")
        elif layer.dense_words:
            parts.append("Normalisation scales and shifts each channel on its own: it has no dense "
                         "counterpart.")
        return " ".join(parts)

    def _show_detail(self, row: int) -> None:
        layers = self.explained.layers if self.explained else ()
        self.detail.setText(self._detail_text(layers[row]) if 0 <= row < len(layers) else "")


def _ratio(ratio: float) -> str:
    return f"{ratio:,.0f}×" if ratio >= 10 else f"{ratio:.1f}×"
