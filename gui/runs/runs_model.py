"""The runs of a RunHistory as a tree model: one row per run, or, for runs of
one experiment at several seeds (gui/runs/run_groups.py), one row for the group
with its runs as children. Each row has a checkbox (overlay its curves; a
group's mean and band) with its overlay colour, an editable name, and
numbers that sort as numbers (SORT_ROLE), shown as a person reads them; a
group shows the mean and range of its runs.

The tree is rebuilt (a model reset) when a run is added or removed, which
happens once per run; the table keeps its expanded groups and selection
across it."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from gui.common import palette as pal
from gui.runs.run_groups import RunGroup, grouped
from gui.runs.run_history import RunHistory, RunRecord

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
RECORD_ROLE = Qt.ItemDataRole.UserRole + 2
GROUP_ROLE = Qt.ItemDataRole.UserRole + 3
# (title, header tooltip)
COLUMNS = (
    ("Show", "Check to draw this run's loss and validation curves (dashed) over the live ones; for a group of "
             "seeds, their mean with a shaded band from the lowest to the highest seed"),
    ("Name", "The run's name: double-click or F2 to rename"),
    ("Model", "Kind of network (CNN, GRU, LSTM, MLP, CNN+GRU…) and its layers with weights"),
    ("Data set", "The data set it trained on (hover for its options)"),
    ("Params", "Trainable parameters of the model"),
    ("Best val.", "Best validation metric of any epoch: highest accuracy, or lowest mean squared error (a group: "
                  "the mean over its seeds, and their range)"),
    ("s/epoch", "Mean wall time of one epoch, evaluation included (seconds)"),
    ("Samples/s", "Training speed: samples per second over the whole run"),
    ("Device", "Where it trained"),
    ("Outcome", "finished, stopped, diverged or failed (hover for the reason)"),
)
SHOW, NAME, MODEL, DATASET, PARAMS, BEST, EPOCH_SECONDS, SPEED, DEVICE, OUTCOME = range(len(COLUMNS))
ALARM = QColor(pal.ERROR)


def model_text(record: RunRecord) -> tuple[str, str]:
    """("CNN: Conv2d 16, Conv2d 32, Linear 64, Linear", every layer one per line)."""
    from engine.comparison_table import model_kind
    from engine.layers import layer_kind

    layers = record.experiment.model.layers
    weighted = []
    for layer in layers:
        kind = layer_kind(layer.type)
        if kind is not None and kind.size_param is not None:
            size = layer.params.get(kind.size_param)
            weighted.append(f"{layer.type} {size}" if size else layer.type)
    lines = [f"{i}. {layer.type}" + "".join(f", {k}={v}" for k, v in layer.params.items() if v is not None)
             for i, layer in enumerate(layers, start=1)]
    return f"{model_kind(record.experiment.model)}: {', '.join(weighted) or 'no weighted layers'}", "\n".join(lines)


def best_text(record: RunRecord) -> str:
    best = record.best_val_metric
    if best is None:
        return "—"
    return f"{best:.1%} acc." if record.metric == "accuracy" else f"{best:.4g} MSE"


Entry = RunRecord | RunGroup


class RunsModel(QAbstractItemModel):
    def __init__(self, history: RunHistory, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self._entries: list[Entry] = []
        self._rebuild()
        history.added.connect(self._on_structure_changed)
        history.removed.connect(self._on_structure_changed)
        history.renamed.connect(self._on_changed)
        history.overlay_changed.connect(self._on_changed)
        history.group_overlay_changed.connect(self._on_group_changed)
        history.group_renamed.connect(self._on_group_changed)

    @property
    def entries(self) -> list[Entry]:
        return list(self._entries)

    def _rebuild(self) -> None:
        self._entries = []
        for key, records in grouped(self.history.records).items():
            if len(records) == 1:
                self._entries.append(records[0])
            else:
                self._entries.append(RunGroup(key, records, self.history.group_titles.get(key, ""),
                                              key in self.history.overlaid_groups))

    # --- the tree ---------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index | None = None) -> QModelIndex:
        if parent is None or not parent.isValid():
            return self.createIndex(row, column) if 0 <= row < len(self._entries) else QModelIndex()
        group = self._entries[parent.row()]
        if isinstance(group, RunGroup) and 0 <= row < len(group.records):
            return self.createIndex(row, column, group)
        return QModelIndex()

    def parent(self, index: Index | None = None) -> QModelIndex:  # type: ignore[override]
        if index is None or not index.isValid():
            return QModelIndex()
        group = index.internalPointer()
        if isinstance(group, RunGroup) and group in self._entries:
            return self.createIndex(self._entries.index(group), 0)
        return QModelIndex()

    def rowCount(self, parent: Index | None = None) -> int:  # noqa: N802 - Qt override
        if parent is None or not parent.isValid():
            return len(self._entries)
        if parent.internalPointer() is None:
            entry = self._entries[parent.row()]
            return len(entry.records) if isinstance(entry, RunGroup) else 0
        return 0

    def columnCount(self, parent: Index | None = None) -> int:  # noqa: N802 - Qt override
        return len(COLUMNS)

    def entry(self, index: Index) -> Entry | None:
        """The run or the group a row shows."""
        if not index.isValid():
            return None
        group = index.internalPointer()
        if isinstance(group, RunGroup):
            return group.records[index.row()]
        return self._entries[index.row()] if index.row() < len(self._entries) else None

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
        entry = self.entry(index)
        if entry is None:
            return None
        column = index.column()
        if role == RECORD_ROLE:
            return entry if isinstance(entry, RunRecord) else None
        if role == GROUP_ROLE:
            return entry if isinstance(entry, RunGroup) else None
        if isinstance(entry, RunGroup):
            return self._group_data(entry, column, role)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._text(entry, column)
        if role == SORT_ROLE:
            return self._sort_key(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(entry, column)
        if role == Qt.ItemDataRole.CheckStateRole and column == SHOW:
            return Qt.CheckState.Checked if entry.overlaid else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DecorationRole and column == SHOW:
            from gui.runs.run_overlays import run_colour

            return QColor(run_colour(entry))
        if role == Qt.ItemDataRole.ForegroundRole and column == OUTCOME and entry.outcome in ("failed", "diverged"):
            return ALARM
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (PARAMS, BEST, EPOCH_SECONDS, SPEED):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        entry = self.entry(index)
        if entry is None:
            return False
        if index.column() == SHOW and role == Qt.ItemDataRole.CheckStateRole:
            checked = Qt.CheckState(value) == Qt.CheckState.Checked
            if isinstance(entry, RunGroup):
                self.history.set_group_overlaid(entry.key, checked)
            else:
                self.history.set_overlaid(entry, checked)
            return True
        if index.column() == NAME and role == Qt.ItemDataRole.EditRole:
            if isinstance(entry, RunGroup):
                return self.history.rename_group(entry.key, str(value))
            return self.history.rename(entry, str(value))
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
            return (f"{record.name} — from the experiment “{record.experiment.name}”, seed "
                    f"{record.experiment.training.seed}")
        return None

    def _group_data(self, group: RunGroup, column: int, role: int) -> Any:
        first = group.records[0]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == NAME:
                return group.name
            if column == BEST:
                return group.best_text()
            if column == EPOCH_SECONDS:
                return "—" if group.seconds_per_epoch is None else f"{group.seconds_per_epoch:.2f}"
            if column == SPEED:
                return "—" if not group.samples_per_second else f"{group.samples_per_second:,.0f}"
            if column == OUTCOME:
                return group.outcome
            if column == DEVICE:
                return ", ".join(dict.fromkeys(r.device for r in group.records))
            return self._text(first, column)
        if role == SORT_ROLE:
            numbers = {PARAMS: group.params, BEST: group.best_mean, EPOCH_SECONDS: group.seconds_per_epoch,
                       SPEED: group.samples_per_second, SHOW: group.id}
            if column not in numbers:
                return str(self._group_data(group, column, Qt.ItemDataRole.DisplayRole)).lower()
            return -math.inf if numbers[column] is None else float(numbers[column])
        if role == Qt.ItemDataRole.ToolTipRole:
            if column in (NAME, BEST, OUTCOME):
                return (f"{len(group.records)} runs of “{first.experiment.name}” that differ only in their seed "
                        f"(expand for each):\n{group.per_seed_text()}")
            return self._tooltip(first, column)
        if role == Qt.ItemDataRole.CheckStateRole and column == SHOW:
            return Qt.CheckState.Checked if group.overlaid else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DecorationRole and column == SHOW:
            from gui.runs.run_overlays import group_colour

            return QColor(group_colour(group))
        if role == Qt.ItemDataRole.ForegroundRole and column == OUTCOME and group.bad:
            return ALARM
        if role == Qt.ItemDataRole.FontRole and column == NAME:
            from PySide6.QtGui import QFont

            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (PARAMS, BEST, EPOCH_SECONDS, SPEED):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    # --- history --------------------------------------------------------------
    def _on_structure_changed(self, record: RunRecord) -> None:
        self.beginResetModel()
        self._rebuild()
        self.endResetModel()

    def _on_changed(self, record: RunRecord) -> None:
        for row, entry in enumerate(self._entries):
            if entry is record:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
            elif isinstance(entry, RunGroup) and record in entry.records:
                parent = self.index(row, 0)
                child = entry.records.index(record)
                self.dataChanged.emit(self.index(child, 0, parent), self.index(child, len(COLUMNS) - 1, parent))

    def _on_group_changed(self, key: str) -> None:
        for row, entry in enumerate(self._entries):
            if isinstance(entry, RunGroup) and entry.key == key:
                entry.title = self.history.group_titles.get(key, "")
                entry.overlaid = key in self.history.overlaid_groups
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
