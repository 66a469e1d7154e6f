"""Runs ``engine.training.train`` on a superqt worker thread and hands its
events to the GUI at a bounded rate.

The worker never emits a Qt signal per training step (thousands a second
would flood the event queue and freeze the window): it appends every event to
a deque, and a 25 Hz QTimer on the GUI thread drains it, turning a tick's
steps into one ``stepped`` batch. Pause, single step, stop and learning-rate
changes go through the engine's thread-safe TrainingControl, which acts
between batches; the generator blocks inside ``control.wait()`` while paused,
so stopping always goes through ``control.stop()`` first.
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
TICK_MS = 100  # at most 10 redraws a second: smooth to the eye
MAX_TICK_MS = 400  # curves still move at 2.5 Hz at worst
# While training, the window may use this share of one core (its Python and
# its painting, measured as the GUI thread's CPU time). Painting competes with
# the training thread on small machines — on this project's 2-core machines
# the hidden window trained at the plain loop's speed and the painted one at
# 0.6–0.8 of it — so when views cost more, the tick (and with it every
# redraw) slows down, to 2.5 a second at worst, rather than training.
GUI_BUDGET = 0.08
# The worker yields to GeneratorWorker (which checks quit requests and emits
# `yielded`) at most this often, and for every event that is not a step.
YIELD_INTERVAL = 0.1


@dataclass(frozen=True)
class StepBatch:
    """The steps that arrived since the last tick."""

    steps: np.ndarray
    losses: np.ndarray
    last: object  # engine.events.StepDone


def run_events(experiment: Experiment, control: object, buffer: collections.deque,
               epochs: int | None = None, probes: object | None = None) -> Iterator[None]:
    """The worker's generator: feeds ``buffer`` with train()'s events.
    ``probes`` (engine.probes.ProbeSettings) defaults to every probe on."""
    from engine.events import StepDone
    from engine.probes import ProbeSettings
    from engine.training import train

    probes = probes if probes is not None else ProbeSettings()
    _leave_a_core_to_the_window()
    last_yield = 0.0
    with warnings.catch_warnings():
        # superqt runs workers with warnings set to "always", each one becoming
        # a `warned` signal: a warning raised at every step would be a signal
        # per step, exactly what this module avoids. Once per message is enough.
        warnings.simplefilter("once")
        for event in train(experiment, control=control, epochs=epochs, probes=probes):
            buffer.append(event)
            now = time.monotonic()
            if type(event) is not StepDone or now - last_yield > YIELD_INTERVAL:
                last_yield = now
                yield None


def _leave_a_core_to_the_window() -> None:
    """Train on one core fewer than the machine has (torch's own default at
    most). An OpenMP pool that spans every core spins on all of them, and when
    the window paints or another program runs, one of its threads stalls and
    the rest wait for it: on this project's 2-core machines a busy second
    core cut a 2-thread loop to a tenth of its speed, while one thread kept
    its pace. The small models trained here gain little from a second thread."""
    import os

    import torch

    cores = os.cpu_count() or 1
    torch.set_num_threads(max(1, min(torch.get_num_threads(), cores - 1)))


def describe_error(exc: BaseException) -> str:
    """One line a person can act on, for an exception from the worker."""
    import torch

    from engine.errors import PlaygroundError

    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if isinstance(exc, PlaygroundError):
        return str(exc)
    if isinstance(exc, torch.OutOfMemoryError) or "out of memory" in first.lower():
        on_cuda = "cuda" in first.lower() or isinstance(exc, torch.OutOfMemoryError)
        device = "cuda" if on_cuda else "this device"
        return f"Out of memory on {device}: {first} — try a smaller batch size or model."
    if isinstance(exc, MemoryError):
        return "Out of memory on cpu: try a smaller batch size, model or data set."
    return f"{type(exc).__name__}: {first}"


class TrainingRunner(QObject):
    state_changed = Signal(str)
    started = Signal(object)  # RunStarted
    stepped = Signal(object)  # StepBatch
    epoch_ended = Signal(object)  # EpochDone
    diverged = Signal(object)  # Diverged
    finished = Signal(object)  # Finished, or None when the worker failed
    failed = Signal(str)  # one readable line
    snapshot_taken = Signal(object)  # engine.events.Snapshot (at most a few a second)
    predicted = Signal(object)  # engine.events.Predictions (after each epoch)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state = IDLE
        self._worker: object | None = None
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
        self._finished_event: object | None = None
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

    def start(self, experiment: Experiment, *, paused: bool = False, epochs: int | None = None) -> None:
        """Train ``experiment`` (a snapshot: later edits do not affect this run)."""
        from superqt.utils import create_worker

        from engine.control import TrainingControl

        if self.is_active:
            raise RuntimeError("a run is already active; stop it first")
        self._buffer = collections.deque()
        self._control = control = TrainingControl()
        if paused:
            control.step()  # start paused, then run exactly one batch
        self.run_info = self.last_step = self.last_epoch = self._finished_event = None
        self.outcome = ""
        worker = create_worker(run_events, experiment, control, self._buffer, epochs, self.probes,
                               _start_thread=False, _ignore_errors=True)
        worker.errored.connect(self._on_errored)
        worker.finished.connect(self._on_worker_finished)
        self._worker = worker
        self._set_state(STARTING)
        self._timer.setInterval(TICK_MS)
        self._budget_mark = None
        self._timer.start()
        worker.start()

    def pause(self) -> None:
        if self._control is not None and self._state in (STARTING, RUNNING):
            self._control.pause()

    def resume(self) -> None:
        if self._control is not None and self._state in (PAUSED, STARTING):
            self._control.resume()
            if self._state == PAUSED:
                self._set_state(RUNNING)

    def step(self) -> None:
        """One batch, then paused (pauses a running run first)."""
        if self._control is not None and self._state in (STARTING, RUNNING, PAUSED):
            self._control.step()

    def stop(self) -> None:
        if self._control is not None and self.is_active:
            self._control.stop()
            self._worker.quit()
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
        self._worker.finished.connect(loop.quit)
        QTimer.singleShot(timeout_ms, loop.quit)
        if self.is_active:
            loop.exec()
        return not self.is_active

    # --- the GUI tick -----------------------------------------------------------
    def drain(self) -> None:
        """Hand every buffered event to the views; called by the timer."""
        from engine.events import Diverged, EpochDone, Finished, Paused, Predictions, RunStarted, Snapshot, StepDone

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
                    self._set_state(PAUSED if self._control.paused else RUNNING)
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
        self._keep_to_budget()

    @property
    def tick_ms(self) -> int:
        return self._timer.interval()

    def _keep_to_budget(self) -> None:
        """Once a second, stretch or shrink the tick so the GUI thread stays
        near GUI_BUDGET of a core (its painting included: it runs on this thread)."""
        now, cpu = time.monotonic(), time.thread_time()
        if self._budget_mark is None:
            self._budget_mark = (now, cpu)
            return
        wall = now - self._budget_mark[0]
        if wall < 1.0:
            return
        share = (cpu - self._budget_mark[1]) / wall
        interval = self._timer.interval()
        if share > GUI_BUDGET:
            interval = min(MAX_TICK_MS, int(interval * min(share / GUI_BUDGET, 2.0)) + 1)
        elif share < GUI_BUDGET / 2:
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
        self.outcome = "failed"
        self.failed.emit(describe_error(exc))

    def _on_worker_finished(self) -> None:
        self.drain()
        self._timer.stop()
        finished, self._finished_event = self._finished_event, None
        self._worker = None
        if not self.outcome:
            self.outcome = "stopped"
        self._set_state(IDLE)
        self.finished.emit(finished)

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)
