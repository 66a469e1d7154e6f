"""The data set panel: choose a built-in data set, set its options (the form
is generated from the data set's ``Param`` declarations), read what it
produces, and look at a preview of its samples."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QScrollArea, QVBoxLayout, QWidget

from engine.spec import DatasetSpec, Experiment
from gui.dataset_preview import DatasetPreview
from gui.document import Document
from gui.param_form import ParamForm
from gui.style import ERROR_STYLE, subdued
from gui.undo import field_label, value_edit_key


def describe_info(info: object) -> str:
    from engine.shapes import describe_shape

    if info is None:
        return ""
    shape = describe_shape(info.input_kind, tuple(info.input_shape))
    if info.task == "classification":
        target = f"{info.n_outputs} classes"
    else:
        target = f"{info.n_outputs} value{'s' if info.n_outputs > 1 else ''} (regression)"
    each = " at every step" if info.per_step else ""
    return f"Each sample: {shape} → {target}{each}"


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
        self.help_label = QLabel()
        self.help_label.setWordWrap(True)
        subdued(self.help_label)
        self.info_label = QLabel()
        self.info_label.setWordWrap(True)
        self.form: ParamForm | None = None
        self._form_name: str | None = None
        self.options_box = QGroupBox("Options")
        self._options_layout = QVBoxLayout(self.options_box)
        self.preview = DatasetPreview()
        top = QFormLayout()
        top.addRow("Data set", self.combo)
        # Everything scrolls: data sets with many options must not squash the
        # form or the preview when the dock is short.
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.help_label)
        layout.addWidget(self.info_label)
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

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.preview.shutdown()  # a preview worker must not outlive the panel
        super().closeEvent(event)

    # --- internals ------------------------------------------------------------
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
        if analysis.data_error:
            self.info_label.setText(f"⚠ {analysis.data_error}")
            self.info_label.setStyleSheet(ERROR_STYLE)
        else:
            self.info_label.setText(describe_info(analysis.info))
            self.info_label.setStyleSheet("")
            key = (spec, experiment.training.seed)
            # Not while torch warms up: generating data (and the first import of
            # scikit-learn) would compete with the warm-up for the GIL.
            if key != self._preview_key and self.document.shapes_ready:
                self._preview_key = key
                self.preview.request(spec, experiment.training.seed)
