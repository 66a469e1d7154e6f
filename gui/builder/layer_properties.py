"""The property editor of the selected layer, generated from the registry's
declarations by ParamForm: no hand-written form per layer type. Shows the
layer's help text and, when the layer is the one the engine objects to, the
engine's message."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from engine.spec import Experiment
from gui.common.palette import ERROR_STYLE
from gui.common.style import subdued
from gui.document.document import Document
from gui.document.undo import field_label, value_edit_key
from gui.widgets import ParamForm


class LayerProperties(QWidget):
    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.row = -1
        self.form: ParamForm | None = None
        self._form_type: str | None = None
        self.title = QLabel()
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.title.setFont(font)
        self.setWhatsThis("<b>Layer properties</b><p>The settings of the selected layer, such as a "
                          "convolution's kernel size or a recurrent layer's hidden size. Hover a field to read "
                          "what it does. Every change is undoable (Ctrl+Z) and shows its effect on shapes and "
                          "parameter counts at once.</p>")
        self.help = QLabel()
        self.help.setWordWrap(True)
        subdued(self.help)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(ERROR_STYLE)
        self._form_host = QWidget()
        self._form_layout = QVBoxLayout(self._form_host)
        self._form_layout.setContentsMargins(0, 4, 0, 0)
        self._form_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self._form_host)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.help)
        layout.addWidget(self.problem)
        layout.addWidget(scroll, 1)
        self.setMinimumSize(240, 160)
        document.changed.connect(self._on_document_changed)
        self.show_layer(-1)

    def show_layer(self, row: int) -> None:
        """Edit layer ``row`` of the document's model (-1: nothing selected)."""
        from engine.layers import REGISTRY

        layers = self.document.experiment.model.layers
        self.row = row if 0 <= row < len(layers) else -1
        if self.row < 0:
            self._set_form(None)
            self.title.setText("Layer properties")
            self.help.setText("Select a layer in the model to edit its settings.")
            self.problem.hide()
            return
        layer = layers[self.row]
        kind = REGISTRY[layer.type]
        self.title.setText(f"{self.row + 1}. {layer.type}")
        self.help.setText(kind.help if kind.params else f"{kind.help}\n\n{layer.type} has no settings.")
        if self._form_type != layer.type:
            self._set_form(ParamForm(kind.params, layer.params) if kind.params else None)
            self._form_type = layer.type
        elif self.form is not None:
            self.form.set_values(layer.params)
        summary = self.document.analysis().summary
        error = getattr(summary, "error", None)
        if error is not None and error.index == self.row:
            self.problem.setText(f"⚠ {error.message}")
            self.problem.show()
        else:
            self.problem.hide()

    def set_value(self, name: str, value: Any) -> None:
        """What editing one field does (tests and scripts may call it directly)."""
        if self.form is None:
            raise ValueError("no layer is selected")
        self.form.set_values({name: value})
        self._on_form_edited(name, value)

    def _set_form(self, form: ParamForm | None) -> None:
        if self.form is not None:
            self._form_layout.removeWidget(self.form)
            self.form.deleteLater()
        self.form, self._form_type = form, None
        if form is not None:
            form.edited.connect(self._on_form_edited)
            self._form_layout.insertWidget(0, form)

    def _on_form_edited(self, name: str, value: Any) -> None:
        if self.row < 0:
            return
        experiment: Experiment = self.document.experiment
        layer = experiment.model.layers[self.row].with_params(**{name: value})
        self.document.set(experiment.with_model(experiment.model.with_layer(self.row, layer)),
                          f"Change {field_label(name)} of layer {self.row + 1}",
                          value_edit_key(f"layer{self.row}", name, value))

    def _on_document_changed(self, experiment: Experiment) -> None:
        self.show_layer(self.row)
