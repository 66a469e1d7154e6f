"""A float spin box that shows numbers the way people write them (0.001,
3e-05, 250) instead of QDoubleSpinBox's fixed decimals, and can step by a
factor for values that live on a logarithmic scale (learning rates)."""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QWidget

from gui.widgets.int_spin_box import space_is_the_windows


class SciSpinBox(QDoubleSpinBox):
    def __init__(self, minimum: float, maximum: float, *, log_steps: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._log_steps = log_steps
        # Enough decimals that 1e-6 survives QDoubleSpinBox's rounding.
        self.setDecimals(12)
        self.setRange(minimum, maximum)
        span = maximum - minimum
        self.setSingleStep(0.05 if span <= 1 else 0.1 if span <= 10 else 1.0)
        # Edits apply on Enter / focus change, not on each keystroke ("1", "12", "128").
        self.setKeyboardTracking(False)

    def event(self, event: QEvent) -> bool:  # Space stays the window's (gui/widgets/int_spin_box.py)
        return False if space_is_the_windows(event) else super().event(event)

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt override
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:  # noqa: N802 - Qt override
        try:
            return float(text.strip().replace(",", "."))
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int) -> object:
        stripped = text.strip().replace(",", ".")
        if stripped in ("", "-", "+", ".") or stripped.lower().endswith(("e", "e-", "e+")):
            return QValidator.State.Intermediate, text, pos
        try:
            value = float(stripped)
        except ValueError:
            return QValidator.State.Invalid, text, pos
        if self.minimum() <= value <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos

    def fixup(self, text: str) -> str:
        try:
            value = float(text.strip().replace(",", "."))
        except ValueError:
            return self.textFromValue(self.value())
        return self.textFromValue(min(max(value, self.minimum()), self.maximum()))

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt override
        if not self._log_steps:
            super().stepBy(steps)
            return
        # A log-scale step: ×2 or ÷2 per arrow press (1e-3 → 2e-3 → 4e-3).
        value = max(self.value(), self.minimum(), 1e-300)
        new = value * 2.0 ** steps
        if math.isfinite(new):
            self.setValue(min(max(new, self.minimum()), self.maximum()))
