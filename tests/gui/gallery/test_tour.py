"""The guided tour: shown once on the first start after the examples gallery,
never over a modal question, Back / Next / Close / Esc, not shown again once
closed, reopened from Help ▸ Guided Tour, and every step points at a part of
the window that is there."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

from gui.common.settings import app_settings
from gui.gallery import page as gallery
from gui.gallery.tour import SEEN_KEY, STEPS, GuidedTour
from gui.shell.start_pages import show_tour_at_start
from tests.gui.conftest import open_window


def the_tour(window) -> GuidedTour | None:
    tour = window.findChild(GuidedTour)
    return tour if tour is not None and tour.is_open else None


def close_window(qtbot, window) -> None:
    dialog = window.findChild(gallery.GalleryDialog)
    if dialog is not None:
        qtbot.waitUntil(lambda: not dialog.gallery.loader.busy, timeout=20_000)
    window.close()


def test_the_first_start_shows_the_tour_after_the_gallery_and_never_again(qtbot):
    settings = app_settings()
    settings.setValue(gallery.SEEN_KEY, False)  # a first start: the conftest marks both seen
    settings.setValue(SEEN_KEY, False)
    window = open_window(qtbot)
    qtbot.waitUntil(lambda: window.findChild(gallery.GalleryDialog) is not None, timeout=5_000)
    dialog = window.findChild(gallery.GalleryDialog)
    qtbot.wait(600)  # past a retry: the tour waits for the gallery
    assert the_tour(window) is None
    qtbot.waitUntil(lambda: not dialog.gallery.loader.busy, timeout=20_000)
    dialog.close()
    qtbot.waitUntil(lambda: the_tour(window) is not None, timeout=3_000)
    tour = the_tour(window)
    assert tour.index == 0 and tour.bubble.counter.text() == f"Step 1 of {len(STEPS)}"
    qtbot.keyClick(tour.bubble, Qt.Key.Key_Escape)
    assert the_tour(window) is None
    assert settings.value(SEEN_KEY, type=bool) is True
    close_window(qtbot, window)

    second = open_window(qtbot)
    qtbot.wait(600)
    assert the_tour(second) is None
    close_window(qtbot, second)


def test_without_the_gallery_the_tour_waits_for_a_modal_question(window, qtbot):
    app_settings().setValue(SEEN_KEY, False)
    question = QDialog(window)  # stands in for "Recover unsaved changes?"
    question.setModal(True)
    question.show()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is question, timeout=2_000)
    show_tour_at_start(window)
    qtbot.wait(600)
    assert the_tour(window) is None
    question.close()
    qtbot.waitUntil(lambda: the_tour(window) is not None, timeout=3_000)


def test_next_back_and_close_and_each_step_points_at_a_visible_part(window, qtbot):
    window.window_actions.tour.trigger()  # Help ▸ Guided Tour
    tour = the_tour(window)
    assert tour is not None and tour.index == 0
    b = tour.bubble
    assert not b.back_button.isEnabled()
    for i, step in enumerate(STEPS):
        assert tour.index == i
        assert b.counter.text() == f"Step {i + 1} of {len(STEPS)}"
        assert b.title.text() == step.title
        target = tour.target()
        assert target is not None and target.isVisible(), f"step {i + 1} ({step.title}) points at nothing"
        assert tour.highlight.isVisible()
        # The bubble lies inside the window and does not cover what it talks about.
        assert window.rect().contains(b.geometry())
        outline = tour.highlight.geometry()
        assert not b.geometry().intersects(outline.adjusted(6, 6, -6, -6)) or b.side == ""
        if i < len(STEPS) - 1:
            qtbot.mouseClick(b.next_button, Qt.MouseButton.LeftButton)
    assert b.next_button.text() == "Done"
    qtbot.mouseClick(b.back_button, Qt.MouseButton.LeftButton)
    assert tour.index == len(STEPS) - 2
    qtbot.keyClick(b, Qt.Key.Key_Right)
    assert tour.index == len(STEPS) - 1
    with qtbot.waitSignal(tour.closed, timeout=1_000):
        qtbot.mouseClick(b.next_button, Qt.MouseButton.LeftButton)  # Done
    assert the_tour(window) is None


def test_help_reopens_the_tour_from_the_first_step(window, qtbot):
    window.window_actions.tour.trigger()
    tour = the_tour(window)
    tour.next()
    tour.next()
    qtbot.mouseClick(tour.bubble.close_button, Qt.MouseButton.LeftButton)
    assert the_tour(window) is None
    assert window.window_actions.tour in window.menuBar().actions()[-1].menu().actions()
    window.window_actions.tour.trigger()
    assert the_tour(window) is tour and tour.index == 0


def test_arrow_keys_reach_the_tour_from_whatever_in_it_has_the_focus(window, qtbot):
    """A focused button took ←/→ to move the focus to its neighbour, so the
    arrows did nothing on a real desktop (issue #16, item 7); the key goes
    where the focus is, as a real key press does."""
    from gui.shell.start_pages import show_tour

    tour = show_tour(window)
    qtbot.waitUntil(lambda: tour.is_open, timeout=2_000)
    for button in (tour.bubble.next_button, tour.bubble.back_button, tour.bubble.close_button):
        button.setFocus()
        start = tour.index
        qtbot.keyClick(button, Qt.Key.Key_Right)
        assert tour.index == start + 1, button.text()
        qtbot.keyClick(button, Qt.Key.Key_Left)
        assert tour.index == start, button.text()
    qtbot.keyClick(tour.bubble.next_button, Qt.Key.Key_Escape)
    assert not tour.is_open
