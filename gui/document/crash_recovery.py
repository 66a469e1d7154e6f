"""After a crash: offer the autosaved copy of the experiment the last session
had not saved (see gui/document/autosave.py for how the copies are kept).

An autosave file whose lock can be taken belongs to a session that ended
without closing: a running window holds its own lock, so two instances never
offer (or delete) each other's work. The newest such copy is offered; Recover
opens it dirty under its original path, Discard deletes it. Older copies stay
for the next start, so nothing is lost without being asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLockFile
from PySide6.QtWidgets import QMessageBox, QWidget

from gui.document.autosave import Autosave, AutosaveRecord, lock_path, read_record
from gui.document.document import Document

TITLE = "Recover unsaved changes?"


@dataclass
class Orphan:
    """An autosave file left behind, locked by us while we decide."""

    file: Path
    lock: QLockFile

    def release(self) -> None:
        self.lock.unlock()

    def delete(self) -> None:
        self.file.unlink(missing_ok=True)
        self.lock.unlock()


def find_orphans(directory: Path, own: Path | None = None) -> list[Orphan]:
    """Autosave files of sessions that are not running, newest first."""
    try:
        files = sorted(directory.glob("*.json"), key=lambda f: f.stat().st_mtime, reverse=True)
    except OSError:
        return []
    orphans = []
    for file in files:
        if file == own:
            continue
        lock = QLockFile(str(lock_path(file)))
        if lock.tryLock(0):  # a stale lock (its process is gone) is taken over
            orphans.append(Orphan(file, lock))
    return orphans


def ask_to_recover(parent: QWidget, text: str) -> bool:
    """True for Recover. (Tests replace this function; see tests/gui/conftest.py.)"""
    box = QMessageBox(QMessageBox.Icon.Question, TITLE, text, QMessageBox.StandardButton.Discard, parent)
    recover = box.addButton("&Recover", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(recover)
    box.exec()
    return box.clickedButton() is recover


def describe(record: AutosaveRecord) -> str:
    where = f"“{record.original_path}”" if record.original_path else "a new, never saved experiment"
    when = record.saved_at.strftime("%d %b %Y, %H:%M")
    return (f"The playground did not close properly last time. “{record.experiment.name}” had unsaved "
            f"changes (from {where}, autosaved {when}).\n\nRecover them? Discard deletes the autosaved copy.")


def offer_recovery(parent: QWidget, document: Document, autosave: Autosave,
                   show_message: Callable[[str, str], None]) -> bool:
    """Offer the newest orphaned autosave; True when it was recovered into ``document``."""
    from engine.errors import PlaygroundError

    if autosave.closed:
        return False  # the window closed before it got here
    orphans = find_orphans(autosave.directory, own=autosave.file)
    if not orphans:
        return False
    newest = orphans[0]
    for other in orphans[1:]:
        other.release()
    try:
        record = read_record(newest.file)
    except PlaygroundError as exc:
        # Kept under another name for the curious, never offered again.
        aside = newest.file.with_suffix(".unreadable")
        try:
            newest.file.replace(aside)
        except OSError:
            aside = newest.file
        newest.release()
        show_message("Cannot recover unsaved changes", f"{exc}\n\nThe file was kept as {aside}.")
        return False
    if not ask_to_recover(parent, describe(record)):
        newest.delete()
        return False
    document.replace(record.experiment, record.original_path, dirty=True)
    # Ours now: written under this session's name before the old copy goes.
    if autosave.save_now():
        newest.delete()
    else:
        newest.release()
    return True
