"""The claims gallery: a card for every built-in preset and comparison, every
claim C2–C17 covered, filter and search, thumbnails, keyboard, opening (with
the unsaved-changes guard) and the start page."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMessageBox

from gui.common.settings import app_settings
from gui.gallery.page import SEEN_KEY, SHOW_AT_START_KEY, Gallery, GalleryDialog
from gui.shell.start_pages import show_gallery
from tests.gui.conftest import open_window

PRESETS = Path(__file__).resolve().parents[3] / "presets"
CLAIMS_TO_COVER = [f"C{n}" for n in range(2, 18)]


@pytest.fixture
def gallery(qtbot):
    widget = Gallery()
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    yield widget
    widget.shutdown()


def visible_keys(gallery: Gallery) -> set[str]:
    return {card.item.key for card in gallery.visible_cards()}


def test_every_preset_and_comparison_file_has_a_card(gallery):
    files = {path.stem for path in PRESETS.glob("*.json")}
    assert files and {card.item.key for card in gallery.cards} == files
    comparisons = {card.item.key for card in gallery.cards if card.item.kind == "comparison"}
    assert comparisons == {stem for stem in files if stem.startswith("compare_")}
    for card in gallery.cards:  # what a learner reads on the card
        assert card.title.text() and len(card.description.text()) > 40
        assert card.item.claims, f"{card.item.key} names no claim in its description"
        assert all(tag.toolTip().startswith(f"<b>{tag.text()}</b>: ") for tag in card.claim_tags)


def test_every_claim_from_c2_to_c15_has_an_example(gallery):
    covered = {claim for card in gallery.cards for claim in card.item.claims}
    missing = [claim for claim in CLAIMS_TO_COVER if claim not in covered]
    assert not missing, f"no preset or comparison demonstrates {', '.join(missing)}"


def test_the_claim_filter_and_the_search_narrow_the_cards(gallery, qtbot):
    everything = visible_keys(gallery)
    assert len(everything) == len(gallery.cards)
    gallery.set_claim("C9")
    c9 = visible_keys(gallery)
    assert c9 and c9 < everything
    assert all("C9" in gallery.card_for(key).item.claims for key in c9)
    assert "copy_memory_rnn" in c9 and "digits_cnn" not in c9
    assert gallery.count_label.text() == f"{len(c9)} of {len(everything)}"
    qtbot.keyClicks(gallery.search, "lstm")
    def mentions_lstm(key):
        item = gallery.card_for(key).item
        return "lstm" in f"{item.title} {item.description} {item.badge}".lower()

    found = visible_keys(gallery)
    assert found == {key for key in c9 if mentions_lstm(key)} and "copy_memory_lstm" in found
    gallery.set_claim(None)
    lstm = visible_keys(gallery)
    assert "text_lstm" in lstm and "digits_cnn" not in lstm and lstm > visible_keys(gallery) - lstm
    gallery.search.setText("no such example zzz")
    assert visible_keys(gallery) == set()
    assert gallery.empty_label.isVisible()
    gallery.search.clear()
    assert visible_keys(gallery) == everything and not gallery.empty_label.isVisible()


def test_thumbnails_are_drawn_from_the_data_off_the_gui_thread(gallery, qtbot):
    placeholder = gallery.card_for("digits_cnn").thumbnail.pixmap().toImage()
    gallery.load_thumbnails()
    qtbot.waitUntil(lambda: all(card.has_thumbnail for card in gallery.cards), timeout=20_000)
    qtbot.waitUntil(lambda: not gallery.loader.busy, timeout=5_000)
    digits = gallery.card_for("digits_cnn").thumbnail.pixmap().toImage()
    assert digits != placeholder
    # Different data sets, different pictures; the same data set, the same samples.
    assert digits != gallery.card_for("motif_cnn").thumbnail.pixmap().toImage()
    assert gallery.loader.samples(gallery.card_for("motif_cnn").item) is gallery.loader.samples(
        gallery.card_for("compare_motif").item)
    # A second gallery draws from the cache at once, without a worker.
    again = Gallery()
    qtbot.addWidget(again)
    again.load_thumbnails()
    assert not again.loader.busy and all(card.has_thumbnail for card in again.cards)


def test_arrow_keys_move_between_cards_and_enter_opens(gallery, qtbot):
    gallery.activateWindow()
    opened = []
    gallery.opened.connect(opened.append)
    gallery.search.setFocus()
    qtbot.keyClick(gallery.search, Qt.Key.Key_Down)
    first, second = gallery.visible_cards()[:2]
    assert first.hasFocus()
    qtbot.keyClick(first, Qt.Key.Key_Right)
    assert second.hasFocus()
    qtbot.keyClick(second, Qt.Key.Key_Left)
    assert first.hasFocus()
    qtbot.keyClick(first, Qt.Key.Key_Return)
    assert [item.key for item in opened] == [first.item.key]
    qtbot.mouseDClick(second, Qt.MouseButton.LeftButton)
    assert [item.key for item in opened] == [first.item.key, second.item.key]


def test_help_examples_opens_the_gallery_and_open_loads_the_preset(window, qtbot, dialogs):
    action = window.window_actions.examples
    key = QKeySequence("Ctrl+Shift+E")
    assert key in action.shortcuts()
    # An ambiguous shortcut does nothing in Qt: no other action may take the key.
    assert [a.text() for a in window.findChildren(QAction) if a is not action and key in a.shortcuts()] == []
    action.trigger()
    dialog = window.findChild(GalleryDialog)
    assert dialog is not None and dialog.isVisible()
    card = dialog.gallery.card_for("motif_gru")
    card.open_button.click()
    assert window.document.path == str(PRESETS / "motif_gru.json")
    assert window.document.experiment.dataset.name == "motif" and not window.document.dirty
    assert not dialog.isVisible() and dialogs.questions == []  # nothing unsaved: nothing asked
    qtbot.waitUntil(lambda: not dialog.gallery.loader.busy, timeout=20_000)


def test_opening_an_example_asks_about_unsaved_changes_first(window, qtbot, dialogs):
    before = window.document.experiment
    window.training_panel.set_value("epochs", 7)
    assert window.document.dirty
    dialog = show_gallery(window)
    dialogs.answer = QMessageBox.StandardButton.Cancel
    dialog.gallery.card_for("sine_gru").open()
    assert len(dialogs.questions) == 1 and "unsaved changes" in dialogs.questions[0]
    assert window.document.dirty and window.document.experiment.training.epochs == 7
    assert window.document.experiment.dataset == before.dataset and dialog.isVisible()  # still choosing
    dialogs.answer = QMessageBox.StandardButton.Discard
    dialog.gallery.card_for("sine_gru").open()
    assert window.document.experiment.dataset.name == "sine" and not window.document.dirty
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: not dialog.gallery.loader.busy, timeout=20_000)


def test_a_comparison_card_opens_the_comparison_and_keeps_the_document(window, qtbot, dialogs):
    window.training_panel.set_value("epochs", 7)  # unsaved, and a comparison must not touch it
    dialog = show_gallery(window)
    dialog.gallery.card_for("compare_motif").open()
    assert window.document.dirty and window.document.experiment.training.epochs == 7
    assert not any(title.startswith("Cannot open") for title, _ in window.messages), window.messages
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: not dialog.gallery.loader.busy, timeout=20_000)
    for panel in list(window.files.comparisons.panels):
        panel.close()


def gallery_at_start(qtbot, window) -> GalleryDialog | None:
    """The start page, if it opens: it comes one event-loop turn after ready."""
    qtbot.wait(50)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=5_000)
    dialog = window.findChild(GalleryDialog)
    return dialog if dialog is not None and dialog.isVisible() else None


def close_window(qtbot, window) -> None:
    dialog = window.findChild(GalleryDialog)
    if dialog is not None:
        qtbot.waitUntil(lambda: not dialog.gallery.loader.busy, timeout=20_000)
    window.close()


def test_the_first_start_shows_the_gallery_and_the_checkbox_keeps_it(qtbot):
    app_settings().setValue(SEEN_KEY, False)  # a first start (the conftest marks it seen)
    window = open_window(qtbot)
    qtbot.waitUntil(lambda: gallery_at_start(qtbot, window) is not None, timeout=5_000)
    dialog = gallery_at_start(qtbot, window)
    assert not dialog.show_at_start.isChecked()  # shown once; again only when asked for
    dialog.show_at_start.setChecked(True)
    assert app_settings().value(SHOW_AT_START_KEY, type=bool) is True
    close_window(qtbot, window)

    second = open_window(qtbot)
    qtbot.waitUntil(lambda: gallery_at_start(qtbot, second) is not None, timeout=5_000)
    dialog = gallery_at_start(qtbot, second)
    assert dialog.show_at_start.isChecked()
    dialog.show_at_start.setChecked(False)
    close_window(qtbot, second)

    third = open_window(qtbot)
    assert gallery_at_start(qtbot, third) is None
    close_window(qtbot, third)


def test_no_start_page_over_a_file_named_on_the_command_line(qtbot):
    app_settings().setValue(SEEN_KEY, False)
    window = open_window(qtbot, str(PRESETS / "sine_gru.json"))
    assert gallery_at_start(qtbot, window) is None
    assert window.document.experiment.dataset.name == "sine"
    close_window(qtbot, window)


def test_the_start_page_waits_for_a_modal_question_and_skips_unsaved_work(window, qtbot):
    from PySide6.QtWidgets import QDialog

    from gui.shell.start_pages import show_gallery_at_start

    app_settings().setValue(SEEN_KEY, False)
    question = QDialog(window)  # stands in for "Recover unsaved changes?"
    question.setModal(True)
    question.show()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is question, timeout=2_000)
    show_gallery_at_start(window)
    qtbot.wait(700)  # past the first retry
    assert window.findChild(GalleryDialog) is None
    question.close()
    qtbot.waitUntil(lambda: gallery_at_start(qtbot, window) is not None, timeout=3_000)
    dialog = window.findChild(GalleryDialog)
    qtbot.waitUntil(lambda: not dialog.gallery.loader.busy, timeout=20_000)
    dialog.close()
    dialog.deleteLater()
    qtbot.waitUntil(lambda: window.findChild(GalleryDialog) is None, timeout=2_000)
    app_settings().setValue(SEEN_KEY, False)  # showing it marked it seen
    window.training_panel.set_value("epochs", 7)  # as after Recover: unsaved work in the window
    show_gallery_at_start(window)
    qtbot.wait(50)
    assert window.findChild(GalleryDialog) is None
