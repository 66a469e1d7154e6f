"""The training generator: reproducibility, control between batches,
divergence, learning-rate changes and probe snapshots."""

from __future__ import annotations

import pickle
import queue
import threading

import numpy as np
import pytest

from engine.control import TrainingControl
from engine.errors import DeviceError
from engine.events import Diverged, EpochDone, Finished, Paused, Predictions, RunStarted, Snapshot, StepDone
from engine.experiment_file import parse_experiment
from engine.probes import ProbeSettings
from engine.training import train
from engine.weights_file import WeightsFileError


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
    assert events[-1].weights is None  # weights that produced a non-finite loss are of no use


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

    def __init__(self, exp, control, probes=None):
        self.events: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._run, args=(exp, control, probes), daemon=True)
        self.thread.start()

    def _run(self, exp, control, probes):
        for event in train(exp, control=control, probes=probes):
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


def test_a_run_coming_to_rest_sends_a_snapshot_of_where_it_is():
    """Step three batches while paused: the views must show the model after
    them, even when no snapshot was due by the clock (here: none would be)."""
    control = TrainingControl()
    control.pause()
    run = Consumer(experiment(CNN, epochs=50), control, ProbeSettings(min_interval=3600.0, spread=0))
    assert run.next_of(Snapshot).step == 0
    assert run.next_of(Paused).step == 0
    control.step(3)
    events = []
    while not events or not isinstance(events[-1], Paused) or events[-1].step < 3:
        events.append(run.events.get(timeout=30))
    snapshots = [e for e in events if isinstance(e, Snapshot)]
    assert [s.step for s in snapshots] == [3] and events[-2] is snapshots[0]
    control.stop()
    run.next_of(Finished)
    run.thread.join(10)


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
    probes = ProbeSettings()  # 0.1 s minimum interval, 5 % budget
    events = list(train(experiment(CNN, epochs=2), probes=probes))
    steps = sum(isinstance(e, StepDone) for e in events)
    snaps = sum(isinstance(e, Snapshot) for e in events)
    assert snaps < steps / 4


def test_run_started_carries_data_description_and_sample_set(tmp_path):
    started = next(iter(train(experiment(CNN))))
    assert started.info.input_kind == "image" and started.info.n_outputs == 10
    assert started.vocab is None
    assert started.sample_inputs.shape == (started.n_val, 1, 8, 8) or len(started.sample_inputs) == 1000
    assert len(started.sample_targets) == len(started.sample_inputs)
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("a small text for a short run. " * 20, encoding="utf-8")
    text = next(iter(train(experiment([{"type": "Embedding"}, {"type": "LSTM", "hidden_size": 8,
                                                                 "output": "all"}, {"type": "Linear"}],
                                      "text", {"length": 16, "path": str(corpus)}))))
    assert isinstance(text.vocab, str) and len(text.vocab) == text.info.vocab_size


def test_predictions_after_each_epoch_match_the_sample_set():
    events = list(train(experiment(CNN, epochs=2), probes=ProbeSettings()))
    started = events[0]
    preds = [e for e in events if isinstance(e, Predictions)]
    assert [p.epoch for p in preds] == [1, 2]
    last = preds[-1]
    m = len(started.sample_targets)
    assert last.predicted.shape == (m,) and last.predicted.dtype == np.int64
    assert last.confidence.shape == (m,) and np.all((last.confidence > 0) & (last.confidence <= 1))
    assert last.confusion.shape == (10, 10) and last.confusion.sum() == m
    # Rows are the true classes, columns the predicted ones.
    np.testing.assert_array_equal(last.confusion.sum(axis=1), np.bincount(started.sample_targets, minlength=10))
    np.testing.assert_array_equal(last.confusion.sum(axis=0), np.bincount(last.predicted, minlength=10))
    # The diagonal is the accuracy on the sample set, which is the validation set here (n_val < 1000).
    epoch = [e for e in events if isinstance(e, EpochDone)][-1]
    if m == started.n_val:
        assert np.trace(last.confusion) / m == pytest.approx(epoch.val_metric)


def test_per_step_predictions_count_only_scored_steps():
    exp = experiment([{"type": "GRU", "hidden_size": 8, "output": "all"}, {"type": "Linear"}], "copy_memory",
                     {"n_samples": 300, "length": 10})
    events = list(train(exp, probes=ProbeSettings(min_interval=10.0, spread=0)))
    started, preds = events[0], [e for e in events if isinstance(e, Predictions)][-1]
    targets = started.sample_targets
    assert preds.predicted.shape == targets.shape and preds.confidence.shape == targets.shape
    scored = targets != -100
    assert 0 < scored.sum() < targets.size  # copy memory scores only the recall steps
    assert preds.confusion.sum() == int(scored.sum())


def test_regression_predictions_are_values():
    events = list(train(experiment(GRU, "sine"), probes=ProbeSettings(min_interval=10.0, spread=0)))
    preds = [e for e in events if isinstance(e, Predictions)][-1]
    assert preds.predicted.shape == events[0].sample_targets.shape
    assert preds.confidence is None and preds.confusion is None


def test_without_probes_no_snapshots_and_no_predictions():
    events = list(train(experiment(CNN, epochs=2)))
    assert not any(isinstance(e, (Snapshot, Predictions)) for e in events)


def test_recurrent_snapshot_from_a_real_run_fills_every_field():
    exp = experiment([{"type": "LSTM", "hidden_size": 8}, {"type": "Linear"}], "motif")
    events = list(train(exp, probes=ProbeSettings(min_interval=10.0, spread=0, n_probes=4)))  # first and last only
    started = events[0]
    last = [e for e in events if isinstance(e, Snapshot)][-1]
    steps = started.info.input_shape[0]
    assert last.gates[0]["forget"].shape == (4, steps, 8)
    assert last.grad_through_time[0].shape == (steps,)
    assert set(last.weight_histograms) == {0, 1} and set(last.grad_histograms) == {0, 1}
    assert last.weights is not None and last.probe_outputs.shape == (4, started.info.n_outputs)


def test_finished_carries_the_final_weights_as_picklable_numpy():
    events = list(train(experiment(CNN)))
    weights = events[-1].weights
    assert set(weights) == {"layers.0.weight", "layers.0.bias", "layers.3.weight", "layers.3.bias"}
    assert all(isinstance(v, np.ndarray) and v.dtype == np.float32 for v in weights.values())
    assert weights["layers.0.weight"].shape == (4, 1, 3, 3)
    # The child-process runner pickles events: the weights must survive that.
    again = pickle.loads(pickle.dumps(events[-1]))
    np.testing.assert_array_equal(again.weights["layers.3.weight"], weights["layers.3.weight"])
    # Trained, not the seeded start: a stopped-before-the-first-step run holds the start.
    control = TrainingControl()
    control.stop()
    start = list(train(experiment(CNN), control=control))[-1]
    assert start.stopped and not np.array_equal(start.weights["layers.0.weight"], weights["layers.0.weight"])


def test_training_starts_from_given_weights():
    trained = list(train(experiment(CNN)))[-1].weights
    control = TrainingControl()
    control.stop()  # no step: the run ends with exactly the weights it started from
    resumed = list(train(experiment(CNN, seed=7), control=control, initial_weights=trained))[-1]
    for name, value in trained.items():
        np.testing.assert_array_equal(resumed.weights[name], value)
    # Continuing from trained weights starts where the first run ended, not from scratch.
    first_epoch = [e for e in train(experiment(CNN)) if isinstance(e, EpochDone)][0]
    continued = [e for e in train(experiment(CNN), initial_weights=trained) if isinstance(e, EpochDone)][0]
    assert continued.train_loss < first_epoch.train_loss


def test_starting_weights_that_do_not_fit_are_refused_before_any_event():
    trained = list(train(experiment(CNN)))[-1].weights
    wider = experiment([{"type": "Conv2d", "out_channels": 8}, *CNN[1:]])
    with pytest.raises(WeightsFileError, match=r"the starting weights: layer 1 \(Conv2d\) weight is 4×1×3×3, "
                                               r"the model needs 8×1×3×3"):
        next(train(wider, initial_weights=trained))


def test_the_slow_gradient_probe_keeps_its_own_clock_first_and_last_included():
    """Gradient through time is most of a recurrent snapshot's cost: it runs
    at most every ``gradient_interval`` seconds of training, and always in
    the first and the last snapshot, so the other probes can come often."""
    exp = experiment(GRU, "motif", epochs=2)
    events = list(train(exp, probes=ProbeSettings(min_interval=0.0, budget=1.0, gradient_interval=3600.0)))
    snapshots = [e for e in events if isinstance(e, Snapshot)]
    measured = [bool(s.grad_through_time) for s in snapshots]
    assert len(snapshots) > 10
    assert measured[0] and measured[-1] and not any(measured[1:-1])
    every = [e for e in train(exp, probes=ProbeSettings(min_interval=0.0, budget=1.0, gradient_interval=0.0))
             if isinstance(e, Snapshot)]
    assert all(s.grad_through_time for s in every)


def test_the_clock_spreads_snapshots_over_a_short_run_from_its_start():
    """A run of a few hundred fast steps still gets ~``spread`` snapshots,
    evenly over its steps from the first (the 0.1 s rule alone gave a
    two-second run its first snapshot after a third of it)."""
    from engine.probes import ProbeClock

    clock = ProbeClock(ProbeSettings(), total_steps=640)
    taken = []
    for step in range(1, 641):
        elapsed = step * 0.002  # 2 ms steps: 1.3 s of training
        if clock.due(elapsed, step):
            taken.append(step)
            clock.record(elapsed, 0.0001, step)  # cheap snapshots: the budget does not bind
    assert 60 <= len(taken) <= 66
    assert taken[0] <= 10 and max(np.diff(taken)) <= 10
    # Within the budget: expensive snapshots are thinned, never over 5 % of the time.
    clock = ProbeClock(ProbeSettings(), total_steps=640)
    for step in range(1, 641):
        elapsed = step * 0.002
        if clock.due(elapsed, step):
            clock.record(elapsed, 0.005, step)
    assert clock.spent <= 0.05 * 640 * 0.002 + 0.005
    # spread=0: the time rule only.
    clock = ProbeClock(ProbeSettings(spread=0), total_steps=640)
    clock.record(0.0, 0.0, 0)
    assert not clock.due(0.05, 50) and clock.due(0.1, 50)


@pytest.mark.parametrize("threads", [1, 2])
def test_a_short_real_run_keeps_about_fifty_snapshots_within_its_budget(threads):
    """The default digits CNN (≈2 s of training) with the GUI's default probe
    settings: snapshots all along, the costly histograms on their own clock,
    probing within its 5 % budget (the first snapshot, before training, aside)."""
    import torch

    from engine import probes as probe_module
    from engine.presets import load_preset

    clocks = []

    class Watched(probe_module.ProbeClock):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            clocks.append(self)

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("engine.training.ProbeClock", Watched)
            events = list(train(load_preset("digits_cnn"), probes=ProbeSettings()))
    finally:
        torch.set_num_threads(before)
    snapshots = [e for e in events if isinstance(e, Snapshot)]
    last = [e for e in events if isinstance(e, StepDone)][-1]
    steps = [s.step for s in snapshots]
    # ~64 on a quiet machine; the budget thins them on a busy one (24 seen with the
    # whole suite and a GUI run beside it), but never to a few, nor to one end of the run.
    assert len(snapshots) >= 20, steps
    assert steps[1] <= last.step // 10  # from the start, not only at the end
    gaps = [b - a for a, b in zip(steps, [*steps[1:], last.step], strict=True)]
    assert max(gaps) <= last.step // 4, steps  # all along the run
    with_histograms = [s for s in snapshots if s.weight_histograms]
    assert snapshots[0].weight_histograms and snapshots[-1].weight_histograms
    assert 3 <= len(with_histograms) < len(snapshots)
    assert clocks[0].spent <= 0.06 * last.elapsed + 0.01


def test_histograms_match_numpy_on_ties_and_constants():
    import torch

    from engine.events import QUANTILES
    from engine.probes import HISTOGRAM_BINS, histogram

    rng = np.random.default_rng(0)
    for n in (1, 2, 10, 1000, 8256):
        values = rng.normal(size=n).astype(np.float32)
        values[: n // 3] = values[0]
        result = histogram(torch.from_numpy(values))
        low, high = float(values.min()), float(values.max())
        if high <= low:
            low, high = low - 0.5, high + 0.5
        counts, edges = np.histogram(values, bins=HISTOGRAM_BINS, range=(low, high))
        assert (result.counts == counts).all() and np.allclose(result.edges, edges)
        np.testing.assert_allclose(result.quantiles, np.quantile(values, QUANTILES), atol=1e-6)
