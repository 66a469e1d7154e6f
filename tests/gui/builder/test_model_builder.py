"""Building a model as a person would: palette, stack, property editor."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QByteArray, QMimeData, QPointF, Qt
from PySide6.QtGui import QDropEvent

from gui.builder.layer_palette import LAYER_TYPE_MIME


def clear_model(window):
    window.model_stack.set_layers(type(window.document.experiment.model)(()))


def build_cnn(window):
    palette, stack = window.layer_palette, window.model_stack
    clear_model(window)
    for layer in ("Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear"):
        palette.append_layer(layer)
    stack.select_row(0)
    window.layer_properties.set_value("out_channels", 8)
    window.layer_properties.set_value("padding", 1)


def test_build_a_cnn_from_the_palette_shows_shapes_and_parameters(window):
    build_cnn(window)
    stack = window.model_stack
    assert stack.row_count() == 5
    assert [stack.row_text(i, "Layer") for i in range(5)] == ["Conv2d", "ReLU", "MaxPool2d", "Flatten",
                                                              "Linear"]
    assert stack.row_text(0, "Output") == "8×8×8 image"
    assert stack.row_text(0, "Params") == f"{8 * 9 + 8:,}"  # 3×3 filters on 1 channel, plus biases
    assert stack.row_text(2, "Output") == "8×4×4 image"
    assert stack.row_text(3, "Output") == "128 features"
    assert stack.row_text(4, "Output") == "10 features"
    assert stack.row_text(4, "Params") == f"{128 * 10 + 10:,}"
    assert "ch 8" in stack.row_text(0, "Settings") and "pad 1" in stack.row_text(0, "Settings")
    assert "Total: 1,370 parameters" in stack.summary_label.text()
    assert "receptive field 4×4 pixels" in stack.summary_label.text()
    assert window.train_action.isEnabled()
    assert window.document.dirty and window.isWindowModified()


def test_property_editor_is_generated_from_the_registry(window):
    from PySide6.QtWidgets import QCheckBox, QSpinBox

    from engine.layers import REGISTRY

    build_cnn(window)
    window.model_stack.select_row(0)
    form = window.layer_properties.form
    assert [p.name for p in form.params] == [p.name for p in REGISTRY["Conv2d"].params]
    spin = form.editor("kernel_size")
    assert isinstance(spin, QSpinBox) and (spin.minimum(), spin.maximum()) == (1, 31)
    assert spin.toolTip() == REGISTRY["Conv2d"].params[1].help
    assert isinstance(form.editor("bias"), QCheckBox)
    # Editing through the widget, as a user would, changes the spec and the row.
    spin.setValue(5)
    assert window.document.experiment.model.layers[0].params["kernel_size"] == 5
    assert window.model_stack.row_text(0, "Output") == "8×6×6 image"
    # A parameterless layer says so.
    window.model_stack.select_row(1)
    assert window.layer_properties.form is None
    assert "no settings" in window.layer_properties.help.text()


def test_linear_may_be_left_auto(window):
    build_cnn(window)
    window.model_stack.select_row(4)
    spin = window.layer_properties.form.editor("out_features")
    assert spin.text() == "auto"


def test_impossible_stack_disables_train_and_marks_the_row(window):
    clear_model(window)
    window.layer_palette.append_layer("Conv2d")
    window.layer_palette.append_layer("Linear")  # Linear straight after Conv2d: needs Flatten
    stack = window.model_stack
    analysis = window.document.analysis()
    message = analysis.summary.error.message
    assert analysis.summary.error.index == 1
    assert "Flatten" in message
    assert stack.row_tooltip(1) == message
    item = stack.view.topLevelItem(1)
    assert not item.icon(1).isNull()
    assert item.background(1).color().red() > item.background(1).color().green()
    assert not window.train_action.isEnabled()
    assert not window.step_action.isEnabled()
    reason = window.training_panel.reason_label
    assert not reason.isHidden() and message in reason.text()
    # Fixing it enables Train again.
    window.model_stack.insert_layer(1, "Flatten")
    assert window.train_action.isEnabled() and reason.isHidden()


def test_delete_duplicate_and_reorder(window):
    build_cnn(window)
    stack = window.model_stack
    stack.select_row(1)
    window.window_actions.duplicate_layer.trigger()
    assert [stack.row_text(i, "Layer") for i in range(3)] == ["Conv2d", "ReLU", "ReLU"]
    assert stack.selected_row() == 2
    window.window_actions.delete_layer.trigger()
    assert stack.row_count() == 5 and stack.selected_row() == 2
    stack.move_layer(2, 0)  # MaxPool2d before Conv2d
    assert [stack.row_text(i, "Layer") for i in range(3)] == ["MaxPool2d", "Conv2d", "ReLU"]
    stack.move_layer(0, 3)  # and back below ReLU
    assert [stack.row_text(i, "Layer") for i in range(3)] == ["Conv2d", "ReLU", "MaxPool2d"]


def drop(view, mime: QMimeData, row: int):
    rect = view.visualItemRect(view.topLevelItem(row)) if row < view.topLevelItemCount() else None
    y = rect.top() + 2 if rect is not None else view.viewport().height() - 2
    event = QDropEvent(QPointF(10, y), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    view.dropEvent(event)


def test_dropping_a_palette_layer_inserts_it_where_dropped(window):
    build_cnn(window)
    mime = window.layer_palette.mimeData([window.layer_palette.item_for("BatchNorm2d")])
    assert bytes(mime.data(LAYER_TYPE_MIME).data()) == b"BatchNorm2d"
    drop(window.model_stack.view, mime, 1)
    stack = window.model_stack
    assert [stack.row_text(i, "Layer") for i in range(3)] == ["Conv2d", "BatchNorm2d", "ReLU"]
    unknown = QMimeData()
    unknown.setData("text/x-other", QByteArray(b"x"))
    drop(window.model_stack.view, unknown, 0)
    assert stack.row_count() == 6


def test_dragging_a_row_moves_the_layer(window):
    from gui.builder.stack_view import LAYER_ROW_MIME

    build_cnn(window)
    mime = QMimeData()
    mime.setData(LAYER_ROW_MIME, QByteArray(b"2"))  # MaxPool2d…
    drop(window.model_stack.view, mime, 0)  # …dropped above the first row
    stack = window.model_stack
    assert [stack.row_text(i, "Layer") for i in range(3)] == ["MaxPool2d", "Conv2d", "ReLU"]
    assert stack.selected_row() == 0


@pytest.mark.parametrize("dataset", ["digits", "shapes", "sine", "copy_memory", "motif", "text"])
@pytest.mark.parametrize("kind", ["cnn", "rnn", "hybrid"])
def test_templates_fit_every_data_set(window, dataset, kind):
    window.dataset_panel.choose_dataset(dataset)
    getattr(window.window_actions, f"new_{kind}").trigger()
    analysis = window.document.analysis()
    assert analysis.ok, analysis.problem
    assert window.train_action.isEnabled()
    text = window.model_stack.summary_label.text()
    if kind != "cnn":
        assert "state size 64" in text and "reads" in text
    else:
        assert "receptive field" in text


def test_palette_lists_every_layer_grouped_with_tooltips(window):
    from engine.layers import GROUPS, REGISTRY

    palette = window.layer_palette
    assert sorted(palette.layer_types()) == sorted(REGISTRY)
    root = palette.invisibleRootItem()
    assert [root.child(i).text(0) for i in range(root.childCount())] == list(GROUPS)
    assert REGISTRY["GRU"].help in palette.item_for("GRU").toolTip(0)
