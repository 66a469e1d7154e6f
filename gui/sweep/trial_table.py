"""The sweep's trials, one row each: experiment, each axis value, seed, the
metric, epochs, seconds and status (done / running / waiting / failed /
diverged). Click a header to sort; numbers sort as numbers (the sort role
holds the value, the display its text), and a sort survives updates.
Double-click a finished row to open that trial in the main window.

The model reads gui/sweep/sweep_results.SweepResults; ``refresh`` repaints
every row at once (the window calls it on its throttled timer, not per event).
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from gui.common import palette as pal
from gui.sweep.sweep_results import DIVERGED, FAILED, RUNNING

SORT_ROLE = Qt.ItemDataRole.UserRole + 1


class TrialModel(QAbstractTableModel):
    def __init__(self, results, parent=None) -> None:
        super().__init__(parent)
        self.results = results
        axes = results.sweep.axes
        self.heads = ["experiment", *(a.title for a in axes), "seed", results.metric, "epochs", "seconds", "status"]
        self._n_axes = len(axes)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self.results.trials)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self.heads)

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802 - Qt API
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.heads[section]
        return None

    def value(self, row: int, column: int) -> Any:
        """The cell's value (a number where it is one; None when empty)."""
        t = self.results.trials[row]
        n = self._n_axes
        if column == 0:
            return t.label
        if column <= n:
            return t.values[column - 1]
        k = column - n - 1
        return (t.seed, self.results.number(t.index), self.results.epochs(t.index), self.results.seconds(t.index),
                self.results.status(t.index))[k]

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        value = self.value(index.row(), index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            if 1 <= index.column() <= self._n_axes:  # an axis value as the sweep file writes it
                return _axis_text(value)
            return _text(value, self.heads[index.column()])
        if role == SORT_ROLE:
            if isinstance(value, bool) or value is None:
                return json.dumps(value)
            return value if isinstance(value, int | float) else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, int | float) and not isinstance(value, bool):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == len(self.heads) - 1:
            if value in (FAILED, DIVERGED):
                return QBrush(QColor(pal.ERROR))
            if value == RUNNING:
                return QBrush(QColor(pal.BLUE))
        if role == Qt.ItemDataRole.ToolTipRole:
            t = self.results.trials[index.row()]
            message = self.results.failed.get(t.index)
            return t.describe(self.results.sweep.axes) + (f"\n{message}" if message else "")
        return None

    def refresh(self) -> None:
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))


def _axis_text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return value if isinstance(value, str) else json.dumps(value)


def _text(value: Any, head: str) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}" if head in ("seconds",) else f"{value:.4f}" if abs(value) < 1000 else f"{value:,.0f}"
    return value if isinstance(value, str) else json.dumps(value)


class TrialTable(QTableView):
    trial_activated = Signal(int)  # the trial's index in the sweep

    def __init__(self, results, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model_ = TrialModel(results, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model_)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setDynamicSortFilter(True)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the sweep's own order until a header is clicked
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setStretchLastSection(True)
        self.setToolTip("Every trial of the sweep. Click a header to sort; double-click (or Enter on) a finished "
                        "trial to open it, with its trained weights, in the main window")
        self.setAccessibleName("Trials")
        self.doubleClicked.connect(self._on_activated)  # not ``activated``: a single click on some desktops
        self.resizeColumnsToContents()

    def refresh(self) -> None:
        self.model_.refresh()

    def column_values(self, column: int) -> list[Any]:
        """The values of ``column`` in the order shown (for tests and the CSV)."""
        return [self.model_.value(self.proxy.mapToSource(self.proxy.index(r, column)).row(), column)
                for r in range(self.proxy.rowCount())]

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._on_activated(self.currentIndex())
            return
        super().keyPressEvent(event)

    def _on_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            row = self.proxy.mapToSource(index).row()
            self.trial_activated.emit(self.model_.results.trials[row].index)
