"""New, Open, Open Recent, Save, Save As and Revert for the main window's
document, and the "save your changes?" question. Undo lives on the document
(gui/document/undo.py), autosave beside it (gui/document/autosave.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from engine.presets import PRESETS_DIR
from gui.comparison.opener import ComparisonOpener, is_comparison
from gui.document.document import Document
from gui.document.recent_files import RecentFiles

FILE_FILTER = "Experiments and comparisons (*.json);;All files (*)"


def default_experiment_and_path() -> tuple[object, str | None]:
    """The default preset, or the built-in digits CNN when it is missing or broken."""
    from engine.errors import PlaygroundError
    from engine.experiment_file import load_experiment
    from engine.presets import DEFAULT_PRESET, preset_path
    from gui.builder.templates import default_experiment

    path = preset_path(DEFAULT_PRESET)
    try:
        return load_experiment(path), str(path)
    except PlaygroundError:
        return default_experiment(), None


def is_builtin_preset(path: str | None) -> bool:
    return path is not None and Path(path).resolve().parent == PRESETS_DIR


class FileCommands(QObject):
    def __init__(self, window: QWidget, document: Document,
                 show_message: Callable[[str, str, QMessageBox.Icon], None]) -> None:
        super().__init__(window)
        self.window = window
        self.document = document
        self.show_message = show_message
        self.recent = RecentFiles(self.open_file, self)
        self.trained_weights = None  # gui.trained.trained_weights.TrainedWeights: weights saved and opened beside
        # Comparison files open in a window of their own and leave the document alone.
        self.comparisons = ComparisonOpener(window, document, show_message, self.recent.add)
        # open_sweep(path): the shell sets it; sweep files then open in a Sweep window.
        self.open_sweep: Callable[[str], bool] | None = None

    def new(self, kind: str = "preset") -> bool:
        """File ▸ New: ``preset`` (the default preset), or an untitled experiment
        on the current data set and training settings with an ``empty`` model,
        a ``cnn`` or an ``rnn`` fitted to the data."""
        if not self.confirm_discard():
            return False
        if kind == "preset":
            experiment, _path = default_experiment_and_path()
        else:
            experiment = self.untitled(kind)
        # A new experiment is untitled: Save must ask where, never overwrite the preset.
        self.document.replace(experiment, None)
        if self.trained_weights is not None:
            self.trained_weights.clear()  # weights follow the document
        return True

    def open_experiment(self, experiment, ask: bool = True) -> bool:
        """Show ``experiment`` (one taken from a comparison) as an untitled document: Save asks where."""
        if ask and not self.confirm_discard():
            return False
        self.document.replace(experiment, None)
        if self.trained_weights is not None:
            self.trained_weights.clear()  # weights follow the document
        return True

    def untitled(self, kind: str):
        from engine.spec import ModelSpec
        from gui.builder.templates import stack_for

        current = self.document.experiment
        info = self.document.analysis().info
        model = stack_for(kind, info) if kind != "empty" and info is not None else ModelSpec(())
        label = {"cnn": "CNN", "rnn": "RNN"}.get(kind, "")
        return replace(current, name=f"Untitled {label}".strip(), description="", model=model)

    def open(self) -> bool:
        start = str(Path(self.document.path).parent) if self.document.path else str(PRESETS_DIR)
        path, _ = QFileDialog.getOpenFileName(self.window, "Open experiment or comparison", start, FILE_FILTER)
        return bool(path) and self.open_file(path)

    def open_file(self, path: str) -> bool:
        """Open a known ``path`` (a recent file, a dropped one), asking about unsaved
        changes first — unless it is a comparison, which leaves the document alone."""
        if is_comparison(path):
            return self.comparisons.open_path(path)
        if self._is_sweep(path):
            return self._open_sweep(path)
        return self.confirm_discard() and self.open_path(path)

    def open_path(self, path: str, note: str = "") -> bool:
        """Load ``path``; a bad file shows its one-line problem (and ``note``) and changes nothing.
        A comparison file (told by its "format") opens in a comparison window instead."""
        from engine.errors import PlaygroundError
        from engine.experiment_file import load_experiment, remove_stale_temporaries

        if is_comparison(path):
            return self.comparisons.open_path(path)
        if self._is_sweep(path):
            return self._open_sweep(path)
        try:
            experiment = load_experiment(path)
        except PlaygroundError as exc:
            text = f"{exc}\n\n{note}" if note else str(exc)
            self.show_message("Cannot open experiment", text, QMessageBox.Icon.Warning)
            return False
        self.document.replace(experiment, str(path))
        remove_stale_temporaries(path)  # what a save killed half-way left beside it
        if self.trained_weights is not None:  # name.weights.npz beside it, when there and it fits
            self.trained_weights.open_beside(str(path), experiment)
        self.recent.add(str(path))
        return True

    def _is_sweep(self, path: str) -> bool:
        from gui.sweep.sweep_opener import is_sweep

        return self.open_sweep is not None and is_sweep(path)

    def _open_sweep(self, path: str) -> bool:
        opened = self.open_sweep(path)
        if opened:
            self.recent.add(str(path))
        return opened

    def revert(self) -> bool:
        """Reload the document's file, dropping the unsaved changes (after asking)."""
        path = self.document.path
        if path is None:
            return False
        if self.document.dirty:
            answer = QMessageBox.question(
                self.window, "Revert",
                f"Discard the unsaved changes to “{self.document.display_name}” and reload "
                f"{Path(path).name} from disk? This cannot be undone.",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel)
            if answer != QMessageBox.StandardButton.Discard:
                return False
        return self.open_path(path, note="The experiment stays as it was.")

    def save(self) -> bool:
        path = self.document.path
        if path is None or is_builtin_preset(path):
            return self.save_as()
        return self._write(path)

    def save_as(self) -> bool:
        suggested = self.document.path
        if suggested is None or is_builtin_preset(suggested):
            name = "".join(c if c.isalnum() else "_" for c in self.document.display_name).strip("_").lower()
            suggested = str(Path.home() / f"{name or 'experiment'}.json")
        path, _ = QFileDialog.getSaveFileName(self.window, "Save experiment as", suggested, FILE_FILTER)
        if not path:
            return False
        if not Path(path).suffix:
            path += ".json"
        return self._write(path)

    def confirm_discard(self) -> bool:
        """True when it is fine to drop the current document (saved, or the user said so)."""
        if not self.document.dirty:
            return True
        answer = QMessageBox.question(
            self.window, "Unsaved changes",
            f"“{self.document.display_name}” has unsaved changes. Save them first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def _write(self, path: str) -> bool:
        try:
            self.document.save(path)
        except OSError as exc:
            self.show_message("Cannot save", f"{path}: {exc.strerror or exc}", QMessageBox.Icon.Critical)
            return False
        weights = self.trained_weights
        problem = weights.save_beside(path, self.document.experiment) if weights is not None else None
        if problem:  # the experiment is saved; an older weights file, if any, is left whole
            self.show_message("Trained weights not saved", f"The experiment was saved, its trained weights "
                              f"were not: {problem}", QMessageBox.Icon.Warning)
        self.recent.add(path)
        return True
