"""The window's commands for the trained model: File ▸ Save Trained Weights
With Experiment (a setting), Train ▸ Continue Training from These Weights,
Train ▸ Test the Trained Model (one action per probe that applies to the
data), and the status-bar hint saying which trained weights the window holds.

The window creates this before the engine is loaded (no torch here);
``attach`` hooks it to the document and the file commands once they exist.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu

from engine.spec import Experiment
from gui.probe_runner import ProbeRunner
from gui.trained_weights import TrainedWeights

NO_WEIGHTS_TIP = "Train the model (or open an experiment saved with its weights) first"


def _menu(window: QMainWindow, title: str) -> QMenu | None:
    for action in window.menuBar().actions():
        if action.menu() is not None and action.text() == title:
            return action.menu()
    return None


class TrainedModelActions(QObject):
    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.document = None
        self.weights = TrainedWeights(self)
        self.probes = ProbeRunner(self)
        self.panel = None  # gui.probe_panel.ProbePanel, made when first needed
        self._base_step = 0  # steps behind the weights a run continues from
        self._run_experiment: Experiment | None = None  # the spec of the window's current/last run
        self._applicable_for: tuple[object, set[str]] | None = None  # (dataset spec, probe keys)
        self.label = QLabel(self.weights.hint(None))
        self.label.setContentsMargins(8, 0, 8, 0)
        self.label.setToolTip("The weights that Save writes beside the experiment, that Continue Training "
                              "starts from and that the tests on the trained model use")

        self.save_with = QAction("Save Trained &Weights With Experiment", window)
        self.save_with.setCheckable(True)
        self.save_with.setChecked(self.weights.save_with_experiment)
        self.save_with.setStatusTip("Save also writes the trained weights beside the experiment "
                                    "(name.weights.npz); Open reads them back")
        self.save_with.toggled.connect(self._on_save_with_toggled)
        self.continue_training = QAction("&Continue Training from These Weights", window)
        self.continue_training.setStatusTip("Train on from the trained weights instead of fresh ones")
        self.continue_training.triggered.connect(self._on_continue)
        self.probe_menu = QMenu("&Test the Trained Model", window)
        self.probe_menu.setToolTipsVisible(True)
        self.probe_actions: dict[str, QAction] = {}  # one per engine.probe_actions.ACTIONS key, made in attach
        self.run_all = QAction("Run &All Tests", window)
        self.run_all.setStatusTip("Run every test that applies to this data set, one after another")
        self.run_all.triggered.connect(lambda: self.run_probes(None))
        self._install_menus()

        runner = window.runner
        runner.finished.connect(self._on_run_finished)
        runner.state_changed.connect(self.refresh)
        window.train_action.changed.connect(self.refresh)  # Continue is possible when Train is
        window.window_actions.reset.triggered.connect(self.weights.clear)  # Reset forgets the run
        self.weights.changed.connect(self.refresh)
        self.weights.problem.connect(lambda text: window.banner.show_message(text, "warning"))
        self.probes.busy_changed.connect(self.refresh)
        self.probes.started.connect(lambda titles: self._panel().show_running(titles))
        self.probes.finished_results.connect(lambda results: self._panel().show_results(results))
        self.probes.failed.connect(lambda text: self._panel().show_failure(text))
        self.refresh()

    def attach(self, document, files) -> None:
        """The engine is loaded: the document and file commands exist."""
        from engine.probe_actions import ACTIONS
        from gui.probe_panel import EXPLANATIONS

        self.document = document
        files.trained_weights = self.weights
        for key, probe in ACTIONS.items():
            action = QAction(f"{probe.title} ({probe.claim})", self.window)
            action.setToolTip(EXPLANATIONS.get(key, probe.help))
            action.setStatusTip(probe.help)
            action.triggered.connect(lambda _=False, k=key: self.run_probes([k]))
            self.probe_actions[key] = action
        self.probe_menu.clear()
        self.probe_menu.addActions(list(self.probe_actions.values()))
        self.probe_menu.addSeparator()
        self.probe_menu.addAction(self.run_all)
        document.changed.connect(self.refresh)
        self.refresh()

    # --- commands ---------------------------------------------------------------
    def run_probes(self, keys: list[str] | None) -> bool:
        """Test the trained model (``keys`` None: every test that applies) on a worker."""
        weights = self.weights.weights_for(self._experiment())
        if weights is None:
            return False
        # The spec the weights were trained with: its seed made the validation split.
        return self.probes.run(self.weights.experiment, weights, keys)

    def run_started(self, experiment: Experiment, continued: bool) -> None:
        """The window starts a run (from these weights when ``continued``)."""
        self._run_experiment = experiment
        self._base_step = self.weights.step if continued and self.weights.source == "run" else 0

    def shutdown(self) -> None:
        self.probes.shutdown()

    # --- state ------------------------------------------------------------------
    def refresh(self, *_args) -> None:
        experiment = self._experiment()
        fits = self.weights.fits(experiment)
        self.label.setText(self.weights.hint(experiment))
        self.continue_training.setEnabled(fits and self.window.train_action.isEnabled())
        applicable = self._applicable(experiment)
        for key, action in self.probe_actions.items():
            action.setVisible(key in applicable)
            action.setEnabled(fits and key in applicable and not self.probes.busy)
        self.run_all.setEnabled(fits and bool(applicable) and not self.probes.busy)
        self.probe_menu.setToolTip("" if fits else NO_WEIGHTS_TIP)

    def _applicable(self, experiment: Experiment | None) -> set[str]:
        """The probe keys that apply to the data set (cached: refresh runs on every edit)."""
        if experiment is None or self.document is None:
            return set()
        if self._applicable_for is None or self._applicable_for[0] != experiment.dataset:
            from engine.probe_actions import applicable_actions

            self._applicable_for = (experiment.dataset, {a.key for a in applicable_actions(experiment)})
        return self._applicable_for[1]

    def _experiment(self) -> Experiment | None:
        return self.document.experiment if self.document is not None else None

    def _on_run_finished(self, finished) -> None:
        self.weights.take_run(self._run_experiment, getattr(finished, "weights", None),
                              self._base_step + self.window.runner.step_count)

    def _on_continue(self) -> None:
        self.window.continue_training()

    def _on_save_with_toggled(self, on: bool) -> None:
        self.weights.save_with_experiment = on

    def _panel(self):
        if self.panel is None:
            from gui.probe_panel import ProbePanel

            self.panel = ProbePanel(self.window)
        return self.panel

    def _install_menus(self) -> None:
        file_menu = _menu(self.window, "&File")
        if file_menu is not None:
            actions = file_menu.actions()
            revert = self.window.window_actions.revert
            after = actions[actions.index(revert) + 1] if revert in actions[:-1] else None
            if after is None:
                file_menu.addAction(self.save_with)
            else:
                file_menu.insertAction(after, self.save_with)
        train_menu = _menu(self.window, "&Train")
        if train_menu is not None:
            train_menu.addSeparator()
            train_menu.addAction(self.continue_training)
            train_menu.addMenu(self.probe_menu)
