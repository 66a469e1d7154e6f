"""The confusion matrix on the first validation samples, after each epoch:
rows are the true class, columns the predicted one. Clicking a cell shows
the samples behind it in a small gallery beside it (below it when the view
is taller than wide) — the quickest way to see *which* 4s the model takes
for 9s.

One ImageItem holds the matrix (counts, or each row as fractions when
"Normalise rows" is on) with a colour bar; the counts are written in the
cells while there are few enough classes to read them (C ≤ 20).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QLabel, QSplitter, QVBoxLayout, QWidget

from gui.common import palette as pal
from gui.common.described import without_hints
from gui.views import prediction_format as fmt
from gui.views.sample_thumbnails import SampleThumbnails
from gui.views.view_panel import ViewPanel

MAX_WRITTEN_CLASSES, MAX_TICKS, GALLERY_SIZE = 20, 20, 40
COLOUR_MAP = pg.ColorMap([0.0, 1.0], [(255, 255, 255), (8, 48, 107)])  # white → dark blue: empty cells stay quiet


class CellLabels(pg.GraphicsObject):
    """Every cell's number in ONE item, written in screen pixels over the
    matrix: a hundred TextItems took ~2 ms a paint (each lays itself out
    and maps its own transform), this takes a few hundred microseconds."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.light: np.ndarray = np.zeros(0, bool)  # white text on the dark cells
        self.n = 0
        self._colours = (QColor(pal.TEXT), QColor("white"))

    def set_cells(self, texts: list[str], light: np.ndarray, n: int) -> None:
        if (texts, n) == (self.texts, self.n) and np.array_equal(light, self.light):
            return
        if n != self.n:
            self.prepareGeometryChange()
        self.texts, self.light, self.n = texts, np.asarray(light, bool), n
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return QRectF(0, 0, self.n, self.n)

    def paint(self, painter, *_args) -> None:
        if not self.texts:
            return
        to_screen = painter.transform()
        painter.save()
        painter.resetTransform()  # the text keeps its size in pixels, whatever the zoom
        n = self.n
        for k, text in enumerate(self.texts):
            r, c = divmod(k, n)
            rect = to_screen.mapRect(QRectF(c, r, 1, 1))
            painter.setPen(self._colours[int(self.light[k])])
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def text_at(self, row: int, col: int) -> str:
        return self.texts[row * self.n + col]


class ConfusionMatrix(ViewPanel):
    title = "Confusion matrix"
    help = ("Counts of true class (rows) against predicted class (columns) on the first validation samples; "
            "click a cell to see the samples behind it.")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.selected: tuple[int, int] | None = None  # the clicked cell (row, col)
        self.shown_matrix = np.zeros((0, 0), np.float32)  # what the image shows (counts or row fractions)
        self._drawn_key: tuple | None = None
        self.normalise_rows = QCheckBox("Normalise rows")
        self.normalise_rows.setToolTip("Show each row as fractions of that true class (recall on the diagonal)")
        self.normalise_rows.toggled.connect(self.redraw)
        self.controls.addWidget(self.normalise_rows)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.plot = self.graphics.addPlot()
        self.plot.invertY(True)  # row 0 at the top, as a matrix is read
        self.plot.setAspectLocked(True)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setLabel("left", "true class")
        self.plot.setLabel("bottom", "predicted class")
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image_item)
        self.selection_frame = pg.PlotDataItem(pen=pg.mkPen(pal.RED, width=1))
        self.plot.addItem(self.selection_frame)
        self.colour_bar = pg.ColorBarItem(values=(0, 1), colorMap=COLOUR_MAP, interactive=False, width=14)
        self.colour_bar.setImageItem(self.image_item, insert_in=self.plot)
        self.cell_labels = CellLabels()
        self.plot.addItem(self.cell_labels, ignoreBounds=True)
        self.graphics.scene().sigMouseClicked.connect(self._on_scene_clicked)

        self.gallery_caption = QLabel("Click a cell to see its samples.")
        self.gallery_caption.setWordWrap(True)
        self.gallery = SampleThumbnails(GALLERY_SIZE)
        self.gallery.capacity_changed.connect(lambda _: self._show_gallery())
        gallery_box = QWidget()
        gallery_layout = QVBoxLayout(gallery_box)
        gallery_layout.setContentsMargins(0, 0, 0, 0)
        gallery_layout.addWidget(self.gallery_caption)
        gallery_layout.addWidget(self.gallery, 1)
        # Matrix and gallery side by side in a wide, low dock, one above the other in a tall one.
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.graphics)
        self.splitter.addWidget(gallery_box)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.graphics.setMinimumSize(160, 160)
        self.body.addWidget(self.splitter)

    def applies_to(self, run) -> bool:
        return run is not None and run.task == "classification"

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        wide = self.width() >= self.height()
        orientation = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if self.splitter.orientation() != orientation:
            self.splitter.setOrientation(orientation)
            # The matrix gets a square of the short side; the gallery the rest.
            side = self.splitter.height() if wide else self.splitter.width()
            total = self.splitter.width() if wide else self.splitter.height()
            self.splitter.setSizes([min(side + 60, total * 2 // 3), max(1, total - side - 60)])

    # --- public, for the mouse and tests ------------------------------------------------
    def samples_for_cell(self, row: int, col: int) -> list[int]:
        """Sample-set indices whose true class is ``row`` and predicted class ``col``
        (per-step tasks: that have at least one such step)."""
        if self.predictions is None or self.run is None or self.run.sample_targets is None:
            return []
        targets, predicted = self.run.sample_targets, self.predictions.predicted
        hits = (targets == row) & (predicted == col) & fmt.scored(targets)
        return np.nonzero(hits.reshape(len(hits), -1).any(axis=1))[0].tolist()

    def click_cell(self, row: int, col: int) -> list[int]:
        """Select a cell: frame it and show its samples in the gallery."""
        self.selected = (row, col)
        self.selection_frame.setData([col, col + 1, col + 1, col, col], [row, row, row + 1, row + 1, row])
        return self._show_gallery()

    # --- drawing ----------------------------------------------------------------------
    def _clear(self) -> None:
        self.selected, self._drawn_key = None, None
        self.shown_matrix = np.zeros((0, 0), np.float32)
        self.image_item.clear()
        self.selection_frame.setData([], [])
        self.cell_labels.set_cells([], np.zeros(0, bool), 0)
        self.gallery.clear_samples()
        self.gallery_caption.setText("Click a cell to see its samples.")

    def _draw_predictions(self, predictions) -> None:
        # The hub redraws on every snapshot; predictions only change once an epoch.
        key = (id(predictions), self.normalise_rows.isChecked())
        if predictions.confusion is None or key == self._drawn_key:
            return
        self._drawn_key = key
        counts = np.asarray(predictions.confusion, np.float64)
        n = len(counts)
        if self.normalise_rows.isChecked():
            totals = counts.sum(axis=1, keepdims=True)
            matrix, top, label = counts / np.where(totals > 0, totals, 1), 1.0, "fraction of the true class"
        else:
            matrix, top, label = counts, max(1.0, float(counts.max())), "samples"
        if self.run is not None and fmt.per_step(self.run):
            label = label.replace("samples", "steps")
        self.shown_matrix = matrix.astype(np.float32)
        self.image_item.setImage(self.shown_matrix, autoLevels=False)
        self.colour_bar.setLevels((0.0, top))  # also sets the image's levels
        self.colour_bar.axis.setLabel(label)
        # Text: the characters themselves on the axes ("newline" and "space" would overlap).
        self._set_ticks([("␣" if name == " " else name) for name in fmt.class_names(self.run, n, characters=True)])
        self._write_cells(matrix, top)
        total = int(counts.sum())
        unit = "scored steps" if self.run is not None and fmt.per_step(self.run) else "validation samples"
        right = np.trace(counts) / max(total, 1)
        self.caption.setText(f"{total} {unit}, {right:.1%} on the diagonal · epoch {predictions.epoch}, "
                             f"step {predictions.step}. Click a cell for its samples (framed in red).")
        if self.selected is None and n:
            # Show the most frequent confusion at once, so the gallery is never an empty box.
            off = counts - np.diag(np.diag(counts))
            if off.max() > 0:
                row, col = np.unravel_index(int(np.argmax(off)), off.shape)
                self.click_cell(int(row), int(col))
        elif self.selected is not None:
            self._show_gallery()

    def _set_ticks(self, names: list[str]) -> None:
        every = max(1, -(-len(names) // MAX_TICKS))
        ticks = [(i + 0.5, name) for i, name in enumerate(names) if i % every == 0]
        for side in ("left", "bottom"):
            self.plot.getAxis(side).setTicks([ticks, []])

    def _write_cells(self, matrix: np.ndarray, top: float) -> None:
        n = len(matrix)
        if n > MAX_WRITTEN_CLASSES:
            self.cell_labels.set_cells([], np.zeros(0, bool), 0)
            return
        values = matrix.ravel()
        integer = not self.normalise_rows.isChecked()
        texts = [f"{int(v)}" if integer else f"{v:.2f}" for v in values]
        self.cell_labels.set_cells(texts, values > 0.55 * top, n)

    def _show_gallery(self) -> list[int]:
        if self.selected is None or self.predictions is None or self.run is None:
            return []
        row, col = self.selected
        indices = self.samples_for_cell(row, col)
        names = fmt.class_names(self.run, max(len(self.predictions.confusion), row + 1, col + 1))
        kind = fmt.input_kind(self.run)
        first = [self._gallery_caption(i, row, col, kind) for i in indices[:3]]
        fits = self.gallery.capacity(self.run.sample_inputs, kind, first) if indices else 0
        captions = [self._gallery_caption(i, row, col, kind) for i in indices[:fits]]
        self.gallery.ink = getattr(self.run.info, "ink", True)
        self.gallery.show_samples(self.run.sample_inputs, kind, np.array(indices[:fits], np.int64), captions,
                                  np.full(len(captions), row != col))
        shown = f" (first {fits} shown)" if len(indices) > fits else ""
        what = "samples with such a step" if fmt.per_step(self.run) else "samples"
        self.gallery_caption.setText(f"true {names[row]} → predicted {names[col]}: {len(indices)} {what}{shown}")
        return indices

    def _gallery_caption(self, index: int, row: int, col: int, kind: str) -> str:
        if not fmt.per_step(self.run):
            confidence = self.predictions.confidence
            return f"#{index}" + (f" ({confidence[index]:.0%})" if confidence is not None else "")
        targets, predicted = self.run.sample_targets[index], self.predictions.predicted[index]
        step = int(np.nonzero((targets == row) & (predicted == col))[0][0])
        if kind == "tokens":  # the characters leading up to that step
            return f"#{index} …{fmt.token_text(self.run, self.run.sample_inputs[index][max(0, step - 7):step + 1])}"
        return f"#{index} step {step}"

    def _on_scene_clicked(self, event) -> None:
        if self.shown_matrix.size == 0:
            return
        position = self.image_item.mapFromScene(event.scenePos())
        row, col = int(np.floor(position.y())), int(np.floor(position.x()))
        if 0 <= row < len(self.shown_matrix) and 0 <= col < len(self.shown_matrix):
            self.click_cell(row, col)

    # --- export -----------------------------------------------------------------------
    def describe_now(self) -> str:
        predictions = self.predictions
        if predictions is None or predictions.confusion is None or self.shown_matrix.size == 0:
            return ""
        counts = np.asarray(predictions.confusion, np.float64)
        off = counts - np.diag(np.diag(counts))
        text = without_hints(self.caption.drawn)
        if off.size and off.max() > 0:
            row, col = np.unravel_index(int(np.argmax(off)), off.shape)
            names = fmt.class_names(self.run, len(counts))
            text += (f" Most frequent confusion: true {names[row]} predicted as {names[col]} "
                     f"({int(off[row, col])} times).")
        return text

    def export_data(self) -> dict[str, np.ndarray]:
        if self.predictions is None or self.predictions.confusion is None:
            return {}
        return {"confusion_true_rows_predicted_columns": np.asarray(self.predictions.confusion)}
