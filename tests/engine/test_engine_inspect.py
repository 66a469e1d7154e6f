"""engine.inspect.Inspector: one input through a snapshot's weights, the same
answer as the training model, and readable refusals."""

from __future__ import annotations

import numpy as np
import pytest

from engine.events import RunStarted, Snapshot
from engine.experiment_file import parse_experiment
from engine.inspect import InspectionError, Inspector
from engine.probes import ProbeSettings
from engine.training import train


def experiment(layers, dataset="digits", options=None):
    return parse_experiment({
        "format": "cnn-rnn-playground/experiment", "version": 1, "name": "t", "description": "",
        "dataset": {"name": dataset, "options": options or {}},
        "model": {"layers": layers}, "training": {"epochs": 1},
    })


def short_run(exp) -> tuple[RunStarted, Snapshot]:
    # min_interval=10 s: the snapshots before the first step and after the last only.
    events = list(train(exp, probes=ProbeSettings(min_interval=10.0, spread=0, n_probes=4, predictions=False)))
    return events[0], [e for e in events if isinstance(e, Snapshot)][-1]


SMALL_TEXT = "the bank of the river is steep; the bank in town keeps money safe. " * 8


@pytest.fixture
def text_experiment(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(SMALL_TEXT, encoding="utf-8")  # a few hundred windows: a short run
    return experiment(TEXT, "text", {"length": 16, "path": str(corpus)})


CNN = [{"type": "Conv2d", "out_channels": 4, "padding": 1}, {"type": "ReLU"}, {"type": "MaxPool2d"},
       {"type": "Flatten"}, {"type": "Linear"}]
TEXT = [{"type": "Embedding", "embedding_dim": 8}, {"type": "LSTM", "hidden_size": 12, "output": "all"},
        {"type": "Linear"}]


def test_cnn_inspection_equals_the_training_model_on_the_same_weights():
    exp = experiment(CNN)
    started, snap = short_run(exp)
    inspector = Inspector(exp, started.info)
    inspector.load(snap.weights)
    for i, sample in enumerate(started.probe_inputs):
        seen = inspector.inspect(sample)
        np.testing.assert_allclose(seen.output, snap.probe_outputs[i], atol=1e-5)
        assert set(seen.feature_maps) == set(snap.feature_maps) == {0, 1, 2}
        for index, maps in seen.feature_maps.items():
            np.testing.assert_allclose(maps, snap.feature_maps[index][i], atol=1e-5)
    assert seen.output.shape == (10,) and seen.output.sum() == pytest.approx(1.0, abs=1e-5)
    assert seen.feature_maps[2].shape == (4, 4, 4) and seen.hidden_states == {} and seen.gates == {}
    assert seen.input.dtype == np.float32


def test_text_model_takes_any_prefix_length_and_shows_states_and_gates(text_experiment):
    exp = text_experiment
    started, snap = short_run(exp)
    inspector = Inspector(exp, started.info)
    inspector.load(snap.weights)
    probe = started.probe_inputs[0]
    seen = inspector.inspect(probe)
    np.testing.assert_allclose(seen.output, snap.probe_outputs[0], atol=1e-5)
    np.testing.assert_allclose(seen.hidden_states[1], snap.hidden_states[1][0], atol=1e-5)
    np.testing.assert_allclose(seen.gates[1]["forget"], snap.gates[1]["forget"][0], atol=1e-5)
    vocab = started.info.vocab_size
    for length in (1, 5, 40):
        seen = inspector.inspect(np.arange(length) % vocab)
        assert seen.output.shape == (length, vocab)
        assert seen.hidden_states[1].shape == (length, 12)
        assert seen.gates[1]["cell_state"].shape == (length, 12)
    # A causal model: the prediction after a prefix does not depend on what follows it.
    short, long = inspector.inspect(probe[:5]), inspector.inspect(probe)
    np.testing.assert_allclose(short.output, long.output[:5], atol=1e-5)


def test_regression_outputs_are_values():
    exp = experiment([{"type": "GRU", "hidden_size": 8}, {"type": "Linear"}], "sine", {"n_samples": 200})
    started, snap = short_run(exp)
    inspector = Inspector(exp, started.info)
    inspector.load(snap.weights)
    seen = inspector.inspect(started.probe_inputs[0])
    np.testing.assert_allclose(seen.output, snap.probe_outputs[0], atol=1e-5)
    assert set(seen.gates[0]) == {"reset", "update", "new"}


def test_wrong_inputs_and_weights_are_clear_errors(text_experiment):
    exp = experiment(CNN)
    started, snap = short_run(exp)
    inspector = Inspector(exp, started.info)
    inspector.load(snap.weights)
    with pytest.raises(InspectionError, match=r"shape \(1, 8, 8\)"):
        inspector.inspect(np.zeros((8, 8)))
    with pytest.raises(InspectionError, match="channels"):
        inspector.inspect(np.zeros((3, 8, 8)))
    with pytest.raises(InspectionError, match="finite"):
        inspector.inspect(np.full((1, 8, 8), np.nan))
    with pytest.raises(InspectionError, match="cannot take an input of shape"):  # Flatten + Linear: fixed size
        inspector.inspect(np.zeros((1, 12, 12), np.float32))
    with pytest.raises(InspectionError, match="do not belong"):
        inspector.load({"layers.0.weight": snap.weights["layers.0.weight"]})
    bad = dict(snap.weights, **{"layers.0.weight": np.zeros((5, 1, 3, 3), np.float32)})
    with pytest.raises(InspectionError, match="layers.0.weight"):
        inspector.load(bad)

    started = next(iter(train(text_experiment)))
    tokens = Inspector(text_experiment, started.info)
    with pytest.raises(InspectionError, match="integers"):
        tokens.inspect(np.zeros(4, np.float32))
    with pytest.raises(InspectionError, match=r"\[0, "):
        tokens.inspect(np.array([0, started.info.vocab_size]))
    with pytest.raises(InspectionError, match=r"\(T,\)"):
        tokens.inspect(np.zeros((2, 3), np.int64))
