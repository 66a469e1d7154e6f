"""The training generator: reproducibility, control between batches,
divergence, learning-rate changes and probe snapshots."""

from __future__ import annotations

import queue
import threading

import numpy as np
import pytest

from engine.control import TrainingControl
from engine.errors import DeviceError
from engine.events import Diverged, EpochDone, Finished, Paused, RunStarted, Snapshot, StepDone
from engine.experiment_file import parse_experiment
from engine.probes import ProbeSettings
from engine.training import train


def experiment(layers, dataset="digits", options=None, **training):
    return parse_experiment({
        "format": "cnn-rnn-playground/experiment", "version": 1, "name": "t", "description": "",
        "dataset": {"name": dataset, "options": options or {}},
        "model": {"layers": layers},
        "training": {"epochs": 1, **training},
    })


CNN = [{"type": "Conv2d", "out_channels": 4}, {"type": "ReLU"}, {"type": "GlobalAvgPool"},
       {"type": "Linear"}]
GRU = [{"type": "GRU", "hidden_size": 8}, {"type": "Linear"}]


def losses(exp, **kw):
    return [e.loss for e in train(exp, **kw) if isinstance(e, StepDone)]


def test_same_seed_same_loss_curve_and_different_seed_differs():
    exp = experiment(CNN, seed=3)
    first, second = losses(exp), losses(exp)
    assert first == second and len(first) > 10
    assert losses(experiment(CNN, seed=4)) != first


def test_event_order_and_summary():
    events = list(train(experiment(CNN, epochs=2)))
    assert isinstance(events[0], RunStarted)
    assert isinstance(events[-1], Finished)
    assert sum(isinstance(e, Finished) for e in events) == 1
    epochs = [e for e in events if isinstance(e, EpochDone)]
    assert [e.epoch for e in epochs] == [1, 2]
    summary = events[-1].summary
    assert summary["epochs"] == 2 and summary["device"] == "cpu"
    assert set(summary["final"]) == {"train_loss", "val_loss", "val_accuracy"}
    assert 0.0 <= summary["final"]["val_accuracy"] <= 1.0
    steps = [e.step for e in events if isinstance(e, StepDone)]
    assert steps == list(range(1, len(steps) + 1))


def test_regression_reports_mse():
    events = list(train(experiment(GRU, "sine")))
    assert events[0].metric == "mse"
    assert "val_mse" in events[-1].summary["final"]


def test_nonfinite_loss_ends_with_diverged_not_a_hang():
    exp = experiment([{"type": "Flatten"}, {"type": "Linear", "out_features": 64}, {"type": "ReLU"},
                      {"type": "Linear"}], "sine", optimizer="sgd", learning_rate=10.0, momentum=0.99,
                     epochs=5)
    events = list(train(exp))
    diverged = [e for e in events if isinstance(e, Diverged)]
    assert len(diverged) == 1 and "diverged at step" in diverged[0].message
    assert events[-1].diverged and not events[-1].stopped


def test_unavailable_device_is_a_clear_error(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(DeviceError, match="cuda is not available"):
        next(train(experiment(CNN), device="cuda"))


def test_learning_rate_change_applies_to_the_next_step():
    control = TrainingControl()
    control.set_learning_rate(0.0123)
    first = next(e for e in train(experiment(CNN), control=control) if isinstance(e, StepDone))
    assert first.learning_rate == pytest.approx(0.0123)


class Consumer:
    """Runs the generator on a worker thread, as the GUI does."""

    def __init__(self, exp, control):
        self.events: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._run, args=(exp, control), daemon=True)
        self.thread.start()

    def _run(self, exp, control):
        for event in train(exp, control=control):
            self.events.put(event)

    def next_of(self, kind, timeout=30):
        while True:
            event = self.events.get(timeout=timeout)
            if isinstance(event, kind):
                return event

    def drain(self):
        out = []
        while not self.events.empty():
            out.append(self.events.get_nowait())
        return out


def test_pause_single_step_resume_and_stop_between_batches():
    control = TrainingControl()
    control.pause()
    run = Consumer(experiment(CNN, epochs=50), control)
    assert run.next_of(Paused).step == 0
    control.step()
    assert run.next_of(StepDone).step == 1
    assert run.next_of(Paused).step == 1
    assert not any(isinstance(e, StepDone) for e in run.drain())  # nothing while paused
    control.resume()
    assert run.next_of(StepDone).step == 2
    control.stop()
    finished = run.next_of(Finished)
    assert finished.stopped and not finished.diverged
    run.thread.join(10)
    assert not run.thread.is_alive()


def test_stop_while_paused_wakes_the_generator():
    control = TrainingControl()
    control.pause()
    run = Consumer(experiment(CNN, epochs=5), control)
    run.next_of(Paused)
    control.stop()
    assert run.next_of(Finished).stopped
    run.thread.join(10)


def test_snapshots_hold_filters_feature_maps_and_hidden_states():
    probes = ProbeSettings(min_interval=0.0, budget=1.0, n_probes=6)
    events = list(train(experiment(CNN), probes=probes))
    snaps = [e for e in events if isinstance(e, Snapshot)]
    assert len(snaps) >= 2
    last = snaps[-1]
    assert last.filters[0].shape == (4, 1, 3, 3) and last.filters[0].dtype == np.float32
    assert last.feature_maps[0].shape == (6, 4, 6, 6)
    assert events[0].probe_inputs.shape == (6, 1, 8, 8)
    assert len(set(events[0].probe_targets.tolist())) == 6  # one probe per class
    # Filters change as training proceeds: copies, not live views.
    assert not np.array_equal(snaps[0].filters[0], last.filters[0])

    seq_events = list(train(experiment([{"type": "GRU", "hidden_size": 8}, {"type": "Linear"}], "motif"),
                            probes=probes))
    hidden = [e for e in seq_events if isinstance(e, Snapshot)][-1].hidden_states[0]
    assert hidden.shape[0] == 6 and hidden.shape[2] == 8


def test_probe_rate_is_bounded_by_default():
    probes = ProbeSettings()  # 0.5 s minimum interval, 5 % budget
    events = list(train(experiment(CNN, epochs=2), probes=probes))
    steps = sum(isinstance(e, StepDone) for e in events)
    snaps = sum(isinstance(e, Snapshot) for e in events)
    assert snaps < steps / 4
