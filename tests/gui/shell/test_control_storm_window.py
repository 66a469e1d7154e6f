"""Control storms through the window itself: seeded random sequences of
Train, Pause/Resume, Step, Stop, Reset and learning-rate edits in the
Training panel, with the event loop running between them, ended by closing
the window — the app's own path (training process, every view probing).

Fewer sequences than the runner's storm (tests/gui/shell/test_control_storm_gui.py,
whose StormWatch judges the runner's signals here too): a window takes a
while to open. Each is a test named by its seed (``-k seed4003``).
"""

from __future__ import annotations

import multiprocessing
import random

import pytest

from engine import process_pool
from gui.training.run_monitor import OUTCOME_TEXT, STATE_TEXT
from gui.training.training_runner import IDLE, PAUSED, RUNNING, STARTING, STOPPING
from tests.gui.conftest import open_window
from tests.gui.shell.test_control_storm_gui import DEADLINE_MS, StormWatch

WINDOW_SEQUENCES = 10


class WindowStorm:
    def __init__(self, qtbot, window, seed: int) -> None:
        self.qtbot, self.window, self.runner = qtbot, window, window.runner
        self.rng = random.Random(seed)
        self.log = [f"seed {seed}"]
        self.watch = StormWatch(window.runner, self.log)

    def ok(self) -> None:
        """The actions and the status bar agree with the runner."""
        assert not self.watch.problems, "\n".join(self.watch.problems)
        window, state = self.window, self.runner.state
        where = " ".join(self.log[-12:])
        assert window.train_action.isEnabled() == (state == IDLE), where
        assert window.stop_action.isEnabled() == (state in (STARTING, RUNNING, PAUSED)), where
        assert (window.pause_action.text() == "&Resume") == (state == PAUSED), where
        assert window.step_action.isEnabled() == (state in (IDLE, RUNNING, PAUSED)), where
        words = STATE_TEXT[state] if state != IDLE else OUTCOME_TEXT.get(self.runner.outcome, "Ready")
        assert window.state_label.text() == words, (window.state_label.text(), where)

    def began(self, paused: bool) -> None:
        self.watch.began(self.window.document.experiment.training.learning_rate, paused)

    def operate(self) -> None:
        window, runner, rng = self.window, self.runner, self.rng
        weights = (6, 1, 2, 1, 1, 1) if runner.state == IDLE else (1, 4, 3, 1, 1, 3)
        name = rng.choices(("train", "pause", "step", "stop", "reset", "lr"), weights)[0]
        state = runner.state
        self.log.append(f"{name}@{state}")
        if name == "train":
            if window.train_action.isEnabled():
                self.began(paused=False)
            window.train_action.trigger()
        elif name == "pause":  # one button: Pause, or Resume when paused
            self.watch.asked("resume" if state == PAUSED else "pause", state)
            window.pause_action.trigger()
        elif name == "step":
            if state == IDLE and window.step_action.isEnabled():
                self.began(paused=True)  # from idle, Step starts a run that way
            elif window.step_action.isEnabled():
                self.watch.asked("step", state)
            window.step_action.trigger()
        elif name == "stop":
            window.stop_action.trigger()
            if state != IDLE:
                self.qtbot.waitUntil(lambda: not runner.is_active, timeout=DEADLINE_MS)
        elif name == "reset":
            window.reset_action.trigger()
            assert not runner.is_active and runner.state == IDLE
        else:
            window.training_panel.set_value("learning_rate", round(10 ** rng.uniform(-4, -2), 6))
            rate = window.document.experiment.training.learning_rate  # as the form has it
            if runner.is_active and runner.state != STOPPING:
                self.watch.run.rates.append(rate)
        self.ok()

    def wait(self) -> None:
        runner, rng = self.runner, self.rng
        if runner.is_active and rng.random() < 0.7:
            signal = rng.choice((runner.stepped, runner.run_ended, runner.state_changed))
            self.qtbot.waitSignal(signal, timeout=rng.randint(20, 300), raising=False).wait()
        self.ok()


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4000, 4000 + WINDOW_SEQUENCES), ids=lambda s: f"seed{s}")
def test_a_control_storm_through_the_window_ends_with_a_clean_close(qtbot, seed):
    window = open_window(qtbot)
    storm = WindowStorm(qtbot, window, seed)
    window.training_panel.set_value("epochs", storm.rng.randint(1, 4))
    try:
        for _ in range(storm.rng.randint(6, 12)):
            storm.operate()
            storm.wait()
    finally:
        assert window.close(), "the window refused to close"
    runner = window.runner
    assert runner.state == IDLE and not runner.is_active
    for run in storm.watch.runs:
        assert run.signals.count("run_ended") == 1, f"a run did not end once: {run.signals} ({storm.log})"
    storm.ok()
    children = multiprocessing.active_children()
    assert len(children) <= process_pool.IDLE_LIMIT, f"training processes left: {children}"
