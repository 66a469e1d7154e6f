"""The generated form: one widget per declared parameter, ranges and help
from the declaration, ``edited`` only for the user's changes."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit

from engine.params import BOOL, CHOICE, FLOAT, INT, STR, Param
from engine.spec import TRAINING_PARAMS
from gui.widgets.int_spin_box import IntSpinBox
from gui.widgets.log_float_editor import LogFloatEditor
from gui.widgets.param_form import ParamForm
from gui.widgets.sci_spin_box import SciSpinBox

PARAMS = (
    Param("count", INT, 3, "How many.", minimum=1, maximum=9),
    Param("size", INT, None, "Empty means inferred.", minimum=1, maximum=100, allow_none=True),
    Param("rate", FLOAT, 0.5, "A fraction.", minimum=0.0, maximum=1.0),
    Param("lr", FLOAT, 1e-3, "Step size.", minimum=1e-6, maximum=10.0, log_scale=True),
    Param("flag", BOOL, False, "On or off."),
    Param("mode", CHOICE, "b", "Which.", choices=("a", "b", "c")),
    Param("path", STR, "", "A file.", maximum=50),
)


def test_one_editor_per_kind_with_declared_ranges_and_help(qtbot):
    form = ParamForm(PARAMS)
    qtbot.addWidget(form)
    kinds = {name: type(form.editor(name)) for name in form.values()}
    assert kinds == {"count": IntSpinBox, "size": IntSpinBox, "rate": SciSpinBox, "lr": LogFloatEditor,
                     "flag": QCheckBox, "mode": QComboBox, "path": QLineEdit}
    assert (form.editor("count").minimum(), form.editor("count").maximum()) == (1, 9)
    assert form.editor("size").text() == "auto"
    assert [form.editor("mode").itemText(i) for i in range(3)] == ["a", "b", "c"]
    assert form.editor("rate").toolTip() == "A fraction."
    assert form.label("count").toolTip() == "How many."
    assert form.values() == {p.name: p.default for p in PARAMS}


def test_edited_fires_for_user_changes_only(qtbot):
    form = ParamForm(PARAMS)
    qtbot.addWidget(form)
    seen = []
    form.edited.connect(lambda name, value: seen.append((name, value)))
    form.set_values({"count": 5, "size": 12, "flag": True, "lr": 0.01})
    assert seen == []
    assert form.values()["size"] == 12 and form.values()["lr"] == 0.01
    form.editor("count").setValue(7)
    form.editor("size").setValue(form.editor("size").minimum())  # back to "auto"
    form.editor("mode").setCurrentText("c")
    form.editor("flag").setChecked(False)
    assert seen == [("count", 7), ("size", None), ("mode", "c"), ("flag", False)]


def test_log_editor_slider_moves_in_tenths_of_a_decade(qtbot):
    editor = LogFloatEditor(1e-6, 10.0, 1e-3)
    qtbot.addWidget(editor)
    values = []
    editor.value_changed.connect(values.append)
    assert editor.slider.maximum() == 70
    editor.slider.setValue(editor.slider.value() + 10)  # one decade up
    assert values == [0.01] and editor.value() == 0.01
    editor.box.setValue(0.2)
    assert values[-1] == 0.2 and editor.slider.value() == round((-0.69897 + 6) * 10)


def test_sci_spin_box_shows_and_reads_small_numbers(qtbot):
    box = SciSpinBox(1e-6, 10.0, log_steps=True)
    qtbot.addWidget(box)
    box.setValue(3e-5)
    assert box.text() == "3e-05"
    assert box.valueFromText("2.5e-4") == 2.5e-4
    box.stepBy(1)
    assert box.value() == 6e-5


def test_training_form_has_every_setting(qtbot):
    form = ParamForm(TRAINING_PARAMS)
    qtbot.addWidget(form)
    assert list(form.values()) == [p.name for p in TRAINING_PARAMS]
    assert isinstance(form.editor("learning_rate"), LogFloatEditor)
