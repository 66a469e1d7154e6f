"""Undo and redo of edits to the open experiment.

The specs are immutable, so an edit is just the experiment before and after
it: ``SpecEdit`` holds both and swaps them into the document. Edits that
carry the same merge key one after another (a spin box stepped or a slider
dragged) merge into one step; an edit merged back to where it started
disappears from the history. Each step's text names the edit, so the Edit
menu reads "Undo Change learning rate".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QUndoCommand, QUndoStack

from engine.spec import Experiment

if TYPE_CHECKING:
    from gui.document.document import Document

# QUndoCommand.id() must be an int; merge keys are strings like "training.learning_rate".
_MERGE_IDS: dict[str, int] = {}


def _merge_id(key: str | None) -> int:
    if key is None:
        return -1  # Qt: never merge
    return _MERGE_IDS.setdefault(key, len(_MERGE_IDS) + 1)


class SpecEdit(QUndoCommand):
    def __init__(self, document: Document, before: Experiment, after: Experiment, text: str,
                 merge_key: str | None = None) -> None:
        super().__init__(text)
        self.document = document
        self.before, self.after = before, after
        self.merge_key = merge_key

    def id(self) -> int:
        return _merge_id(self.merge_key)

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt override
        if not isinstance(other, SpecEdit) or other.merge_key != self.merge_key:
            return False
        self.after = other.after
        # Dragged back to the start: nothing left to undo, Qt drops the step.
        self.setObsolete(self.after == self.before)
        return True

    def redo(self) -> None:
        self.document._apply(self.after)

    def undo(self) -> None:
        self.document._apply(self.before)


def value_edit_key(scope: str, name: str, value: Any) -> str | None:
    """The merge key for one field's edit: numbers (spin boxes, sliders, "auto"
    ints) merge while they are edited in a row; choices, check boxes and text
    are single deliberate steps and never merge."""
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return f"{scope}.{name}"
    return None


def field_label(name: str) -> str:
    return name.replace("_", " ")


def describe_edit(before: Experiment, after: Experiment) -> str:
    """A name for an edit whose caller gave none, from what changed."""
    if before.dataset != after.dataset:
        if before.dataset.name != after.dataset.name:
            return f"Change data set to {after.dataset.name}"
        return "Change data set options"
    if before.model != after.model:
        old, new = before.model.layers, after.model.layers
        if len(new) == len(old) + 1:
            return "Add layer"
        if len(new) == len(old) - 1:
            return "Remove layer"
        return "Change model"
    if before.training != after.training:
        changed = [k for k, v in after.training.as_dict().items() if before.training.as_dict()[k] != v]
        if len(changed) == 1:
            return f"Change {field_label(changed[0])}"
        return "Change training settings"
    return "Change experiment"


class _ActionText(QObject):
    """Names the step an Undo or Redo action would take. A child of the action,
    so its connections to the stack end when the window's actions are deleted."""

    def __init__(self, action: QAction, verb: str) -> None:
        super().__init__(action)
        self.action, self.verb = action, verb

    def show(self, text: str) -> None:
        self.action.setText(f"&{self.verb} {text}" if text else f"&{self.verb}")
        self.action.setStatusTip(f"{self.verb}: {text}" if text else f"Nothing to {self.verb.lower()}")


def bind_undo_actions(stack: QUndoStack, undo: QAction, redo: QAction) -> None:
    """Drive the window's Undo and Redo actions from ``stack``: enabled when
    there is something to undo/redo, their text naming it."""
    undo_text, redo_text = _ActionText(undo, "Undo"), _ActionText(redo, "Redo")
    undo.triggered.connect(stack.undo)
    redo.triggered.connect(stack.redo)
    stack.canUndoChanged.connect(undo.setEnabled)
    stack.canRedoChanged.connect(redo.setEnabled)
    stack.undoTextChanged.connect(undo_text.show)
    stack.redoTextChanged.connect(redo_text.show)
    undo.setEnabled(stack.canUndo())
    redo.setEnabled(stack.canRedo())
    undo_text.show(stack.undoText())
    redo_text.show(stack.redoText())
