"""Control storms: random sequences of pause, resume, step, stop and
learning-rate changes sent while a run trains, against ``train()`` consumed
on a thread and against a run in the training child process.

Every sequence is seeded by its number and is a test of its own, so a
failure names the seed (``-k seed1007`` runs it again) and shows the log.

The thread storm applies each operation and logs each event under one lock,
so the log holds them in the order they happened, and replays it against
what TrainingControl promises (tests/helpers/storm_replay.py). The child's events
cross a pipe, so its checks are those a pipe cannot blur: single steps
counted from a known-paused point, stops that end the run, learning rates in
the order they were sent.
"""

from __future__ import annotations

import random
import threading
import time
from functools import partial

import pytest

from engine.control import TrainingControl
from engine.events import Finished, Paused, StepDone
from engine.probes import ProbeSettings
from tests.helpers.storm_replay import DEADLINE, Replay, check_finished, learning_rates, render

THREAD_SEQUENCES = 40
CHILD_SEQUENCES = 10
OPS = ("pause", "resume", "step", "lr", "stop")
WEIGHTS = (3, 4, 3, 2, 0.5)  # stop ends a sequence: rarely, so most run on to the end


@pytest.fixture(scope="module")
def experiment():
    from engine.presets import load_preset

    # 45 batches an epoch at ~1 ms each: long enough to be caught mid-run,
    # short enough that some runs finish before the storm ends.
    return load_preset("digits_mlp").with_training(batch_size=32, device="cpu")


@pytest.fixture(scope="module")
def bundle(experiment):
    from engine import datasets

    return datasets.load(experiment.dataset, experiment.training.seed)


def steps_per_epoch(bundle) -> int:
    return -(-len(bundle.x_train) // 32)


class StormLog:
    """Operations and events in the one order they happened."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.entries: list[tuple] = []  # ("op", name, value) or ("event", event, None)
        self.steps = 0
        self.done = False
        self.error: BaseException | None = None
        self.last_event: int | None = None  # log indices
        self.event_before_last = -1
        self.last_move = -1  # of the last pause, resume, step or stop that could change the run's course

    def op(self, name: str, value: float | None, apply, moves: bool) -> None:
        with self.cond:  # applied and logged at once: no event can come between
            apply()
            self.entries.append(("op", name, value))
            if moves:
                self.last_move = len(self.entries) - 1

    def event(self, event) -> None:
        with self.cond:
            self.entries.append(("event", event, None))
            if self.last_event is not None:
                self.event_before_last = self.last_event
            self.last_event = len(self.entries) - 1
            self.steps += type(event) is StepDone
            self.cond.notify_all()

    def wait_for(self, predicate, timeout: float) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: predicate() or self.done, timeout) and predicate()

    def settled(self) -> bool:
        """The last event is a Paused decided after every operation that
        could move the run: it waits, with no single step left to run."""
        return (self.last_event is not None and type(self.entries[self.last_event][1]) is Paused
                and self.event_before_last > self.last_move)


def consume(run, log: StormLog) -> None:
    from engine.threads import use_training_threads

    use_training_threads()  # as the app's worker does: two torch pools would fight
    try:
        for event in run:
            log.event(event)
    except BaseException as exc:  # noqa: BLE001 - reported by the test
        log.error = exc
    finally:
        with log.cond:
            log.done = True
            log.cond.notify_all()


@pytest.mark.parametrize("seed", range(1000, 1000 + THREAD_SEQUENCES), ids=lambda s: f"seed{s}")
def test_a_control_storm_against_train_on_a_thread_keeps_every_promise(experiment, bundle, seed):
    from engine.training import train

    rng = random.Random(seed)
    epochs = rng.randint(1, 8)
    started_paused = rng.random() < 0.3
    control = TrainingControl()
    if started_paused:
        control.step()  # as the window starts a run with Step: one batch, then paused
    log = StormLog()
    rates = learning_rates(rng)
    run = train(experiment, control=control, bundle=bundle, epochs=epochs, probes=ProbeSettings.off())
    worker = threading.Thread(target=consume, args=(run, log), name=f"storm-{seed}")
    worker.start()
    ambiguous = False  # a resume not yet followed by a batch: the run may wait on without a new Paused
    try:
        if rng.random() < 0.5:  # the storm begins once training has (else while it sets up)
            log.wait_for(lambda: log.steps > 0 or log.settled(), DEADLINE)
        for _ in range(rng.randint(6, 20)):
            name = rng.choices(OPS, WEIGHTS)[0]
            value = next(rates) if name == "lr" else None
            apply = partial(control.set_learning_rate, value) if name == "lr" else getattr(control, name)
            steps_before = log.steps
            # A pause while paused changes nothing; a rate changes no batch count.
            log.op(name, value, apply, moves=name != "lr" and not (name == "pause" and control.paused))
            ambiguous = (ambiguous or name == "resume") and log.steps == steps_before
            wait = rng.choice(("none", "none", "steps", "steps", "settle"))
            if wait == "steps":  # a few batches, or a moment when paused
                target = steps_before + rng.randint(1, 30)
                log.wait_for(lambda t=target: log.steps >= t, rng.uniform(0.01, 0.2))
            elif wait == "settle" and control.paused and not control.stopped:
                # A pause acts between batches: the run must come to rest soon.
                rested = log.wait_for(log.settled, 0.2 if ambiguous else DEADLINE)
                assert rested or ambiguous or log.done, f"a pause never took effect\n{render(log.entries)}"
        log.op("stop", None, control.stop, moves=True)
        assert log.wait_for(lambda: log.done, DEADLINE), (
            f"the run did not end {DEADLINE} s after stop\n{render(log.entries)}")
    finally:
        control.stop()
        worker.join(DEADLINE)
    assert not worker.is_alive(), "the training thread outlived its run"
    assert log.error is None, f"train() raised {log.error!r}"
    Replay(steps_per_epoch(bundle) * epochs, experiment.training.learning_rate, started_paused, seed).check(log.entries)


# --- the child process ------------------------------------------------------------
class ChildPool:
    """One training process for the child storms, from the app's pool (and
    back to it after: later tests need not start one); a sequence that
    closes it mid-run leaves the next one to take another."""

    process = None

    @classmethod
    def get(cls):
        from engine import process_pool

        if cls.process is None or not cls.process.alive:
            cls.process = process_pool.acquire()
        return cls.process


@pytest.fixture(scope="module")
def child_pool():
    from engine import process_pool

    yield ChildPool
    process, ChildPool.process = ChildPool.process, None
    if process is not None:
        assert process.run_id is None or not process.alive, "a storm left a run going"
        process_pool.release(process)


class ChildRun:
    """One run in the child, its events as they arrive, the operations sent."""

    def __init__(self, process, experiment, epochs: int, paused: bool) -> None:
        from engine.training_process import RemoteControl

        self.process = process
        self.control = RemoteControl(process, paused)
        self.events: list = []
        self.entries: list[tuple] = []  # as StormLog's, in the parent's order
        self.done = False
        process.start_run(experiment, epochs, ProbeSettings.off(), paused)

    @property
    def steps(self) -> list[StepDone]:
        return [e for e in self.events if type(e) is StepDone]

    def send(self, name: str, value: float | None = None) -> None:
        if name == "lr":
            self.control.set_learning_rate(value)
        else:
            getattr(self.control, name)()
        self.entries.append(("op", name, value))

    def wait_until(self, predicate, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not predicate() and not self.done:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if self.process.wait(left):
                messages = self.process.receive()
                for message in messages:
                    if message[0] == "events":
                        self.events += message[2]
                        self.entries += [("event", e, None) for e in message[2]]
                    else:
                        assert message[0] == "done", f"the child reported {message}"
                        self.done = True
                if not messages and not self.process.alive:
                    raise AssertionError(f"the training process died (exit code {self.process.exitcode})")
        return predicate()

    def paused_at(self, step: int) -> bool:
        return any(type(e) is Paused and e.step == step for e in self.events) or self.finished

    @property
    def finished(self) -> bool:
        return bool(self.events) and type(self.events[-1]) is Finished


@pytest.mark.parametrize("seed", range(2000, 2000 + CHILD_SEQUENCES), ids=lambda s: f"seed{s}")
def test_a_control_storm_against_the_training_process_keeps_every_promise(experiment, bundle, child_pool,
                                                                          seed):
    rng = random.Random(seed)
    epochs = rng.randint(1, 6)
    paused = rng.random() < 0.6
    closes = seed == 2000 + CHILD_SEQUENCES - 1  # the last one closes the process mid-run
    process = child_pool.get()
    run = ChildRun(process, experiment, epochs, paused)
    rates = learning_rates(rng)
    rest_at = 1 if paused else None  # the step the run is known to wait after, with nothing granted
    fresh_lr: tuple[int, float] | None = None  # (rest step, value) of a rate sent while resting
    for _ in range(rng.randint(4, 14)):
        name = rng.choices((*OPS, "burst"), (*WEIGHTS, 4 if rest_at else 0))[0]
        if name == "burst":  # k single steps from rest: exactly k batches, then rest again
            assert run.wait_until(partial(run.paused_at, rest_at), DEADLINE), (
                f"a granted step never ran\n{render(run.entries)}")
            k = rng.randint(1, 4)
            for _ in range(k):
                run.send("step")
            rest_at += k
            assert run.wait_until(partial(run.paused_at, rest_at), DEADLINE), (
                f"{k} single steps did not all run\n{render(run.entries)}")
            assert not run.wait_until(lambda at=rest_at: len(run.steps) > at, rng.uniform(0.1, 0.3)), (
                f"more batches ran than the {k} single steps granted\n{render(run.entries)}")
            continue
        value = next(rates) if name == "lr" else None
        run.send(name, value)
        if name == "lr" and rest_at is not None:
            fresh_lr = (rest_at, value)
        elif name in ("resume", "stop") or (name == "pause" and rest_at is None):
            rest_at = None
        elif name == "step" and rest_at is not None:
            rest_at += 1
        if name == "stop":
            break
        run.wait_until(lambda: False, rng.choice((0.0, 0.02, 0.1)))
    if closes and not run.done:
        begun = time.monotonic()
        process.close()
        assert time.monotonic() - begun < 6.0 and not process.alive, "closing the process hung"
        return
    run.send("stop")
    assert run.wait_until(lambda: run.done, DEADLINE), f"the run did not end after stop\n{render(run.entries)}"
    steps = run.steps
    check_finished(run.events, epochs * steps_per_epoch(bundle), stopped_asked=True, seed=seed, entries=run.entries)
    sent = [value for kind, name, value in run.entries if kind == "op" and name == "lr"]
    order = [experiment.training.learning_rate, *sent]
    indices = [order.index(s.learning_rate) for s in steps]  # ValueError: a rate never sent
    assert indices == sorted(indices), f"learning rates applied out of order\n{render(run.entries)}"
    if fresh_lr is not None:
        at, value = fresh_lr
        later = [s for s in steps if s.step > at]
        if later:  # the first batch granted after a rate set at rest uses it (or a newer one)
            assert order.index(later[0].learning_rate) >= order.index(value), render(run.entries)
