"""Edit ▸ Name and Description…: what the experiment is called and what it
is for. The name is the window title, the file name Save As suggests, the
Runs tab's run names and the exported class's name; the description is saved
in the file and heads the exported source. OK is one undoable edit."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QPlainTextEdit, QWidget

from gui.common.palette import ERROR_STYLE

MAX_NAME = 200  # engine/experiment_file.py's limits, so that what is typed can be saved
MAX_DESCRIPTION = 10_000


class NameDialog(QDialog):
    def __init__(self, document: object, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.setWindowTitle("Name and description")
        experiment = document.experiment
        self.name_edit = QLineEdit(experiment.name)
        self.name_edit.setMaxLength(MAX_NAME)
        self.name_edit.setToolTip("The window title, Save As's file name, the runs' names, the exported class")
        self.description_edit = QPlainTextEdit(experiment.description)
        self.description_edit.setToolTip("What the experiment shows; saved in the file, it heads the exported source")
        self.problem = QLabel("")
        self.problem.setStyleSheet(ERROR_STYLE)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("&Name", self.name_edit)
        form.addRow("&Description", self.description_edit)
        form.addRow(self.problem)
        form.addRow(self.buttons)
        self.name_edit.textChanged.connect(self._check)
        self.description_edit.textChanged.connect(self._check)
        self.resize(520, 300)
        self._check()

    def _problem(self) -> str:
        if not self.name_edit.text().strip():
            return "An experiment needs a name."
        if len(self.description_edit.toPlainText()) > MAX_DESCRIPTION:
            return f"The description is longer than {MAX_DESCRIPTION:,} characters."
        return ""

    def _check(self) -> None:
        problem = self._problem()
        self.problem.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def accept(self) -> None:
        if self._problem():
            return
        experiment = self.document.experiment
        name, description = self.name_edit.text().strip(), self.description_edit.toPlainText()
        if (name, description) != (experiment.name, experiment.description):
            self.document.set(replace(experiment, name=name, description=description),
                              f"Rename experiment to “{name}”" if name != experiment.name else "Edit description")
        super().accept()
