"""The recursive net unrolled over one probe's tree (claim C17): every node
of the expression drawn where it sits in the tree, its state as a colour
strip, and the one shared cell outlined in the same colour at every node —
as the Unrolled RNN explainer outlines one cell at every step of a chain.

The structure comes from the probe's own tokens (engine/tree_structure.py,
no torch), the states from the snapshot: a TreeRNN layer's hidden states
hold, at each token, the state of the node that token stands for.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QComboBox, QWidget

from engine import tree_structure as ts
from gui.common import palette as pal
from gui.common.described import value_range
from gui.views.view_panel import ViewPanel, centred_levels, diverging_colour_map

LEAF_GAP = 2.0  # horizontal room per leaf, in plot units
STRIP_W, STRIP_H = 1.7, 0.32  # a node's state strip
LEVEL_H = 1.4  # vertical distance between depths


def layout(tree: ts.Tree) -> np.ndarray:
    """(x, y) of every node: leaves evenly spaced in reading order, a parent
    centred over its children, depth downwards (the root on top)."""
    xy = np.zeros((len(tree.nodes), 2))
    leaves = [i for i, n in enumerate(tree.nodes) if n.is_leaf]
    order = sorted(leaves, key=lambda i: tree.nodes[i].position)
    for rank, i in enumerate(order):
        xy[i, 0] = rank * LEAF_GAP
    for i, n in enumerate(tree.nodes):  # bottom-up: children are placed first
        if n.children:
            xy[i, 0] = xy[list(n.children), 0].mean()
        xy[i, 1] = -n.depth * LEVEL_H
    return xy


class TreeView(ViewPanel):
    title = "Tree"
    help = ("A recursive network unrolled over one expression's tree: the same cell (outlined in one colour) "
            "combines the two children's states at every node, bottom-up, and the root's state makes the "
            "prediction. A CNN shares one kernel over a grid of positions, an RNN one cell over a chain, a "
            "recursive net one cell over a tree (C17).")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_index: int | None = None
        self.modulus: int | None = None
        self.tree: ts.Tree | None = None
        self.states: np.ndarray | None = None  # (nodes, H) as drawn
        self.probe = 0
        self.answer = ""  # "Predicted 4, true 4 (right)." for the probe drawn, from its snapshot
        self._xy = np.zeros((0, 2))
        self._strips: list[pg.ImageItem] = []
        self._labels: list[pg.TextItem] = []
        self._cells: list[pg.QtWidgets.QGraphicsRectItem] = []
        self._rects: list[QRectF] = []

        self.probe_picker = QComboBox()
        self.probe_picker.setToolTip("Which probe expression to draw")
        self.probe_picker.activated.connect(self._on_probe_picked)
        self.controls.addWidget(self.probe_picker)
        self.plot_widget = pg.GraphicsLayoutWidget()
        self.plot_widget.setBackground("w")
        self.plot = self.plot_widget.addPlot()
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setAspectLocked(False)
        self.edges = pg.PlotCurveItem(pen=pg.mkPen(pal.FRAME, width=1))
        self.plot.addItem(self.edges)
        self.colour_map = diverging_colour_map()
        self.colour_bar = pg.ColorBarItem(values=(-1, 1), colorMap=self.colour_map, interactive=False,
                                          label="node state", colorMapMenu=False, width=10)
        self.plot_widget.addItem(self.colour_bar, row=0, col=1)
        self.body.addWidget(self.plot_widget)
        self.plot.scene().sigMouseMoved.connect(self._on_hovered)

    # --- fed by the hub ---------------------------------------------------------
    def set_experiment(self, experiment) -> None:
        layers = experiment.model.layers if experiment is not None else ()
        found = [i for i, layer in enumerate(layers) if layer.type == "TreeRNN"]
        self.layer_index = found[0] if found else None
        options = experiment.dataset.options if experiment is not None else {}
        self.modulus = options.get("modulus") if experiment is not None and \
            experiment.dataset.name == "expressions" else None

    def applies_to(self, run) -> bool:
        return self.layer_index is not None

    def not_applicable_text(self) -> str:
        return "Tree: this model has no TreeRNN (recursive) layer."

    def set_run(self, run) -> None:
        super().set_run(run)
        self.probe_picker.clear()
        if run is None or run.probe_inputs is None:
            return
        for i, tokens in enumerate(run.probe_inputs):
            try:
                text = ts.render(ts.parse(tokens))
            except ValueError:
                text = "(not an expression)"
            self.probe_picker.addItem(f"#{i} · {text}")
        self._pick(0)

    def _clear(self) -> None:
        self.tree, self.states = None, None
        self.answer = ""
        self._xy = np.zeros((0, 2))
        for item in (*self._strips, *self._labels, *self._cells):
            self.plot.removeItem(item)
        self._strips, self._labels, self._cells, self._rects = [], [], [], []
        self.edges.setData([], [])

    def _on_probe_picked(self, index: int) -> None:
        self._pick(index)
        self.redraw()

    def _pick(self, index: int) -> None:
        """Lay out the tree of probe ``index`` (items are made here, once per tree)."""
        self._clear()
        self.probe = index
        try:
            self.tree = ts.parse(self.run.probe_inputs[index])
        except (ValueError, IndexError) as exc:
            self.caption.setText(f"Tree: probe {index} is not an expression ({exc}).")
            return
        if self.tree.empty:
            return
        self._xy = xy = layout(self.tree)
        x, y, connect = [], [], []
        for i, n in enumerate(self.tree.nodes):
            for child in n.children:
                x += [xy[i, 0], xy[child, 0]]
                y += [xy[i, 1] - STRIP_H - 0.08, xy[child, 1] + 0.48]
                connect += [1, 0]
        self.edges.setData(np.array(x, float), np.array(y, float), connect=np.array(connect, np.int32))
        values = ts.values(self.tree, self.modulus)
        for i, n in enumerate(self.tree.nodes):
            value = "" if n.is_leaf else f"  → {values[i]}"
            label = pg.TextItem(n.label + value, color=pal.TEXT, anchor=(0.5, 1.0))
            label.setPos(xy[i, 0], xy[i, 1] + 0.04)
            strip = pg.ImageItem(axisOrder="row-major")
            strip.setColorMap(self.colour_map)
            self._rects.append(QRectF(xy[i, 0] - STRIP_W / 2, xy[i, 1] - STRIP_H, STRIP_W, STRIP_H))
            # The one cell, outlined in the colour the Unrolled RNN explainer gives shared weights.
            cell = pg.QtWidgets.QGraphicsRectItem(xy[i, 0] - STRIP_W / 2 - 0.08, xy[i, 1] - STRIP_H - 0.08,
                                                  STRIP_W + 0.16, STRIP_H + 0.56)
            cell.setPen(pg.mkPen(pal.SHARED, width=2))
            cell.setBrush(pg.mkBrush(None))
            for item in (cell, strip, label):
                self.plot.addItem(item)
            self._labels.append(label)
            self._strips.append(strip)
            self._cells.append(cell)
        self.plot.setXRange(xy[:, 0].min() - LEAF_GAP / 2, xy[:, 0].max() + LEAF_GAP / 2, padding=0)
        self.plot.setYRange(xy[:, 1].min() - STRIP_H - 0.3, 0.8, padding=0)

    def _draw_snapshot(self, snapshot) -> None:
        if self.tree is None or self.tree.empty or self.layer_index is None:
            return
        hidden = snapshot.hidden_states.get(self.layer_index)
        if hidden is None or self.probe >= len(hidden):
            self.caption.setText("Tree: this snapshot has no node states.")
            return
        positions = [n.position for n in self.tree.nodes]
        self.states = np.asarray(hidden[self.probe])[positions]  # (nodes, H)
        levels = centred_levels(self.states)
        for strip, state, rect in zip(self._strips, self.states, self._rects, strict=True):
            strip.setImage(state[None, :], levels=levels, autoLevels=False)
            strip.setRect(rect)  # after setImage: the rect scales the image it has
        self.colour_bar.setLevels(levels)
        self._caption(snapshot)

    def _caption(self, snapshot) -> None:
        n = len(self.tree.nodes)
        internal = sum(not node.is_leaf for node in self.tree.nodes)
        answer = ""
        outputs = snapshot.probe_outputs
        if outputs is not None and self.probe < len(outputs):
            predicted = int(np.argmax(outputs[self.probe]))
            truth = int(np.asarray(self.run.probe_targets)[self.probe])
            mark = "right" if predicted == truth else "wrong"
            answer = f" Predicted {predicted}, true {truth} ({mark})."
        self.answer = answer.strip()
        what = f"value mod {self.modulus}" if self.modulus else "value"
        self.caption.setText(f"One cell with the same weights at all {n} nodes ({internal} operators, "
                             f"{n - internal} digits), applied bottom-up; each node shows its {what} and its "
                             f"state.{answer}")

    def _on_hovered(self, pos) -> None:
        if self.tree is None or self.tree.empty or not len(self._xy):
            return
        point = self.plot.vb.mapSceneToView(pos)
        near = np.hypot(self._xy[:, 0] - point.x(), self._xy[:, 1] - STRIP_H / 2 - point.y())
        i = int(np.argmin(near))
        if near[i] > 1.0:
            self.plot_widget.setToolTip("")
            return
        node = self.tree.nodes[i]
        value = ts.values(self.tree, self.modulus)[i]
        self.plot_widget.setToolTip(f"{ts.render(self.tree, i)} → {value}"
                                    + (f" (mod {self.modulus})" if self.modulus else "")
                                    + ("" if node.is_leaf else "; the cell combined its two children's states"))

    def describe_now(self) -> str:
        """"Probe #0 · ((3+4)*2) = 4 (mod 10): 7 nodes …; predicted 4, true 4 (right).", from
        the tree parsed and the node states held."""
        tree, states = self.tree, self.states
        if tree is None or tree.empty or states is None:
            return ""
        internal = sum(not node.is_leaf for node in tree.nodes)
        value = ts.values(tree, self.modulus)[tree.root]
        mod = f" (mod {self.modulus})" if self.modulus else ""
        return (f"Probe #{self.probe}, {ts.render(tree)} = {value}{mod}: one shared cell at all {len(tree.nodes)} "
                f"nodes ({internal} operators, {len(tree.nodes) - internal} digits); node states of "
                f"{states.shape[1]} units, {value_range(states)}." + (f" {self.answer}" if self.answer else ""))

    def export_data(self) -> dict[str, np.ndarray]:
        if self.states is None or self.tree is None:
            return {}
        nodes = self.tree.nodes
        return {"node_states": self.states,
                "node_position": np.array([n.position for n in nodes]),
                "node_height": np.array([n.height for n in nodes]),
                "node_depth": np.array([n.depth for n in nodes])}
