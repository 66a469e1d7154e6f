"""The Hopfield network (claim C16): storage rules, settling and its energy,
the torch layer against the numpy dynamics, the patterns data set, training
by storage and by gradient, the capacity probe over seeds, and clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from engine import datasets as D
from engine import hopfield as H
from engine.capacity import capacity_report
from engine.cli import main
from engine.errors import SpecError
from engine.experiment_file import load_experiment
from engine.hopfield_module import Hopfield
from engine.layers import REGISTRY
from engine.presets import PRESETS_DIR
from engine.shapes import infer
from engine.spec import DatasetSpec, LayerSpec, ModelSpec
from engine.training import train

SEEDS = (0, 1, 2)


def random_patterns(k: int, n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).choice([-1.0, 1.0], size=(k, n))


def test_stored_weights_are_symmetric_with_zero_diagonal():
    p = random_patterns(5, 40, 0)
    for rule in ("hebbian", "projection"):
        w = H.store(p, rule)
        assert np.allclose(w, w.T) and np.allclose(np.diag(w), 0)
    assert np.allclose(H.hebbian(p), (p.T @ p / 40) - np.eye(40) * 5 / 40)


@pytest.mark.parametrize("seed", SEEDS)
def test_energy_never_rises_under_asynchronous_updates_and_the_state_stops(seed):
    # Any symmetric zero-diagonal W, not only stored ones.
    rng = np.random.default_rng(seed)
    w = H.symmetric(rng.standard_normal((30, 30)))
    run = H.settle(w, rng.choice([-1.0, 1.0], 30), "asynchronous", 100)
    assert run.converged
    assert np.all(np.diff(run.energies) <= 1e-9)
    assert np.allclose(run.energies, H.energy(w, run.states))


def test_synchronous_updates_can_cycle_and_say_so():
    w = np.array([[0.0, -1.0], [-1.0, 0.0]])
    run = H.settle(w, np.array([1.0, 1.0]), "synchronous", 10)
    assert not run.converged and run.iterations == 10
    assert H.outcome(run, np.array([[1.0, -1.0]])).kind == "no fixed point"
    assert "step limit" in H.outcome(run, None).describe()


@pytest.mark.parametrize("seed", SEEDS)
def test_a_probe_settles_on_its_pattern_its_negative_or_a_spurious_state(seed):
    p = random_patterns(5, 100, seed)
    w = H.hebbian(p)
    rng = np.random.default_rng(seed)
    run = H.settle(w, H.corrupt(p[2:3], rng, "flip", 0.1)[0])
    assert H.outcome(run, p).kind == "stored" and H.outcome(run, p).pattern == 2
    assert H.outcome(H.settle(w, -p[2]), p).kind == "reversed"
    mixture = np.sign(p[0] + p[1] + p[3])  # the classic spurious state
    found = H.outcome(H.settle(w, mixture), p)
    assert found.kind in ("spurious", "stored")


def test_a_pattern_of_the_wrong_size_is_one_clear_line():
    with pytest.raises(ValueError, match="63 values but the network has 64 units"):
        H.settle(np.zeros((64, 64)), np.ones(63))


@pytest.mark.parametrize("update", H.UPDATES)
def test_the_torch_layer_settles_exactly_as_the_numpy_dynamics(update):
    p = random_patterns(6, 64, 3)
    layer = Hopfield(64, "hebbian", update, 20).eval()
    layer.store(torch.from_numpy((p > 0).astype(np.int64)))
    assert np.allclose(layer.weight.numpy(), H.hebbian(p), atol=1e-6)
    probes = H.corrupt(p, np.random.default_rng(0), "flip", 0.3)
    mine = layer.settle(torch.from_numpy(probes)).numpy()
    theirs = np.stack([H.settle(H.hebbian(p), q, update, 20).states[-1] for q in probes])
    assert np.array_equal(mine, theirs)


def test_storing_the_same_patterns_again_changes_nothing():
    p = random_patterns(4, 25, 1)
    layer = Hopfield(25, "projection", "asynchronous", 10)
    targets = torch.from_numpy((p > 0).astype(np.int64))
    layer.store(targets)
    first = layer.weight.detach().clone()
    layer.store(targets[:2])
    assert torch.equal(first, layer.weight.detach())


def test_patterns_data_set_probes_every_stored_pattern_with_the_asked_corruption():
    s = D.validate_dataset({"name": "patterns", "options": {"source": "random", "n_patterns": 8, "size": 12,
                                                            "amount": 0.25, "n_samples": 800}})
    b = D.DATASETS["patterns"].generate(s.options, 0)
    clean = b.y_val.numpy() * 2 - 1
    assert len({row.tobytes() for row in clean[:8]}) == 8  # the first K samples cover every pattern
    assert np.array_equal(clean[8], clean[0])
    flipped = (b.x_val.numpy().reshape(len(clean), -1) != clean).mean()
    assert 0.22 < flipped < 0.28
    hidden = D.DATASETS["patterns"].generate({**s.options, "corruption": "occlude", "amount": 0.5}, 0)
    assert (hidden.x_val.numpy()[:, 0, 6:] == -1).all()


def test_the_first_ten_digit_patterns_are_ten_different_digits():
    from engine.datasets.patterns import source_patterns

    p = source_patterns({"source": "digits", "size": 8}, 0, 10)
    assert p.shape == (10, 64) and set(np.unique(p)) == {-1.0, 1.0}
    assert len({row.tobytes() for row in p}) == 10


@pytest.mark.parametrize("options,where,words", [
    ({"size": 65}, "size", "4,225 units"),
    ({"size": 8, "n_patterns": 65}, "n_patterns", "at most N independent"),
])
def test_too_many_units_or_patterns_is_one_clear_line(options, where, words):
    with pytest.raises(SpecError) as caught:
        D.validate_dataset({"name": "patterns", "options": options})
    assert caught.value.path.endswith(where) and words in str(caught.value)


def hopfield_model(**params) -> ModelSpec:
    return ModelSpec((LayerSpec("Hopfield", {**REGISTRY["Hopfield"].defaults(), **params}),))


def test_the_hopfield_layer_must_stand_alone_on_the_patterns_data_set():
    info = D.describe(DatasetSpec("patterns"))
    ok = infer(hopfield_model(), info)
    assert ok.ok and ok.rows[0].shape == (256, 2) and ok.total_params == 256 * 256
    crowded = ModelSpec((LayerSpec("ReLU"), *hopfield_model().layers))
    assert "must be the only layer" in str(infer(crowded, info).error)
    wrong_data = infer(hopfield_model(), D.describe(DatasetSpec("digits")))
    assert "Patterns to store" in str(wrong_data.error)


def finished(exp):
    return [e for e in train(exp) if type(e).__name__ == "Finished"][0]


@pytest.mark.parametrize("seed", SEEDS)
def test_hebbian_storage_trains_without_gradients_and_recalls(seed):
    exp = load_experiment(PRESETS_DIR / "hopfield_random.json").with_training(seed=seed, epochs=1)
    end = finished(exp)
    assert end.summary["final"]["val_accuracy"] >= 0.95
    assert np.allclose(end.weights["layers.0.weight"], end.weights["layers.0.weight"].T)


def test_the_gradient_rule_learns_to_recall_above_the_corrupted_input():
    exp = load_experiment(PRESETS_DIR / "hopfield_random.json")
    layer = exp.model.layers[0].with_params(rule="gradient")
    exp = exp.with_model(ModelSpec((layer,))).with_training(epochs=12, learning_rate=0.01)
    exp = exp.with_dataset(exp.dataset.with_options(n_patterns=8, size=10))
    assert finished(exp).summary["final"]["val_accuracy"] > 0.9  # the probes themselves score 0.8


@pytest.mark.parametrize("seed", SEEDS)
def test_capacity_holds_below_a_tenth_of_n_and_collapses_past_the_classical_limit(seed):
    """The README's C16 numbers, per seed: Hebbian on random patterns and
    projection on digits recall ≥ 0.9 up to 0.1 N; Hebbian collapses past 0.15 N."""
    exp = load_experiment(PRESETS_DIR / "hopfield_digits.json")
    report = capacity_report(exp, seed)
    for curve in report.curves.values():
        below = curve.loads <= 0.1
        assert (curve.pixel_accuracy[below] >= 0.9).all()
    classical = report.curves["random, hebbian rule (classical)"]
    assert (classical.recalled[classical.loads >= 0.2] <= 0.2).all()
    assert (classical.pixel_accuracy[classical.loads >= 0.2] < 0.8).all()


def test_headless_prints_the_capacity_and_writes_it_to_the_summary(tmp_path, capsys):
    out = tmp_path / "s.json"
    assert main(["--headless", str(PRESETS_DIR / "hopfield_random.json"), "--epochs", "1",
                 "--summary-json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "classical Hebbian limit" in printed and "pixel accuracy" in printed
    summary = json.loads(out.read_text())
    curve = summary["capacity"]["curves"]["random, hebbian rule (classical)"]
    assert len(curve["load"]) == len(curve["pixel_accuracy"]) > 5


@pytest.mark.parametrize("kind,title", [("torchscript", "TorchScript"), ("onnx", "ONNX")])
def test_torchscript_and_onnx_refuse_a_hopfield_net_in_one_line(tmp_path, kind, title):
    from engine.export import ExportError, export_model

    with pytest.raises(ExportError) as caught:
        export_model(kind, load_experiment(PRESETS_DIR / "hopfield_digits.json"), tmp_path / "m.pt")
    message = str(caught.value)
    assert f"(Hopfield) cannot be exported to {title}" in message and "PyTorch source" in message
    assert "\n" not in message and not list(tmp_path.iterdir())


@pytest.mark.parametrize("update", H.UPDATES)
def test_source_export_settles_as_the_engine_does(tmp_path, update):
    import importlib.util
    import subprocess
    import sys

    from engine.export import export_model
    from engine.export.model import class_name, prepare

    exp = load_experiment(PRESETS_DIR / "hopfield_random.json")
    exp = exp.with_model(ModelSpec((exp.model.layers[0].with_params(update=update),)))
    exp = exp.with_dataset(exp.dataset.with_options(size=10, n_patterns=8))
    weights = finished(exp.with_training(epochs=1)).weights
    export_model("source", exp, tmp_path / "hop.py")
    export_model("weights", exp, tmp_path / "hop.pt", weights)
    text = (tmp_path / "hop.py").read_text()
    assert "from engine" not in text and "class Hopfield(nn.Module)" in text
    spec = importlib.util.spec_from_file_location("exported_hop", tmp_path / "hop.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    generated = getattr(module, class_name(exp.name))().eval()
    generated.load_state_dict(torch.load(tmp_path / "hop.pt", weights_only=True))
    x = D.load(exp.dataset, 0).x_val[:30]
    with torch.no_grad():
        torch.testing.assert_close(generated(x), prepare(exp, weights).model(x))
    run = subprocess.run([sys.executable, str(tmp_path / "hop.py")], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "output (2, 100, 2)" in run.stdout, run.stderr
