"""The training child process: runs, control across the process boundary,
errors as readable lines, a parent script that is not re-run."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine import training_process
from engine.experiment_file import load_experiment
from engine.probes import ProbeSettings


def run_until_done(process, timeout=60.0):
    events, other = [], []
    deadline = time.monotonic() + timeout
    while process.run_id is not None:
        assert time.monotonic() < deadline, "the run did not end"
        for message in process.receive():
            if message[0] == "events":
                events.extend(message[2])
            else:
                other.append(message)
        time.sleep(0.02)
    return events, other


def events_until_the_first_step(process, timeout=30.0):
    """The run's events up to (at least) its first StepDone."""
    from engine.events import StepDone

    events = []
    deadline = time.monotonic() + timeout
    while not any(type(e) is StepDone for e in events):
        assert time.monotonic() < deadline, "the first batch never came"
        events += [e for m in process.receive() if m[0] == "events" for e in m[2]]
        time.sleep(0.02)
    return events


@pytest.fixture(scope="module")
def process():
    process = training_process.TrainingProcess()
    yield process
    process.close()
    assert not process.alive


def test_a_run_in_the_child_sends_every_event_in_order(process):
    from engine.events import Finished, RunStarted, StepDone

    experiment = load_experiment("presets/digits_cnn.json")
    process.start_run(experiment, 1, ProbeSettings.off(), False)
    events, other = run_until_done(process)
    assert other == [("done", 1)]
    assert type(events[0]) is RunStarted and type(events[-1]) is Finished
    steps = [e.step for e in events if type(e) is StepDone]
    assert steps == list(range(1, events[0].total_steps + 1))


def test_pause_step_and_stop_act_in_the_child(process):
    from engine.events import StepDone

    experiment = load_experiment("presets/digits_cnn.json")
    control = training_process.RemoteControl(process, paused=True)
    process.start_run(experiment, 50, ProbeSettings.off(), True)  # one batch, then paused
    events = events_until_the_first_step(process)
    time.sleep(1.0)  # a paused run sends no further steps
    events += [e for m in process.receive() if m[0] == "events" for e in m[2]]
    assert [e.step for e in events if type(e) is StepDone] == [1]
    assert control.paused
    control.step()
    control.stop()
    events, other = run_until_done(process)
    assert [e.step for e in events if type(e) is StepDone] in ([], [2])  # the step may beat the stop
    assert events[-1].stopped and other[-1][0] == "done"


def test_an_error_in_the_child_arrives_as_one_readable_line(process):
    from engine.devices import device_availability

    missing = next(name for name in ("mps", "cuda") if not device_availability()[name][0])
    experiment = load_experiment("presets/digits_cnn.json").with_training(device=missing)
    process.start_run(experiment, 1, ProbeSettings.off(), False)
    _, other = run_until_done(process)
    assert [m[0] for m in other] == ["failed", "done"]
    assert f"device {missing} is not available" in other[0][2]


def test_the_parent_script_is_not_run_again_in_the_child(tmp_path):
    """spawn would re-run an unguarded script in the child (and fail)."""
    root = Path(__file__).resolve().parents[2]
    script = tmp_path / "unguarded.py"
    script.write_text(
        "import sys, time\n"
        f"sys.path.insert(0, {str(root)!r})\n"
        "from engine import training_process\n"
        "print('script ran', flush=True)\n"
        "p = training_process.TrainingProcess()\n"
        "time.sleep(1.0)\n"
        "print('alive' if p.alive else 'dead', flush=True)\n"
        "p.close()\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["script", "ran", "alive"]


def test_a_run_in_the_child_can_start_from_given_weights(process):
    from engine.events import Finished

    experiment = load_experiment("presets/digits_cnn.json")
    process.start_run(experiment, 1, ProbeSettings.off(), False)
    events, _ = run_until_done(process)
    fresh_loss = next(e.loss for e in events if type(e).__name__ == "StepDone")
    trained = events[-1].weights
    control = training_process.RemoteControl(process, paused=True)
    process.start_run(experiment, 5, ProbeSettings.off(), True, trained)  # one batch from the trained weights
    events = events_until_the_first_step(process)
    control.stop()
    more, _ = run_until_done(process)
    events += more
    first_loss = next(e.loss for e in events if type(e).__name__ == "StepDone")
    assert type(events[-1]) is Finished
    assert first_loss < fresh_loss - 0.2  # a fresh model starts near ln(10) = 2.3 on ten classes


def test_a_child_killed_mid_run_never_leaves_the_parent_waiting():
    """Killed half-way through writing a message, the child must not leave
    the parent blocked on the rest of it (the window would freeze)."""
    import os
    import signal
    import threading

    experiment = load_experiment("presets/digits_cnn.json")
    process = training_process.TrainingProcess()
    try:
        process.start_run(experiment, 50, ProbeSettings(), False)  # snapshots: large messages
        deadline = time.monotonic() + 60
        while not any(m[0] == "events" for m in process.receive()):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
        done = threading.Event()

        def drain():
            while process.alive:
                process.receive()
                time.sleep(0.01)
            process.receive()
            done.set()

        threading.Thread(target=drain, daemon=True).start()
        assert done.wait(20), "receive() blocked after the child died"
        assert process.exitcode == -signal.SIGKILL
    finally:
        process.close()


def test_the_pool_hands_a_returned_process_out_again_and_drops_dead_ones():
    import os
    import signal

    from engine import process_pool

    first = process_pool.acquire()
    process_pool.release(first)
    assert process_pool.acquire() is first  # ready at once: no new interpreter
    os.kill(first.pid, signal.SIGKILL)
    first._process.join(10)
    process_pool.release(first)  # dead: closed, not kept
    second = process_pool.acquire()
    assert second is not first and second.alive
    process_pool.release(second)
    process_pool.close_all()
    assert not second.alive
