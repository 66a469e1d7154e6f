"""A logarithmic slider with a number box beside it, for values that span
decades (the learning rate: 1e-6 to 10). The slider moves in tenths of a
decade; the box takes any exact value."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QSlider, QWidget

from gui.widgets.sci_spin_box import SciSpinBox

STEPS_PER_DECADE = 10


class LogFloatEditor(QWidget):
    value_changed = Signal(float)  # only for the user's edits

    def __init__(self, minimum: float, maximum: float, value: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._low, self._high = math.log10(minimum), math.log10(maximum)
        self._updating = False
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, round((self._high - self._low) * STEPS_PER_DECADE))
        self.slider.setPageStep(STEPS_PER_DECADE)
        self.slider.setMinimumWidth(90)
        self.box = SciSpinBox(minimum, maximum, log_steps=True)
        self.box.setMinimumWidth(80)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.box)
        self.set_value(value)
        self.slider.valueChanged.connect(self._on_slider_changed)
        self.box.valueChanged.connect(self._on_box_changed)

    def value(self) -> float:
        return self.box.value()

    def set_value(self, value: float) -> None:
        """Show ``value`` without announcing it as an edit."""
        self._updating = True
        try:
            self.box.setValue(value)
            self.slider.setValue(self._position(value))
        finally:
            self._updating = False

    def setToolTip(self, text: str) -> None:  # noqa: N802 - Qt override
        super().setToolTip(text)
        self.slider.setToolTip(text)
        self.box.setToolTip(text)

    def _position(self, value: float) -> int:
        return round((math.log10(max(value, 1e-300)) - self._low) * STEPS_PER_DECADE)

    def _on_slider_changed(self, position: int) -> None:
        if self._updating:
            return
        # Round to two significant digits: 0.00316…, not 0.0031622776601683794.
        value = float(f"{10 ** (self._low + position / STEPS_PER_DECADE):.2g}")
        self._updating = True
        try:
            self.box.setValue(value)
        finally:
            self._updating = False
        self.value_changed.emit(self.box.value())

    def _on_box_changed(self, value: float) -> None:
        if self._updating:
            return
        self._updating = True
        try:
            self.slider.setValue(self._position(value))
        finally:
            self._updating = False
        self.value_changed.emit(value)
