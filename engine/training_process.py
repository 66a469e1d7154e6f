"""``train()`` in a persistent child process, for the GUI.

Why a process and not a thread: PySide6 holds the interpreter lock for the
whole of every QPainter call made from Python, and pyqtgraph paints from
Python. Measured on this project's machines, a training thread got 0.05 % of
its normal rate while the GUI thread sat in one long ``drawPath``, and with
every live view open the app trained at 0.64–0.77 of a plain PyTorch loop.
In a process of its own, training never waits for painting.

The child is started with "spawn" (forking a process that runs Qt and
threads is unsafe), imports torch once, and then serves one run after
another, so only the first Train of a session pays for its start-up (and
``engine.process_pool.prestart`` pays it early, in the background). Protocol:

- parent → child, on a Pipe: ``("run", run_id, experiment, epochs, probes,
  paused, initial_weights)``, ``("pause",)``, ``("resume",)``, ``("step", count)``, ``("stop",)``,
  ``("lr", value)``, ``("quit",)``. A listener thread in the child applies
  control messages to the current run's TrainingControl at once, so pause
  and stop act between batches exactly as in-process.
- child → parent, on a one-way Pipe: ``("events", run_id, [event, ...])``
  (steps are batched: thousands a second would each cost a pickle and a
  write), ``("failed", run_id, one readable line, kind)`` (kind: one of
  engine.errors' failure kinds, e.g. "gpu_out_of_memory") and finally ``("done",
  run_id)``. A sender thread in the child does the pickling and writing, so a
  large snapshot never blocks training while the GUI is busy. Not a
  multiprocessing.Queue: the parent holds a Queue's write end too, so a child
  killed half-way through a message left the parent waiting forever for the
  rest; with the parent's copy of the write end closed, it reads end-of-file.

Engine code: no Qt here; the GUI's TrainingRunner polls ``TrainingProcess``.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from typing import Any

SEND_INTERVAL = 0.05  # seconds of steps gathered into one message
_context = multiprocessing.get_context("spawn")


# --- the child ---------------------------------------------------------------
def serve(commands: Any, connection: Any) -> None:
    """The child's main function: run the jobs that arrive on ``commands``."""
    from engine.control import TrainingControl
    from engine.errors import SpecError
    from engine.threads import DEFAULT, use_training_threads

    events = EventSender(connection)
    try:
        use_training_threads()  # one rule for every run (engine/threads.py)
    except SpecError:  # a malformed CNN_RNN_PLAYGROUND_THREADS: the window says so; train by the rule
        use_training_threads(DEFAULT)
    jobs: queue.Queue = queue.Queue()
    current: list[TrainingControl | None] = [None]

    def listen() -> None:
        while True:
            try:
                message = commands.recv()
            except (EOFError, OSError):  # the parent is gone: stop everything
                message = ("quit",)
            kind = message[0]
            control = current[0]
            if kind == "run":
                control = current[0] = TrainingControl()
                if message[5]:
                    control.step()  # start paused, then run exactly one batch
                jobs.put((message, control))
            elif kind == "quit":
                if control is not None:
                    control.stop()
                jobs.put(None)
                return
            elif control is not None:
                apply_command(control, message)

    threading.Thread(target=listen, name="commands", daemon=True).start()
    while (job := jobs.get()) is not None:
        (_, run_id, experiment, epochs, probes, _, weights), control = job
        run_job(run_id, experiment, epochs, probes, control, events, weights)
    events.close()  # everything sent reaches the parent before exit


class EventSender:
    """Pickles and writes messages on its own thread, in order."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._send_all, name="events", daemon=True)
        self._thread.start()

    def put(self, message: tuple) -> None:
        self._queue.put(message)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._connection.close()

    def _send_all(self) -> None:
        while (message := self._queue.get()) is not None:
            try:
                self._connection.send(message)
            except (BrokenPipeError, OSError):  # the parent is gone
                return


def apply_command(control: Any, message: tuple) -> None:
    kind = message[0]
    if kind == "pause":
        control.pause()
    elif kind == "resume":
        control.resume()
    elif kind == "step":
        control.step(message[1] if len(message) > 1 else 1)
    elif kind == "stop":
        control.stop()
    elif kind == "lr":
        control.set_learning_rate(message[1])


def run_job(run_id: int, experiment: Any, epochs: int | None, probes: Any, control: Any, events: Any,
            initial_weights: Any = None) -> None:
    from engine.errors import classify_failure, describe_error
    from engine.events import StepDone
    from engine.training import train

    batch: list = []
    sent = time.monotonic()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("once")  # a warning at every step would flood the log
            for event in train(experiment, control=control, epochs=epochs, probes=probes,
                               initial_weights=initial_weights):
                batch.append(event)
                now = time.monotonic()
                if type(event) is not StepDone or now - sent > SEND_INTERVAL:
                    events.put(("events", run_id, batch))
                    batch, sent = [], now
    except BaseException as exc:  # noqa: BLE001 - every failure must reach the window as a line
        if batch:
            events.put(("events", run_id, batch))
            batch = []
        events.put(("failed", run_id, describe_error(exc), classify_failure(exc)))
    if batch:
        events.put(("events", run_id, batch))
    events.put(("done", run_id))


# --- the parent --------------------------------------------------------------
class TrainingProcess:
    """The parent's handle on one child. Not thread-safe: use it from one thread."""

    def __init__(self) -> None:
        self._commands, child_commands = _context.Pipe()
        self._events, child_events = _context.Pipe(duplex=False)
        self._process = _context.Process(target=serve, args=(child_commands, child_events),
                                         name="cnn-rnn-training", daemon=True)
        with _main_script_not_rerun():
            self._process.start()
        child_commands.close()  # the child has its own copies; ours would hide its death
        child_events.close()
        self._next_id = 0
        self._closed = False
        self.run_id: int | None = None  # the run in progress, None between runs

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    @property
    def exitcode(self) -> int | None:
        return self._process.exitcode

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def start_run(self, experiment: Any, epochs: int | None, probes: Any, paused: bool,
                  initial_weights: Any = None) -> int:
        if self.run_id is not None:
            raise RuntimeError("this training process is already running")
        self._next_id += 1
        self.run_id = self._next_id
        self.send(("run", self.run_id, experiment, epochs, probes, paused, initial_weights))
        return self.run_id

    def send(self, message: tuple) -> bool:
        """False when the child is gone (the caller notices through ``alive``)."""
        try:
            self._commands.send(message)
            return True
        except (BrokenPipeError, OSError):
            return False

    def receive(self) -> list[tuple]:
        """Every message that has arrived, without waiting. Messages of
        earlier runs (none should remain) are dropped; ``done`` ends the run."""
        messages = []
        while True:
            try:
                if not self._events.poll():
                    break
                message = self._events.recv()
            except (EOFError, OSError):  # the child is gone (``alive`` says so)
                break
            if message[1] != self.run_id:
                continue
            messages.append(message)
            if message[0] == "done":
                self.run_id = None
                break
        return messages

    def close(self, timeout: float = 3.0) -> None:
        """Ask the child to quit; terminate it if it does not."""
        if self._closed:
            return
        self._closed = True
        self.send(("quit",))
        deadline = time.monotonic() + timeout
        while self._process.is_alive() and time.monotonic() < deadline:
            self.receive_all_and_drop()
            self._process.join(0.05)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(1.0)
        self._commands.close()
        self._events.close()

    def wait(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds until ``receive`` has something
        (or the child is gone): for callers without an event loop, such as
        scripts and tests, which would otherwise poll with sleeps."""
        try:
            return self._events.poll(timeout)
        except (EOFError, OSError):
            return True

    def handles(self) -> list:
        """What ``wait_any`` waits on: the event pipe and the child's exit."""
        return [self._events, self._process.sentinel]

    def receive_all_and_drop(self) -> None:
        # A child that still has events to send cannot exit (its sender
        # thread waits for the pipe to drain), so drain it while waiting.
        while True:
            try:
                if not self._events.poll():
                    return
                self._events.recv()
            except (EOFError, OSError):
                return


def wait_any(processes: list[TrainingProcess], timeout: float) -> None:
    """Block up to ``timeout`` seconds until any of ``processes`` has a message
    or has died: several runs at once hear of whichever ends first at once,
    not when the one waited on sends next (short sweep trials idled up to 0.5 s)."""
    from multiprocessing.connection import wait

    try:
        wait([h for p in processes for h in p.handles()], timeout)
    except (OSError, ValueError):  # a pipe closed under us: the caller's receive notices
        pass


@contextlib.contextmanager
def _main_script_not_rerun() -> Iterator[None]:
    """"spawn" re-runs the parent's main script in the child (as __mp_main__)
    so that functions defined there can be unpickled. The child needs only
    engine code, and re-running a script that is not guarded by
    ``if __name__ == "__main__"`` (a benchmark, a user's notebook-like script)
    would start it again or fail. Hiding the script's path for the moment of
    ``start()`` makes spawn skip that step (the same for ``python -m x``,
    where it would import ``x`` again)."""
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved = {name: main.__dict__[name] for name in ("__file__", "__spec__") if name in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__spec__ = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


class RemoteControl:
    """TrainingControl's interface for a run in a child process: every call
    is forwarded to the child, and a local TrainingControl mirrors the state
    so the window can read ``paused`` and ``stopped`` without asking."""

    def __init__(self, process: TrainingProcess, paused: bool) -> None:
        from engine.control import TrainingControl

        self._process = process
        self._mirror = TrainingControl()
        if paused:
            self._mirror.step()

    def pause(self) -> None:
        self._mirror.pause()
        self._process.send(("pause",))

    def resume(self) -> None:
        self._mirror.resume()
        self._process.send(("resume",))

    def step(self, count: int = 1) -> None:
        self._mirror.step(count)
        self._process.send(("step", max(1, int(count))))

    def stop(self) -> None:
        self._mirror.stop()
        self._process.send(("stop",))

    def set_learning_rate(self, value: float) -> None:
        self._process.send(("lr", float(value)))

    @property
    def paused(self) -> bool:
        return self._mirror.paused

    @property
    def stopped(self) -> bool:
        return self._mirror.stopped
