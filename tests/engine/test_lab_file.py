"""Lab files (engine/lab_file.py): a comparison file plus each column's
weights beside it. Saved and reopened trained, from any folder; a missing
experiment is the comparison's SpecError; weights that do not fit or are
damaged cost only their own column; a save that fails half-way leaves every
file old or new and nothing beside them."""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from engine.comparison_file import Comparison, LabelledExperiment, is_comparison_file, load_comparison
from engine.errors import SpecError
from engine.events import Finished
from engine.lab_file import (
    MAX_COLUMNS,
    Lab,
    LabError,
    check_columns,
    column_weights_path,
    load_lab,
    save_lab,
)
from engine.preset_paths import PRESETS_DIR
from engine.spec import Experiment
from engine.training import train
from engine.weights_file import WeightsFileError, expected_state, save_weights, weights_path_for

CNN_GRU = PRESETS_DIR / "compare_digits_cnn_gru.json"  # two columns, both referenced by path
HYBRID = PRESETS_DIR / "compare_hybrid.json"  # three columns


def random_weights(experiment: Experiment, seed: int = 0) -> dict[str, np.ndarray]:
    """A state dict that fits the experiment's model, with numbers that tell saves apart."""
    rng = np.random.default_rng(seed)
    return {name: rng.standard_normal(shape).astype(np.float32) if floating else np.zeros(shape, np.int64)
            for name, (shape, floating) in expected_state(experiment).items()}


def trained_weights(experiment: Experiment) -> dict[str, np.ndarray]:
    finished = [e for e in train(experiment, epochs=1, device="cpu") if isinstance(e, Finished)]
    assert finished and finished[0].weights is not None
    return finished[0].weights


def assert_same(a: dict[str, np.ndarray] | None, b: dict[str, np.ndarray] | None) -> None:
    assert a is not None and b is not None
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def project(tmp_path: Path) -> Comparison:
    """The digits CNN vs GRU comparison, its experiment files copied into
    ``tmp_path/experiments`` and referenced from there."""
    folder = tmp_path / "experiments"
    folder.mkdir()
    for name in ("digits_cnn.json", "digits_gru_rows.json"):
        shutil.copy(PRESETS_DIR / name, folder / name)
    shutil.copy(CNN_GRU, folder / "compare.json")
    return load_comparison(folder / "compare.json")


# --- paths and column counts ------------------------------------------------------------------

def test_column_weights_sit_beside_the_lab_and_apart_from_an_experiments_own():
    assert column_weights_path("a/lab.json", 0) == Path("a/lab.column-1.weights.npz")
    assert column_weights_path("a/lab.json", 3) == Path("a/lab.column-4.weights.npz")
    assert column_weights_path("a/My Lab.JSON", 1) == Path("a/My Lab.column-2.weights.npz")
    assert column_weights_path("lab", 0) == Path("lab.column-1.weights.npz")
    assert column_weights_path("a/lab.json", 0) != weights_path_for("a/lab.json")
    with pytest.raises(ValueError):
        column_weights_path("lab.json", -1)


def test_a_lab_holds_two_to_four_columns():
    for n in range(2, MAX_COLUMNS + 1):
        check_columns(n)
    with pytest.raises(LabError, match=r"two to four experiments; this one has 5 — open it as a comparison"):
        check_columns(5)
    for n in (0, 1):
        with pytest.raises(LabError, match=f"two to four experiments; this one has {n} "):
            check_columns(n)


def test_a_fifth_column_is_refused_on_save_and_on_open(tmp_path):
    five = {"format": "cnn-rnn-playground/comparison", "version": 1, "name": "Five", "claims": [],
            "experiments": [{"label": f"CNN {i}", "path": str(PRESETS_DIR / "digits_cnn.json")} for i in range(5)]}
    path = tmp_path / "five.json"
    path.write_text(json.dumps(five), encoding="utf-8")
    comparison = load_comparison(path)  # a fine comparison ...
    with pytest.raises(LabError, match="has 5 — open it as a comparison instead"):
        load_lab(path)  # ... but not a lab
    with pytest.raises(LabError, match="has 5"):
        save_lab(tmp_path / "lab.json", comparison, [None] * 5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["five.json"]  # nothing written


# --- round trips ------------------------------------------------------------------------------

def test_a_two_column_lab_reopens_trained(tmp_path):
    comparison = load_comparison(CNN_GRU)
    weights = [trained_weights(e.experiment) for e in comparison.experiments]
    path = tmp_path / "lab.json"
    save_lab(path, comparison, weights)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "lab.column-1.weights.npz", "lab.column-2.weights.npz", "lab.json"]
    assert is_comparison_file(path)  # an ordinary comparison file: it opens as one too
    lab = load_lab(path)
    assert isinstance(lab, Lab)
    assert lab.comparison == comparison
    assert lab.problems == (None, None)
    for got, saved in zip(lab.weights, weights, strict=True):
        assert_same(got, saved)
    # the weights are a starting point training takes
    first = next(iter(train(comparison.experiments[1].experiment, epochs=1, device="cpu",
                            initial_weights=lab.weights[1])))
    assert first is not None


def test_a_three_column_lab_reopens_trained_and_untrained_columns_stay_untrained(tmp_path):
    comparison = load_comparison(HYBRID)
    assert len(comparison.experiments) == 3
    weights = [random_weights(e.experiment, i) for i, e in enumerate(comparison.experiments)]
    path = tmp_path / "lab.json"
    save_lab(path, comparison, weights)
    lab = load_lab(path)
    assert lab.comparison == comparison and lab.problems == (None, None, None)
    for got, saved in zip(lab.weights, weights, strict=True):
        assert_same(got, saved)

    save_lab(path, comparison, [weights[0], None, weights[2]])  # column 2 reset since
    assert not column_weights_path(path, 1).exists()
    lab = load_lab(path)
    assert lab.weights[1] is None and lab.problems == (None, None, None)
    assert_same(lab.weights[0], weights[0])
    assert_same(lab.weights[2], weights[2])


def test_a_smaller_lab_saved_over_a_bigger_one_removes_the_extra_columns_weights(tmp_path):
    path = tmp_path / "lab.json"
    hybrid = load_comparison(HYBRID)
    save_lab(path, hybrid, [random_weights(e.experiment) for e in hybrid.experiments])
    assert column_weights_path(path, 2).exists()
    digits = load_comparison(CNN_GRU)
    save_lab(path, digits, [random_weights(e.experiment) for e in digits.experiments])
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "lab.column-1.weights.npz", "lab.column-2.weights.npz", "lab.json"]
    assert load_lab(path).problems == (None, None)


def test_a_lab_without_weights_files_opens_untrained(tmp_path):
    path = tmp_path / "lab.json"
    comparison = load_comparison(CNN_GRU)
    save_lab(path, comparison, [None, None])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lab.json"]
    assert load_lab(path) == Lab(comparison, (None, None), (None, None))


def test_weights_that_do_not_fit_are_refused_before_anything_is_written(tmp_path):
    comparison = load_comparison(CNN_GRU)
    cnn, gru = (e.experiment for e in comparison.experiments)
    with pytest.raises(WeightsFileError, match='column 2 "GRU"'):
        save_lab(tmp_path / "lab.json", comparison, [random_weights(cnn), random_weights(cnn)])
    with pytest.raises(LabError, match="needs 2 weights"):
        save_lab(tmp_path / "lab.json", comparison, [random_weights(cnn)])
    assert list(tmp_path.iterdir()) == []


# --- references from another folder -----------------------------------------------------------

def test_a_lab_saved_in_another_folder_still_finds_its_experiments(tmp_path):
    comparison = load_comparison(CNN_GRU)  # references presets/digits_cnn.json and digits_gru_rows.json
    weights = [random_weights(e.experiment, i) for i, e in enumerate(comparison.experiments)]
    path = tmp_path / "somewhere" / "else" / "lab.json"
    path.parent.mkdir(parents=True)
    save_lab(path, comparison, weights)
    doc = json.loads(path.read_text(encoding="utf-8"))
    for entry, saved in zip(doc["experiments"], comparison.experiments, strict=True):
        assert "experiment" not in entry  # still a reference, not a copy
        assert (path.parent / entry["path"]).resolve() == saved.source
    lab = load_lab(path)
    assert [e.source for e in lab.comparison.experiments] == [e.source for e in comparison.experiments]
    assert lab.problems == (None, None)
    for got, saved in zip(lab.weights, weights, strict=True):
        assert_same(got, saved)


def test_a_lab_moved_with_its_experiments_reopens_trained(tmp_path):
    comparison = project(tmp_path)
    weights = [random_weights(e.experiment, i) for i, e in enumerate(comparison.experiments)]
    (tmp_path / "labs").mkdir()
    save_lab(tmp_path / "labs" / "lab.json", comparison, weights)
    doc = json.loads((tmp_path / "labs" / "lab.json").read_text(encoding="utf-8"))
    assert [e["path"] for e in doc["experiments"]] == ["../experiments/digits_cnn.json",
                                                       "../experiments/digits_gru_rows.json"]
    moved = tmp_path / "moved"
    moved.mkdir()
    for name in ("experiments", "labs"):
        shutil.move(tmp_path / name, moved / name)
    lab = load_lab(moved / "labs" / "lab.json")
    folder = (moved / "experiments").resolve()
    sources = [e.source for e in lab.comparison.experiments]
    assert sources == [folder / "digits_cnn.json", folder / "digits_gru_rows.json"]
    assert lab.problems == (None, None)
    for got, saved in zip(lab.weights, weights, strict=True):
        assert_same(got, saved)


def test_a_lab_naming_a_missing_experiment_file_says_which(tmp_path):
    comparison = project(tmp_path)
    (tmp_path / "labs").mkdir()
    path = tmp_path / "labs" / "lab.json"
    save_lab(path, comparison, [None, None])
    (tmp_path / "experiments" / "digits_gru_rows.json").unlink()
    with pytest.raises(SpecError) as caught:
        load_lab(path)
    assert caught.value.file == str(path)
    assert caught.value.path == "experiments[1].path"
    assert "digits_gru_rows.json" in str(caught.value) and "no such file" in str(caught.value)


def test_a_malformed_lab_file_is_the_comparisons_spec_error(tmp_path):
    path = tmp_path / "lab.json"
    path.write_text('{"format": "cnn-rnn-playground/comparison", "version": 1, "name": "x", '
                    '"experiments": [{"label": "A", "path": "a.json"}, {"label": "B"}]}', encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_lab(path)
    assert caught.value.file == str(path)
    assert caught.value.path.startswith("experiments[0]")
    with pytest.raises(SpecError, match="no such file"):
        load_lab(tmp_path / "absent.json")


# --- weights that cannot be used --------------------------------------------------------------

def test_weights_of_another_model_beside_one_column_cost_only_that_column(tmp_path):
    comparison = load_comparison(CNN_GRU)
    cnn, gru = (e.experiment for e in comparison.experiments)
    weights = [random_weights(cnn, 1), random_weights(gru, 2)]
    path = tmp_path / "lab.json"
    save_lab(path, comparison, weights)
    save_weights(column_weights_path(path, 1), cnn, random_weights(cnn, 3))  # the CNN's, beside the GRU
    lab = load_lab(path)
    assert_same(lab.weights[0], weights[0])
    assert lab.weights[1] is None
    assert lab.problems[0] is None
    problem = lab.problems[1]
    assert problem is not None
    assert problem.startswith('column 2 "GRU": the weights beside the lab do not fit: ')
    assert "lab.column-2.weights.npz" in problem and "different model" in problem


@pytest.mark.parametrize("damage", ["random bytes", "cut in half", "empty", "a folder"])
def test_a_damaged_weights_file_is_a_problem_not_a_crash(tmp_path, damage):
    comparison = load_comparison(CNN_GRU)
    weights = [random_weights(e.experiment, i) for i, e in enumerate(comparison.experiments)]
    path = tmp_path / "lab.json"
    save_lab(path, comparison, weights)
    target = column_weights_path(path, 0)
    if damage == "random bytes":
        target.write_bytes(np.random.default_rng(5).bytes(4096))
    elif damage == "cut in half":
        data = target.read_bytes()
        target.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        target.write_bytes(b"")
    else:
        target.unlink()
        target.mkdir()
    lab = load_lab(path)
    assert lab.weights[0] is None
    assert lab.problems[0] is not None and lab.problems[0].startswith('column 1 "CNN": ')
    assert "lab.column-1.weights.npz" in lab.problems[0]
    assert lab.problems[1] is None
    assert_same(lab.weights[1], weights[1])


# --- saves that fail --------------------------------------------------------------------------

# The lab's files in the order save_lab writes them (each one os.replace).
ORDER = ("lab.column-1.weights.npz", "lab.column-2.weights.npz", "lab.json")


@pytest.mark.parametrize("fail_at", range(len(ORDER)))
def test_a_save_that_fails_half_way_leaves_each_file_old_or_new(monkeypatch, tmp_path, fail_at):
    comparison = load_comparison(CNN_GRU)
    old = [random_weights(e.experiment, 10 + i) for i, e in enumerate(comparison.experiments)]
    new = [random_weights(e.experiment, 20 + i) for i, e in enumerate(comparison.experiments)]
    renamed = dataclasses.replace(comparison, name="Renamed since")
    path = tmp_path / "lab.json"
    save_lab(path, comparison, old)
    old_text = path.read_text(encoding="utf-8")

    real, calls = os.replace, []

    def replace(src, dst, *args, **kwargs):
        calls.append(Path(dst).name)
        if len(calls) == fail_at + 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(src, dst, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", replace)  # engine.weights_file.os and engine.experiment_file.os alike
        with pytest.raises(LabError) as caught:
            save_lab(path, renamed, new)
    assert calls == list(ORDER[: fail_at + 1])
    assert "No space left on device" in str(caught.value) and ORDER[fail_at] in str(caught.value)
    assert leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(ORDER)
    lab = load_lab(path)  # every file whole: old where the save had not got to, new before
    assert lab.problems == (None, None)
    for i in range(2):
        assert_same(lab.weights[i], new[i] if i < fail_at else old[i])
    assert path.read_text(encoding="utf-8") == old_text
    assert lab.comparison.name == comparison.name

    save_lab(path, renamed, new)  # the disk well again: the save goes through
    lab = load_lab(path)
    assert lab.comparison.name == "Renamed since"
    for got, saved in zip(lab.weights, new, strict=True):
        assert_same(got, saved)


def test_a_full_disk_while_writing_leaves_no_temporary_file(monkeypatch, tmp_path):
    """The failure at write, not rename: the half-written temporary goes too."""
    from engine import weights_file

    comparison = load_comparison(CNN_GRU)
    old = [random_weights(e.experiment, 1) for e in comparison.experiments]
    path = tmp_path / "lab.json"
    save_lab(path, comparison, old)

    def no_room(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(weights_file.np, "savez", no_room)
        with pytest.raises(LabError, match=r"lab\.column-1\.weights\.npz: No space left on device"):
            save_lab(path, comparison, [random_weights(e.experiment, 2) for e in comparison.experiments])
    assert leftovers(tmp_path) == []
    for got, saved in zip(load_lab(path).weights, old, strict=True):
        assert_same(got, saved)


def test_a_stale_weights_file_that_cannot_be_removed_is_an_error(monkeypatch, tmp_path):
    """Left there, it would reopen as the column's weights: the save says so."""
    comparison = load_comparison(CNN_GRU)
    path = tmp_path / "lab.json"
    save_lab(path, comparison, [random_weights(e.experiment) for e in comparison.experiments])
    real = Path.unlink

    def refuse(self, *args, **kwargs):
        if self.name == "lab.column-2.weights.npz":
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(Path, "unlink", refuse)
        with pytest.raises(LabError, match=r"lab\.column-2\.weights\.npz: Permission denied"):
            save_lab(path, comparison, [random_weights(comparison.experiments[0].experiment), None])


def test_labelled_experiments_inline_are_saved_inline(tmp_path):
    """An experiment with no file of its own is written into the lab file."""
    base = load_comparison(CNN_GRU)
    inline = dataclasses.replace(base, experiments=tuple(
        LabelledExperiment(e.label, e.experiment, None) for e in base.experiments))
    path = tmp_path / "lab.json"
    save_lab(path, inline, [None, random_weights(base.experiments[1].experiment)])
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert all("experiment" in e and "path" not in e for e in doc["experiments"])
    lab = load_lab(path)
    assert [e.experiment for e in lab.comparison.experiments] == [e.experiment for e in base.experiments]
    assert lab.weights[0] is None and lab.weights[1] is not None
