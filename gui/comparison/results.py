"""The end of a comparison run: the comparison table (the columns of
``engine.comparison_table.format_table``, the command line's), the lines
under it (dependency, baseline, experiments without a result and why), and
the verdict in large, plain type."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.common.style import subdued

HEADER_TIPS = {
    "params": "Trainable parameters",
    "s/epoch": "Seconds per epoch, evaluation included (mean over the seeds); 'in turn' when each run had the "
               "processor to itself, 'N at once' when runs shared it and the times do not compare",
    "samples/s": "Training samples per second (mean over the seeds); see s/epoch for in turn or at once",
    "sees": "How much of the input one output can see: its receptive field, or all of it where a "
            "recurrent or dense layer mixes every position",
    "data options": "The data set options that differ between the experiments",
}
NUMERIC_COLUMNS = {2, 3, 4, 5, 6}  # params, epochs, s/epoch, samples/s, the metric
METRIC_COLUMN = 6


def table_cells(result: object) -> tuple[list[str], list[list[str]]]:
    """Heading and cells, formatted as the command line's table formats them."""
    from engine.comparison_table import table_cells as cells

    return cells(result)


def notes(result: object | None) -> list[str]:
    """The dependency and baseline lines printed under the command line's table."""
    from engine.comparison_table import table_notes

    if result is None:
        return []
    return [f"{line[0].upper()}{line[1:]}." for line in table_notes(result)]


def swatch(colour: str) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


class ComparisonResults(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, 0)
        self.table.setToolTip("One row per experiment; hover a column heading for what it measures")
        self.table.setWhatsThis("<b>Results</b><p>Each experiment's size (parameters), speed and final "
                                "scores on the validation data. A better score with fewer parameters is the "
                                "kind of difference the comparison is there to show.</p>")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.notes_label = QLabel()
        self.notes_label.setWordWrap(True)
        self.notes_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        subdued(self.notes_label)
        self.verdict_label = QLabel()
        self.verdict_label.setWordWrap(True)
        self.verdict_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont(self.verdict_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.45)
        font.setBold(True)
        self.verdict_label.setFont(font)
        self.verdict_label.setAccessibleName("Verdict")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addWidget(self.notes_label)
        layout.addWidget(self.verdict_label)
        self.clear()

    def clear(self) -> None:
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self.table.hide()
        self.notes_label.clear()
        self.notes_label.hide()
        self.verdict_label.clear()
        self.verdict_label.hide()

    @property
    def verdict(self) -> str:
        return self.verdict_label.text()

    def show_result(self, result: object | None, colours: dict[str, str], missing: list[str]) -> None:
        """``missing``: one line per experiment without a result ("GRU: failed: …");
        ``colours``: label → curve colour, so a row matches its curves. The
        notes say how many seeds and whether the runs shared the processor."""
        lines = list(notes(result))
        lines += [f"Not in the table — {line}" for line in missing]
        if result is None:
            self.table.hide()
            verdict = "No result: no experiment finished an epoch."
        else:
            self._fill(result, colours)
            verdict = result.verdict
        self.notes_label.setText("\n".join(lines))
        self.notes_label.setVisible(bool(lines))
        self.verdict_label.setText(verdict)
        self.verdict_label.show()

    def _fill(self, result: object, colours: dict[str, str]) -> None:
        head, rows = table_cells(result)
        self.table.clear()
        self.table.setColumnCount(len(head))
        self.table.setRowCount(len(rows))
        for col, name in enumerate(head):
            item = QTableWidgetItem(name)
            tip = HEADER_TIPS.get(name.split(" (")[0])
            if col == METRIC_COLUMN:
                tip = "The final validation metric: the mean over the seeds and, in brackets, the lowest and " \
                      "highest seed (hover a cell for every seed)"
            if tip:
                item.setToolTip(tip)
            self.table.setHorizontalHeaderItem(col, item)
        from engine.comparison_table import seed_values

        for row, cells in enumerate(rows):
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col in NUMERIC_COLUMNS:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if col == METRIC_COLUMN:  # every seed's value behind the mean and range
                    item.setToolTip(seed_values(result.rows[row]))
                if col == 0 and text in colours:
                    item.setIcon(swatch(colours[text]))
                self.table.setItem(row, col, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.show()
