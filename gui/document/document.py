"""The open experiment: the single source of truth the widgets edit.

Widgets never change a model in place: they build a new ``Experiment`` from
``document.experiment`` and hand it to ``set``, which pushes it as one step
on ``undo_stack`` (see gui/document/undo.py). Every change, undo and redo included,
is announced by ``changed``; the data-set description and the shape analysis
of the current spec are computed once per spec and shared by every view that
needs them.

The document is dirty when its spec differs from the one last saved or
opened, so undoing back to the saved state (or editing a value back) is
clean again; a recovered autosave is dirty until it is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from engine.errors import PlaygroundError
from engine.spec import Experiment


@dataclass(frozen=True)
class Analysis:
    """What the engine says about the current spec (imports torch: only
    use after the engine has been loaded)."""

    info: object | None  # engine.datasets.base.DataInfo
    summary: object | None  # engine.shapes.ModelSummary
    data_error: str | None
    pending: bool = False  # shapes not inferred yet: torch is still warming up

    @property
    def ok(self) -> bool:
        return self.data_error is None and self.summary is not None and self.summary.ok

    @property
    def problem(self) -> str | None:
        """Why this experiment cannot be trained, in one line, or None."""
        if self.pending:
            return "PyTorch is still warming up…"
        if self.data_error:
            return f"data set: {self.data_error}"
        if self.summary is not None and self.summary.error is not None:
            error = self.summary.error
            if not self.summary.rows and error.layer_type == "model":  # an empty stack
                return f"the model has no layers: {error.message}"
            return f"layer {error.index + 1} ({error.layer_type}): {error.message}"
        return None


def analyse(experiment: Experiment, with_shapes: bool = True) -> Analysis:
    from engine import datasets
    from engine.shapes import infer

    try:
        info = datasets.describe(experiment.dataset)
    except PlaygroundError as exc:
        return Analysis(None, None, str(exc))
    if not with_shapes:
        return Analysis(info, None, None, pending=True)
    return Analysis(info, infer(experiment.model, info), None)


class Document(QObject):
    changed = Signal(object)  # the new Experiment
    saved = Signal(str)  # the path written
    replaced = Signal(object)  # another document (New, Open, Revert): what the window shows of a run goes

    def __init__(self, experiment: Experiment, path: str | None = None, parent: QObject | None = None,
                 shapes_ready: bool = True) -> None:
        super().__init__(parent)
        # False while the engine loader still warms up shape inference: the first
        # inference imports torch._dynamo (seconds, under the import lock), which
        # must not happen on the GUI thread. See EngineLoader.
        self.shapes_ready = shapes_ready
        self._experiment = experiment
        self._path = path
        self._saved: Experiment | None = experiment  # None: not on disk as it is (a recovered autosave)
        self._analysis: Analysis | None = None
        self.undo_stack = QUndoStack(self)

    @property
    def experiment(self) -> Experiment:
        return self._experiment

    @property
    def path(self) -> str | None:
        return self._path

    @property
    def dirty(self) -> bool:
        return self._experiment != self._saved

    @property
    def display_name(self) -> str:
        return self._experiment.name or (Path(self._path).stem if self._path else "Untitled")

    def analysis(self) -> Analysis:
        if self._analysis is None:
            self._analysis = analyse(self._experiment, self.shapes_ready)
        return self._analysis

    def set_shapes_ready(self) -> None:
        """Shape inference is warm: analyse again and let every view redraw."""
        self.shapes_ready, self._analysis = True, None
        self.changed.emit(self._experiment)

    def set(self, experiment: Experiment, text: str | None = None, merge_key: str | None = None) -> None:
        """An edit, as one undoable step named ``text`` (derived from the change
        when None). Consecutive edits with the same ``merge_key`` are one step."""
        from gui.document.undo import SpecEdit, describe_edit

        if experiment == self._experiment:
            return
        before = self._experiment
        self.undo_stack.push(SpecEdit(self, before, experiment, text or describe_edit(before, experiment),
                                      merge_key))

    def replace(self, experiment: Experiment, path: str | None, dirty: bool = False) -> None:
        """A different document (New, Open, Revert, a recovered autosave): no
        undo history, its own path; clean unless ``dirty`` (not saved as it is)."""
        self.undo_stack.clear()
        self._experiment, self._path, self._analysis = experiment, path, None
        self._saved = None if dirty else experiment
        self.replaced.emit(experiment)
        self.changed.emit(experiment)

    def save(self, path: str) -> None:
        """Write atomically; raises OSError for a file system problem."""
        from engine.experiment_file import save_experiment

        save_experiment(self._experiment, path)
        self._path, self._saved = path, self._experiment
        # Also ends merging: the next spin-box step after a save is a step of its own.
        self.undo_stack.setClean()
        self.saved.emit(path)
        self.changed.emit(self._experiment)

    def _apply(self, experiment: Experiment) -> None:
        """What an undo step does to the document (gui.document.undo.SpecEdit only)."""
        self._experiment, self._analysis = experiment, None
        self.changed.emit(experiment)
