"""Thread-safe control of a running ``train()`` generator.

The GUI thread calls pause/resume/step/stop/set_learning_rate; the training
generator calls ``checkpoint()`` between batches. Everything takes effect
between batches, never mid-step, so the model is always consistent.
"""

from __future__ import annotations

import threading


class TrainingControl:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._paused = False
        self._stopped = False
        self._steps_allowed = 0  # single steps granted while paused
        self._learning_rate: float | None = None

    # --- called from any thread -------------------------------------------
    def pause(self) -> None:
        with self._cond:
            self._paused = True
            self._cond.notify_all()

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._steps_allowed = 0
            self._cond.notify_all()

    def step(self, count: int = 1) -> None:
        """Run ``count`` batches, then stay paused (pauses first if running)."""
        with self._cond:
            self._paused = True
            self._steps_allowed += max(1, int(count))
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    def set_learning_rate(self, value: float) -> None:
        with self._cond:
            self._learning_rate = float(value)

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def stopped(self) -> bool:
        return self._stopped

    # --- called by the training generator -----------------------------------
    def take_learning_rate(self) -> float | None:
        """A learning rate set since the last call, or None."""
        with self._cond:
            value, self._learning_rate = self._learning_rate, None
            return value

    def must_wait(self) -> bool:
        """True when paused with no single step granted (the caller then
        yields a Paused event and calls ``wait``)."""
        with self._cond:
            return self._paused and not self._stopped and self._steps_allowed == 0

    def wait(self) -> bool:
        """Block while paused; consume a granted single step. Returns False
        when the run must stop."""
        with self._cond:
            while self._paused and not self._stopped and self._steps_allowed == 0:
                self._cond.wait()
            if self._paused and self._steps_allowed:
                self._steps_allowed -= 1
            return not self._stopped
