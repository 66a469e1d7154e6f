"""The results of the tests on the trained model: one row per test (the shift
test gives one per distance) with its claim, the validation metric before
and after the change, and what it means in plain words — or, where the model
cannot take the changed input, the refusal as a readable sentence.

A non-modal window: results of several tests accumulate, so a learner can
run the shift test and the pixel permutation and read them side by side.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.common import palette as pal

COLUMNS = ("Model", "Test", "Claim", "Before", "After", "What it means")
# For learners: what each test asks and what to expect (tooltips on the menu and the table).
EXPLANATIONS = {
    "shift": ("C3 — does the model find a pattern wherever it is? Every validation image is moved a few "
              "pixels sideways and measured again. A CNN that ends in global pooling keeps most of its "
              "accuracy; an MLP, or a CNN ending in Flatten + Linear, learned positions and drops."),
    "permute_pixels": ("C10 — does the order of the pixels matter? Every validation image is scrambled by "
                       "one fixed permutation. A CNN relies on neighbouring pixels being neighbours and "
                       "falls towards chance; so does any model trained on ordered pixels."),
    "shuffle_steps": ("C10 — does the order of the time steps matter? Every validation sequence is "
                      "reordered by one fixed permutation. An RNN on a task that depends on order falls "
                      "towards chance; a model that only counts or averages hardly notices."),
    "new_size": ("C6 — can the trained model take inputs of another size or length? A CNN ending in "
                 "Flatten + Linear cannot (its Linear layer has a fixed number of inputs): you see why "
                 "in words. Global pooling, a fully convolutional net or an RNN takes any size."),
}
REFUSED_COLOUR = QColor(pal.REFUSED)


def metric_text(metric: str, value: float | None) -> str:
    if value is None:
        return "refused"
    return f"accuracy {value:.1%}" if metric == "accuracy" else f"MSE {value:.4g}"


class ModelTestPanel(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Tests on the trained model")
        self.setModal(False)
        self.resize(920, 480)
        intro = QLabel("Each test changes the validation data in one way and measures the trained model "
                       "again: the metric before and after says what the model relies on.")
        intro.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: the engine reports no fraction
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        status_row = QHBoxLayout()
        status_row.addWidget(self.progress)
        status_row.addWidget(self.status, 1)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setToolTip("Accuracy before and after each change to the data; hover a row for what it tests")
        self.table.setWhatsThis("<b>Test results</b><p>Each test changes the validation data in one way "
                                "(shifts it, scrambles its order, resizes it) and scores the trained model "
                                "before and after. A CNN that still scores well on shifted images has found "
                                "the pattern wherever it is; an RNN that fails on shuffled steps relied on "
                                "their order.</p>")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Remove every result from the table")
        buttons.addButton(self.clear_button, QDialogButtonBox.ButtonRole.ResetRole)
        self.clear_button.clicked.connect(self.clear)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(status_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    def show_running(self, titles: list[str]) -> None:
        self.progress.show()
        self.status.setText(f"Running: {', '.join(titles)}… (on a copy of the trained model; training "
                            "and the window carry on)")
        self.show()
        self.raise_()

    def show_results(self, results: list, model: str = "") -> None:
        """Append one row per engine.model_tests.ModelTestResult; ``model`` says
        whose they are (results of several models accumulate here)."""
        self.progress.hide()
        self.status.setText(f"{len(results)} result{'s' if len(results) != 1 else ''} added.")
        for result in results:
            self._add_row(result, model)
        self.table.resizeRowsToContents()
        self.table.scrollToBottom()

    def show_failure(self, text: str) -> None:
        self.progress.hide()
        self.status.setText(f"The test could not run: {text}")

    def clear(self) -> None:
        self.table.setRowCount(0)
        self.status.setText("")

    def rows(self) -> list[tuple[str, ...]]:
        """The table's text, row by row (for tests and copying)."""
        return [tuple(self.table.item(r, c).text() for c in range(len(COLUMNS)))
                for r in range(self.table.rowCount())]

    def _add_row(self, result, model: str) -> None:
        explanation = EXPLANATIONS.get(result.action, "")
        cells = (model, result.name, result.claim, metric_text(result.metric, result.before),
                 metric_text(result.metric, result.after), result.note)
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setToolTip(result.note if column == len(COLUMNS) - 1 else explanation)
            if column in (3, 4):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if result.after is None and column in (4, 5):
                item.setForeground(QBrush(REFUSED_COLOUR))
            self.table.setItem(row, column, item)
