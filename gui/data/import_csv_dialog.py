"""Import ▸ CSV sequences…: pick a CSV file, see its first rows, choose the
layout, columns and target, and see the sequences the network will get.

Every change is checked at once (the engine's own validation and reading),
and the problem is shown in one line; OK stays disabled until the file reads
cleanly. OK sets the data set as one undoable step; Cancel, or closing the
dialog, changes nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.spec import DatasetSpec
from gui.common.palette import ERROR_STYLE
from gui.common.style import subdued
from gui.document.document import Document
from gui.widgets import EnterApplies, ParamForm

PREVIEW_ROWS = 20
PREVIEW_SEQUENCES = 8
NAME = "csv_sequences"


class ImportCsvDialog(QDialog):
    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        from engine.datasets import DATASETS

        super().__init__(parent)
        self.setWindowTitle("Import CSV sequences")
        self.document = document
        self.kind = DATASETS[NAME]
        current = document.experiment.dataset
        self._options: dict[str, Any] = dict(current.options) if current.name == NAME else \
            {p.name: p.default for p in self.kind.params}
        self._spec: DatasetSpec | None = None
        self.error: str | None = None

        self.path_edit = QLineEdit(self._options["path"])
        self.path_edit.setPlaceholderText("a CSV file: one row per sequence, or id/time/value rows")
        self.path_edit.setToolTip("The CSV file to import (UTF-8)")
        self.path_edit.editingFinished.connect(lambda: self.set_path(self.path_edit.text()))
        EnterApplies(self.path_edit, lambda: self.set_path(self.path_edit.text()))  # Enter: the preview, not OK
        browse = QPushButton("Browse…")
        browse.setToolTip("Choose the CSV file")
        browse.clicked.connect(self._on_browse_clicked)
        file_row = QHBoxLayout()
        file_row.addWidget(QLabel("File"))
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(browse)

        self.table = QTableWidget()
        self.table.setToolTip(f"The file's first {PREVIEW_ROWS} rows, as read")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.form = ParamForm(tuple(p for p in self.kind.params if p.name != "path"), self._options)
        self.form.edited.connect(self.set_option)
        options_box = QGroupBox("How to read it")
        QVBoxLayout(options_box).addWidget(self.form)

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.plot = pg.PlotWidget()
        self.plot.setToolTip("The first sequences (first feature) as the network will get them")
        self.plot.setLabel("bottom", "time step")
        self.plot.setLabel("left", "value")
        self.plot.setMinimumHeight(160)
        # Created once, fed with setData (empty ones are hidden).
        self.lines = [self.plot.plot(pen=pg.mkPen(pg.intColor(k, PREVIEW_SEQUENCES), width=1))
                      for k in range(PREVIEW_SEQUENCES)]
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(self.table, 3)
        top.addWidget(options_box, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(file_row)
        layout.addLayout(top, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.plot, 1)
        hint = subdued(QLabel("The experiment stores the file's place relative to the experiment file "
                              "when it sits beside or below it."))
        hint.setWordWrap(True)
        layout.addWidget(hint)
        layout.addWidget(self.buttons)
        self.resize(900, 640)
        self._refresh(read_rows=True)

    # --- what a user's actions map to ------------------------------------------
    def set_path(self, path: str) -> None:
        if path == self._options["path"] and self._spec is not None:
            return
        self.path_edit.setText(path)
        self._options["path"] = path
        self._guess_columns()
        self._refresh(read_rows=True)

    def set_option(self, name: str, value: Any) -> None:
        self._options[name] = value
        self.form.set_values({name: value})
        self._refresh(read_rows=name in ("header", "delimiter"))

    def spec(self) -> DatasetSpec | None:
        """The data set OK would set, or None while there is a problem."""
        return self._spec

    def accept(self) -> None:
        if self._spec is None:
            return  # OK is disabled; a stray Enter must not import a broken file
        self.document.set(self.document.experiment.with_dataset(self._spec), "Import CSV sequences")
        super().accept()

    # --- internals ------------------------------------------------------------
    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import CSV sequences", self._options["path"],
                                              "CSV files (*.csv *.tsv *.txt);;All files (*)")
        if path:
            self.set_path(path)

    def _guess_columns(self) -> None:
        """Sensible choices for a newly picked file: long layout when there is an
        id column, the label column by its usual names. The user can change them."""
        from engine.datasets import csv_sequences
        from engine.errors import PlaygroundError

        try:
            table = csv_sequences.read_table(self._options["path"], self._options["header"],
                                             self._options["delimiter"], PREVIEW_ROWS)
        except PlaygroundError:
            return
        columns = {c.lower(): c for c in table.columns}
        guess: dict[str, Any] = {}
        if "id" in columns:
            guess["layout"] = "long"
            guess["id_column"] = columns["id"]
            guess["time_column"] = columns.get("time", columns.get("t", ""))
            used = {guess["id_column"], guess["time_column"]}
            label = next((columns[n] for n in ("label", "class", "target") if n in columns), "")
            values = [c for c in table.columns if c not in used | {label}]
            guess["value_columns"] = ",".join(values[:1]) or "value"
        else:
            guess["layout"] = "wide"
            label = next((columns[n] for n in ("label", "class", "target") if n in columns), "")
        guess["label_column"] = label
        guess["target"] = "class" if label else "next_value"
        self._options.update(guess)
        self.form.set_values(guess)

    def _refresh(self, read_rows: bool) -> None:
        from engine.datasets import csv_sequences, describe, validate_dataset
        from engine.errors import PlaygroundError
        from engine.shapes import describe_sample

        if read_rows:
            self._show_rows(csv_sequences)
        self._enable_fields()
        self._spec, self.error = None, None
        prepared = None
        try:
            if not self._options["path"]:
                raise PlaygroundError("no file chosen: choose a CSV file with Browse…")
            spec = validate_dataset({"name": NAME, "options": self._options})
            info = describe(spec)
            prepared = csv_sequences.prepare(spec.options)
            self._spec = spec
            extra = f" · {len(prepared.x):,} samples"
            self.status.setText(describe_sample(info) + extra)
            self.status.setStyleSheet("")
        except PlaygroundError as exc:
            self.error = str(exc)
            self.status.setText(f"⚠ {exc}")
            self.status.setStyleSheet(ERROR_STYLE)
        self._show_sequences(prepared)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self._spec is not None)

    def _enable_fields(self) -> None:
        """Grey out what the chosen layout and target do not use."""
        long, forecast = self._options["layout"] == "long", self._options["target"] == "next_value"
        for name in ("id_column", "time_column", "value_columns"):
            self.form.set_field_enabled(name, long)
        self.form.set_field_enabled("window", forecast)
        self.form.set_field_enabled("ragged", not forecast)
        # Wide files: a label column is skipped even when forecasting, so it stays editable.
        self.form.set_field_enabled("label_column", not (forecast and long))

    def _show_rows(self, csv_sequences: Any) -> None:
        from engine.errors import PlaygroundError

        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        if not self._options["path"]:
            return
        try:
            table = csv_sequences.read_table(self._options["path"], self._options["header"],
                                             self._options["delimiter"], PREVIEW_ROWS)
        except PlaygroundError:
            return  # the status line says why
        width = max(len(table.columns), max(len(r) for r in table.rows))
        self.table.setColumnCount(width)
        self.table.setRowCount(len(table.rows))
        self.table.setHorizontalHeaderLabels([*table.columns, *(str(j + 1) for j in range(len(table.columns),
                                                                                             width))])
        self.table.setVerticalHeaderLabels([str(n) for n in table.row_numbers])
        for i, row in enumerate(table.rows):
            for j, cell in enumerate(row):
                self.table.setItem(i, j, QTableWidgetItem(cell))

    def _show_sequences(self, prepared: Any) -> None:
        shown = 0
        if prepared is not None:
            # Forecasting windows overlap; show one window per sequence when possible.
            first = {}
            for k, name in enumerate(prepared.names):
                first.setdefault(name, k)
            picks = list(first.values())[:PREVIEW_SEQUENCES]
            for line, k in zip(self.lines, picks, strict=False):
                y = prepared.x[k, :, 0]
                line.setData(np.arange(len(y)), y)
                line.show()
            shown = len(picks)
        for line in self.lines[shown:]:
            line.setData([], [])
            line.hide()
