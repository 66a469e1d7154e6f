"""Runs ``engine.training.train`` for the window and hands its events to the
GUI at a bounded rate.

Training runs in a persistent child process (engine.training_process), so
that painting — which in PySide6 holds the interpreter lock for every
QPainter call — cannot slow it down; ``in_process=True`` runs it on a superqt
worker thread instead (tests, and the fallback when no process can start).
Either way events land in a deque, and a QTimer on the GUI thread drains it,
turning a tick's steps into one ``stepped`` batch: a Qt signal per training
step (thousands a second) would flood the event queue and freeze the window.
Pause, single step, stop and learning-rate changes go through a
TrainingControl (or its RemoteControl twin), which acts between batches.
"""

from __future__ import annotations

import collections
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal

from engine.spec import Experiment

IDLE, STARTING, RUNNING, PAUSED, STOPPING = "idle", "starting", "running", "paused", "stopping"
# About 28 ticks a second (21-24 redraws achieved with every view open): motion
# reads as smooth from about 20 (issue #8's refresh target); with training in
# its own process the window has a core for it.
TICK_MS = 35
MAX_TICK_MS = 400  # curves still move at 2.5 Hz at worst
# While training, the window may use this share of one core (its Python and
# its painting, measured as the GUI thread's CPU time); when views cost more,
# the tick (and with it every redraw) slows down, to 2.5 a second at worst.
# With training in its own process on one core fewer than the machine has,
# the window has a core to itself and only has to leave some of it idle.
# Training on a thread of this process (the fallback) is another matter:
# PySide6 holds the GIL while it paints, and on this project's 2-core
# machines the painted window trained at 0.6-0.8 of the plain loop's speed,
# so there the budget is small.
GUI_BUDGET = 0.5
GUI_BUDGET_IN_PROCESS = 0.08
# The worker yields to GeneratorWorker (which checks quit requests and emits
# `yielded`) at most this often, and for every event that is not a step.
YIELD_INTERVAL = 0.1


@dataclass(frozen=True)
class StepBatch:
    """The steps that arrived since the last tick."""

    steps: np.ndarray
    losses: np.ndarray
    last: object  # engine.events.StepDone


class TrainingFailure(Exception):
    """An exception from train() on its way to ``errored``. superqt's
    GeneratorWorker takes any RuntimeError raised by a generator for "a deleted
    Qt object", only warns, and emits neither ``errored`` nor ``finished`` — and
    every torch error (out of memory, a CUDA error) is a RuntimeError: the run
    would never end. Wrapped in this, it arrives; ``original`` is the exception."""

    def __init__(self, original: BaseException) -> None:
        super().__init__(str(original))
        self.original = original


def run_events(experiment: Experiment, control: object, buffer: collections.deque,
               epochs: int | None = None, probes: object | None = None,
               initial_weights: dict | None = None) -> Iterator[None]:
    """The in-process worker's generator: feeds ``buffer`` with train()'s
    events. ``probes`` (engine.probes.ProbeSettings) defaults to every probe on."""
    from engine.events import StepDone
    from engine.probes import ProbeSettings
    from engine.threads import use_training_threads
    from engine.training import train

    probes = probes if probes is not None else ProbeSettings()
    use_training_threads()  # the rule of every run (engine/threads.py)
    last_yield = 0.0
    with warnings.catch_warnings():
        # superqt runs workers with warnings set to "always", each one becoming
        # a `warned` signal: a warning raised at every step would be a signal
        # per step, exactly what this module avoids. Once per message is enough.
        warnings.simplefilter("once")
        try:
            for event in train(experiment, control=control, epochs=epochs, probes=probes,
                               initial_weights=initial_weights):
                buffer.append(event)
                now = time.monotonic()
                if type(event) is not StepDone or now - last_yield > YIELD_INTERVAL:
                    last_yield = now
                    yield None
        except Exception as exc:  # noqa: BLE001 - every failure must reach the window (see TrainingFailure)
            raise TrainingFailure(exc) from exc


def describe_error(exc: BaseException) -> str:
    """One line a person can act on (engine.errors.describe_error)."""
    from engine.errors import describe_error as describe

    return describe(exc)


class TrainingRunner(QObject):
    state_changed = Signal(str)
    started = Signal(object)  # RunStarted
    stepped = Signal(object)  # StepBatch
    epoch_ended = Signal(object)  # EpochDone
    diverged = Signal(object)  # Diverged
    finished = Signal(object)  # Finished, or None when the worker failed
    failed = Signal(str)  # one readable line; ``failure_kind`` says what kind of failure
    snapshot_taken = Signal(object)  # engine.events.Snapshot (at most a few a second)
    predicted = Signal(object)  # engine.events.Predictions (after each epoch)
    run_ended = Signal()  # after `finished`; for code that waits on the run

    def __init__(self, parent: QObject | None = None, *, in_process: bool = False) -> None:
        super().__init__(parent)
        # False (the default): train in a child process (engine.training_process),
        # where painting cannot hold up training. True: on a thread of this
        # process — a seam for tests, and the fallback if no process can start.
        self.in_process = in_process
        self._state = IDLE
        self._worker: object | None = None  # the superqt worker or the TrainingProcess
        self._process: object | None = None  # engine.training_process.TrainingProcess
        self._control: object | None = None
        self._buffer: collections.deque = collections.deque()
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.drain)
        self._budget_mark: tuple[float, float] | None = None  # (wall, GUI-thread CPU) at the last check
        self.run_info: object | None = None  # RunStarted of the current/last run
        self.last_step: object | None = None  # latest StepDone
        self.last_epoch: object | None = None  # latest EpochDone
        self.outcome = ""  # "finished" | "stopped" | "diverged" | "failed" after a run
        self.experiment: Experiment | None = None  # the spec the current or last run started from
        # The weights it was given to start from (Continue Training, a weights file); None: the
        # fresh initialisation its seed gives.
        self.initial_weights: dict | None = None
        # After "failed": one of engine.errors' kinds ("gpu_out_of_memory", "device_failed"…),
        # for the window to offer what fits (training on the CPU, a smaller batch).
        self.failure_kind = ""
        self._failure: tuple[str, str] | None = None  # (line, kind) received, shown after the steps before it
        self._finished_event: object | None = None
        # Started paused and never resumed since: no batch can have run unasked,
        # so the run is Paused as soon as it has started (else only once it says so).
        self._paused_throughout = False
        self.probes: object | None = None  # ProbeSettings for the next runs; None = all on

    @property
    def state(self) -> str:
        return self._state

    @property
    def is_active(self) -> bool:
        return self._worker is not None

    @property
    def step_count(self) -> int:
        return getattr(self.last_step, "step", 0)

    def start(self, experiment: Experiment, *, paused: bool = False, epochs: int | None = None,
              initial_weights: dict | None = None) -> None:
        """Train ``experiment`` (a snapshot: later edits do not affect this run),
        from ``initial_weights`` (a numpy state dict, e.g. a weights file's or
        an earlier run's ``Finished.weights``) instead of a fresh initialisation."""
        if self.is_active:
            raise RuntimeError("a run is already active; stop it first")
        self.experiment, self.initial_weights = experiment, initial_weights
        self._buffer = collections.deque()
        self.run_info = self.last_step = self.last_epoch = self._finished_event = None
        self.outcome = self.failure_kind = ""
        self._failure = None
        self._paused_throughout = paused
        started = False
        if not self.in_process:
            try:
                self._start_in_child(experiment, paused, epochs, initial_weights)
                started = True
            except OSError as exc:  # no process could start: train here instead
                warnings.warn(f"training on a thread: no training process ({exc})", stacklevel=2)
        if not started:
            self._start_on_thread(experiment, paused, epochs, initial_weights)
        self._set_state(STARTING)
        self._timer.setInterval(TICK_MS)
        self._budget_mark = None
        self._timer.start()

    def _start_in_child(self, experiment: Experiment, paused: bool, epochs: int | None,
                        initial_weights: dict | None) -> None:
        from engine import process_pool, training_process
        from engine.probes import ProbeSettings

        process = process_pool.acquire()
        self._control = training_process.RemoteControl(process, paused)
        probes = self.probes if self.probes is not None else ProbeSettings()
        process.start_run(experiment, epochs, probes, paused, initial_weights)
        self._worker = self._process = process

    def _start_on_thread(self, experiment: Experiment, paused: bool, epochs: int | None,
                         initial_weights: dict | None) -> None:
        from superqt.utils import create_worker

        from engine.control import TrainingControl

        self._control = control = TrainingControl()
        if paused:
            control.step()  # start paused, then run exactly one batch
        worker = create_worker(run_events, experiment, control, self._buffer, epochs, self.probes,
                               initial_weights, _start_thread=False, _ignore_errors=True)
        worker.errored.connect(self._on_errored)
        worker.finished.connect(self._on_worker_finished)
        self._worker = worker
        worker.start()

    def pause(self) -> None:
        if self._control is not None and self._state in (STARTING, RUNNING):
            self._control.pause()

    def resume(self) -> None:
        if self._control is not None and self._state in (PAUSED, STARTING):
            self._control.resume()
            self._paused_throughout = False
            if self._state == PAUSED:
                self._set_state(RUNNING)

    def step(self, count: int = 1) -> None:
        """``count`` batches, then paused (pauses a running run first)."""
        if self._control is not None and self._state in (STARTING, RUNNING, PAUSED):
            self._control.step(count)

    def stop(self) -> None:
        if self._control is not None and self.is_active:
            # train() stops at its next checkpoint and still yields Finished
            # (the weights, the summary). Not worker.quit(): GeneratorWorker
            # would abandon the generator at its next yield, often before
            # Finished (a stop while starting, always), and the run would end
            # with `finished(None)`, as if it had failed, its weights lost.
            self._control.stop()
            self._timer.setInterval(TICK_MS)  # notice the end soon
            self._set_state(STOPPING)

    def set_learning_rate(self, value: float) -> None:
        if self._control is not None and self.is_active:
            self._control.set_learning_rate(value)

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop and wait (processing events) until the worker has finished."""
        if not self.is_active:
            return True
        self.stop()
        loop = QEventLoop()
        self.run_ended.connect(loop.quit)
        QTimer.singleShot(timeout_ms, loop.quit)
        if self.is_active:
            loop.exec()
        self.run_ended.disconnect(loop.quit)
        if self._process is not None:  # a child that does not stop is ended
            self._process.close(timeout=0.5)
            self._finish_run()
        return not self.is_active

    # --- the GUI tick -----------------------------------------------------------
    def drain(self) -> None:
        """Hand every buffered event to the views; called by the timer."""
        from engine.events import Diverged, EpochDone, Finished, Paused, Predictions, RunStarted, Snapshot, StepDone

        ended = self._receive() if self._process is not None else False
        steps: list[int] = []
        losses: list[float] = []
        buffer = self._buffer
        while buffer:
            event = buffer.popleft()
            kind = type(event)
            if kind is StepDone:
                steps.append(event.step)
                losses.append(event.loss)
                self.last_step = event
                continue
            # Steps before another event must be shown before it.
            self._flush_steps(steps, losses)
            if kind is RunStarted:
                self.run_info = event
                self.started.emit(event)
                if self._state != STOPPING:
                    # Not "paused" for a pause asked while starting: the run may
                    # have trained for a while before it arrived, and the window
                    # would say Paused while those steps still came in. Its
                    # Paused event comes once it rests.
                    self._set_state(PAUSED if self._paused_throughout else RUNNING)
            elif kind is Snapshot:
                self.snapshot_taken.emit(event)
            elif kind is Predictions:
                self.predicted.emit(event)
            elif kind is EpochDone:
                self.last_epoch = event
                self.epoch_ended.emit(event)
            elif kind is Paused:
                if self._control.paused and self._state != STOPPING:
                    self._set_state(PAUSED)
            elif kind is Diverged:
                self.outcome = "diverged"
                self.diverged.emit(event)
            elif kind is Finished:
                if not self.outcome:
                    self.outcome = ("diverged" if event.diverged else "stopped" if event.stopped
                                    else "finished")
                self._finished_event = event
        self._flush_steps(steps, losses)
        if self._failure is not None:  # after the steps that came before it: "after 4 steps" is right
            (line, self.failure_kind), self._failure = self._failure, None
            self.failed.emit(line)
        if ended:
            self._finish_run()
        else:
            self._keep_to_budget()

    def _receive(self) -> bool:
        """Move the child's messages into the buffer; True when its run ended."""
        process = self._process
        for message in process.receive():
            kind = message[0]
            if kind == "events":
                self._buffer.extend(message[2])
            elif kind == "failed":
                self.outcome = "failed"
                self._failure = (message[2], message[3] if len(message) > 3 else "other")
            elif kind == "done":
                return True
        if not process.alive:
            self.outcome = "failed"
            # Killed outright (-9) is what Linux's out-of-memory killer does: worth a hint.
            killed = " — killed, perhaps for lack of memory" if process.exitcode == -9 else ""
            self._failure = (f"The training process ended unexpectedly (exit code {process.exitcode}{killed}); "
                             "the experiment is unchanged — press Train to start again.", "process_died")
            return True
        return False

    @property
    def gui_budget(self) -> float:
        """The share of a core the GUI thread may use during this run."""
        return GUI_BUDGET_IN_PROCESS if self.is_active and self._process is None else GUI_BUDGET

    @property
    def tick_ms(self) -> int:
        return self._timer.interval()

    def _keep_to_budget(self) -> None:
        """Once a second, stretch or shrink the tick so the GUI thread stays
        near its budget of a core (its painting included: it runs on this thread)."""
        now, cpu = time.monotonic(), time.thread_time()
        if self._budget_mark is None:
            self._budget_mark = (now, cpu)
            return
        wall = now - self._budget_mark[0]
        if wall < 1.0:
            return
        share = (cpu - self._budget_mark[1]) / wall
        interval = self._timer.interval()
        budget = self.gui_budget
        if share > budget:
            interval = min(MAX_TICK_MS, int(interval * min(share / budget, 2.0)) + 1)
        elif share < budget / 2:
            interval = max(TICK_MS, int(interval * 0.8))
        self._timer.setInterval(interval)
        self._budget_mark = (now, cpu)

    def _flush_steps(self, steps: list[int], losses: list[float]) -> None:
        if steps:
            if self._state == PAUSED and not self._control.paused:
                self._set_state(RUNNING)
            self.stepped.emit(StepBatch(np.asarray(steps, float), np.asarray(losses, float), self.last_step))
            steps.clear()
            losses.clear()

    def _on_errored(self, exc: BaseException) -> None:
        from engine.errors import classify_failure

        exc = exc.original if isinstance(exc, TrainingFailure) else exc
        self.outcome = "failed"
        self._failure = (describe_error(exc), classify_failure(exc))
        self.drain()  # the steps before the failure first, then the failure

    def _on_worker_finished(self) -> None:
        self.drain()
        self._finish_run()

    def _finish_run(self) -> None:
        self._timer.stop()
        if self._process is not None:
            from engine import process_pool

            if self.failure_kind == "device_failed":
                # A CUDA error poisons the process's GPU context for good: retire
                # the process, so the next run (on the GPU again) gets a fresh one.
                self._process.close(timeout=0.5)
            else:
                process_pool.release(self._process)
        finished, self._finished_event = self._finished_event, None
        self._worker = self._process = None
        if not self.outcome:
            self.outcome = "stopped"
        self._set_state(IDLE)
        self.finished.emit(finished)
        self.run_ended.emit()

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)
