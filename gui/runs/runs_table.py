"""The "Runs" dock: every run of the session in a sortable table, with a
checkbox per run that overlays its curves on the live plots, and commands
to rename (F2), delete (Del, after asking), export the metrics CSV, and
show the run's experiment in the editor (an undoable edit). Runs of one
experiment at several seeds form one row (expand it for each run) whose
checkbox draws their mean with a min–max band."""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, QPoint, QSortFilterProxyModel, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from gui.common.style import subdued
from gui.runs.run_groups import RunGroup
from gui.runs.run_history import RunHistory, RunRecord, RunRecorder
from gui.runs.run_overlays import RunOverlays
from gui.runs.runs_model import GROUP_ROLE, NAME, RECORD_ROLE, SORT_ROLE, RunsModel

HINT = ("Every run of this session is kept here; runs that differ only in their seed form one row (expand it). "
        "Check a run to draw its curves (dashed) over the live ones, a group for their mean and range; "
        "right-click for Rename (F2), Delete (Del), Export metrics CSV and Show experiment.")


class RunsTable(QWidget):
    def __init__(self, history: RunHistory, show_message: Callable[..., None] | None = None,
                 document_of: Callable[[], object | None] = lambda: None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self.show_message = show_message
        self.document_of = document_of  # the window's gui.document.document.Document (None until the engine has loaded)
        self.model = RunsModel(history, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.view = QTreeView()
        self.view.setToolTip("Every run of this session: check one to draw its curves over the live ones")
        self.view.setWhatsThis("<b>Runs</b><p>Each run you trained, with its model, data, parameters, time and "
                               "final scores. Check runs to overlay their curves (dashed) and compare, say, a "
                               "CNN and a GRU on the same data. F2 renames, Del deletes, right-click exports a "
                               "run's metrics or puts its experiment back in the editor.</p>")
        self.setWhatsThis(self.view.whatsThis())  # the whole dock, not only the table
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # in the order they ran
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.view.setRootIsDecorated(True)  # the arrow that opens a group of seeds
        self.view.setUniformRowHeights(True)
        self.view.setWordWrap(False)
        self.view.setAlternatingRowColors(True)
        header = self.view.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setMaximumSectionSize(180)  # the model column is elided; its tooltip lists every layer
        header.setStretchLastSection(True)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._on_context_menu)
        self.view.installEventFilter(self)

        self.rename_action = self._action("&Rename", "F2", "Rename the run", self.rename_current)
        self.delete_action = self._action("&Delete…", "Del", "Forget the selected runs (asks first)",
                                          self.delete_selected)
        self.export_action = self._action("&Export metrics CSV…", None,
                                          "Write the run's per-epoch metrics as CSV (the columns of --metrics-out)",
                                          self.export_current)
        self.show_action = self._action("&Show experiment", None,
                                        "Put this run's experiment in the editor (undoable)", self.show_experiment)
        self.view.selectionModel().selectionChanged.connect(self._update_actions)
        # The tree is rebuilt when a run comes or goes: keep open groups and the selection.
        self._expanded: set[str] = set()
        self._kept: list[object] = []
        self.view.expanded.connect(lambda index: self._expanded.add(self._group_key(index)))
        self.view.collapsed.connect(lambda index: self._expanded.discard(self._group_key(index)))
        self.model.modelAboutToBeReset.connect(self._keep_view_state)
        self.model.modelReset.connect(self._restore_view_state)

        hint = QLabel(HINT)
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view, 1)
        layout.addWidget(subdued(hint))
        self._update_actions()

    # --- what the commands do -------------------------------------------------
    def selected_entries(self) -> list[RunRecord | RunGroup]:
        """The selected rows' runs and groups, top to bottom."""
        rows = self.view.selectionModel().selectedRows()
        return [self._entry(index) for index in sorted(rows, key=self._position)]

    def selected_records(self) -> list[RunRecord]:
        """The selected runs; a selected group stands for all its runs."""
        out: list[RunRecord] = []
        for entry in self.selected_entries():
            for record in entry.records if isinstance(entry, RunGroup) else [entry]:
                if record not in out:
                    out.append(record)
        return out

    def current_entry(self) -> RunRecord | RunGroup | None:
        index = self.view.currentIndex()
        if index.isValid() and self.view.selectionModel().isRowSelected(index.row(), index.parent()):
            return self._entry(index)
        selected = self.selected_entries()
        return selected[0] if selected else None

    def current_record(self) -> RunRecord | None:
        """The current run (a group's first run when the group is current)."""
        entry = self.current_entry()
        return entry.records[0] if isinstance(entry, RunGroup) else entry

    def select(self, entry: RunRecord | RunGroup) -> None:
        """Make the row of a run (opening its group) or of a group the current, only selected one."""
        index = self._index_of(entry)
        if index is None:
            return
        if index.parent().isValid():
            self.view.expand(index.parent().siblingAtColumn(0))
        flags = QItemSelectionModel.SelectionFlag
        self.view.selectionModel().setCurrentIndex(index, flags.ClearAndSelect | flags.Rows)  # F2 edits the name

    def group_of(self, record: RunRecord) -> RunGroup | None:
        """The group row ``record`` is in, if any."""
        return next((e for e in self.model.entries if isinstance(e, RunGroup) and record in e.records), None)

    def rename_current(self) -> None:
        entry = self.current_entry()
        if entry is not None:
            self.select(entry)
            self.view.edit(self.view.currentIndex())

    def delete_selected(self) -> None:
        records = self.selected_records()
        if not records:
            return
        names = ", ".join(f"“{r.name}”" for r in records[:3]) + (" …" if len(records) > 3 else "")
        text = (f"Delete {names}? Its numbers, curves and weights are forgotten (files already exported stay)."
                if len(records) == 1 else
                f"Delete {len(records)} runs ({names})? Their numbers, curves and weights are forgotten.")
        answer = QMessageBox.question(self, "Delete runs", text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                      QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Yes:
            for record in records:
                self.history.remove(record)

    def export_current(self) -> None:
        """The run's metrics CSV; for a group, one CSV per run (``name.seed<S>.csv``)."""
        entry = self.current_entry()
        if entry is None:
            return
        suggested = re.sub(r"[^\w.-]+", "_", entry.name).strip("_") + ".csv"
        path, _ = QFileDialog.getSaveFileName(self, "Export metrics", suggested, "CSV files (*.csv)")
        if not path:
            return
        records = entry.records if isinstance(entry, RunGroup) else [entry]
        try:
            for record in records:
                target = path
                if isinstance(entry, RunGroup):
                    from engine.cli import seed_name

                    target = seed_name(path, record.experiment.training.seed)
                self.history.export_metrics(record, target)
        except OSError as exc:
            self._tell("Could not export the metrics", f"{path}: {exc.strerror or exc}")

    def show_experiment(self) -> None:
        record, document = self.current_record(), self.document_of()
        if record is not None and document is not None:
            document.set(record.experiment, f"Show the experiment of run “{record.name}”")

    # --- internals ------------------------------------------------------------
    def _action(self, text: str, keys: str | None, tip: str, slot: Callable[[], None]) -> QAction:
        action = QAction(text, self)
        if keys:
            # Shown in the menu; the keys themselves are handled in eventFilter,
            # because the window's Delete (remove a layer) would otherwise win.
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def _update_actions(self, *args: object) -> None:
        any_selected = bool(self.view.selectionModel().selectedRows())
        for action in (self.rename_action, self.delete_action, self.export_action):
            action.setEnabled(any_selected)
        self.show_action.setEnabled(any_selected and self.document_of() is not None)

    def _on_context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if index.isValid() and not self.view.selectionModel().isRowSelected(index.row(), index.parent()):
            self.view.selectionModel().select(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                              | QItemSelectionModel.SelectionFlag.Rows)
        self._update_actions()
        menu = QMenu(self)
        menu.addActions([self.rename_action, self.export_action, self.show_action])
        menu.addSeparator()
        menu.addAction(self.delete_action)
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.view and event.type() in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            key = event.key()
            if key in (Qt.Key.Key_Delete, Qt.Key.Key_F2) and event.modifiers() == Qt.KeyboardModifier.NoModifier:
                event.accept()  # ShortcutOverride accepted: the key comes here, not to a window shortcut
                if event.type() == QEvent.Type.KeyPress:
                    (self.delete_selected if key == Qt.Key.Key_Delete else self.rename_current)()
                return True
        return super().eventFilter(watched, event)

    def _entry(self, index: object) -> RunRecord | RunGroup:
        return self.proxy.data(index, RECORD_ROLE) or self.proxy.data(index, GROUP_ROLE)

    def _position(self, index: object) -> tuple[int, int]:
        parent = index.parent()
        return (parent.row(), index.row()) if parent.isValid() else (index.row(), -1)

    def _group_key(self, index: object) -> str:
        group = self.proxy.data(index, GROUP_ROLE)
        return group.key if group is not None else ""

    def _index_of(self, entry: RunRecord | RunGroup) -> object | None:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, NAME)
            if self._entry(index) is entry:
                return index
            for child_row in range(self.proxy.rowCount(index)):
                child = self.proxy.index(child_row, NAME, index)
                if self._entry(child) is entry:
                    return child
        key = getattr(entry, "key", None)  # a group rebuilt since: the same key
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, NAME)
            if key is not None and self._group_key(index) == key:
                return index
        return None

    def _keep_view_state(self) -> None:
        self._kept = [e.key if isinstance(e, RunGroup) else e for e in self.selected_entries()]

    def _restore_view_state(self) -> None:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if self._group_key(index) in self._expanded:
                self.view.expand(index)  # its `expanded` signal keeps the key
        flags = QItemSelectionModel.SelectionFlag
        for kept in self._kept:
            index = self._index_of(kept) if not isinstance(kept, str) else self._index_of(RunGroup(kept))
            if index is not None:
                self.view.selectionModel().select(index, flags.Select | flags.Rows)
        self._update_actions()

    def _tell(self, title: str, text: str) -> None:
        if self.show_message is not None:
            self.show_message(title, text, QMessageBox.Icon.Warning)
        else:
            QMessageBox.warning(self, title, text)


def install_runs(parent: QObject, runner: QObject, document: Callable[[], object | None],
                 show_message: Callable[[str, str, QMessageBox.Icon], None], curves: object
                 ) -> tuple[RunHistory, RunsTable]:
    """Keep every run of ``runner``, list them in a table (for the window's
    "runs" dock) and overlay the checked ones on ``curves``."""
    history = RunHistory(parent)
    RunRecorder(runner, history)
    table = RunsTable(history, show_message, document)
    RunOverlays(curves, history)
    return history, table
