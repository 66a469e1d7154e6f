"""The runs of a RunHistory as a table model: one row per run, a checkbox
(overlay its curves) with the run's overlay colour, an editable name, and
numbers that sort as numbers (SORT_ROLE), shown as a person reads them."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from gui.run_history import RunHistory, RunRecord

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
RECORD_ROLE = Qt.ItemDataRole.UserRole + 2
# (title, header tooltip)
COLUMNS = (
    ("Show", "Check to draw this run's loss and validation curves (dashed) over the live ones"),
    ("Name", "The run's name: double-click or F2 to rename"),
    ("Model", "Kind of network (CNN, GRU, LSTM, MLP, CNN+GRU…) and its layers with weights"),
    ("Data set", "The data set it trained on (hover for its options)"),
    ("Params", "Trainable parameters of the model"),
    ("Best val.", "Best validation metric of any epoch: highest accuracy, or lowest mean squared error"),
    ("s/epoch", "Mean wall time of one epoch, evaluation included (seconds)"),
    ("Samples/s", "Training speed: samples per second over the whole run"),
    ("Device", "Where it trained"),
    ("Outcome", "finished, stopped, diverged or failed (hover for the reason)"),
)
SHOW, NAME, MODEL, DATASET, PARAMS, BEST, EPOCH_SECONDS, SPEED, DEVICE, OUTCOME = range(len(COLUMNS))
ALARM = QColor("#960000")
SIZE_PARAMS = {"Conv1d": "out_channels", "Conv2d": "out_channels", "Linear": "out_features",
               "RNN": "hidden_size", "LSTM": "hidden_size", "GRU": "hidden_size",
               "Embedding": "embedding_dim"}


def model_text(record: RunRecord) -> tuple[str, str]:
    """("CNN: Conv2d 16, Conv2d 32, Linear 64, Linear", every layer one per line)."""
    from engine.comparison_table import model_kind

    layers = record.experiment.model.layers
    weighted = []
    for layer in layers:
        if layer.type in SIZE_PARAMS:
            size = layer.params.get(SIZE_PARAMS[layer.type])
            weighted.append(f"{layer.type} {size}" if size else layer.type)
    lines = [f"{i}. {layer.type}" + "".join(f", {k}={v}" for k, v in layer.params.items() if v is not None)
             for i, layer in enumerate(layers, start=1)]
    return f"{model_kind(record.experiment.model)}: {', '.join(weighted) or 'no weighted layers'}", "\n".join(lines)


def best_text(record: RunRecord) -> str:
    best = record.best_val_metric
    if best is None:
        return "—"
    return f"{best:.1%} acc." if record.metric == "accuracy" else f"{best:.4g} MSE"


class RunsModel(QAbstractTableModel):
    def __init__(self, history: RunHistory, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self._records: list[RunRecord] = list(history.records)
        history.added.connect(self._on_added)
        history.removed.connect(self._on_removed)
        history.renamed.connect(self._on_changed)
        history.overlay_changed.connect(self._on_changed)

    def record(self, row: int) -> RunRecord:
        return self._records[row]

    def rowCount(self, parent: Index | None = None) -> int:  # noqa: N802 - Qt override
        return 0 if parent is not None and parent.isValid() else len(self._records)

    def columnCount(self, parent: Index | None = None) -> int:  # noqa: N802 - Qt override
        return 0 if parent is not None and parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt override
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section][1]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == SHOW:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        elif index.column() == NAME:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        record, column = self._records[index.row()], index.column()
        if role == RECORD_ROLE:
            return record
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._text(record, column)
        if role == SORT_ROLE:
            return self._sort_key(record, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(record, column)
        if role == Qt.ItemDataRole.CheckStateRole and column == SHOW:
            return Qt.CheckState.Checked if record.overlaid else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DecorationRole and column == SHOW:
            from gui.run_overlays import run_colour

            return QColor(run_colour(record))
        if role == Qt.ItemDataRole.ForegroundRole and column == OUTCOME and record.outcome in ("failed", "diverged"):
            return ALARM
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (PARAMS, BEST, EPOCH_SECONDS, SPEED):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid():
            return False
        record = self._records[index.row()]
        if index.column() == SHOW and role == Qt.ItemDataRole.CheckStateRole:
            checked = Qt.CheckState(value) == Qt.CheckState.Checked
            self.history.set_overlaid(record, checked)
            return True
        if index.column() == NAME and role == Qt.ItemDataRole.EditRole:
            return self.history.rename(record, str(value))
        return False

    # --- cells ----------------------------------------------------------------
    @staticmethod
    def _text(record: RunRecord, column: int) -> str:
        if column == NAME:
            return record.name
        if column == MODEL:
            return model_text(record)[0]
        if column == DATASET:
            return record.experiment.dataset.name
        if column == PARAMS:
            return "—" if record.params is None else f"{record.params:,}"
        if column == BEST:
            return best_text(record)
        if column == EPOCH_SECONDS:
            seconds = record.seconds_per_epoch
            return "—" if seconds is None else f"{seconds:.2f}"
        if column == SPEED:
            speed = record.samples_per_second
            return "—" if not speed else f"{speed:,.0f}"
        if column == DEVICE:
            return record.device
        if column == OUTCOME:
            return record.outcome
        return ""

    @staticmethod
    def _sort_key(record: RunRecord, column: int) -> Any:
        numbers = {PARAMS: record.params, BEST: record.best_val_metric, EPOCH_SECONDS: record.seconds_per_epoch,
                   SPEED: record.samples_per_second, SHOW: record.id}
        if column not in numbers:
            return RunsModel._text(record, column).lower()
        return -math.inf if numbers[column] is None else float(numbers[column])

    @staticmethod
    def _tooltip(record: RunRecord, column: int) -> str | None:
        if column == MODEL:
            return model_text(record)[1]
        if column == DATASET:
            options = record.experiment.dataset.options
            return "\n".join(f"{k} = {v}" for k, v in options.items()) or record.experiment.dataset.name
        if column == OUTCOME:
            return record.message or None
        if column == BEST and record.epochs:
            return f"after {len(record.epochs)} epoch(s); last: {record.epochs[-1].val_metric:.4g}"
        if column == NAME:
            return f"{record.name} — from the experiment “{record.experiment.name}”"
        return None

    # --- history --------------------------------------------------------------
    def _on_added(self, record: RunRecord) -> None:
        row = len(self._records)
        self.beginInsertRows(QModelIndex(), row, row)
        self._records.append(record)
        self.endInsertRows()

    def _on_removed(self, record: RunRecord) -> None:
        if record not in self._records:
            return
        row = self._records.index(record)
        self.beginRemoveRows(QModelIndex(), row, row)
        self._records.pop(row)
        self.endRemoveRows()

    def _on_changed(self, record: RunRecord) -> None:
        if record in self._records:
            row = self._records.index(record)
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
