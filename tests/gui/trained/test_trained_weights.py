"""Trained weights in the window: kept after a run, saved beside the
experiment (name.weights.npz), read back on Open, refused with a banner when
they do not fit (the experiment still opens), offered only while the model
and data set are the ones trained, and Continue Training starts from them."""

from __future__ import annotations

import numpy as np


def train_one_epoch(qtbot, window) -> object:
    """Train the open experiment for one epoch; the Finished event."""
    window.training_panel.set_value("epochs", 1)
    with qtbot.waitSignal(window.runner.finished, timeout=60_000) as finished:
        window.train_action.trigger()
    assert window.runner.outcome == "finished"
    return finished.args[0]


def same_weights(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_save_writes_the_weights_beside_and_open_reads_them_back(qtbot, window, dialogs, tmp_path):
    trained = window.trained
    assert trained.label.text() == "Trained weights: none"
    assert not trained.continue_training.isEnabled()
    finished = train_one_epoch(qtbot, window)
    steps = window.runner.step_count
    assert same_weights(trained.weights.weights, finished.weights)
    assert trained.label.text() == f"Trained weights: from run at step {steps:,}"
    assert trained.continue_training.isEnabled() and trained.test_actions["shift"].isEnabled()
    assert trained.save_with.isChecked()  # on by default

    dialogs.save_path = str(tmp_path / "mine.json")  # the default preset is built in: Save asks where
    window.window_actions.save.trigger()
    weights_file = tmp_path / "mine.weights.npz"
    assert (tmp_path / "mine.json").is_file() and weights_file.is_file()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("mine")) == [
        "mine.json", "mine.weights.npz"]  # no stray temporary file

    window.window_actions.new.trigger()  # weights follow the document
    assert trained.weights.weights is None and trained.label.text() == "Trained weights: none"
    assert not trained.test_actions["shift"].isEnabled()

    dialogs.open_path = str(tmp_path / "mine.json")
    window.window_actions.open.trigger()
    assert window.document.path == str(tmp_path / "mine.json")
    assert same_weights(trained.weights.weights, finished.weights)
    assert trained.label.text() == "Trained weights: from mine.weights.npz"
    assert trained.continue_training.isEnabled()
    assert all(trained.test_actions[k].isEnabled() for k in ("shift", "permute_pixels", "new_size"))
    assert not trained.test_actions["shuffle_steps"].isVisible()  # images have no time steps
    assert window.banner.text() == ""


def test_a_weights_file_that_does_not_fit_gives_a_banner_and_the_experiment_opens(qtbot, window, tmp_path):
    from engine import datasets
    from engine.experiment_file import save_experiment
    from engine.presets import load_preset
    from engine.shapes import build_model
    from engine.weights_file import save_weights, state_to_numpy

    cnn, mlp = load_preset("digits_cnn"), load_preset("digits_mlp")
    save_experiment(mlp, tmp_path / "mlp.json")
    cnn_weights = state_to_numpy(build_model(cnn.model, datasets.describe(cnn.dataset)))
    save_weights(tmp_path / "mlp.weights.npz", cnn, cnn_weights)  # the CNN's weights beside the MLP

    assert window.files.open_path(str(tmp_path / "mlp.json"))
    assert window.document.experiment == mlp and window.document.path == str(tmp_path / "mlp.json")
    banner = window.banner.text()
    assert "mlp.weights.npz" in banner and "different model" in banner
    assert "opened without trained weights" in banner and "Traceback" not in banner
    assert window.trained.weights.weights is None
    assert window.trained.label.text() == "Trained weights: none"

    (tmp_path / "mlp.weights.npz").write_bytes(b"not a zip file at all")
    assert window.files.open_path(str(tmp_path / "mlp.json"))
    assert "not a weights file" in window.banner.text()
    assert window.document.experiment == mlp


def test_weights_are_offered_only_for_the_model_and_data_set_they_were_trained_on(qtbot, window):
    trained = window.trained
    train_one_epoch(qtbot, window)
    document = window.document
    shift = trained.test_actions["shift"]
    document.set(document.experiment.with_training(learning_rate=0.01))  # training options keep them
    assert trained.weights.fits(document.experiment) and shift.isEnabled()
    model = document.experiment.model
    document.set(document.experiment.with_model(model.with_layer(7, model.layers[7].with_params(out_features=32))))
    assert trained.label.text() == "Trained weights: none for this model and data set"
    assert not shift.isEnabled() and not trained.continue_training.isEnabled()
    document.undo_stack.undo()  # the model they were trained on again: offered again
    assert trained.label.text().startswith("Trained weights: from run at step")
    assert shift.isEnabled() and trained.continue_training.isEnabled()
    dataset = document.experiment.dataset
    document.set(document.experiment.with_dataset(dataset.with_options(val_fraction=0.3)))
    assert not trained.weights.fits(document.experiment) and not shift.isEnabled()


def test_saving_without_weights_and_a_failed_weights_save(qtbot, window, dialogs, tmp_path, isolated_settings):
    from gui.common.settings import app_settings
    from gui.trained.trained_weights import SAVE_WITH_EXPERIMENT_KEY

    train_one_epoch(qtbot, window)
    window.trained.save_with.setChecked(False)
    assert app_settings().value(SAVE_WITH_EXPERIMENT_KEY, type=bool) is False  # kept in QSettings
    dialogs.save_path = str(tmp_path / "plain.json")
    window.window_actions.save.trigger()
    assert (tmp_path / "plain.json").is_file() and not (tmp_path / "plain.weights.npz").exists()

    window.trained.save_with.setChecked(True)
    (tmp_path / "blocked.weights.npz").mkdir()  # a folder where the weights file would go
    dialogs.save_path = str(tmp_path / "blocked.json")
    window.files.save_as()
    assert (tmp_path / "blocked.json").is_file()  # the experiment itself is saved
    title, text = window.messages[-1]
    assert title == "Trained weights not saved" and "blocked.weights.npz" in text
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("blocked", ".blocked"))) == [
        "blocked.json", "blocked.weights.npz"]  # no stray temporary file
    assert window.trained.weights.weights is not None  # nothing lost: Save can be tried again


def test_continue_training_starts_from_the_trained_weights(qtbot, window):
    runs: list[list[float]] = []  # each run's training losses, step by step
    window.runner.started.connect(lambda _run: runs.append([]))
    window.runner.stepped.connect(lambda batch: runs[-1].extend(batch.losses.tolist()))
    train_one_epoch(qtbot, window)
    steps = window.runner.step_count
    with qtbot.waitSignal(window.runner.finished, timeout=60_000):
        window.trained.continue_training.trigger()
    assert window.runner.outcome == "finished" and len(runs) == 2
    first, continued = runs
    # It picks up where the first run ended (digits: 2.29 at the first step, 1.92 at the last
    # one, 1.88 at the first step from the trained weights), not from fresh weights.
    assert continued[0] < first[0] - 0.3 and continued[0] < 1.05 * first[-1]
    assert window.trained.label.text() == f"Trained weights: from run at step {steps + window.runner.step_count:,}"


def test_reset_asks_before_it_forgets_a_runs_weights(qtbot, window, dialogs):
    """Reset cannot be undone: dropping the weights of a run unasked lost them (issue #16, item 12)."""
    from PySide6.QtWidgets import QMessageBox

    finished = train_one_epoch(qtbot, window)
    dialogs.answer = QMessageBox.StandardButton.Cancel
    window.reset_action.trigger()
    assert "forgets the trained weights" in dialogs.questions[-1]
    assert same_weights(window.trained.weights.weights, finished.weights)  # kept, and nothing else reset
    assert window.views.shown_snapshot is not None and window.curves.train_loss.x.size > 0

    dialogs.answer = QMessageBox.StandardButton.Discard
    window.reset_action.trigger()
    assert window.trained.weights.weights is None and window.views.shown_snapshot is None
    asked = len(dialogs.questions)
    window.reset_action.trigger()  # nothing to lose: no question
    assert len(dialogs.questions) == asked
