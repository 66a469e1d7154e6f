"""Opening labs: from a comparison (its window's "Open as lab", a lab file,
``python main.py --lab COMP.json``) or from the main window's model ("Compare
with…" another preset).

Each lab is a window of its own over the main window, which it leaves alone
until the user opens a column there. A lab file is a comparison file with
each column's weights beside it (engine/lab_file.py): it reopens trained,
and a column whose weights no longer fit opens untrained with a sentence
saying why, the others trained.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox, QWidget


class LabOpener(QObject):
    def __init__(self, window: QWidget, show_message: Callable[[str, str, QMessageBox.Icon], None],
                 open_in_main: Callable[[str, object, dict | None, int], None] | None = None) -> None:
        """``open_in_main(label, experiment, weights, step)`` puts a column in the
        main window (its document, one undoable edit, and its weights)."""
        super().__init__(window)
        self.window = window
        self.show_message = show_message
        self.open_in_main = open_in_main
        self.labs: list[QWidget] = []

    def open_comparison(self, comparison, path: str | None = None, weights=None, problems=None) -> QWidget | None:
        """A lab on ``comparison``; None (with a message) when it cannot be one."""
        from engine.errors import PlaygroundError
        from gui.lab.lab_window import LabWindow

        try:
            lab = LabWindow(comparison, path, open_in_main=self.open_in_main, parent=self.window)
        except PlaygroundError as exc:
            self.show_message("Cannot open the lab", str(exc), QMessageBox.Icon.Warning)
            return None
        weights, problems = tuple(weights or ()), tuple(problems or ())
        for i, column in enumerate(lab.columns):
            trained = weights[i] if i < len(weights) else None
            problem = problems[i] if i < len(problems) else None
            if trained is not None:
                column.set_trained(trained)
            if problem:
                column.show_problem(problem)
        lab.closed.connect(lambda l=lab: self._forget(l))
        self.labs.append(lab)
        lab.show()
        lab.raise_()
        return lab

    def open_path(self, path: str) -> QWidget | None:
        """A comparison or lab file, with the column weights found beside it."""
        from engine.errors import PlaygroundError
        from engine.lab_file import load_lab

        resolved = str(Path(path).resolve())
        for lab in self.labs:
            if lab.path == resolved:
                lab.showNormal()
                lab.raise_()
                lab.activateWindow()
                return lab
        try:
            found = load_lab(path)
        except PlaygroundError as exc:
            self.show_message("Cannot open the lab", str(exc), QMessageBox.Icon.Warning)
            return None
        return self.open_comparison(found.comparison, resolved, found.weights, found.problems)

    def compare_with(self, experiment, label: str, other, other_label: str,
                     weights: dict | None = None) -> QWidget | None:
        """The main window's experiment (with its trained weights, when they fit)
        beside another one."""
        from engine.comparison_file import Comparison, LabelledExperiment

        if other_label == label:
            other_label = f"{other_label} (2)"
        comparison = Comparison(f"{label} and {other_label}", f"{label} beside {other_label}, in the lab.", (),
                                (LabelledExperiment(label, experiment), LabelledExperiment(other_label, other)))
        return self.open_comparison(comparison, None, (weights, None), ())

    def close_all(self) -> None:
        """For the main window's close: every lab stops its runs (without asking) and closes."""
        for lab in list(self.labs):
            lab.shutdown()
            lab.close()

    def _forget(self, lab: QWidget) -> None:
        if lab in self.labs:
            self.labs.remove(lab)
            lab.deleteLater()
