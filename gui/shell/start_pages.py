"""When the examples gallery and the guided tour appear over the main
window, and what opening an example does: the window's side of
gui/gallery/ (which knows nothing of the window but what it is given).

The gallery is the start page on the first start (or whenever the user asked
for it), the tour follows once it has been closed; neither shows over a file
named on the command line, over recovered work, or over a modal question.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

from gui.common.settings import app_settings
from gui.gallery.page import SEEN_KEY, GalleryDialog, shows_at_start
from gui.gallery.tour import RETRY_MS, GuidedTour, tour_seen


def open_example(window: QMainWindow, path: str) -> bool:
    """Open an example in ``window`` through its file commands: a preset after
    the unsaved-changes question, a comparison in its own window (the file
    commands tell them apart by the file's "format"). False when the user
    cancelled or the file failed (the file commands say why)."""
    return bool(window.files.open_file(path))


def install_gallery(window: QMainWindow) -> None:
    """Help ▸ Examples opens the gallery; the ready window shows it at start
    when it should (after anything already queued, such as crash recovery)."""
    window.window_actions.examples.triggered.connect(lambda: show_gallery(window))
    window.ready.connect(lambda: QTimer.singleShot(0, window, lambda: show_gallery_at_start(window)))


def show_gallery(window: QMainWindow) -> GalleryDialog | None:
    """Help ▸ Examples: the gallery, raised if it is open already."""
    if getattr(window, "files", None) is None:
        window.statusBar().showMessage("The examples open once PyTorch has loaded.", 5000)
        return None
    dialog = window.findChild(GalleryDialog)
    if dialog is None:
        lessons = getattr(window, "lessons", None)
        dialog = GalleryDialog(window, lambda path: open_example(window, path),
                               (lambda: lessons.show()) if lessons is not None else None)
    app_settings().setValue(SEEN_KEY, True)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog


def show_gallery_at_start(window: QMainWindow, tries: int = 600) -> None:
    """Called when the window is ready. Not over a file named on the command
    line, nor over recovered work; after a modal question (crash recovery)
    has been answered."""
    if getattr(window, "initial_path", None) is not None or not shows_at_start():
        return
    if QApplication.activeModalWidget() is not None:
        if tries > 0:
            QTimer.singleShot(500, window, lambda: show_gallery_at_start(window, tries - 1))
        return
    if window.document is None or window.document.dirty or not window.isVisible():
        return
    show_gallery(window)


def install_tour(window: QMainWindow) -> None:
    """Help ▸ Guided Tour opens the tour; the ready window shows it on the first start."""
    window.window_actions.tour.triggered.connect(lambda: show_tour(window))
    # Connected after the gallery's own start-up call, so that one goes first.
    window.ready.connect(lambda: QTimer.singleShot(0, window, lambda: show_tour_at_start(window)))


def show_tour(window: QMainWindow) -> GuidedTour:
    """Help ▸ Guided Tour: from the first step, over whatever is shown."""
    tour = window.findChild(GuidedTour)
    if tour is None:
        tour = GuidedTour(window)
    tour.start(0)
    return tour


def _waiting_for_gallery(window: QMainWindow) -> bool:
    """The gallery is up, or is about to be shown as the start page."""
    dialog = window.findChild(GalleryDialog)
    if dialog is not None and dialog.isVisible():
        return True
    # show_gallery_at_start skips a file named on the command line and recovered work.
    document = getattr(window, "document", None)
    return (dialog is None and shows_at_start() and getattr(window, "initial_path", None) is None
            and document is not None and not document.dirty)


def show_tour_at_start(window: QMainWindow, tries: int = 2000) -> None:
    """On the first start only: after the start-up gallery has been closed and
    any modal question (crash recovery) answered."""
    if tour_seen() or not window.isVisible():
        return
    if QApplication.activeModalWidget() is not None or _waiting_for_gallery(window):
        if tries > 0:
            QTimer.singleShot(RETRY_MS, window, lambda: show_tour_at_start(window, tries - 1))
        return
    tour = window.findChild(GuidedTour)
    if tour is None or not tour.is_open:
        show_tour(window)
