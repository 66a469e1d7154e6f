"""Performing a lesson step the way a learner would: the action its "done"
names, through the window's own controls (tests/gui/lesson/)."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

RUN_TIMEOUT_MS = 180_000


def write_lesson(path, steps, **top) -> str:
    doc = {"format": "cnn-rnn-playground/lesson", "version": 1, "title": top.pop("title", "A test lesson"),
           "steps": steps, **top}
    path.write_text(json.dumps(doc))
    return str(path)


def answer_prediction(panel, value=None) -> None:
    """Choose an answer (the first choice, or the middle of the range) and press Lock In."""
    step = panel.driver.step
    if step.predict is None or panel.driver.index in panel.driver.progress.answers:
        return
    prediction = step.predict
    if value is None:
        if prediction.choices:
            value = prediction.choices[0]
        else:
            spec = prediction.number or {}
            value = (float(spec.get("min", 0)) + float(spec.get("max", 1))) / 2
    panel.prediction.choose(value)
    panel.prediction.lock_button.click()


def train_and_wait(qtbot, window, epochs: int | None = 1) -> None:
    """Train (F5, the toolbar's button) and wait for the run to end and be kept."""
    if epochs is not None and window.document.experiment.training.epochs > epochs:
        window.document.set(window.document.experiment.with_training(epochs=epochs))
    before = len(window.run_history.records)
    qtbot.waitUntil(lambda: window.train_action.isEnabled(), timeout=30_000)
    window.train_action.trigger()
    qtbot.waitUntil(lambda: len(window.run_history.records) > before and not window.runner.is_active,
                    timeout=RUN_TIMEOUT_MS)


def stop_after_epochs(qtbot, window, epochs: int) -> None:
    """Train and press Stop once the run has done ``epochs`` epochs, as a lesson asking for "2 epochs" says."""
    before = len(window.run_history.records)
    qtbot.waitUntil(lambda: window.train_action.isEnabled(), timeout=30_000)
    seen = []
    window.runner.epoch_ended.connect(seen.append)
    try:
        window.train_action.trigger()
        qtbot.waitUntil(lambda: window.runner.is_active or len(window.run_history.records) > before,
                        timeout=RUN_TIMEOUT_MS)
        qtbot.waitUntil(lambda: len(seen) >= epochs or not window.runner.is_active, timeout=RUN_TIMEOUT_MS)
        window.stop()
    finally:
        window.runner.epoch_ended.disconnect(seen.append)
    qtbot.waitUntil(lambda: len(window.run_history.records) > before and not window.runner.is_active,
                    timeout=RUN_TIMEOUT_MS)


def perform(qtbot, window, panel, epochs: int | None = 1) -> None:
    """Do what the current step asks, then wait until it counts as done."""
    driver = panel.driver
    answer_prediction(panel)
    done = driver.step.done
    action = done.action
    if action == "train" and "min_epochs" in done.options:
        stop_after_epochs(qtbot, window, done.get("min_epochs"))
    elif action in ("train", "metric"):
        train_and_wait(qtbot, window, None if action == "metric" else max(epochs or 1, done.get("min_epochs", 1)))
    elif action == "test":
        with qtbot.waitSignal(window.trained.model_tests.finished_results, timeout=RUN_TIMEOUT_MS):
            assert window.trained.run_tests([done.get("test")])
    elif action == "edit_model":
        stack = window.model_stack
        if done.get("lacks"):
            layers = [layer for layer in window.document.experiment.model.layers if layer.type != done.get("lacks")]
            from dataclasses import replace

            stack.set_layers(replace(window.document.experiment.model, layers=tuple(layers)), "Remove a layer")
        else:
            stack.append_layer(done.get("contains") or "ReLU")
    elif action == "edit":
        from engine.setting_paths import get_setting, with_setting

        path = done.get("path")
        value = done.get("equals") if "equals" in done.options else _another(get_setting(window.document.experiment,
                                                                                          path))
        window.document.set(with_setting(window.document.experiment, path, value))
    elif action == "open_view":
        dock = window.docks[done.get("view")]
        dock.show()
        dock.raise_()
    elif action == "timeline":
        timeline = window.views.timeline
        qtbot.waitUntil(lambda: timeline.slider.isEnabled(), timeout=10_000)
        timeline.slider.setFocus(Qt.FocusReason.OtherFocusReason)
        timeline.slider.setValue(0)
    elif action == "explain":
        window.explain.actions[done.get("explainer")].trigger()
    qtbot.waitUntil(lambda: driver.is_done(), timeout=RUN_TIMEOUT_MS)


def _another(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value * 2
    return value
