"""The trained weights the window holds: those of the last run that ended
with usable weights, or those read from the open experiment's weights file.

They belong to the experiment spec they were trained with (or opened
with). They are offered — saved with the experiment, used to continue
training, probed — only while the open experiment has the same model and
data set; a change of training options (learning rate, epochs, seed…)
keeps them. They are kept, not dropped, when an edit makes them not fit,
so undoing the edit offers them again. Opening, reverting or starting a
new experiment replaces them with that document's (its weights file, or
none): weights follow the document.

Files go through engine.weights_file: no pickle, shapes checked before any
data are read, atomic writes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from engine.spec import Experiment
from gui.common.settings import app_settings

SAVE_WITH_EXPERIMENT_KEY = "weights/save_with_experiment"


class TrainedWeights(QObject):
    changed = Signal()
    problem = Signal(str)  # one line for the banner: a weights file that could not be used

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.weights: dict[str, np.ndarray] | None = None
        self.experiment: Experiment | None = None  # the spec the weights were trained with or opened with
        self.step = 0  # training steps behind them (0: unknown, e.g. read from a file)
        self.source = ""  # "run" | the weights file's name

    # --- what the window asks -------------------------------------------------------
    def fits(self, experiment: Experiment | None) -> bool:
        """Whether the weights belong to ``experiment``'s model and data set."""
        return (self.weights is not None and experiment is not None and self.experiment is not None
                and experiment.model == self.experiment.model and experiment.dataset == self.experiment.dataset)

    def weights_for(self, experiment: Experiment | None) -> dict[str, np.ndarray] | None:
        return self.weights if self.fits(experiment) else None

    def hint(self, experiment: Experiment | None) -> str:
        if self.weights is None:
            return "Trained weights: none"
        if not self.fits(experiment):
            return "Trained weights: none for this model and data set"
        if self.source == "run":
            return f"Trained weights: from run at step {self.step:,}"
        if self.step:
            return f"Trained weights: from {self.source} at step {self.step:,}"
        return f"Trained weights: from {self.source}"

    @property
    def save_with_experiment(self) -> bool:
        return bool(app_settings().value(SAVE_WITH_EXPERIMENT_KEY, True, type=bool))

    @save_with_experiment.setter
    def save_with_experiment(self, on: bool) -> None:
        app_settings().setValue(SAVE_WITH_EXPERIMENT_KEY, bool(on))

    # --- where weights come from -----------------------------------------------------
    def take_run(self, experiment: Experiment | None, weights: dict[str, np.ndarray] | None, step: int) -> None:
        """A run ended. A diverged or failed run brings no weights: the earlier ones stay."""
        if experiment is None or weights is None:
            return
        self._set(weights, experiment, step, "run")

    def take_from(self, experiment: Experiment, weights: dict[str, np.ndarray], step: int, source: str) -> None:
        """Weights trained elsewhere in the session (a lab's column): ``source`` names it."""
        self._set(weights, experiment, step, source)

    def clear(self) -> None:
        if self.weights is not None:
            self._set(None, None, 0, "")

    def open_beside(self, experiment_path: str, experiment: Experiment) -> None:
        """The document became ``experiment`` from ``experiment_path``: take its
        weights file when there is one that fits; otherwise hold none, and say
        why (on ``problem``) when the file is there but cannot be used."""
        from engine.errors import PlaygroundError
        from engine.weights_file import load_weights, weights_path_for

        path = weights_path_for(experiment_path)
        if not path.exists():
            self.clear()
            return
        try:
            weights = load_weights(path, experiment)
        except PlaygroundError as exc:
            self.clear()
            self.problem.emit(f"{exc} — the experiment opened without trained weights.")
            return
        self._set(weights, experiment, 0, path.name)

    def save_beside(self, experiment_path: str, experiment: Experiment) -> str | None:
        """Write the weights beside a just-saved experiment (when they fit it and
        the user wants them saved); the problem in one line, or None."""
        from engine.errors import PlaygroundError
        from engine.weights_file import save_weights, weights_path_for

        weights = self.weights_for(experiment)
        if weights is None or not self.save_with_experiment:
            return None
        path = weights_path_for(experiment_path)
        try:
            save_weights(path, experiment, weights)
        except PlaygroundError as exc:
            return str(exc)
        if self.source != "run":
            self.source = Path(path).name  # now they live in this file
            self.changed.emit()
        return None

    def _set(self, weights: dict[str, np.ndarray] | None, experiment: Experiment | None, step: int,
             source: str) -> None:
        self.weights, self.experiment, self.step, self.source = weights, experiment, step, source
        self.changed.emit()
