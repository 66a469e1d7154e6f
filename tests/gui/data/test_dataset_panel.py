"""The data set panel: every built-in data set, its options, its preview."""

from __future__ import annotations

import pytest


def wait_preview(qtbot, window):
    preview = window.dataset_panel.preview
    qtbot.waitUntil(lambda: not preview.busy and preview.samples is not None, timeout=30_000)
    return preview


def test_every_data_set_can_be_chosen(window):
    from engine.datasets import DATASETS

    panel = window.dataset_panel
    assert [panel.combo.itemData(i) for i in range(panel.combo.count())] == list(DATASETS)
    panel.combo.setCurrentIndex(panel.combo.findData("sine"))
    assert window.document.experiment.dataset.name == "sine"
    assert [p.name for p in panel.form.params] == [p.name for p in DATASETS["sine"].params]
    assert "50 steps × 1 feature" in panel.info_label.text()


def test_digit_preview_shows_thumbnails_with_labels(qtbot, window):
    preview = wait_preview(qtbot, window)
    assert preview.samples.kind == "image"
    assert preview.pages.currentWidget() is preview.image_widget
    image = preview.image_item.image
    assert image is not None and image.shape[1] == 8 * 9  # 8 thumbnails of 8 px and a gap each
    labels = [t.toPlainText() for t in preview.image_labels if t.isVisible()]
    assert len(labels) == 16 and set(labels) <= set("0123456789")


@pytest.mark.parametrize("dataset, page", [("sine", "sequence_widget"), ("motif", "sequence_widget"),
                                           ("text", "text_view")])
def test_sequence_and_text_previews(qtbot, window, dataset, page):
    window.dataset_panel.choose_dataset(dataset)
    qtbot.waitUntil(lambda: window.dataset_panel.preview.samples is not None
                    and window.dataset_panel.preview.samples.kind != "image", timeout=30_000)
    preview = wait_preview(qtbot, window)
    assert preview.pages.currentWidget() is getattr(preview, page)
    if dataset == "sine":
        x, y = preview.sequence_lines[0][0].getData()
        assert len(x) == 50
    if dataset == "text":
        assert "target:" in preview.text_view.toPlainText()


def test_options_change_the_spec_and_the_shapes(qtbot, window):
    panel = window.dataset_panel
    panel.set_option("as_sequence", True)
    assert window.document.experiment.dataset.options["as_sequence"] is True
    # A CNN for images cannot read sequences: Train says why, New RNN fixes it.
    assert not window.train_action.isEnabled()
    window.window_actions.new_rnn.trigger()
    assert window.train_action.isEnabled()
    assert "8 steps × 8 features" in panel.info_label.text()


def test_invalid_options_disable_train_with_the_reason(qtbot, window):
    panel = window.dataset_panel
    panel.choose_dataset("long_range")
    window.window_actions.new_rnn.trigger()
    panel.set_option("length", 10)  # shorter than the distance the task needs
    analysis = window.document.analysis()
    assert analysis.data_error
    assert not window.train_action.isEnabled()
    assert "⚠" in panel.info_label.text()
