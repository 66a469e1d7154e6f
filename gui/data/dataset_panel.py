"""The data set panel: choose a built-in data set, set its options (the form
is generated from the data set's ``Param`` declarations), read what it
produces, and look at a preview of its samples."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.spec import DatasetSpec, Experiment
from gui.common.palette import ERROR_STYLE
from gui.common.style import subdued
from gui.data.dataset_preview import DatasetPreview
from gui.data.import_images_dialog import import_images_action
from gui.document.document import Document
from gui.document.undo import field_label, value_edit_key
from gui.widgets import ParamForm


class DatasetPanel(QWidget):
    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        from engine.datasets import DATASETS

        super().__init__(parent)
        self.document = document
        self.setWhatsThis("<b>Data set</b><p>Choose what the network learns from and set its options. The "
                          "description says what one sample is and what the network must predict; the preview "
                          "shows samples exactly as the network will see them.</p>")
        self.combo = QComboBox()
        self.combo.setToolTip("What the network learns from: hover an entry to read about it")
        self.combo.setWhatsThis("<b>Data set</b><p>Images suit convolutions, sequences suit recurrent layers; "
                                "some data can be read either way (a digit as a picture, or as rows one after "
                                "the other), which is where CNNs and RNNs can be compared fairly.</p>")
        for row, kind in enumerate(DATASETS.values()):
            self.combo.addItem(kind.title, kind.name)
            self.combo.setItemData(row, kind.help, Qt.ItemDataRole.ToolTipRole)
        # The longest title ("Images from a folder (your own)") made the combo
        # 260 px wide and pushed Import out of a 380 px dock: shrink, the list opens wide.
        self.combo.view().setMinimumWidth(self.combo.sizeHint().width())
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(14)
        self.help_label = QLabel()
        self.help_label.setWordWrap(True)
        subdued(self.help_label)
        self.info_label = QLabel()
        self.info_label.setWordWrap(True)
        # Import: one button with a menu; each importer adds its entry (add_import_action).
        self.import_menu = QMenu(self)
        self.import_button = QToolButton()
        self.import_button.setText("Import")
        self.import_button.setMenu(self.import_menu)
        self.import_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.import_button.setToolTip("Use your own data: a CSV file of sequences, a text file, a folder of images")
        self.import_button.setWhatsThis("<b>Import</b><p>Train on your own data. The experiment stores where "
                                        "the data is, relative to the experiment file when it sits beside "
                                        "it, so the folder can be moved or shared as a whole.</p>")
        self.add_import_action(self._action("CSV sequences…", self.import_csv))
        self.add_import_action(self._action("Text file…", self.import_text))
        self.add_import_action(import_images_action(document, self))  # Image Folder… (gui/data/import_images_dialog.py)
        # Shown when the experiment's data file is not where it says: pick its new place.
        self.locate_button = QPushButton("Locate…")
        self.locate_button.setToolTip("The data has moved: choose where it is now")
        self.locate_button.clicked.connect(self._on_locate_clicked)
        self.locate_button.hide()
        self.form: ParamForm | None = None
        self._form_name: str | None = None
        self.options_box = QGroupBox("Options")
        self._options_layout = QVBoxLayout(self.options_box)
        self.preview = DatasetPreview()
        top = QFormLayout()
        chooser = QHBoxLayout()
        chooser.addWidget(self.combo, 1)
        chooser.addWidget(self.import_button)
        top.addRow("Data set", chooser)
        # Everything scrolls: data sets with many options must not squash the
        # form or the preview when the dock is short.
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.help_label)
        layout.addWidget(self.info_label)
        layout.addWidget(self.locate_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.options_box)
        layout.addWidget(self.preview, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.setMinimumSize(260, 200)
        self._preview_key: tuple[Any, ...] | None = None
        self.combo.currentIndexChanged.connect(self._on_combo_changed)
        document.changed.connect(self._on_document_changed)
        self._refresh()

    # --- what a user's actions map to ------------------------------------------
    def choose_dataset(self, name: str) -> None:
        from engine.datasets import DATASETS, validate_dataset

        if name != self.document.experiment.dataset.name:
            spec = validate_dataset({"name": name})
            self.document.set(self.document.experiment.with_dataset(spec),
                              f"Change data set to {DATASETS[name].title}")

    def set_option(self, name: str, value: Any) -> None:
        if self.form is not None:
            self.form.set_values({name: value})
        self._on_option_edited(name, value)

    def add_import_action(self, action: QAction) -> None:
        """Add an entry to the Import menu (CSV, text, image folders, …)."""
        self.import_menu.addAction(action)

    def import_csv(self) -> bool:
        """The CSV import dialog; True when it changed the data set."""
        from gui.data.import_csv_dialog import ImportCsvDialog

        return bool(ImportCsvDialog(self.document, self).exec())

    def import_text(self) -> bool:
        path, _ = QFileDialog.getOpenFileName(self, "Import a text file", "", "Text files (*.txt);;All files (*)")
        return bool(path) and self.use_text_file(path)

    def use_text_file(self, path: str) -> bool:
        """Make ``path`` the text data set (one undoable step), or say why not and change nothing."""
        from engine.datasets import describe, validate_dataset
        from engine.errors import PlaygroundError

        current = self.document.experiment.dataset
        options = {k: v for k, v in current.options.items() if k in ("length", "val_fraction")} \
            if current.name == "text" else {}
        try:
            spec = validate_dataset({"name": "text", "options": {**options, "path": path}})
            describe(spec)
        except PlaygroundError as exc:
            QMessageBox.warning(self, "Cannot import the text file", str(exc))
            return False
        self.document.set(self.document.experiment.with_dataset(spec), "Import text file")
        return True

    def locate_data(self, path: str) -> None:
        """Point the current data set at ``path`` (the data's new place), as one undoable step."""
        spec = self.document.experiment.dataset
        self.document.set(self.document.experiment.with_dataset(spec.with_options(path=path)),
                          "Locate the data")

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.preview.shutdown()  # a preview worker must not outlive the panel
        super().closeEvent(event)

    # --- internals ------------------------------------------------------------
    def _action(self, text: str, slot: Any) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _on_locate_clicked(self) -> None:
        from engine.datasets import data_paths

        spec = self.document.experiment.dataset
        old = str(data_paths.absolute(spec.options["path"]))
        if spec.name in data_paths.FOLDER_KINDS:
            path = QFileDialog.getExistingDirectory(self, "Where is the data folder now?", old)
        else:
            path, _ = QFileDialog.getOpenFileName(self, f"Where is {old.rsplit('/', 1)[-1]} now?", old)
        if path:
            self.locate_data(path)

    def _on_combo_changed(self, row: int) -> None:
        name = self.combo.itemData(row)
        if name:
            self.choose_dataset(name)

    def _on_option_edited(self, name: str, value: Any) -> None:
        spec: DatasetSpec = self.document.experiment.dataset
        self.document.set(self.document.experiment.with_dataset(spec.with_options(**{name: value})),
                          f"Change {field_label(name)}", value_edit_key(f"dataset.{spec.name}", name, value))

    def _on_document_changed(self, experiment: Experiment) -> None:
        self._refresh()

    def _refresh(self) -> None:
        from engine.datasets import DATASETS

        experiment = self.document.experiment
        spec = experiment.dataset
        kind = DATASETS.get(spec.name)
        row = self.combo.findData(spec.name)
        if row != self.combo.currentIndex():
            self.combo.blockSignals(True)
            self.combo.setCurrentIndex(row)
            self.combo.blockSignals(False)
        if kind is None:
            return
        self.help_label.setText(kind.help)
        if self._form_name != spec.name:
            if self.form is not None:
                self._options_layout.removeWidget(self.form)
                self.form.deleteLater()
            self.form = ParamForm(kind.params, spec.options)
            self.form.edited.connect(self._on_option_edited)
            self._options_layout.addWidget(self.form)
            self._form_name = spec.name
        else:
            self.form.set_values(spec.options)
        analysis = self.document.analysis()
        from engine.datasets import data_paths

        self.locate_button.setVisible(bool(analysis.data_error) and data_paths.is_missing(spec))
        if analysis.data_error:
            self.info_label.setText(f"⚠ {analysis.data_error}")
            self.info_label.setStyleSheet(ERROR_STYLE)
        else:
            from engine.shapes import describe_sample  # torch: not at start-up

            self.info_label.setText(describe_sample(analysis.info))
            self.info_label.setStyleSheet("")
            key = (spec, experiment.training.seed)
            # Not while torch warms up: generating data (and the first import of
            # scikit-learn) would compete with the warm-up for the GIL.
            if key != self._preview_key and self.document.shapes_ready:
                self._preview_key = key
                self.preview.request(spec, experiment.training.seed)
