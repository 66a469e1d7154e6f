"""A form generated from ``Param`` declarations (the magicgui idea: the kind
of a parameter decides its widget). One class serves layer properties, data
set options and training settings, so a new setting is one declaration in
the engine and never a new form here.

    int     → QSpinBox with the declared range ("auto" below the minimum
              when the value may be left empty, i.e. inferred)
    float   → SciSpinBox, or LogFloatEditor (slider + box) for log-scale ones
    bool    → QCheckBox
    choice  → QComboBox
    str     → QLineEdit

The help text is every field's tooltip. ``edited`` fires only for the user's
changes; ``set_values`` updates the widgets silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLabel, QLineEdit, QSpinBox, QWidget

from engine.params import BOOL, CHOICE, FLOAT, INT, STR, Param
from gui.widgets.int_spin_box import IntSpinBox
from gui.widgets.log_float_editor import LogFloatEditor
from gui.widgets.sci_spin_box import SciSpinBox

INT_LIMIT = 2**31 - 1
AUTO_TEXT = "auto"


def label_text(name: str) -> str:
    return name.replace("_", " ")


class ParamForm(QWidget):
    edited = Signal(str, object)  # parameter name, new value

    def __init__(self, params: tuple[Param, ...], values: Mapping[str, Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.params = params
        self._by_name = {p.name: p for p in params}
        self._editors: dict[str, QWidget] = {}
        self._labels: dict[str, QLabel] = {}
        self._updating = False
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for param in params:
            editor = self._make_editor(param)
            editor.setToolTip(param.help)
            editor.setWhatsThis(f"<b>{label_text(param.name)}</b><p>{param.help}</p>")
            label = QLabel(label_text(param.name))
            label.setToolTip(param.help)
            label.setBuddy(editor)
            self._editors[param.name], self._labels[param.name] = editor, label
            layout.addRow(label, editor)
        self.set_values({p.name: p.default for p in params} | dict(values or {}))

    # --- public --------------------------------------------------------------
    def editor(self, name: str) -> QWidget:
        return self._editors[name]

    def label(self, name: str) -> QLabel:
        return self._labels[name]

    def values(self) -> dict[str, Any]:
        return {name: self._read(name) for name in self._editors}

    def set_values(self, values: Mapping[str, Any]) -> None:
        """Show ``values`` (unknown names are ignored) without emitting ``edited``."""
        self._updating = True
        try:
            for name, value in values.items():
                if name in self._editors and self._read(name) != value:
                    self._write(name, value)
        finally:
            self._updating = False

    def set_field_enabled(self, name: str, enabled: bool) -> None:
        self._editors[name].setEnabled(enabled)
        self._labels[name].setEnabled(enabled)

    # --- widgets --------------------------------------------------------------
    def _make_editor(self, p: Param) -> QWidget:
        if p.kind == INT:
            box = IntSpinBox()
            low = int(p.minimum) if p.minimum is not None else -INT_LIMIT
            if p.allow_none:
                # One below the minimum stands for None, shown as "auto".
                low -= 1
                box.setSpecialValueText(AUTO_TEXT)
            box.setRange(low, int(p.maximum) if p.maximum is not None else INT_LIMIT)
            box.setKeyboardTracking(False)
            box.valueChanged.connect(lambda _=0, n=p.name: self._emit(n))
            return box
        if p.kind == FLOAT:
            low = p.minimum if p.minimum is not None else -1e12
            high = p.maximum if p.maximum is not None else 1e12
            if p.log_scale and low > 0:
                log_editor = LogFloatEditor(low, high, p.default)
                log_editor.value_changed.connect(lambda _=0.0, n=p.name: self._emit(n))
                return log_editor
            spin = SciSpinBox(low, high)
            spin.valueChanged.connect(lambda _=0.0, n=p.name: self._emit(n))
            return spin
        if p.kind == BOOL:
            check = QCheckBox()
            check.toggled.connect(lambda _=False, n=p.name: self._emit(n))
            return check
        if p.kind == CHOICE:
            combo = QComboBox()
            combo.addItems(list(p.choices))
            combo.currentIndexChanged.connect(lambda _=0, n=p.name: self._emit(n))
            return combo
        if p.kind == STR:
            line = QLineEdit()
            if p.maximum is not None:
                line.setMaxLength(int(p.maximum))
            line.editingFinished.connect(lambda n=p.name: self._emit(n))
            return line
        raise ValueError(f"no editor for parameter kind {p.kind!r}")  # pragma: no cover

    def _read(self, name: str) -> Any:
        p, editor = self._by_name[name], self._editors[name]
        if isinstance(editor, QSpinBox):
            value = editor.value()
            return None if p.allow_none and value == editor.minimum() else value
        if isinstance(editor, (LogFloatEditor, SciSpinBox)):
            return float(editor.value())
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QComboBox):
            return editor.currentText()
        assert isinstance(editor, QLineEdit)
        return editor.text()

    def _write(self, name: str, value: Any) -> None:
        editor = self._editors[name]
        if isinstance(editor, QSpinBox):
            editor.setValue(editor.minimum() if value is None else int(value))
        elif isinstance(editor, LogFloatEditor):
            editor.set_value(float(value))
        elif isinstance(editor, SciSpinBox):
            editor.setValue(float(value))
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(editor.findText(str(value)), 0))
        elif isinstance(editor, QLineEdit):
            editor.setText(str(value))

    def _emit(self, name: str) -> None:
        if not self._updating:
            self.edited.emit(name, self._read(name))
