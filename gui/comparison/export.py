"""Export from the comparison window: either plot as a PNG or SVG picture,
and the comparison table (with its verdict) as CSV — what a learner takes
into a report or a slide."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QToolButton, QWidget

PICTURES = "PNG image (*.png);;SVG drawing (*.svg)"


def write_table_csv(result: object, path: str | Path) -> Path:
    """The comparison table with plain numbers (a spreadsheet reads 4868, not
    the window's "4,868" as text), the verdict, then one row per experiment
    and seed with the numbers behind the means. Written atomically: a full
    disk raises OSError and leaves the old file."""
    from engine.experiment_file import write_atomic

    def number(value: float | None, spec: str = ".6g") -> str:
        return "" if value is None else format(value, spec)

    show_options = any(r.data_options for r in result.rows)
    text = io.StringIO()
    writer = csv.writer(text)
    options = ["data options"] if show_options else []
    writer.writerow(["experiment", "model", "params", "epochs", "seconds_per_epoch", "samples_per_second",
                     f"{result.metric} mean", "min", "max", "status", "sees", *options])
    for r in result.rows:
        writer.writerow([r.label, r.model, r.params, r.epochs, number(r.seconds_per_epoch, ".4g"),
                         number(r.samples_per_second, ".1f"), number(r.value), number(r.low), number(r.high),
                         r.status, r.reach.describe() if r.reach else "", *([r.data_options] if show_options else [])])
    writer.writerow([])
    writer.writerow(["verdict", result.verdict])
    writer.writerow([])
    writer.writerow(["experiment", "seed", result.metric, "mean", "min", "max"])
    for row in result.rows:
        for seed, value in zip(row.seeds, row.values, strict=True):
            writer.writerow([row.label, seed, "diverged" if value is None else f"{value:.6g}",
                             *(number(v) for v in (row.value, row.low, row.high))])
    write_atomic(path, text.getvalue())
    return Path(path)


class ComparisonExport:
    """The window's "Export" button and its menu."""

    def __init__(self, panel: QWidget) -> None:
        self.panel = panel
        self.button = QToolButton(panel)
        self.button.setText("Export")
        self.button.setToolTip("Save either plot as a picture, or the comparison table as CSV")
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.button)
        self.loss_action = menu.addAction("Loss Plot…", lambda: self.export_plot("loss"))
        self.metric_action = menu.addAction("Validation Plot…", lambda: self.export_plot("metric"))
        menu.addSeparator()
        self.table_action = menu.addAction("Table as CSV…", self.export_table)
        menu.aboutToShow.connect(self._refresh)
        self.button.setMenu(menu)
        self._refresh()

    def _refresh(self) -> None:
        has_result = self.panel.run.result is not None
        self.table_action.setEnabled(has_result)
        self.table_action.setToolTip("" if has_result else "Run the comparison first")

    def _stem(self) -> str:
        return re.sub(r"[^A-Za-z0-9_-]+", "_", self.panel.comparison.name).strip("_") or "comparison"

    def export_plot(self, which: str, path: str | None = None) -> Path | None:
        from gui.trained.export_actions import export_plot

        plot = self.panel.plots.loss_plot if which == "loss" else self.panel.plots.metric_plot
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self.panel, "Export plot", f"{self._stem()}-{which}.png", PICTURES)
            if not path:
                return None
        return self._report(lambda: export_plot(plot, path))

    def export_table(self, path: str | None = None) -> Path | None:
        if self.panel.run.result is None:
            return None
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self.panel, "Export comparison table", f"{self._stem()}.csv",
                                                  "CSV table (*.csv)")
            if not path:
                return None
        return self._report(lambda: write_table_csv(self.panel.run.result, path))

    def _report(self, write) -> Path | None:
        try:
            return write()
        except OSError as exc:
            QMessageBox.warning(self.panel, "Export failed", f"Could not write the file: {exc.strerror or exc}")
            return None
