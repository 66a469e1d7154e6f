"""Pickers the RNN views share: which recurrent layer, and which probe
sequence (shown with its class), plus small helpers that read what a run
says about its probes.

The layers are known only from the snapshots (their keys are layer indices
in the stack), so the layer combo is refilled when a snapshot brings a
different set of recurrent layers; a choice survives refills.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget


def data_info(run):
    """The run's DataInfo, or None for runs that do not carry it."""
    return getattr(run, "info", None) if run is not None else None


def is_sequence_classification(run) -> bool:
    """One class per probe sequence (not per step, not regression)."""
    info = data_info(run)
    if info is not None:
        return info.task == "classification" and not info.per_step
    targets = getattr(run, "probe_targets", None)
    return run is not None and run.task == "classification" and targets is not None and targets.ndim == 1


def class_names(run, n_classes: int) -> list[str]:
    info = data_info(run)
    names = list(getattr(info, "class_names", ()) or ())
    names = names if len(names) >= n_classes else [str(c) for c in range(n_classes)]
    # A bare "3" in a legend reads as a number, not a class.
    return [f"class {name}" if name.isdigit() else name for name in names]


def probe_labels(run) -> list[str]:
    """One label per probe sequence: "#3 · class seven" for sequence classification."""
    targets = getattr(run, "probe_targets", None)
    if targets is None:
        return []
    if is_sequence_classification(run):
        labels = np.asarray(targets).astype(int)
        names = class_names(run, int(labels.max()) + 1 if labels.size else 0)
        return [f"#{i} · {names[c]}" for i, c in enumerate(labels)]
    return [f"#{i}" for i in range(len(targets))]


def recurrent_layer_types(experiment) -> dict[int, str] | None:
    """Layer index → type ("RNN", "LSTM", "GRU") of the experiment's recurrent
    layers; None when the experiment is not known (views then find out from
    the snapshots)."""
    if experiment is None:
        return None
    from engine.layers import RECURRENT, in_group

    return {i: layer.type for i, layer in enumerate(experiment.model.layers) if in_group(layer.type, RECURRENT)}


def layer_title(index: int, gates: dict | None = None, layer_types: dict[int, str] | None = None) -> str:
    kind = (layer_types or {}).get(index)
    if kind is None and gates:
        kind = "LSTM" if "forget" in gates else "GRU" if "reset" in gates else None
    return f"{index + 1}: {kind}" if kind else f"{index + 1}: recurrent"  # counted from 1, as the model stack


class RecurrentPicker(QWidget):
    """A layer combo and (optionally) a probe-sequence combo, side by side."""

    changed = Signal()  # the layer or the probe sequence was changed by the user

    def __init__(self, with_probe: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("Which recurrent layer to show (the top layer of a stacked one)")
        self.probe_combo = QComboBox()
        for combo in (self.layer_combo, self.probe_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.probe_combo.setToolTip("Which probe sequence to show; its class in the name")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Layer"))
        layout.addWidget(self.layer_combo)
        self.probe_label = QLabel("Sequence")
        layout.addWidget(self.probe_label)
        layout.addWidget(self.probe_combo)
        self.probe_label.setVisible(with_probe)
        self.probe_combo.setVisible(with_probe)
        self.layer_combo.activated.connect(lambda _: self.changed.emit())
        self.probe_combo.activated.connect(lambda _: self.changed.emit())

    # --- filled by the view -----------------------------------------------------------
    def set_layers(self, titles: dict[int, str]) -> None:
        """Offer these layers (index → title); keep the current choice if it is still there."""
        current = self.layer()
        if [self.layer_combo.itemData(i) for i in range(self.layer_combo.count())] == list(titles) and all(
                self.layer_combo.itemText(i) == t for i, t in enumerate(titles.values())):
            return
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        for index, title in titles.items():
            self.layer_combo.addItem(title, index)
        position = self.layer_combo.findData(current) if current is not None else -1
        self.layer_combo.setCurrentIndex(max(position, 0) if titles else -1)
        self.layer_combo.blockSignals(False)

    def set_probes(self, labels: list[str]) -> None:
        current = self.probe_combo.currentIndex()
        if [self.probe_combo.itemText(i) for i in range(self.probe_combo.count())] == labels:
            return
        self.probe_combo.blockSignals(True)
        self.probe_combo.clear()
        self.probe_combo.addItems(labels)
        self.probe_combo.setCurrentIndex(min(max(current, 0), len(labels) - 1) if labels else -1)
        self.probe_combo.blockSignals(False)

    # --- read and set by views and tests -----------------------------------------------
    def layer(self) -> int | None:
        data = self.layer_combo.currentData()
        return int(data) if data is not None else None

    def probe(self) -> int:
        return max(self.probe_combo.currentIndex(), 0)

    def choose_layer(self, index: int) -> None:
        position = self.layer_combo.findData(index)
        if position >= 0 and position != self.layer_combo.currentIndex():
            self.layer_combo.setCurrentIndex(position)
            self.changed.emit()

    def choose_probe(self, index: int) -> None:
        if 0 <= index < self.probe_combo.count() and index != self.probe_combo.currentIndex():
            self.probe_combo.setCurrentIndex(index)
            self.changed.emit()
