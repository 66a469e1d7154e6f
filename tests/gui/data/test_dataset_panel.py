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


@pytest.mark.parametrize("dataset, says", [("seq2seq", "■"), ("expressions", "target"), ("clips", None),
                                           ("scenes", "■")])
def test_previews_of_outputs_trees_and_clips_read_as_what_they_are(qtbot, window, dataset, says):
    """Seq2seq inputs showed as "????" (no character vocabulary), a clip as a
    wall of float text: each now reads as its tokens, its caption, its frames."""
    window.dataset_panel.choose_dataset(dataset)
    qtbot.waitUntil(lambda: window.dataset_panel.preview.samples is not None
                    and getattr(window.dataset_panel.preview, "_pending", None) is None
                    and not window.dataset_panel.preview.busy, timeout=30_000)
    preview = wait_preview(qtbot, window)
    qtbot.wait(50)
    if dataset in ("clips", "scenes"):
        assert preview.pages.currentWidget() is preview.image_widget
        labels = [t.toPlainText() for t in preview.image_labels if t.isVisible()]
        assert labels and (says is None or all(says in label for label in labels))
        if dataset == "clips":
            assert "frames each" in preview.status.text()
            h, w = preview.samples.x.shape[2:]
            assert w == 8 * h  # 8 frames side by side
    else:
        text = preview.text_view.toPlainText()
        assert says in text and "?" not in text
