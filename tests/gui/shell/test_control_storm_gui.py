"""Control storms against the window's TrainingRunner: seeded random
sequences of start, pause, resume, step, stop, learning-rate changes and
close (what closing the window does), through the training process (the
app's path) and on a thread, with the event loop running between them; and
a few through the MainWindow's own actions.

Each sequence is a test named by its seed (``-k seed3042`` runs it again);
a failure shows the operations done. What a user would notice is checked
after every step of the way: a run always ends, once, and says how; Train is
possible again; nothing trains while the window says Paused beyond the
single steps asked for; a new learning rate shows in the steps that follow;
no thread, worker or training process is left behind.
(The exact, batch-by-batch promises of the control are the engine storm's:
tests/engine/test_control_storm.py.)
"""

from __future__ import annotations

import multiprocessing
import random

import pytest

from engine import process_pool
from gui.training.training_runner import IDLE, PAUSED, RUNNING, STARTING, STOPPING, TrainingRunner

SEQUENCES = 100
WINDOW_SEQUENCES = 10
DEADLINE_MS = 20_000  # pause, step and stop act between batches, far sooner than this
NEXT_STATES = {IDLE: {STARTING}, STARTING: {RUNNING, PAUSED, STOPPING, IDLE},
               RUNNING: {PAUSED, STOPPING, IDLE}, PAUSED: {RUNNING, STOPPING, IDLE}, STOPPING: {IDLE}}


@pytest.fixture(scope="module")
def experiment():
    from engine.presets import load_preset

    # 45 batches an epoch at about a millisecond: caught mid-run, or finished.
    return load_preset("digits_mlp").with_training(batch_size=32, device="cpu")


def learning_rates(rng):
    seen = set()
    while True:
        value = round(10 ** rng.uniform(-4, -2), 8)
        if value not in seen:
            seen.add(value)
            yield value


class Run:
    """One run as the runner reported it."""

    def __init__(self, initial_lr: float, paused: bool) -> None:
        self.signals: list[str] = []  # "started", "finished", "run_ended", "failed" in order
        self.steps: list[float] = []
        self.rates = [initial_lr]  # the experiment's, then each one set during the run
        self.batch_rates: list[float] = []  # the last step's rate of each `stepped` batch
        self.finished: list[object] = []
        self.total = 0
        self.outcome = ""


class StormWatch:
    """Listens to every signal of a runner and mirrors what its control was
    asked, so each signal can be judged as it arrives."""

    def __init__(self, runner: TrainingRunner, log: list[str]) -> None:
        self.runner = runner
        self.log = log
        self.runs: list[Run] = []
        self.problems: list[str] = []
        self.control_paused = False
        self.grants = self.stretch_steps = self.slack = 0
        self.state = runner.state
        runner.state_changed.connect(self._on_state_changed)
        runner.started.connect(lambda event: self._signal("started", event))
        runner.stepped.connect(self._on_stepped)
        runner.finished.connect(self._on_finished)
        runner.run_ended.connect(self._on_run_ended)
        runner.failed.connect(lambda line: self._signal("failed", line))

    @property
    def run(self) -> Run:
        return self.runs[-1]

    def problem(self, text: str) -> None:
        self.problems.append(f"{text} (after: {' '.join(self.log[-12:])})")

    def began(self, initial_lr: float, paused: bool) -> None:
        self.runs.append(Run(initial_lr, paused))
        self.control_paused, self.grants, self.stretch_steps, self.slack = paused, int(paused), 0, 0

    def asked(self, name: str, state: str) -> None:
        """The runner was asked ``name`` in ``state``: what its control now knows."""
        if name == "pause" and state in (STARTING, RUNNING) and not self.control_paused:
            self.control_paused, self.grants, self.stretch_steps, self.slack = True, 0, 0, 1
        elif name == "step" and state in (STARTING, RUNNING, PAUSED):
            if not self.control_paused:  # a batch may be past its checkpoint already
                self.control_paused, self.grants, self.stretch_steps, self.slack = True, 0, 0, 1
            self.grants += 1
        elif name == "resume" and state in (PAUSED, STARTING):
            self.control_paused = False

    def _signal(self, name: str, payload: object = None) -> None:
        if not self.runs:
            self.problem(f"{name} before any run")
            return
        self.run.signals.append(name)
        if name == "started":
            self.run.total = payload.total_steps

    def _on_state_changed(self, state: str) -> None:
        if state not in NEXT_STATES[self.state]:
            self.problem(f"state went {self.state} → {state}")
        self.state = state

    def _on_stepped(self, batch) -> None:
        run = self.run
        steps = [int(s) for s in batch.steps]
        expected = list(range(len(run.steps) + 1, len(run.steps) + len(steps) + 1))
        if steps != expected:
            self.problem(f"steps {steps} after {len(run.steps)}")
        run.steps += steps
        run.batch_rates.append(batch.last.learning_rate)
        if self.runner.state == PAUSED:
            self.stretch_steps += len(steps)
            if not self.control_paused or self.stretch_steps > self.grants + self.slack:
                self.problem(f"{self.stretch_steps} steps while Paused, {self.grants} single steps asked")

    def _on_finished(self, finished: object) -> None:
        self._signal("finished")
        self.run.finished.append(finished)
        if self.runner.state != IDLE or self.runner.is_active:
            self.problem(f"finished while {self.runner.state}")

    def _on_run_ended(self) -> None:
        self._signal("run_ended")
        self.run.outcome = self.runner.outcome
        self.check_run(self.run)

    def check_run(self, run: Run) -> None:
        """A run that ended: once, in order, and as it says."""
        outcome = run.outcome
        if run.signals not in (["started", "finished", "run_ended"], ["finished", "run_ended"]):
            self.problem(f"signals {run.signals}")
            return
        end = run.finished[0]
        if outcome not in ("finished", "stopped") or end is None or end.diverged:
            self.problem(f"outcome {outcome!r} with {end!r}")
            return
        if (outcome == "stopped") != end.stopped or (outcome == "finished") != (len(run.steps) == run.total):
            self.problem(f"outcome {outcome} after {len(run.steps)} of {run.total} steps")
        used = [run.rates.index(rate) if rate in run.rates else -1 for rate in run.batch_rates]
        if -1 in used or used != sorted(used):
            self.problem(f"learning rates {run.batch_rates}, set {run.rates}")


class Storm:
    """Drives one runner with one seed's operations."""

    def __init__(self, qtbot, runner: TrainingRunner, experiment, seed: int) -> None:
        self.qtbot, self.runner, self.experiment = qtbot, runner, experiment
        self.rng = random.Random(seed)
        self.rates = learning_rates(self.rng)
        self.log: list[str] = [f"seed {seed}"]
        self.watch = StormWatch(runner, self.log)

    def ok(self) -> None:
        assert not self.watch.problems, "\n".join(self.watch.problems)

    def wait(self) -> None:
        """Let the event loop run a little: for a batch, an end, or a tick."""
        runner, rng = self.runner, self.rng
        kind = rng.choice(("none", "batch", "batch", "end", "tick"))
        if kind == "batch" and runner.is_active:
            self.qtbot.waitSignal(runner.stepped, timeout=rng.randint(10, 100), raising=False).wait()
        elif kind == "end" and runner.is_active:
            self.qtbot.waitSignal(runner.run_ended, timeout=rng.randint(40, 200), raising=False).wait()
        elif kind == "tick" and runner.is_active:
            self.qtbot.waitSignal(runner._timer.timeout, timeout=1_000, raising=False).wait()

    def until(self, condition, what: str) -> None:
        self.qtbot.waitUntil(lambda: condition() or not self.runner.is_active, timeout=DEADLINE_MS)
        if self.runner.is_active:
            assert condition(), what

    def start(self) -> None:
        runner = self.runner
        if runner.is_active:  # refused, and the run goes on
            with pytest.raises(RuntimeError):
                runner.start(self.experiment)
            assert runner.is_active
            return
        paused = self.rng.random() < 0.3
        self.watch.began(self.experiment.training.learning_rate, paused)
        runner.start(self.experiment, paused=paused, epochs=self.rng.randint(1, 8))
        assert runner.state == STARTING

    def step(self) -> None:
        runner, before = self.runner, self.runner.step_count
        granted = runner.state == PAUSED and self.watch.control_paused
        runner.step()
        if granted and self.rng.random() < 0.5:  # a single step from Paused trains a batch
            self.until(lambda: runner.step_count > before, "a single step never trained")

    def set_learning_rate(self) -> None:
        runner, value = self.runner, next(self.rates)
        runner.set_learning_rate(value)
        if runner.is_active and runner.state != STOPPING:
            self.watch.run.rates.append(value)
            if runner.state == RUNNING and not self.watch.control_paused:
                self.until(lambda: getattr(runner.last_step, "learning_rate", None) == value,
                           f"learning rate {value} never reached the steps")

    def close(self) -> None:
        runner = self.runner
        assert runner.shutdown(), "shutdown timed out"
        assert runner.state == IDLE and not runner.is_active

    def operate(self) -> None:
        # Mostly what the state allows, sometimes what it does not (to be ignored).
        weights = (8, 1, 1, 1, 1, 1, 1) if self.runner.state == IDLE else (1, 3, 3, 3, 1, 2, 1)
        runner, name = self.runner, self.rng.choices(
            ("start", "pause", "resume", "step", "stop", "lr", "close"), weights)[0]
        state, active = runner.state, runner.is_active
        self.log.append(f"{name}@{state}")
        self.watch.asked(name, state)
        {"start": self.start, "pause": runner.pause, "resume": runner.resume, "step": self.step,
         "stop": runner.stop, "lr": self.set_learning_rate, "close": self.close}[name]()
        if name == "stop" and active:
            self.until(lambda: not runner.is_active, "the run never ended after stop")
        self.ok()

    def finish(self) -> None:
        """Close, as the window does, then judge every run."""
        self.close()
        for run in self.watch.runs:
            if run.signals.count("run_ended") != 1:
                self.watch.problem(f"a run did not end once: {run.signals}")
        self.ok()
        children = multiprocessing.active_children()
        assert len(children) <= process_pool.IDLE_LIMIT, f"training processes left: {children}"


@pytest.mark.parametrize("seed", range(3000, 3000 + SEQUENCES), ids=lambda s: f"seed{s}")
def test_a_control_storm_leaves_the_runner_idle_and_every_run_ended_once(qtbot, experiment, seed):
    from engine.probes import ProbeSettings

    in_process = seed % 3 == 0  # a third on the window's thread (the fallback), the rest in the process
    runner = TrainingRunner(in_process=in_process)
    if seed % 4:
        runner.probes = ProbeSettings.off()  # faster; every fourth sequence probes as the window does
    storm = Storm(qtbot, runner, experiment, seed)
    try:
        for _ in range(storm.rng.randint(5, 10)):
            storm.operate()
            storm.wait()
            storm.ok()
    finally:
        storm.finish()


# --- what the storms found ----------------------------------------------------------
def test_stopping_a_run_on_a_thread_as_it_starts_still_hands_over_its_weights(qtbot, experiment):
    """The thread's worker was told to quit as well as to stop, and left the
    generator before its Finished: the run ended like a failed one, with no
    weights to continue from or save."""
    runner = TrainingRunner(in_process=True)
    try:
        with qtbot.waitSignal(runner.finished, timeout=DEADLINE_MS) as ended:
            runner.start(experiment, epochs=5)
            runner.stop()
    finally:
        assert runner.shutdown()
    finished = ended.args[0]
    assert runner.outcome == "stopped" and finished is not None
    assert finished.stopped and finished.weights is not None


@pytest.mark.parametrize("in_process", [True, False], ids=["thread", "process"])
def test_pausing_a_run_as_it_starts_says_paused_only_once_training_has_stopped(qtbot, experiment, in_process):
    """A pause asked while the run was starting made the window say Paused as
    soon as the run had started, while the steps trained before the pause
    arrived still came in (a whole slow tick of them)."""
    from PySide6.QtCore import QTimer

    runner = TrainingRunner(in_process=in_process)
    with qtbot.waitSignal(runner.finished, timeout=60_000):  # a training process ready, data loaded
        runner.start(experiment, epochs=1)
    states_at_steps: list[str] = []
    runner.stepped.connect(lambda batch: states_at_steps.extend([runner.state] * len(batch.steps)))
    try:
        runner.start(experiment, epochs=50)
        runner._timer.setInterval(1_500)  # a window busy painting: its first tick comes late
        QTimer.singleShot(700, runner.pause)  # trained for a while, not yet shown: still starting
        qtbot.waitUntil(lambda: runner.state == PAUSED, timeout=DEADLINE_MS)
        runner._timer.setInterval(40)
        for _ in range(3):  # whatever was still on its way has arrived
            with qtbot.waitSignal(runner._timer.timeout, timeout=5_000):
                pass
        assert states_at_steps and runner.state == PAUSED
        assert states_at_steps.count(PAUSED) <= 1  # at most the batch in flight when the pause came
    finally:
        assert runner.shutdown()


def test_after_the_storms_the_pool_still_hands_out_a_process_that_trains(qtbot, experiment):
    runner = TrainingRunner()
    with qtbot.waitSignal(runner.finished, timeout=60_000) as ended:
        runner.start(experiment, epochs=1)
    assert runner.outcome == "finished" and ended.args[0].summary["epochs"] == 1
    assert len(multiprocessing.active_children()) <= process_pool.IDLE_LIMIT
