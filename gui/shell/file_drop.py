"""Drop an experiment file anywhere on the main window to open it.

One event filter instead of overrides in every panel. Qt aims a drag at the
innermost widget under the cursor that accepts drops (the model stack, the
plots' views…); so that a file reaches the window wherever it is dropped,
the filter watches the window and each of those widgets. It takes only drags
of local files: the model stack's layer drags are left to it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QMimeData, QObject, QTimer
from PySide6.QtWidgets import QWidget


def dropped_file(mime: QMimeData) -> str | None:
    """The first local file among the dragged URLs, if any."""
    for url in mime.urls() if mime.hasUrls() else ():
        if url.isLocalFile():
            return url.toLocalFile()
    return None


class FileDrop(QObject):
    def __init__(self, window: QWidget, open_file: Callable[[str], object]) -> None:
        super().__init__(window)
        self._open_file = open_file
        window.setAcceptDrops(True)
        # Build it after the panels: widgets made later are not watched.
        for widget in (window, *window.findChildren(QWidget)):
            if widget.acceptDrops():
                widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        kind = event.type()  # the drag events are QDragMoveEvent / QDropEvent, with mimeData()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if dropped_file(event.mimeData()) is not None:
                event.acceptProposedAction()
                return True
        elif kind == QEvent.Type.Drop:
            path = dropped_file(event.mimeData())
            if path is not None:
                event.acceptProposedAction()
                # Open after the drop has finished: the "save changes?" question
                # is modal and must not run inside the drag-and-drop loop.
                QTimer.singleShot(0, lambda: self._open_file(path))
                return True
        return False
