"""The main window's ways into the lab: File ▸ Open in Lab… (a comparison or
a saved lab), File ▸ Compare With… (the model in the window beside another
preset, the window's trained weights going with it), each comparison
window's "Open as lab", and back again: a lab column's "Open in main
window" puts its experiment in the document (one undoable edit) and its
trained weights in the window.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMainWindow, QMessageBox

from gui.lab.lab_opener import LabOpener

MAX_LABEL = 40  # as comparison files allow


def _label(name: str) -> str:
    return name if len(name) <= MAX_LABEL else name[:MAX_LABEL - 1] + "…"


class LabCommands:
    def __init__(self, window: QMainWindow, document, trained_weights, comparisons,
                 show_message: Callable[[str, str, QMessageBox.Icon], None],
                 runs: Callable[[], list] | None = None) -> None:
        """``runs()``: the Runs tab's records (engine spec, name, weights), newest last."""
        self.window, self.document, self.trained_weights = window, document, trained_weights
        self.show_message = show_message
        self.runs = runs or (lambda: [])
        self.opener = LabOpener(window, show_message, open_in_main=self.open_in_main)
        comparisons.open_lab = self.opener.open_comparison  # each comparison window's "Open as lab"

    def install(self, file_menu, before: QAction | None) -> None:
        self.open_action = QAction("Open in &Lab…", self.window)
        self.open_action.setObjectName("open_in_lab")
        self.open_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.open_action.setStatusTip("Open a comparison (or a saved lab) in the lab: its experiments train side "
                                      "by side, and each shows its inside on one shared input")
        self.open_action.triggered.connect(lambda: self.choose())
        self.compare_action = QAction("Compare &With…", self.window)
        self.compare_action.setObjectName("compare_with")
        self.compare_action.setStatusTip("Open the lab with the model in this window beside another preset "
                                         "(the trained weights here go with it)")
        self.compare_action.triggered.connect(lambda: self.compare_with_dialog())
        file_menu.insertAction(before, self.open_action)
        file_menu.insertAction(before, self.compare_action)

    def choose(self) -> bool:
        from engine.presets import PRESETS_DIR

        path, _ = QFileDialog.getOpenFileName(self.window, "Open in lab", str(PRESETS_DIR),
                                              "Labs and comparisons (*.json);;All files (*)")
        return bool(path) and self.open_path(path)

    def open_path(self, path: str) -> bool:
        return self.opener.open_path(path) is not None

    def compare_with_dialog(self) -> bool:
        """Beside the model in the window: the same model with one setting changed,
        a run from the Runs tab (with its weights), or a preset."""
        from engine.presets import list_presets

        presets = list_presets()
        runs = [r for r in self.runs() if r.weights is not None][::-1]  # newest first
        variant = "This model, with one setting changed…"
        items = [variant, *(f"Run: {r.name} ({r.outcome or 'ended'})" for r in runs),
                 *(f"{p.name} — {p.summary}" for p in presets)]
        choice, ok = QInputDialog.getItem(self.window, "Compare with", "Put beside the model in this window:",
                                          items, 0, False)
        if not ok or choice not in items:
            return False
        index = items.index(choice)
        if index == 0:
            return self.variant_dialog()
        if index <= len(runs):
            return self.compare_with_run(runs[index - 1])
        return self.compare_with(presets[index - 1 - len(runs)].path)

    def variant_dialog(self) -> bool:
        import json

        from engine.setting_paths import get_setting, parse_value, setting_paths

        mine = self.document.experiment
        paths = setting_paths(mine)
        start = paths.index("training.learning_rate") if "training.learning_rate" in paths else 0
        path, ok = QInputDialog.getItem(self.window, "Compare with", "The setting to change (the rest stays):",
                                        paths, start, False)
        if not ok or path not in paths:
            return False
        text, ok = QInputDialog.getText(self.window, "Compare with", f"New value of {path}:",
                                        text=json.dumps(get_setting(mine, path)))
        return ok and self.compare_with_variant(path, parse_value(text))

    def compare_with_variant(self, path: str, value) -> bool:
        """The window's model beside itself with ``path`` set to ``value`` (a clear
        message, and no lab, when the value is impossible)."""
        import json

        from engine.errors import PlaygroundError
        from engine.setting_paths import with_setting

        mine = self.document.experiment
        try:
            other = with_setting(mine, path, value)
        except PlaygroundError as exc:
            self.show_message("Cannot compare", str(exc), QMessageBox.Icon.Warning)
            return False
        name = path.rsplit(".", 1)[-1]
        label = _label(f"{name} = {json.dumps(value)}")
        weights = self.trained_weights.weights_for(mine)
        return self.opener.compare_with(mine, _label(mine.name), other, label, weights) is not None

    def compare_with_run(self, record) -> bool:
        """A run of this session, with the weights it ended with."""
        mine = self.document.experiment
        weights = self.trained_weights.weights_for(mine)
        lab = self.opener.compare_with(mine, _label(mine.name), record.experiment, _label(record.name), weights)
        if lab is None:
            return False
        lab.columns[1].set_trained(record.weights)
        return True

    def compare_with(self, preset_path) -> bool:
        from engine.errors import PlaygroundError
        from engine.experiment_file import load_experiment

        try:
            other = load_experiment(preset_path)
        except PlaygroundError as exc:
            self.show_message("Cannot open the lab", str(exc), QMessageBox.Icon.Warning)
            return False
        mine = self.document.experiment
        weights = self.trained_weights.weights_for(mine)
        return self.opener.compare_with(mine, _label(mine.name), other, _label(other.name), weights) is not None

    def open_in_main(self, label: str, experiment, weights: dict | None, step: int) -> None:
        self.document.set(experiment, f"Open “{label}” from the lab")
        if weights is not None:
            self.trained_weights.take_from(experiment, weights, step, f"the lab's “{label}”")
        self.window.raise_()
        self.window.activateWindow()

    def close_all(self) -> None:
        self.opener.close_all()
