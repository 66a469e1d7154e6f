"""The model builder's centre: the layer stack, the data it reads, and a
summary of the whole network (parameters, receptive field or sequence length
and state size).

Every edit (drop, append, delete, duplicate, move, template) becomes a new
ModelSpec sent to the document; the rows are redrawn from the document's
analysis, so what is shown is always what the engine would build.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QSizePolicy, QToolBar, QVBoxLayout, QWidget

from engine.spec import MAX_LAYERS, Experiment, LayerSpec, ModelSpec
from gui.builder.stack_view import COLUMNS, StackView
from gui.common.palette import ERROR_STYLE
from gui.document.document import Document


class ModelStack(QWidget):
    selected = Signal(int)  # the selected row, -1 for none

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self._redrawing = False
        self._last_selected = -1
        self.input_label = QLabel()
        self.input_label.setTextFormat(Qt.TextFormat.PlainText)
        self.toolbar = QToolBar()
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.view = StackView()
        self.setWhatsThis("<b>Model</b><p>Your network, from the input (top) to the output (bottom). Each row "
                          "is one layer with the shape of what it outputs and how many numbers (parameters) it "
                          "learns. Compare the counts: a convolution reuses one small kernel everywhere, a "
                          "Linear layer needs a weight for every input and output pair. A red row cannot work "
                          "where it stands; its tooltip says why and how to fix it.</p>")
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.input_label)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.summary_label)
        self.setMinimumSize(320, 220)
        self.view.type_dropped.connect(self._on_type_dropped)
        self.view.row_moved.connect(self._on_row_moved)
        self.view.itemSelectionChanged.connect(self._on_selection_changed)
        document.changed.connect(self._on_document_changed)
        self._redraw()

    # --- what a user's actions map to ------------------------------------------
    def append_layer(self, layer_type: str) -> None:
        self.insert_layer(len(self._layers()), layer_type)

    def insert_layer(self, row: int, layer_type: str) -> None:
        from engine.layers import REGISTRY

        if len(self._layers()) >= MAX_LAYERS:
            return
        layer = LayerSpec(layer_type, REGISTRY[layer_type].defaults())
        self._edit(self._model().inserted(row, layer), select=row, text=f"Add {layer_type}")

    def remove_layer(self, row: int) -> None:
        if 0 <= row < len(self._layers()):
            remaining = len(self._layers()) - 1
            self._edit(self._model().removed(row), select=min(row, remaining - 1),
                       text=f"Remove layer {row + 1} ({self._layers()[row].type})")

    def duplicate_layer(self, row: int) -> None:
        layers = self._layers()
        if 0 <= row < len(layers) and len(layers) < MAX_LAYERS:
            self._edit(self._model().inserted(row + 1, layers[row]), select=row + 1,
                       text=f"Duplicate layer {row + 1} ({layers[row].type})")

    def move_layer(self, source: int, before: int) -> None:
        """Move row ``source`` so that it lands before row ``before`` (old numbering)."""
        count = len(self._layers())
        if not (0 <= source < count and 0 <= before <= count):
            return
        target = before - 1 if before > source else before
        if target != source:
            self._edit(self._model().moved(source, target), select=target,
                       text=f"Move layer {source + 1} to {target + 1}")

    def remove_selected(self) -> None:
        self.remove_layer(self.selected_row())

    def duplicate_selected(self) -> None:
        self.duplicate_layer(self.selected_row())

    def set_layers(self, model: ModelSpec, text: str = "Replace the model") -> None:
        self._edit(model, select=-1, text=text)

    def selected_row(self) -> int:
        return self.view.selected_row()

    def select_row(self, row: int) -> None:
        self.view.select_row(row)

    def row_count(self) -> int:
        return self.view.topLevelItemCount()

    def row_text(self, row: int, column: str) -> str:
        return self.view.topLevelItem(row).text(COLUMNS.index(column))

    def row_tooltip(self, row: int) -> str:
        return self.view.topLevelItem(row).toolTip(1)

    # --- internals ------------------------------------------------------------
    def _model(self) -> ModelSpec:
        return self.document.experiment.model

    def _layers(self) -> tuple[LayerSpec, ...]:
        return self._model().layers

    def _edit(self, model: ModelSpec, select: int, text: str) -> None:
        experiment: Experiment = self.document.experiment.with_model(model)
        self.document.set(experiment, text)
        self.view.select_row(select)

    def _on_type_dropped(self, layer_type: str, row: int) -> None:
        self.insert_layer(row, layer_type)

    def _on_row_moved(self, source: int, before: int) -> None:
        self.move_layer(source, before)

    def _on_document_changed(self, experiment: Experiment) -> None:
        self._redraw()

    def _on_selection_changed(self) -> None:
        if self._redrawing:
            return
        row = self.view.selected_row()
        self._last_selected = row
        self.selected.emit(row)

    def _redraw(self) -> None:
        analysis = self.document.analysis()
        before = self.view.selected_row()
        self._redrawing = True
        try:
            self.view.show_layers(self._layers(), analysis.summary, analysis.pending)
        finally:
            self._redrawing = False
        if self.view.selected_row() != before or before >= 0:
            # The rows were rebuilt: whoever shows the selected layer must refresh.
            self._last_selected = self.view.selected_row()
            self.selected.emit(self._last_selected)
        self.input_label.setText(self._input_text(analysis))
        self.summary_label.setText(self._summary_text(analysis))
        self.summary_label.setStyleSheet(ERROR_STYLE if not analysis.ok and not analysis.pending else "")

    def _input_text(self, analysis: object) -> str:
        from engine.shapes import describe_shape

        info = getattr(analysis, "info", None)
        if info is None:
            return "Input: unknown (the data set has a problem)"
        return f"Input: {describe_shape(info.input_kind, tuple(info.input_shape))} from " \
               f"“{self.document.experiment.dataset.name}”"

    def _summary_text(self, analysis: object) -> str:
        summary = getattr(analysis, "summary", None)
        problem = getattr(analysis, "problem", None)
        if getattr(analysis, "pending", False):
            return "Checking shapes… (PyTorch is warming up)"
        if summary is None:
            return problem or ""
        parts = [f"Total: {summary.total_params:,} parameters"]
        if summary.receptive_field is not None:
            unit = "pixels" if summary.input_kind == "image" else "steps"
            rf = summary.receptive_field
            field_text = f"{rf}×{rf} {unit}" if unit == "pixels" else f"{rf} {unit}"
            mixing = summary.mixing_row
            parts.append(f"receptive field {field_text}" if mixing is None else
                         f"receptive field {field_text} (the convolutions); the output sees all of the input "
                         f"after {mixing.type}")
        parts += self._recurrent_parts(summary)
        text = " · ".join(parts)
        return f"{text}\n⚠ {problem}" if problem else text

    def _recurrent_parts(self, summary: object) -> list[str]:
        from engine.layers import RECURRENT, in_group

        parts = []
        layers = self._layers()
        rows = summary.rows
        for row in rows:
            layer = layers[row.index]
            if not in_group(layer.type, RECURRENT):
                continue
            steps = rows[row.index - 1].shape[0] if row.index > 0 else summary.input_shape[0]
            directions = 2 if layer.params.get("bidirectional") else 1
            state = layer.params["hidden_size"] * directions
            parts.append(f"{layer.type} reads {steps} steps, state size {state}")
        return parts
