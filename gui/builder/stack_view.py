"""The rows of the model stack: one per layer, with its key settings, output
shape and parameter count. Accepts layer types dragged from the palette and
reorders its own rows by drag and drop.

The view never edits the model itself: drops are reported as signals and the
owner sends the document a new spec, after which ``show_layers`` redraws the
rows from it. (Letting QTreeWidget move its own items would make the view
and the spec disagree.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QByteArray, QMimeData, QPoint, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QDrag, QDragEnterEvent, QDragMoveEvent, QDropEvent, QPainter, QPen
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyle, QTreeWidget, QTreeWidgetItem, QWidget

from engine.spec import LayerSpec
from gui.builder.layer_palette import LAYER_TYPE_MIME
from gui.common import palette as pal

LAYER_ROW_MIME = "application/x-cnn-rnn-playground-layer-row"
COLUMNS = ("#", "Layer", "Settings", "Output", "Params")
ERROR_BACKGROUND = QColor(pal.ERROR_BACKGROUND)
ERROR_FOREGROUND = QColor(pal.ERROR)
UNCHECKED_FOREGROUND = QColor(pal.MUTED)

# A row shows a layer's key settings (``Param.key``) always, the rest only
# when changed. Short names keep the column narrow.
SHORT = {"out_channels": "ch", "kernel_size": "k", "stride": "stride", "padding": "pad", "dilation": "dil",
         "hidden_size": "hidden", "num_layers": "layers", "bidirectional": "bidirectional",
         "out_features": "out", "embedding_dim": "dim", "negative_slope": "slope"}


def settings_text(layer: LayerSpec) -> str:
    from engine.layers import REGISTRY

    kind = REGISTRY.get(layer.type)
    if kind is None:
        return ""
    parts = []
    for p in kind.params:
        value = layer.params.get(p.name, p.default)
        if not p.key and value == p.default:
            continue
        name = SHORT.get(p.name, p.name.replace("_", " "))
        if isinstance(value, bool):
            parts.append(name if value else f"no {name}")
        else:
            parts.append(f"{name} {_show(value)}")
    return " · ".join(parts)


def _show(value: Any) -> str:
    if value is None:
        return "auto"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class StackView(QTreeWidget):
    type_dropped = Signal(str, int)  # layer type, row to insert at
    row_moved = Signal(int, int)  # source row, row to insert before (in the old order)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(len(COLUMNS))
        self.setHeaderLabels(list(COLUMNS))
        self.setToolTip("The layers of your model, input at the top: drag rows to reorder, select one to edit it")
        self.setWhatsThis("<b>Model layers</b><p>One row per layer: its type, the shape it outputs and its "
                          "number of parameters. Drag a layer here from <i>Layers</i>, drag rows to reorder, "
                          "press Delete to remove one. Input sizes are worked out for you from the layer "
                          "above.</p>")
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDropIndicatorShown(False)  # painted by hand: see paintEvent
        header = self.header()
        header.setStretchLastSection(False)
        for column in range(len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self._drop_row: int | None = None

    # --- rows -----------------------------------------------------------------
    def show_layers(self, layers: Sequence[LayerSpec], summary: object | None, pending: bool = False) -> None:
        """Redraw every row from the spec and its shape analysis (``pending``:
        not inferred yet, shapes are shown as "…")."""
        from engine.shapes import describe_shape

        selected = self.selected_row()
        rows = {row.index: row for row in getattr(summary, "rows", ())}
        error = getattr(summary, "error", None)
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.clear()
        for index, layer in enumerate(layers):
            row = rows.get(index)
            is_error = error is not None and error.index == index
            shape = describe_shape(row.kind, row.shape) if row and not is_error else "…" if pending else "—"
            params = f"{row.params:,}" if row else ""
            item = QTreeWidgetItem([str(index + 1), layer.type, settings_text(layer), shape, params])
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                          | Qt.ItemFlag.ItemIsDragEnabled)
            item.setTextAlignment(4, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if is_error:
                item.setIcon(1, warning)
                for column in range(len(COLUMNS)):
                    item.setBackground(column, QBrush(ERROR_BACKGROUND))
                    item.setForeground(column, QBrush(ERROR_FOREGROUND))
                    item.setToolTip(column, error.message)
            elif row is None and not pending:
                for column in range(len(COLUMNS)):
                    item.setForeground(column, QBrush(UNCHECKED_FOREGROUND))
                    item.setToolTip(column, "Not checked yet: fix the marked layer above first.")
            self.addTopLevelItem(item)
        if 0 <= selected < len(layers):
            self.select_row(selected)

    def selected_row(self) -> int:
        items = self.selectedItems()
        return self.indexOfTopLevelItem(items[0]) if items else -1

    def select_row(self, row: int) -> None:
        if 0 <= row < self.topLevelItemCount():
            self.setCurrentItem(self.topLevelItem(row))
        else:
            self.clearSelection()
            self.setCurrentItem(None)

    # --- drag and drop --------------------------------------------------------
    def startDrag(self, actions: Qt.DropAction) -> None:  # noqa: N802 - Qt override
        row = self.selected_row()
        if row < 0:
            return
        mime = QMimeData()
        mime.setData(LAYER_ROW_MIME, QByteArray(str(row).encode()))
        drag = QDrag(self)
        drag.setMimeData(mime)
        # The result is ignored on purpose: the move happened through the spec.
        drag.exec(Qt.DropAction.MoveAction)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if self._accepts(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt override
        if not self._accepts(event.mimeData()):
            event.ignore()
            return
        self._drop_row = self.drop_row_at(event.position().toPoint())
        self.viewport().update()
        event.acceptProposedAction()

    def dragLeaveEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        self._drop_row = None
        self.viewport().update()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        self._drop_row = None
        self.viewport().update()
        mime = event.mimeData()
        target = self.drop_row_at(event.position().toPoint())
        if mime.hasFormat(LAYER_TYPE_MIME):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self.type_dropped.emit(bytes(mime.data(LAYER_TYPE_MIME).data()).decode(), target)
        elif mime.hasFormat(LAYER_ROW_MIME) and event.source() in (self, None):
            # (None: a synthetic drop, as in tests; rows never come from another widget)
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()
            self.row_moved.emit(int(bytes(mime.data(LAYER_ROW_MIME).data()).decode()), target)
        else:
            event.ignore()

    def drop_row_at(self, pos: QPoint) -> int:
        """The row a drop at ``pos`` (viewport coordinates) inserts before."""
        item = self.itemAt(pos)
        if item is None:
            return self.topLevelItemCount()
        row = self.indexOfTopLevelItem(item)
        return row if pos.y() < self.visualItemRect(item).center().y() else row + 1

    def paintEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        if self._drop_row is None:
            return
        count = self.topLevelItemCount()
        if count == 0:
            y = 1
        elif self._drop_row < count:
            y = self.visualItemRect(self.topLevelItem(self._drop_row)).top()
        else:
            y = self.visualItemRect(self.topLevelItem(count - 1)).bottom()
        painter = QPainter(self.viewport())
        painter.setPen(QPen(self.palette().highlight().color(), 2))
        painter.drawLine(0, y, self.viewport().width(), y)
        painter.end()

    def _accepts(self, mime: QMimeData) -> bool:
        return mime.hasFormat(LAYER_TYPE_MIME) or mime.hasFormat(LAYER_ROW_MIME)
