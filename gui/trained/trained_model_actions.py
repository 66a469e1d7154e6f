"""The window's commands for the trained model: File ▸ Save Trained Weights
With Experiment (a setting), Train ▸ Continue Training from These Weights,
Train ▸ Test the Trained Model (one action per test that applies to the
data), and the status-bar hint saying which trained weights the window holds.

The window creates this before the engine is loaded (no torch here);
``attach`` hooks it to the document and the file commands once they exist.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMenu, QMessageBox, QWidget

from engine.spec import Experiment
from gui.trained.model_test_runner import ModelTestRunner
from gui.trained.trained_weights import TrainedWeights

NO_WEIGHTS_TIP = "Train the model (or open an experiment saved with its weights) first"


class TrainedModelActions(QObject):
    def __init__(self, window: QWidget, *, runner: object, train_action: QAction,
                 banner: object, continue_training: Callable[[], None]) -> None:
        """``window`` owns the actions and the results panel; ``runner`` is the
        window's (its finished runs bring weights), ``train_action`` says when a
        run can start, ``banner`` shows a weights file's problem,
        ``continue_training`` trains on from the weights."""
        super().__init__(window)
        self.window = window
        self.runner = runner
        self.train_action = train_action
        self.continue_training_callback = continue_training
        self.document = None
        self.weights = TrainedWeights(self)
        self.model_tests = ModelTestRunner(self)
        self.panel = None  # gui.trained.model_test_panel.ModelTestPanel, made when first needed
        self._base_step = 0  # steps behind the weights a run continues from
        self._applicable_for: tuple[object, set[str]] | None = None  # (dataset spec, test keys)
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
        self.test_menu = QMenu("&Test the Trained Model", window)
        self.test_menu.setToolTipsVisible(True)
        self.test_actions: dict[str, QAction] = {}  # one per engine.model_tests.MODEL_TESTS key, made in attach
        self.run_all = QAction("Run &All Tests", window)
        self.run_all.setStatusTip("Run every test that applies to this data set, one after another")
        self.run_all.triggered.connect(lambda: self.run_tests(None))

        runner.finished.connect(self._on_run_finished)
        runner.state_changed.connect(self.refresh)
        train_action.changed.connect(self.refresh)  # Continue is possible when Train is
        self.weights.changed.connect(self.refresh)
        self.weights.problem.connect(lambda text: banner.show_message(text, "warning"))
        self.model_tests.busy_changed.connect(self.refresh)
        self.model_tests.started.connect(lambda titles: self._panel().show_running(titles))
        self.model_tests.finished_results.connect(
            lambda results: self._panel().show_results(results, self._tested_model))
        self._tested_model = ""  # whose results come next: "Digits CNN (CNN)"
        self.model_tests.failed.connect(lambda text: self._panel().show_failure(text))
        self.refresh()

    def attach(self, document, files) -> None:
        """The engine is loaded: the document and file commands exist."""
        from engine.model_tests import MODEL_TESTS
        from gui.trained.model_test_panel import EXPLANATIONS

        self.document = document
        files.trained_weights = self.weights
        for key, test in MODEL_TESTS.items():
            action = QAction(f"{test.title} ({test.claim})", self.window)
            action.setToolTip(EXPLANATIONS.get(key, test.help))
            action.setStatusTip(test.help)
            action.triggered.connect(lambda _=False, k=key: self.run_tests([k]))
            self.test_actions[key] = action
        self.test_menu.clear()
        self.test_menu.addActions(list(self.test_actions.values()))
        self.test_menu.addSeparator()
        self.test_menu.addAction(self.run_all)
        document.changed.connect(self.refresh)
        self.refresh()

    # --- commands ---------------------------------------------------------------
    def run_tests(self, keys: list[str] | None) -> bool:
        """Test the trained model (``keys`` None: every test that applies) on a worker."""
        weights = self.weights.weights_for(self._experiment())
        if weights is None:
            return False
        # The spec the weights were trained with: its seed made the validation split.
        from engine.comparison_table import model_kind

        experiment = self.weights.experiment
        self._tested_model = f"{experiment.name} ({model_kind(experiment.model)})"
        return self.model_tests.run(experiment, weights, keys)

    def run_started(self, continued: bool) -> None:
        """The window starts a run (from these weights when ``continued``)."""
        self._base_step = self.weights.step if continued and self.weights.source == "run" else 0

    def may_reset(self) -> bool:
        """Reset forgets the trained weights. Weights of a run of this session
        cannot come back (Reset is not an edit, so no Undo): ask first. False
        when the user keeps them, and then Reset does nothing; the window
        clears them (``weights.clear``) once the run has stopped."""
        if self.weights.weights is not None and self.weights.source == "run":
            answer = QMessageBox.question(
                self.window, "Reset",
                f"Reset forgets the trained weights (from the run at step {self.weights.step:,}); Continue "
                "Training and the tests of the trained model use them, and Reset cannot be undone. Save them "
                "first (File ▸ Save, with Save Trained Weights With Experiment), or discard them?",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel)
            return answer == QMessageBox.StandardButton.Discard
        return True  # none, or a weights file's: Open brings them back

    def shutdown(self) -> None:
        self.model_tests.shutdown()

    # --- state ------------------------------------------------------------------
    def refresh(self, *_args) -> None:
        experiment = self._experiment()
        fits = self.weights.fits(experiment)
        self.label.setText(self.weights.hint(experiment))
        self.continue_training.setEnabled(fits and self.train_action.isEnabled())
        applicable = self._applicable(experiment)
        for key, action in self.test_actions.items():
            action.setVisible(key in applicable)
            action.setEnabled(fits and key in applicable and not self.model_tests.busy)
        self.run_all.setEnabled(fits and bool(applicable) and not self.model_tests.busy)
        self.test_menu.setToolTip("" if fits else NO_WEIGHTS_TIP)

    def _applicable(self, experiment: Experiment | None) -> set[str]:
        """The test keys that apply to the data set (cached: refresh runs on every edit)."""
        if experiment is None or self.document is None:
            return set()
        if self._applicable_for is None or self._applicable_for[0] != experiment.dataset:
            from engine.model_tests import applicable_tests

            self._applicable_for = (experiment.dataset, {a.key for a in applicable_tests(experiment)})
        return self._applicable_for[1]

    def _experiment(self) -> Experiment | None:
        return self.document.experiment if self.document is not None else None

    def _on_run_finished(self, finished) -> None:
        # runner.experiment: the spec the run started from, whatever was edited since.
        self.weights.take_run(self.runner.experiment, getattr(finished, "weights", None),
                              self._base_step + self.runner.step_count)

    def _on_continue(self) -> None:
        self.continue_training_callback()

    def _on_save_with_toggled(self, on: bool) -> None:
        self.weights.save_with_experiment = on

    def _panel(self):
        if self.panel is None:
            from gui.trained.model_test_panel import ModelTestPanel

            self.panel = ModelTestPanel(self.window)
        return self.panel

    def install(self, file_menu: QMenu, after: QAction | None, train_menu: QMenu) -> None:
        """Save Trained Weights With Experiment in File (before ``after``), Continue
        and Test the Trained Model at the end of Train."""
        if after is None:
            file_menu.addAction(self.save_with)
        else:
            file_menu.insertAction(after, self.save_with)
        train_menu.addSeparator()
        train_menu.addAction(self.continue_training)
        train_menu.addMenu(self.test_menu)
