"""Checks for the control storms (tests/engine/test_control_storm.py): a replay of
one run's log of operations and events against what TrainingControl
promises, and the end every run must reach.

The promises, all between batches: pause rests the run after at most the
batch already past its checkpoint; each single step granted while paused
runs exactly one batch; stop ends the run after at most that batch; a new
learning rate applies from the next batch to pass its checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from engine.events import Finished, Paused, StepDone

DEADLINE = 20.0  # seconds: pause and stop act between batches, far sooner than this


def learning_rates(rng) -> Iterator[float]:
    """Distinct learning rates, so each StepDone names the change it came from."""
    seen: set[float] = set()
    while True:
        value = round(10 ** rng.uniform(-4, -2), 8)
        if value not in seen:
            seen.add(value)
            yield value


def render(entries: list[tuple], tail: int = 60) -> str:
    """The end of a log, one line an entry, for a failure message."""
    lines = []
    for kind, what, value in entries[-tail:]:
        if kind == "op":
            lines.append(f"  >> {what}" + (f" {value}" if value is not None else ""))
        elif type(what) is StepDone:
            lines.append(f"  step {what.step} lr {what.learning_rate}")
        else:
            lines.append(f"  {type(what).__name__}" + (f" {what.step}" if type(what) is Paused else ""))
    return "\n".join(lines)


def check_finished(events: list, total_steps: int, stopped_asked: bool, seed: int, entries: list) -> None:
    """The run ends with exactly one Finished that agrees with its steps."""
    where = f"(seed {seed})\n{render(entries)}"
    finished = [e for e in events if type(e) is Finished]
    assert len(finished) == 1 and events[-1] is finished[0], f"not exactly one Finished, last {where}"
    steps = [e.step for e in events if type(e) is StepDone]
    assert steps == list(range(1, len(steps) + 1)), f"steps not counted one by one {where}"
    end = finished[0]
    assert not end.diverged and end.weights is not None, where
    assert end.summary["steps"] == len(steps), where
    if end.stopped:
        assert stopped_asked and len(steps) < total_steps, f"stopped unasked or after the last batch {where}"
    else:
        assert len(steps) == total_steps, f"neither stopped nor complete {where}"


@dataclass
class Replay:
    """Walks one thread run's log, in which an operation logged before an
    event was applied before the event was logged, and the run decides what
    comes after an event only once that event is logged."""

    total_steps: int
    initial_lr: float
    started_paused: bool
    seed: int

    def fail(self, entries: list[tuple], upto: int, why: str) -> None:
        raise AssertionError(f"{why} (seed {self.seed})\n{render(entries[:upto + 1])}")

    def check(self, entries: list[tuple]) -> None:
        paused = self.started_paused
        grants = 1 if paused else 0  # single steps granted in this paused stretch
        stretch_steps = 0  # batches run in this paused stretch
        slack = 0  # 1 when the stretch began while running: a batch may be past its checkpoint
        rested = False  # a Paused decided after every operation: the run waits, nothing granted
        rest_grants = rest_steps = 0  # since the last rest
        after_stop: int | None = None  # batches run since stop
        stop_slack = 1
        op_since_event = False  # a pause/resume/step/stop logged since the last event
        lr_ops: list[tuple[int, float]] = []  # (log index, value)
        applied = -1  # index into lr_ops of the rate in use; -1: the experiment's
        previous_event = 0
        stop_asked = False
        events = []
        for i, (kind, what, value) in enumerate(entries):
            if kind == "op":
                if what == "lr":
                    lr_ops.append((i, value))
                    continue
                if what == "pause" and paused:
                    continue  # changes nothing
                op_since_event = True
                if what == "stop":
                    if after_stop is None:
                        after_stop, stop_asked = 0, True
                        stop_slack = 0 if paused and rested and rest_grants == 0 else 1
                elif what == "resume":
                    paused = rested = False
                elif not paused:  # pause or step while running: a paused stretch begins
                    paused, grants, stretch_steps, slack, rested = True, int(what == "step"), 0, 1, False
                elif what == "step":
                    grants += 1
                    rest_grants += 1
                continue
            event = what
            events.append(event)
            if type(event) is StepDone:
                if after_stop is not None:
                    after_stop += 1
                    if after_stop > stop_slack:
                        self.fail(entries, i, "a batch ran after stop")
                if paused:
                    stretch_steps += 1
                    if stretch_steps > grants + slack:
                        self.fail(entries, i, f"a batch ran while paused with {grants} single steps granted")
                    rest_steps += rested
                    if rested and rest_steps > rest_grants:
                        self.fail(entries, i, f"{rest_steps} batches ran for {rest_grants} single steps")
                applied = self.check_rate(entries, i, event, lr_ops, applied, previous_event)
            elif type(event) is Paused and paused and not op_since_event:
                if rested and rest_steps != rest_grants:
                    self.fail(entries, i, f"{rest_steps} batches ran for {rest_grants} single steps")
                if not rested and stretch_steps < grants:
                    self.fail(entries, i, f"rested after {stretch_steps} of {grants} single steps")
                rested, rest_grants, rest_steps = True, 0, 0
            previous_event, op_since_event = i, False
        check_finished(events, self.total_steps, stop_asked, self.seed, entries)

    def check_rate(self, entries: list[tuple], i: int, step: StepDone, lr_ops: list[tuple[int, float]],
                   applied: int, previous_event: int) -> int:
        """The batch took the rate newest at its checkpoint, which came after
        the previous event was logged and before this one was."""
        surely_seen = max((k for k, (at, _) in enumerate(lr_ops) if at < previous_event), default=-1)
        newest = max((k for k, (at, _) in enumerate(lr_ops) if at < i), default=-1)
        values = [self.initial_lr] + [value for _, value in lr_ops]
        matches = [k for k in range(max(applied, surely_seen), newest + 1) if values[k + 1] == step.learning_rate]
        if not matches:
            self.fail(entries, i, f"step {step.step} trained at lr {step.learning_rate}, not the rate set")
        return matches[-1]
