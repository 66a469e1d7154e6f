"""The palette of layer types, grouped as the registry groups them.

Drag a type onto the model stack, or double-click it to append it. Each
entry's tooltip is the registry's one-line help, so the palette teaches what
a layer does before it is used.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QMimeData, Qt, Signal
from PySide6.QtGui import QDrag, QFont, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem, QWidget

# The drag payload: a layer type name, from the palette to the stack.
LAYER_TYPE_MIME = "application/x-cnn-rnn-playground-layer-type"
TYPE_ROLE = Qt.ItemDataRole.UserRole


class LayerPalette(QTreeWidget):
    chosen = Signal(str)  # a layer type the user double-clicked (or chose by keyboard)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setIndentation(10)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setMinimumWidth(150)
        self.setToolTip("Drag a layer onto the model, or double-click to append it")
        self.setWhatsThis("<b>Layers</b><p>The building blocks of a network, grouped by kind. Convolutions "
                          "(Conv1d, Conv2d) slide one small kernel over every position, so a pattern is found "
                          "wherever it is, with few weights. Recurrent layers (RNN, LSTM, GRU) read a sequence "
                          "step by step and carry a hidden state, their memory, from one step to the next. Drag "
                          "one onto the model, or double-click it; hover an entry for what it does.</p>")
        self._populate()
        # Double-click, not 'activated': some styles activate on a single click,
        # which would append a layer whenever a drag starts.
        self.itemDoubleClicked.connect(self._on_item_double_clicked)

    def layer_types(self) -> list[str]:
        return [self._type(item) for item in self._leaves()]

    def item_for(self, layer_type: str) -> QTreeWidgetItem:
        for item in self._leaves():
            if self._type(item) == layer_type:
                return item
        raise KeyError(layer_type)

    def append_layer(self, layer_type: str) -> None:
        """What a double-click on ``layer_type`` does."""
        self.item_for(layer_type)  # unknown types raise here, not later
        self.chosen.emit(layer_type)

    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:  # noqa: N802 - Qt override
        types = [self._type(item) for item in items if self._type(item)]
        mime = QMimeData()
        if types:
            mime.setData(LAYER_TYPE_MIME, QByteArray(types[0].encode()))
            mime.setText(types[0])
        return mime

    def startDrag(self, actions: Qt.DropAction) -> None:  # noqa: N802 - Qt override
        items = [item for item in self.selectedItems() if self._type(item)]
        if not items:
            return
        drag = QDrag(self)
        drag.setMimeData(self.mimeData(items))
        # Copy, never Move: the palette keeps its entries.
        drag.exec(Qt.DropAction.CopyAction)

    # --- internals ------------------------------------------------------------
    def _populate(self) -> None:
        from engine.layers import GROUPS, REGISTRY

        bold = QFont(self.font())
        bold.setBold(True)
        for group in GROUPS:
            header = QTreeWidgetItem(self, [group])
            header.setFont(0, bold)
            header.setFlags(Qt.ItemFlag.ItemIsEnabled)
            for kind in REGISTRY.values():
                if kind.group != group:
                    continue
                item = QTreeWidgetItem(header, [kind.type])
                item.setData(0, TYPE_ROLE, kind.type)
                item.setToolTip(0, f"<b>{kind.type}</b><br>{kind.help}")
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsDragEnabled)
        self.expandAll()

    def _leaves(self) -> list[QTreeWidgetItem]:
        root = self.invisibleRootItem()
        return [root.child(g).child(i) for g in range(root.childCount())
                for i in range(root.child(g).childCount())]

    @staticmethod
    def _type(item: QTreeWidgetItem) -> str:
        return item.data(0, TYPE_ROLE) or ""

    def _on_item_double_clicked(self, item: QTreeWidgetItem, column: int) -> None:
        if self._type(item):
            self.chosen.emit(self._type(item))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        item = self.currentItem()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and item is not None and self._type(item):
            self.chosen.emit(self._type(item))
            return
        super().keyPressEvent(event)
