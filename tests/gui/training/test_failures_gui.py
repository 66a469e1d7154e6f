"""Training that breaks, seen from the window: a GPU out of memory (in the
training process and on a thread), a GPU failing mid-run, a device that is
not there, main memory running out, and divergence. Each time: a message
that says what happened, when and what to do; the experiment unchanged and
clean; the app alive (the next run trains); "Train on CPU" exactly where the
CPU is the way out, doing what it says as one undoable edit.

Faults are simulated with engine/failpoints.py's environment variable, which
reaches the training process because it is spawned after the variable is set
(the pool is closed before and after, so no other test meets the fault)."""

from __future__ import annotations

import pytest

from engine import failpoints, process_pool
from gui.training.device_fallback import TRAIN_ON_CPU


@pytest.fixture
def fault(monkeypatch):
    """``fault("cuda-oom@5")`` arms the failpoint for the runs that follow."""
    process_pool.close_all()  # a process spawned earlier would not see the variable

    def arm(spec: str | None) -> None:
        if spec is None:
            monkeypatch.delenv(failpoints.ENV, raising=False)
        else:
            monkeypatch.setenv(failpoints.ENV, spec)
    yield arm
    process_pool.close_all()  # nor may a process that saw it serve later tests


def in_process(window):
    """Train on a thread of the window (faster to start than a process: the same train())."""
    from engine.probes import ProbeSettings

    window.runner.in_process = True
    window.runner.probes = ProbeSettings.off()
    return window


def train_until_finished(qtbot, window, timeout=60_000):
    with qtbot.waitSignal(window.runner.finished, timeout=timeout):
        window.train_action.trigger()


def assert_untouched(window, before):
    assert window.document.experiment == before and not window.document.dirty
    assert not window.isWindowModified()
    assert window.state_label.text() == "Failed"
    assert window.train_action.isEnabled()  # the app is alive: Train can be pressed again


def assert_trains_on_cpu_after_the_button(qtbot, window, steps_before):
    """The run the button started: on cpu, past the step that failed; then stopped."""
    runner = window.runner
    qtbot.waitUntil(lambda: runner.run_info is not None and runner.step_count > steps_before + 2, timeout=60_000)
    assert runner.run_info.device == "cpu" and window.device_label.text() == "Device: cpu"
    assert window.banner.text() == ""  # the new run cleared the old message
    with qtbot.waitSignal(runner.finished, timeout=30_000):
        window.stop_action.trigger()
    assert runner.outcome == "stopped"


def test_gpu_out_of_memory_in_the_training_process_offers_the_cpu(qtbot, window, fault):
    fault("cuda-oom@5")
    before = window.document.experiment
    assert before.training.device == "auto" and not window.document.dirty
    train_until_finished(qtbot, window)
    runner = window.runner
    assert runner.outcome == "failed" and runner.failure_kind == "gpu_out_of_memory"
    assert runner._process is None and runner.step_count == 4  # trained in the child, up to the step before
    text = window.banner.text()
    assert text.startswith("Training failed after 4 steps: Out of memory on cuda (it tried to allocate 2.00 GiB): "
                           "try a smaller batch size or model, or train on the CPU.")
    assert "PYTORCH_CUDA_ALLOC_CONF" not in text  # torch's paragraph of allocator advice stays out
    assert text.endswith("The experiment is unchanged.")
    assert window.banner.action_text() == TRAIN_ON_CPU
    assert window.messages[-1] == ("Training failed", text)
    assert_untouched(window, before)

    # The message box offers the same button; it sets the device and trains.
    box = window.monitor.fallback.box
    [button] = [b for b in box.buttons() if b.text() == TRAIN_ON_CPU]
    button.click()
    assert window.document.experiment == before.with_training(device="cpu") and window.document.dirty
    assert window.document.undo_stack.undoText() == TRAIN_ON_CPU
    assert window.training_panel.form.values()["device"] == "cpu"  # the panel shows it
    assert_trains_on_cpu_after_the_button(qtbot, window, 4)
    window.window_actions.undo.trigger()  # the GPU comes back, and the document is clean again
    assert window.document.experiment == before and not window.document.dirty


def test_a_gpu_failing_mid_run_is_explained_and_the_banner_button_trains_on_cpu(qtbot, window, fault):
    fault("device-lost@3")
    in_process(window)
    before = window.document.experiment
    train_until_finished(qtbot, window)
    assert window.runner.failure_kind == "device_failed" and window.runner.step_count == 2
    text = window.banner.text()
    assert text.startswith("Training failed after 2 steps: The GPU (cuda) stopped working: CUDA error: an "
                           "illegal memory access was encountered — train on the CPU, or try the GPU again.")
    assert "CUDA_LAUNCH_BLOCKING" not in text  # only the error's first line
    assert_untouched(window, before)
    window.monitor.fallback.box.close()
    assert window.banner.action_text() == TRAIN_ON_CPU
    window.banner.action_button.click()
    assert window.document.experiment.training.device == "cpu"
    assert_trains_on_cpu_after_the_button(qtbot, window, 2)


def test_a_device_that_is_not_there_offers_the_cpu(qtbot, window, fault):
    from engine.devices import device_availability

    fault(None)
    in_process(window)
    missing = next(name for name in ("cuda", "mps") if not device_availability()[name][0])
    window.document.set(window.document.experiment.with_training(device=missing))
    before = window.document.experiment
    train_until_finished(qtbot, window)
    assert window.runner.failure_kind == "device_unavailable"
    text = window.banner.text()
    assert text.startswith(f"Training failed: device {missing} is not available: ")
    assert window.banner.action_text() == TRAIN_ON_CPU
    assert window.document.experiment == before
    window.monitor.fallback.box.close()
    window.banner.action_button.click()
    assert_trains_on_cpu_after_the_button(qtbot, window, 0)
    window.window_actions.undo.trigger()
    assert window.document.experiment == before


def test_running_out_of_main_memory_suggests_a_smaller_batch_and_offers_no_cpu(qtbot, window, fault):
    fault("cpu-oom@4")
    in_process(window)
    before = window.document.experiment
    train_until_finished(qtbot, window)
    assert window.runner.failure_kind == "cpu_out_of_memory"
    text = window.banner.text()
    assert text == ("Training failed after 3 steps: Out of memory on cpu (it tried to allocate 2.0 GiB): try a "
                    "smaller batch size, model or data set. The batch size is 64; half of it needs about half "
                    "the memory. The experiment is unchanged.")
    assert window.banner.action_text() == "" and not window.banner.action_button.isVisible()
    assert window.messages[-1] == ("Training failed", text)
    assert_untouched(window, before)
    # The app is alive: once memory is there again, the next run trains.
    fault(None)
    window.training_panel.set_value("epochs", 1)
    train_until_finished(qtbot, window)
    assert window.runner.outcome == "finished" and window.banner.text() == ""


def test_divergence_keeps_the_experiment_clean_and_the_next_run_trains(qtbot, window, tmp_path):
    from engine.experiment_file import save_experiment
    from engine.spec import ModelSpec
    from gui.builder.templates import layer

    experiment = window.document.experiment.with_dataset(type(window.document.experiment.dataset)("sine"))
    experiment = type(experiment)(experiment.name, experiment.description, experiment.dataset, ModelSpec((
        layer("Flatten"), layer("Linear", out_features=64), layer("ReLU"), layer("Linear"))), experiment.training)
    path = tmp_path / "explodes.json"
    save_experiment(experiment.with_training(optimizer="sgd", learning_rate=10.0, momentum=0.99, epochs=5), path)
    assert window.files.open_path(str(path))
    in_process(window)
    before = window.document.experiment
    train_until_finished(qtbot, window)
    assert window.runner.outcome == "diverged"
    text = window.banner.text()
    assert text.startswith("Training diverged at step ") and "Lower the learning rate" in text
    assert window.banner.action_text() == ""  # the CPU would diverge just the same
    assert window.document.experiment == before and not window.document.dirty
    assert window.state_label.text() == "Diverged"
    window.training_panel.set_value("learning_rate", 1e-3)
    train_until_finished(qtbot, window)
    assert window.runner.outcome == "finished" and window.banner.text() == ""


def test_the_banner_action_is_generic_and_replaced_by_the_next_message(qtbot):
    from gui.widgets import MessageBanner

    banner = MessageBanner()
    qtbot.addWidget(banner)
    banner.show()
    pressed = []
    banner.show_message("Something to do.", "warning", "Do it", lambda: pressed.append(1), "Does it")
    assert banner.action_text() == "Do it" and banner.action_button.toolTip() == "Does it"
    banner.show_message("Nothing to do.", "info")
    assert banner.action_text() == "" and not banner.action_button.isVisible()
    banner.show_message("Again.", "error", "Do it", lambda: pressed.append(2))
    banner.action_button.click()
    assert pressed == [2] and banner.text() == ""  # acted upon: the banner goes


def test_failure_text_says_when():
    from gui.training.device_fallback import failure_text

    assert failure_text("Out of memory on cpu: try a smaller batch size, model or data set.",
                        "cpu_out_of_memory", 1) == ("Training failed after 1 step: Out of memory on cpu: try a "
                                                    "smaller batch size, model or data set. The experiment is "
                                                    "unchanged.")
    assert failure_text("boom", "other", 0) == ("Training failed before the first step: boom. "
                                                "The experiment is unchanged.")
