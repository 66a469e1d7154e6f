"""Experiment files: validation with paths, migrations, atomic round trips,
and fuzzing — the loader only ever raises its own error type."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import experiment_file as ef
from engine.errors import SpecError
from engine.experiment_file import (
    experiment_to_dict,
    experiment_to_json,
    load_experiment,
    parse_experiment,
    save_experiment,
)
from engine.presets import PRESETS_DIR

MINIMAL = {
    "format": "cnn-rnn-playground/experiment",
    "version": 1,
    "name": "tiny",
    "description": "a tiny CNN",
    "dataset": {"name": "digits"},
    "model": {"layers": [{"type": "Conv2d", "out_channels": 4}, {"type": "ReLU"}, {"type": "Flatten"},
                         {"type": "Linear"}]},
    "training": {"epochs": 2},
}


def doc(**changes):
    d = json.loads(json.dumps(MINIMAL))
    d.update(changes)
    return d


def test_minimal_file_fills_defaults():
    exp = parse_experiment(doc())
    assert exp.model.layers[0].params["kernel_size"] == 3
    assert exp.model.layers[3].params["out_features"] is None
    assert exp.training.epochs == 2 and exp.training.optimizer == "adam"


@pytest.mark.parametrize("mutate, path, words", [
    (lambda d: d["model"]["layers"][0].update(kernel_size=-2), "model.layers[0].kernel_size",
     "must be a positive integer"),
    (lambda d: d["model"]["layers"][0].update(kernal_size=3), "model.layers[0].kernal_size", "unknown setting"),
    (lambda d: d["model"]["layers"][1].update(type="Relu"), "model.layers[1].type", "unknown layer type"),
    (lambda d: d["model"]["layers"][0].update(out_channels=10**9), "model.layers[0].out_channels", "up to"),
    (lambda d: d["model"]["layers"][0].update(out_channels=True), "model.layers[0].out_channels", "got True"),
    (lambda d: d["training"].update(learning_rate="fast"), "training.learning_rate", "must be"),
    (lambda d: d["training"].update(optimizer="adagrad"), "training.optimizer", "one of"),
    (lambda d: d.update(extra=1), "extra", "unknown key"),
    (lambda d: d["model"].update(layer=[]), "model.layer", "unknown key"),
    (lambda d: d.pop("dataset"), "dataset", "missing"),
    (lambda d: d.update(name=5), "name", "must be a string"),
    (lambda d: d.update(format="something-else"), "format", "experiment file"),
    (lambda d: d["model"].update(layers=[{"type": "ReLU"}] * 65), "model.layers", "at most 64"),
])
def test_first_problem_is_reported_with_its_path(mutate, path, words):
    d = doc()
    mutate(d)
    with pytest.raises(SpecError) as info:
        parse_experiment(d)
    assert info.value.path == path
    assert words in info.value.message


def test_nan_and_infinity_are_refused(tmp_path):
    path = tmp_path / "nan.json"
    path.write_text(json.dumps(doc()).replace('"epochs": 2', '"epochs": 2, "learning_rate": NaN'))
    with pytest.raises(SpecError, match="NaN is not allowed"):
        load_experiment(path)


def test_newer_version_is_refused_clearly():
    with pytest.raises(SpecError, match="newer CNN-RNN Playground"):
        parse_experiment(doc(version=2))


def test_migration_chain_runs_each_step_in_order(monkeypatch):
    """Pretend the current version is 3: a version-1 file goes 1→2→3."""
    seen = []

    def one_to_two(d):
        seen.append(1)
        d["description"] = d.pop("about")
        return d

    def two_to_three(d):
        seen.append(2)
        d["name"] = d["name"].upper()
        return d

    monkeypatch.setattr(ef, "VERSION", 3)
    monkeypatch.setattr(ef, "MIGRATIONS", {1: one_to_two, 2: two_to_three})
    old = doc()
    old["about"] = old.pop("description")
    exp = parse_experiment(old)
    assert seen == [1, 2]
    assert exp.name == "TINY" and exp.description == "a tiny CNN"


def test_missing_migration_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(ef, "VERSION", 2)
    monkeypatch.setattr(ef, "MIGRATIONS", {})
    with pytest.raises(SpecError, match="no migration from version 1"):
        parse_experiment(doc())


def test_save_load_round_trips_exactly(tmp_path):
    exp = parse_experiment(doc())
    path = tmp_path / "e.json"
    save_experiment(exp, path)
    assert load_experiment(path) == exp
    text = path.read_text(encoding="utf-8")
    save_experiment(load_experiment(path), path)
    assert path.read_text(encoding="utf-8") == text
    assert json.loads(text) == experiment_to_dict(exp)


def test_every_preset_round_trips(tmp_path):
    presets = sorted(p for p in PRESETS_DIR.glob("*.json") if not p.name.startswith("compare_"))
    assert presets, "no presets found"
    for preset in presets:
        exp = load_experiment(preset)
        assert parse_experiment(json.loads(experiment_to_json(exp))) == exp, preset.name


def test_failed_save_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "e.json"
    path.write_text("old contents")

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        save_experiment(parse_experiment(doc()), path)
    assert path.read_text() == "old contents"
    assert [p.name for p in tmp_path.iterdir()] == ["e.json"]


def test_unreadable_files_name_the_file(tmp_path):
    with pytest.raises(SpecError, match="no such file"):
        load_experiment(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_bytes(b'{"format": "cnn-rnn-playground/experiment", "vers')
    with pytest.raises(SpecError, match=r"bad.json: not valid JSON"):
        load_experiment(tmp_path / "bad.json")
    (tmp_path / "latin1.json").write_bytes(b'{"name": "caf\xe9"}')
    with pytest.raises(SpecError, match="not UTF-8"):
        load_experiment(tmp_path / "latin1.json")
    with pytest.raises(SpecError, match="is a folder"):
        load_experiment(tmp_path)


# --- fuzzing -----------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)


def _mutations():
    """Valid documents with one value swapped for random JSON."""
    keys = [("name",), ("dataset",), ("dataset", "name"), ("dataset", "options"), ("model",),
            ("model", "layers"), ("model", "layers", 0), ("model", "layers", 0, "kernel_size"),
            ("model", "layers", 0, "type"), ("training",), ("training", "epochs"), ("version",)]
    return st.tuples(st.sampled_from(keys), json_values)


FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(_mutations())
def test_fuzzed_documents_raise_only_spec_errors(mutation):
    path, value = mutation
    d = doc()
    target = d
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    try:
        parse_experiment(d)
    except SpecError:
        pass


@FUZZ
@given(json_values)
def test_random_json_raises_only_spec_errors(value):
    try:
        parse_experiment(value)
    except SpecError:
        pass


@FUZZ
@given(st.binary(max_size=300) | st.integers(0, 600).map(lambda n: json.dumps(MINIMAL).encode()[:n]))
def test_random_and_truncated_bytes_raise_only_spec_errors(data):
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"fuzz-{os.getpid()}.json"
    path.write_bytes(data)
    try:
        load_experiment(path)
    except SpecError:
        pass
    finally:
        path.unlink()


@pytest.mark.parametrize("text", ["[" * 100_000, '{"a":' * 50_000, "1" * 10_000, '"\\ud800"'])
def test_pathological_json_is_refused_cleanly(tmp_path, text):
    path = tmp_path / "p.json"
    path.write_text(text)
    with pytest.raises(SpecError):
        load_experiment(path)


def test_saved_files_get_ordinary_permissions_and_autosaves_stay_private(tmp_path):
    """mkstemp's files are 0600; a saved experiment must be readable like any
    file the user makes (0666 less the umask), an autosave only by its owner."""
    import stat

    from engine import file_modes
    from engine.experiment_file import save_experiment, write_atomic
    from engine.presets import load_preset

    save_experiment(load_preset(), tmp_path / "shared.json")
    write_atomic(tmp_path / "autosave.json", "{}", private=True)
    ordinary = 0o666 & ~file_modes._UMASK  # 0644 under the usual umask
    assert stat.S_IMODE((tmp_path / "shared.json").stat().st_mode) == ordinary
    assert stat.S_IMODE((tmp_path / "autosave.json").stat().st_mode) == 0o600
