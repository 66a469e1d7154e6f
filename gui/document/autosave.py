"""Autosave: a copy of the open experiment's unsaved state in the user data
folder, so a crash loses at most a minute of editing.

Each running window owns one file, ``<AppDataLocation>/autosave/<session>.json``
(the experiment, the path it belongs to and the time, in one atomic write),
and holds ``<session>.lock`` (a QLockFile: process id and host) for as long as
it runs. The file is written every minute and at once after a structural
edit (layers added, removed or moved, another data set) while the document is
dirty, and removed whenever the document is clean (saved, reverted,
discarded) and when the window closes. A file whose lock nobody holds was
left by a session that did not close cleanly: see gui/document/crash_recovery.py.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLockFile, QObject, QStandardPaths, QTimer, Signal

from engine.spec import Experiment

if TYPE_CHECKING:
    from gui.document.document import Document

FORMAT = "cnn-rnn-playground/autosave"
VERSION = 1
INTERVAL_MS = 60_000


def autosave_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base) / "autosave"


def lock_path(file: Path) -> Path:
    return file.with_suffix(".lock")


@dataclass(frozen=True)
class AutosaveRecord:
    experiment: Experiment
    original_path: str | None  # where the document lives (None: never saved)
    saved_at: datetime


def write_record(file: Path, experiment: Experiment, original_path: str | None) -> None:
    from engine.experiment_file import experiment_to_dict, write_atomic

    doc = {"format": FORMAT, "version": VERSION, "original_path": original_path,
           "saved_at": datetime.now().astimezone().isoformat(timespec="seconds"), "pid": os.getpid(),
           "experiment": experiment_to_dict(experiment)}
    write_atomic(file, json.dumps(doc, indent=1, ensure_ascii=False) + "\n", private=True)


def read_record(file: Path) -> AutosaveRecord:
    """Raises SpecError (naming the file and field) for anything unreadable."""
    from engine.errors import SpecError
    from engine.experiment_file import decode_json, parse_experiment

    name = str(file)
    try:
        doc = decode_json(file.read_bytes())
    except OSError as exc:
        raise SpecError("", f"cannot read: {exc.strerror or exc}", name) from None
    except SpecError as exc:
        raise exc.in_file(name) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise SpecError("format", f'must be "{FORMAT}" (not an autosave file)', name)
    original = doc.get("original_path")
    if original is not None and not isinstance(original, str):
        raise SpecError("original_path", "must be a string or null", name)
    try:
        saved_at = datetime.fromisoformat(str(doc.get("saved_at")))
    except ValueError:
        saved_at = datetime.fromtimestamp(file.stat().st_mtime).astimezone()
    try:
        experiment = parse_experiment(doc.get("experiment"))
    except SpecError as exc:
        raise SpecError(f"experiment.{exc.path}".rstrip("."), exc.message, name) from None
    return AutosaveRecord(experiment, original, saved_at)


def is_structural(before: Experiment, after: Experiment) -> bool:
    """Another data set, or layers added, removed, moved or replaced (not one
    setting of one layer): the edits worth saving at once."""
    if before.dataset.name != after.dataset.name:
        return True
    old, new = before.model.layers, after.model.layers
    if len(old) != len(new) or [layer.type for layer in old] != [layer.type for layer in new]:
        return True
    return sum(a != b for a, b in zip(old, new, strict=True)) > 1


class Autosave(QObject):
    failed = Signal(str)  # a one-line reason the copy could not be written

    def __init__(self, document: Document, directory: Path | str | None = None,
                 interval_ms: int = INTERVAL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.directory = Path(directory) if directory is not None else autosave_dir()
        self.file = self.directory / f"{os.getpid()}-{uuid.uuid4().hex[:8]}.json"
        self._lock: QLockFile | None = QLockFile(str(lock_path(self.file)))  # None once closed
        self._last = document.experiment
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._lock.tryLock(0)  # a fresh name: nobody else holds it
        except OSError as exc:
            self._report(exc)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.save_now)
        self._timer.start()
        document.changed.connect(self._on_document_changed)

    @property
    def closed(self) -> bool:
        return self._lock is None

    def save_now(self) -> bool:
        """Write the copy if the document has unsaved changes (else remove it);
        True when a copy was written."""
        if not self.document.dirty:
            self.discard()
            return False
        try:
            write_record(self.file, self.document.experiment, self.document.path)
        except OSError as exc:
            self._report(exc)
            return False
        return True

    def discard(self) -> None:
        self.file.unlink(missing_ok=True)

    def close(self) -> None:
        """A clean close: no copy left behind, the lock released."""
        self._timer.stop()
        self.document.changed.disconnect(self._on_document_changed)
        self.discard()
        if self._lock is not None:
            self._lock.unlock()  # removes the lock file
            self._lock = None

    def _on_document_changed(self, experiment: Experiment) -> None:
        before, self._last = self._last, experiment
        if not self.document.dirty:
            self.discard()
        elif is_structural(before, experiment):
            self.save_now()

    def _report(self, exc: OSError) -> None:
        self.failed.emit(f"Autosave failed: {self.file.parent}: {exc.strerror or exc}")
