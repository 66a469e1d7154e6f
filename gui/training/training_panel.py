"""Training settings and progress: the settings form generated from
``TRAINING_PARAMS`` (the Training dock), and ``strip`` — a progress bar with
epoch and step, speed and time left, and why Train is unavailable when it
is — which the window puts in its Training toolbar beside the Train / Pause
/ Step / Stop / Reset buttons. Devices that cannot be used here are listed
but disabled, with the reason as tooltip."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from engine.spec import TRAINING_PARAMS, Experiment
from gui.common.palette import ERROR_STYLE
from gui.common.style import subdued
from gui.document.document import Document
from gui.document.undo import field_label, value_edit_key
from gui.widgets import ParamForm

MOMENTUM_OPTIMIZERS = ("sgd", "rmsprop")


def format_duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class TrainingPanel(QWidget):
    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.setWhatsThis("<b>Training</b><p>Train (F5) runs the optimiser over the data for the set number of "
                          "epochs; Pause (Space), Step (F10, one batch) and Stop let you watch closely. The "
                          "settings (learning rate, batch size, epochs, seed) apply to the next run; the "
                          "learning rate also to the running one. The same seed gives the same run.</p>")
        self.reason_label = QLabel()
        self.reason_label.setStyleSheet(ERROR_STYLE)
        # In the toolbar the reason may be longer than the room left: the
        # label shrinks (the full text is its tooltip) instead of widening the window.
        self.reason_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.reason_label.hide()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setFormat("Not started")
        self.progress.setFixedWidth(300)
        self.progress.setToolTip("Where the run is: epoch and step")
        self.progress_label = QLabel(" ")
        subdued(self.progress_label)
        self.form = ParamForm(TRAINING_PARAMS, document.experiment.training.as_dict())
        self.form.edited.connect(self._on_form_edited)
        settings = QGroupBox("Settings")
        settings_layout = QVBoxLayout(settings)
        settings_layout.addWidget(self.form)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        # Progress and the reason Train is unavailable sit beside the buttons in
        # the window's Training toolbar (``strip``), visible whichever dock is in
        # front; the dock holds the settings, which scroll when it is short.
        self.strip = QWidget()
        strip_layout = QHBoxLayout(self.strip)
        strip_layout.setContentsMargins(6, 0, 6, 0)
        strip_layout.addWidget(self.progress)
        strip_layout.addWidget(self.progress_label)
        strip_layout.addWidget(self.reason_label, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        holder = QWidget()
        holder_layout = QVBoxLayout(holder)
        holder_layout.setContentsMargins(0, 0, 0, 0)
        holder_layout.addWidget(settings)
        holder_layout.addStretch(1)
        scroll.setWidget(holder)
        layout.addWidget(scroll, 1)
        self.setMinimumSize(260, 200)
        self._mark_devices()
        self._update_fields()
        document.changed.connect(self._on_document_changed)

    # --- public ---------------------------------------------------------------
    def set_value(self, name: str, value: Any) -> None:
        """What editing one setting does."""
        self.form.set_values({name: value})
        self._on_form_edited(name, value)

    def set_blocked_reason(self, reason: str | None) -> None:
        """Show why Train is unavailable next to it (None: it is available)."""
        self.reason_label.setText(f"Cannot train: {reason}" if reason else "")
        self.reason_label.setToolTip(self.reason_label.text())
        self.reason_label.setVisible(bool(reason))

    def show_progress(self, run_info: object, step: object | None, state: str) -> None:
        if run_info is None:
            self.progress.setRange(0, 0)  # busy: loading data, building the model
            self.progress.setFormat("Loading data…")
            return
        total = max(1, run_info.total_steps)
        done = getattr(step, "step", 0)
        self.progress.setRange(0, total)
        self.progress.setValue(min(done, total))
        epoch = getattr(step, "epoch", 1)
        word = {"paused": "Paused", "stopping": "Stopping"}.get(state, "Epoch")
        prefix = f"{word} · epoch" if word != "Epoch" else "Epoch"
        self.progress.setFormat(f"{prefix} {epoch}/{run_info.epochs} · step {done:,}/{total:,}")
        if step is None:
            self.progress_label.setText(f"{run_info.params:,} parameters on {run_info.device}")
            return
        left = (total - done) * step.elapsed / max(done, 1)
        self.progress_label.setText(f"{step.samples_per_second:,.0f} samples/s · "
                                    f"{format_duration(left)} left · lr {step.learning_rate:.3g}")

    def show_outcome(self, text: str) -> None:
        self.progress.setFormat(text)
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)

    def clear_progress(self) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("Not started")
        self.progress_label.setText(" ")

    # --- internals ------------------------------------------------------------
    def _mark_devices(self) -> None:
        from engine.devices import device_availability

        combo = self.form.editor("device")
        model = combo.model()
        available = device_availability()
        for row in range(combo.count()):
            usable, reason = available.get(combo.itemText(row), (True, ""))
            if isinstance(model, QStandardItemModel):
                model.item(row).setEnabled(usable)
            combo.setItemData(row, reason or None, Qt.ItemDataRole.ToolTipRole)

    def _update_fields(self) -> None:
        optimizer = self.document.experiment.training.optimizer
        self.form.set_field_enabled("momentum", optimizer in MOMENTUM_OPTIMIZERS)

    def _on_form_edited(self, name: str, value: Any) -> None:
        self.document.set(self.document.experiment.with_training(**{name: value}), f"Change {field_label(name)}",
                          value_edit_key("training", name, value))

    def _on_document_changed(self, experiment: Experiment) -> None:
        self.form.set_values(experiment.training.as_dict())
        self._update_fields()
