"""Import ▸ Image Folder…: choose a folder with one subfolder per class, set
size and colour, look at the class counts and sample thumbnails, then OK
makes it the data set (one undoable step).

Reading runs on a worker (big folders take a while) with a progress bar; the
decoded folder lands in the engine's cache, so training later decodes
nothing again. Cancel — or closing — stops the worker and leaves the
experiment untouched.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.common.palette import ERROR_STYLE
from gui.common.style import subdued
from gui.common.task import Task
from gui.document.document import Document
from gui.widgets import EnterApplies

SAMPLES_PER_CLASS = 6
THUMB_PX = 40
DEBOUNCE_MS = 250


class ImportImagesDialog(QDialog):
    """Past-tense signals are the document's: OK calls ``document.set`` once."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        from gui.data.image_reader import register_image_reader

        super().__init__(parent)
        register_image_reader()  # idempotent; scripts that build the window without main.py
        self.document = document
        self.setWindowTitle("Import Image Folder")
        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText("A folder with one subfolder per class (PNG or JPEG images)")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._on_browse)
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        self.resize_box = QCheckBox("Scale every image to")
        self.resize_box.setChecked(True)
        self.height_spin, self.width_spin = QSpinBox(), QSpinBox()
        for spin in (self.height_spin, self.width_spin):
            spin.setRange(4, 256)
            spin.setValue(28)
            spin.setSuffix(" px")
        size_row = QHBoxLayout()
        size_row.addWidget(self.resize_box)
        size_row.addWidget(QLabel("height"))
        size_row.addWidget(self.height_spin)
        size_row.addWidget(QLabel("width"))
        size_row.addWidget(self.width_spin)
        size_row.addStretch(1)
        self.colour_combo = QComboBox()
        self.colour_combo.addItem("Grayscale (1 channel)", "grayscale")
        self.colour_combo.addItem("Colour (3 channels, RGB)", "rgb")
        self.val_spin = QDoubleSpinBox()
        self.val_spin.setRange(0.05, 0.5)
        self.val_spin.setSingleStep(0.05)
        self.val_spin.setValue(0.2)
        form = QFormLayout()
        form.addRow("Folder", row)
        form.addRow("Size", size_row)
        form.addRow("Colour", self.colour_combo)
        form.addRow("Validation share", self.val_spin)

        self.status = QLabel("Choose a folder to see its classes.")
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.counts_table = QTableWidget(0, 2)
        self.counts_table.setHorizontalHeaderLabels(["Class", "Images"])
        self.counts_table.horizontalHeader().setStretchLastSection(True)
        self.counts_table.verticalHeader().setVisible(False)
        self.counts_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.counts_table.setMaximumWidth(220)
        self.samples = QWidget()
        self.samples_grid = QGridLayout(self.samples)
        self.samples_grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.samples)
        preview = QHBoxLayout()
        preview.addWidget(self.counts_table)
        preview.addWidget(scroll, 1)
        hint = QLabel("Subfolder names become the class names; files other than PNG and JPEG are ignored.")
        subdued(hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Use as Data Set")
        self.ok_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        layout.addLayout(preview, 1)
        layout.addWidget(self.buttons)
        self.resize(720, 520)

        self.folder = None  # engine.datasets.image_folder.Folder of the current options, once read
        self._closing = False
        self.error: str | None = None
        self.task = Task(self)
        self._cancel = threading.Event()
        self._done = [0, 0]  # written by the worker, shown by a timer: no signal per file
        self._progress_timer = QTimer(self, interval=100)
        self._progress_timer.timeout.connect(self._show_progress)
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._debounce.timeout.connect(self._start_reading)
        self.folder_edit.editingFinished.connect(self._schedule)
        EnterApplies(self.folder_edit, self._schedule)  # Enter: read the folder, not OK
        for signal in (self.height_spin.valueChanged, self.width_spin.valueChanged, self.resize_box.toggled,
                       self.colour_combo.currentIndexChanged, self.val_spin.valueChanged):
            signal.connect(self._schedule)
        self.resize_box.toggled.connect(self.height_spin.setEnabled)
        self.resize_box.toggled.connect(self.width_spin.setEnabled)

    # --- what a user does --------------------------------------------------------
    def set_folder(self, path: str) -> None:
        self.folder_edit.setText(path)
        self._schedule()

    def options(self) -> dict[str, Any]:
        return {"path": self.folder_edit.text().strip(), "height": self.height_spin.value(),
                "width": self.width_spin.value(), "colour": self.colour_combo.currentData(),
                "resize": self.resize_box.isChecked(), "val_fraction": round(self.val_spin.value(), 4)}

    @property
    def busy(self) -> bool:
        return self.task.busy or self._debounce.isActive()

    def accept(self) -> None:
        if self.folder is None or self.busy:
            return
        from engine.datasets import validate_dataset

        spec = validate_dataset({"name": "image_folder", "options": self.options()})
        name = os.path.basename(os.path.normpath(spec.options["path"])) or spec.options["path"]
        self.document.set(self.document.experiment.with_dataset(spec), f"Import image folder {name}")
        super().accept()

    def done(self, result: int) -> None:  # accept, reject and closing all end here
        self._closing = True
        self._debounce.stop()
        self._stop_worker()
        super().done(result)

    # --- reading -------------------------------------------------------------------
    def _on_browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Choose an image folder", self.folder_edit.text())
        if path:
            self.set_folder(path)

    def _schedule(self) -> None:
        if self._closing:  # the line edit's editingFinished still fires as the dialog goes
            return
        self.folder = None
        self.ok_button.setEnabled(False)
        self._debounce.start()

    def _start_reading(self) -> None:
        if self.task.busy:  # the running one starts us again when it has stopped
            self._cancel.set()
            return
        options = self.options()
        if not options["path"]:
            self._show_error(None, "Choose a folder to see its classes.")
            return
        self._cancel = threading.Event()
        self._done[:] = [0, 0]
        self.status.setText("Reading images…")
        self.status.setStyleSheet("")
        self.task.start(_read, options, self._done, self._cancel, on_returned=self._on_read,
                        on_errored=lambda exc: self._show_error(exc), on_finished=self._on_worker_finished)
        self._progress_timer.start()

    def _show_progress(self) -> None:
        done, total = self._done
        if total > 64:  # small folders read in a blink: no bar flashing
            self.progress.setVisible(True)
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.status.setText(f"Reading images… {done:,} of {total:,}")

    def _on_worker_finished(self) -> None:
        self._progress_timer.stop()
        self.progress.setVisible(False)
        if self._cancel.is_set() and not self._closing and not self._debounce.isActive():
            self._start_reading()  # options changed while reading

    def _stop_worker(self) -> None:
        if self.task.busy:
            self._cancel.set()
            self.task.shutdown(30_000)

    def _on_read(self, result: Any) -> None:
        if self._cancel.is_set() or result is None:
            return  # cancelled: a newer read follows
        from engine.datasets.image_folder import check_split

        folder, options = result
        self._fill(folder)
        try:
            check_split(len(folder.labels), options["val_fraction"], options["path"])
        except Exception as exc:  # noqa: BLE001 - shown as the preview's error line
            self._show_error(exc)
            return
        self.folder = folder
        self.error = None
        c, h, w = folder.images.shape[1:]
        colour = "colour" if c == 3 else "grayscale"
        self.status.setText(f"{len(folder.labels):,} images in {len(folder.class_names)} classes, "
                            f"{w}×{h} {colour} — “Use as Data Set” makes it the data set.")
        self.status.setStyleSheet("")
        self.ok_button.setEnabled(True)

    def _show_error(self, exc: BaseException | None, text: str | None = None) -> None:
        if exc is not None and self._cancel.is_set():
            return
        self.folder = None
        self.error = text if exc is None else str(exc)
        self.ok_button.setEnabled(False)
        self.status.setText(self.error if exc is None else f"⚠ {self.error}")
        self.status.setStyleSheet("" if exc is None else ERROR_STYLE)
        if exc is not None:
            self._fill(None)

    def _fill(self, folder: Any) -> None:
        """The class counts and a row of sample thumbnails per class."""
        while self.samples_grid.count():
            item = self.samples_grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        if folder is None:
            self.counts_table.setRowCount(0)
            return
        counts = folder.counts()
        self.counts_table.setRowCount(len(counts))
        for row, (name, count) in enumerate(zip(folder.class_names, counts, strict=True)):
            self.counts_table.setItem(row, 0, QTableWidgetItem(name))
            count_item = QTableWidgetItem(f"{count:,}")
            count_item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.counts_table.setItem(row, 1, count_item)
            self.samples_grid.addWidget(QLabel(name), row, 0)
            for col, index in enumerate(np.flatnonzero(folder.labels == row)[:SAMPLES_PER_CLASS]):
                thumb = QLabel()
                thumb.setPixmap(thumbnail(folder.images[index]))
                thumb.setToolTip(folder.files[index])
                self.samples_grid.addWidget(thumb, row, col + 1)


def _read(options: dict[str, Any], done: list[int], cancel: threading.Event) -> Any:
    from engine.datasets.image_folder import Cancelled, read_folder

    def progress(n: int, total: int) -> None:
        done[:] = [n, total]

    try:
        return read_folder(options, progress, cancel.is_set), options
    except Cancelled:
        return None


def thumbnail(image: np.ndarray) -> QPixmap:
    """uint8 ``(C, H, W)`` as a pixmap about THUMB_PX high (nearest pixels: small images stay crisp)."""
    c, h, w = image.shape
    pixels = np.ascontiguousarray(image[0] if c == 1 else np.moveaxis(image, 0, -1))
    fmt = QImage.Format.Format_Grayscale8 if c == 1 else QImage.Format.Format_RGB888
    qimage = QImage(pixels.data, w, h, pixels.strides[0], fmt).copy()  # copy: pixels is freed
    scale = max(1, THUMB_PX // max(h, 1))
    mode = Qt.TransformationMode.FastTransformation if scale > 1 else Qt.TransformationMode.SmoothTransformation
    if scale == 1:
        return QPixmap.fromImage(qimage.scaledToHeight(THUMB_PX, mode))
    return QPixmap.fromImage(qimage.scaled(w * scale, h * scale, Qt.AspectRatioMode.KeepAspectRatio, mode))


def import_images_action(document: Document, parent: QWidget) -> QAction:
    """Import ▸ Image Folder… for the data set panel's Import menu."""
    action = QAction("&Image Folder…", parent)
    action.setStatusTip("Use your own images: a folder with one subfolder per class")
    action.triggered.connect(lambda: open_import_images(document, parent.window()))
    return action


def open_import_images(document: Document, parent: QWidget) -> ImportImagesDialog:
    dialog = ImportImagesDialog(document, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
