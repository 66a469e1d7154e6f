"""File ▸ Download Data Sets…: fetch MNIST or Fashion-MNIST once, with a
progress bar and Cancel, on a worker (engine/downloads.py does the work and
checks the checksums). Afterwards "Use It" makes it the data set.

The files go to the engine's data folder (``engine.downloads.data_dir()``,
the same place as Qt's AppDataLocation for this app), because the data set
is read there by the training process and by ``--headless`` too.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from gui.common.palette import ERROR_STYLE
from gui.common.style import subdued
from gui.common.task import Task
from gui.document.document import Document


class DownloadDialog(QDialog):
    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        from engine import downloads

        super().__init__(parent)
        self.document = document
        self.setWindowTitle("Download Data Sets")
        self.choices = QButtonGroup(self)
        layout = QVBoxLayout(self)
        intro = QLabel("Optional data sets, downloaded once and kept in your data folder:")
        layout.addWidget(intro)
        self.radios: dict[str, QRadioButton] = {}
        for key in downloads.SOURCES:
            radio = QRadioButton()
            radio.setProperty("key", key)
            self.choices.addButton(radio)
            self.radios[key] = radio
            layout.addWidget(radio)
        self.radios["mnist"].setChecked(True)
        where = QLabel(f"Folder: {downloads.data_dir()}")
        where.setWordWrap(True)
        subdued(where)
        layout.addWidget(where)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        layout.addWidget(self.progress)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox()
        self.download_button = QPushButton("Download")
        self.use_button = QPushButton("Use It")
        self.buttons.addButton(self.download_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.use_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.download_button.clicked.connect(self.start_download)
        self.use_button.clicked.connect(self.use_selected)
        self.close_button.clicked.connect(self.reject)
        self.choices.buttonToggled.connect(lambda *_: self._refresh())
        layout.addWidget(self.buttons)
        self.task = Task(self)
        self._cancel = threading.Event()
        self._done = [0, 1]
        self._timer = QTimer(self, interval=100)
        self._timer.timeout.connect(self._show_progress)
        self.resize(460, 0)
        self._refresh()

    # --- what a user does --------------------------------------------------------
    @property
    def selected(self) -> str:
        return self.choices.checkedButton().property("key")

    def select(self, key: str) -> None:
        self.radios[key].setChecked(True)

    @property
    def busy(self) -> bool:
        return self.task.busy

    def start_download(self) -> None:
        from engine import downloads

        if self.task.busy:
            return
        key = self.selected
        self._cancel = threading.Event()
        self._done[:] = [0, downloads.SOURCES[key].size]
        self.status.setText(f"Downloading {downloads.SOURCES[key].title}…")
        self.status.setStyleSheet("")
        self.task.start(_download, key, self._done, self._cancel, on_returned=self._on_returned,
                        on_errored=self._on_errored, on_finished=self._on_finished)
        self._timer.start()
        self._refresh()

    def cancel_download(self) -> None:
        if self.task.busy:
            self._cancel.set()
            self.status.setText("Cancelling…")

    def use_selected(self) -> None:
        from engine.datasets import DATASETS, validate_dataset
        from engine.downloads import is_downloaded

        key = self.selected
        if self.task.busy or not is_downloaded(key):
            return
        self.document.set(self.document.experiment.with_dataset(validate_dataset({"name": key})),
                          f"Change data set to {DATASETS[key].title}")
        self.accept()

    def reject(self) -> None:
        """Close, or Cancel while downloading (the dialog stays open to show it stopped)."""
        if self.task.busy:
            self.cancel_download()
            return
        super().reject()

    def done(self, result: int) -> None:
        if self.task.busy:  # closing the window's way: stop and wait, leave no part files
            self._cancel.set()
            self.task.shutdown(30_000)
        super().done(result)

    # --- internals ------------------------------------------------------------------
    def _refresh(self) -> None:
        from engine import downloads

        for key, radio in self.radios.items():
            source = downloads.SOURCES[key]
            state = "downloaded" if downloads.is_downloaded(key) else f"{source.size / 1e6:.0f} MB"
            radio.setText(f"{source.title} ({state})")
            radio.setEnabled(not self.task.busy)
        running = self.task.busy
        self.download_button.setEnabled(not running)
        self.use_button.setEnabled(not running and downloads.is_downloaded(self.selected))
        self.close_button.setText("Cancel" if running else "Close")

    def _show_progress(self) -> None:
        done, total = self._done
        self.progress.setValue(int(1000 * done / max(total, 1)))
        if not self._cancel.is_set():
            self.status.setText(f"Downloading… {done / 1e6:.1f} of {total / 1e6:.1f} MB")

    def _on_returned(self, result: Any) -> None:
        from engine import downloads

        if result is None:
            self.progress.setValue(0)
            self.status.setText("Cancelled; nothing half-downloaded was kept.")
            return
        self.progress.setValue(1000)
        self.status.setText(f"{downloads.SOURCES[self.selected].title} is ready (checksums verified). "
                            "“Use It” makes it the data set.")

    def _on_errored(self, exc: BaseException) -> None:
        self.status.setText(f"⚠ {exc}")
        self.status.setStyleSheet(ERROR_STYLE)

    def _on_finished(self) -> None:
        self._timer.stop()
        self._refresh()


def _download(key: str, done: list[int], cancel: threading.Event) -> Any:
    from engine import downloads

    def progress(n: int, total: int) -> None:
        done[:] = [n, total]

    try:
        return downloads.download(key, progress=progress, cancelled=cancel.is_set)
    except downloads.DownloadCancelled:
        return None


def install_download_action(window: QMainWindow, document: Document) -> QAction:
    """File ▸ Download Data Sets…, before the File menu's last separator (above Quit)."""
    file_menu = window.menuBar().actions()[0].menu()
    separators = [a for a in file_menu.actions() if a.isSeparator()]
    action = QAction("&Download Data Sets…", window)
    action.setStatusTip("Download MNIST or Fashion-MNIST (once) to train on real images")

    def open_dialog() -> None:
        dialog = DownloadDialog(document, window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    action.triggered.connect(open_dialog)
    file_menu.insertAction(separators[-1] if separators else None, action)
    return action
