"""Weights files: round trip, readable refusals, no code execution, atomic save."""

from __future__ import annotations

import io
import json
import os
import zipfile

import numpy as np
import pytest
import torch

from engine import datasets
from engine.events import Finished
from engine.experiment_file import parse_experiment
from engine.shapes import build_model
from engine.training import train
from engine.weights_file import (
    FORMAT,
    WeightsFileError,
    load_weights,
    numpy_to_state,
    read_header,
    save_weights,
    state_to_numpy,
    weights_path_for,
)


def experiment(layers, dataset="digits", options=None):
    return parse_experiment({
        "format": "cnn-rnn-playground/experiment", "version": 1, "name": "w", "description": "",
        "dataset": {"name": dataset, "options": options or {}},
        "model": {"layers": layers}, "training": {"epochs": 1},
    })


CNN = [{"type": "Conv2d", "out_channels": 4}, {"type": "ReLU"}, {"type": "GlobalAvgPool"}, {"type": "Linear"}]
WIDER = [{"type": "Conv2d", "out_channels": 8}, {"type": "ReLU"}, {"type": "GlobalAvgPool"}, {"type": "Linear"}]
OTHER = [{"type": "Flatten"}, {"type": "Linear", "out_features": 4}, {"type": "ReLU"}, {"type": "Linear"}]


@pytest.fixture(scope="module")
def trained():
    exp = experiment(CNN)
    finished = [e for e in train(exp) if isinstance(e, Finished)][0]
    return exp, finished.weights


def header_bytes(**changes) -> np.ndarray:
    header = {"format": FORMAT, "version": 1, "experiment": "w", "dataset": "digits",
              "layers": [layer["type"] for layer in CNN], "parameters": {}, **changes}
    return np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)


def test_round_trip_gives_equal_weights_and_equal_outputs(trained, tmp_path):
    exp, weights = trained
    path = tmp_path / "digits.weights.npz"
    save_weights(path, exp, weights)
    loaded = load_weights(path, exp)
    assert set(loaded) == set(weights)
    for name in weights:
        np.testing.assert_array_equal(loaded[name], weights[name])
    x = torch.rand(5, 1, 8, 8)
    models = []
    for state in (weights, loaded):
        model = build_model(exp.model, datasets.describe(exp.dataset))
        model.load_state_dict(numpy_to_state(state))
        models.append(model.eval())
    with torch.no_grad():
        torch.testing.assert_close(models[0](x), models[1](x), rtol=0, atol=0)
    header = read_header(path)
    assert header["layers"] == ["Conv2d", "ReLU", "GlobalAvgPool", "Linear"]
    assert header["parameters"]["layers.0.weight"] == [4, 1, 3, 3]
    assert [p.name for p in tmp_path.iterdir()] == ["digits.weights.npz"]  # no temporary file left


def test_weights_live_beside_the_experiment():
    assert weights_path_for("a/b/digits_cnn.json").as_posix() == "a/b/digits_cnn.weights.npz"
    assert weights_path_for("run").name == "run.weights.npz"


def test_a_different_layer_shape_is_named_with_both_shapes(trained, tmp_path):
    exp, weights = trained
    path = tmp_path / "w.weights.npz"
    save_weights(path, exp, weights)
    with pytest.raises(WeightsFileError) as err:
        load_weights(path, experiment(WIDER))
    assert str(err.value) == (f"weights file {path}: layer 1 (Conv2d) weight is 4×1×3×3, "
                              "the model needs 8×1×3×3")


def test_a_different_model_is_named_by_its_layers(trained, tmp_path):
    exp, weights = trained
    path = tmp_path / "w.weights.npz"
    save_weights(path, exp, weights)
    with pytest.raises(WeightsFileError, match=r"saved from a different model \(layer 1 is Conv2d there, "
                                               r"Flatten here; 4 layers there, 4 here\)"):
        load_weights(path, experiment(OTHER))


def test_saving_weights_that_do_not_fit_is_refused_and_writes_nothing(trained, tmp_path):
    exp, weights = trained
    with pytest.raises(WeightsFileError, match="layer 1 .Conv2d. weight is 4×1×3×3, the model needs 8×1×3×3"):
        save_weights(tmp_path / "w.weights.npz", experiment(WIDER), weights)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("damage, message", [
    (lambda data: data[: len(data) // 2], "damaged or truncated"),
    (lambda data: data[:-200], "damaged or truncated"),
    (lambda data: b"not a zip at all", "not a weights file"),
    (lambda data: b"", "not a weights file"),
])
def test_corrupt_or_truncated_files_give_one_readable_line(trained, tmp_path, damage, message):
    exp, weights = trained
    path = tmp_path / "w.weights.npz"
    save_weights(path, exp, weights)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(WeightsFileError, match=message) as err:
        load_weights(path, exp)
    assert str(err.value).startswith(f"weights file {path}: ") and "\n" not in str(err.value)


def test_missing_file_and_folder(tmp_path, trained):
    exp, _ = trained
    with pytest.raises(WeightsFileError, match="no such file"):
        load_weights(tmp_path / "nope.weights.npz", exp)
    with pytest.raises(WeightsFileError, match="folder"):
        load_weights(tmp_path, exp)


class Exploit:
    """Unpickling this would create a file: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_pickle_bearing_file_is_refused_without_running_it(trained, tmp_path):
    exp, weights = trained
    marker = tmp_path / "code-ran"
    bad = dict(weights)
    bad["layers.0.weight"] = np.array([Exploit(marker)], dtype=object)
    path = tmp_path / "evil.weights.npz"
    np.savez(path, __header__=header_bytes(), allow_pickle=True, **bad)
    with pytest.raises(WeightsFileError, match="holds Python objects .pickled data.; .* refused"):
        load_weights(path, exp)
    assert not marker.exists()


def test_a_forged_huge_shape_is_refused_before_reading(trained, tmp_path):
    exp, weights = trained
    path = tmp_path / "huge.weights.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for name, value in {**weights, "__header__": header_bytes()}.items():
            buffer = io.BytesIO()
            if name == "layers.0.weight":  # claims 4 GB of data, holds none
                np.lib.format.write_array_header_1_0(buffer, {"descr": "<f4", "fortran_order": False,
                                                              "shape": (10**9,)})
            else:
                np.save(buffer, value)
            archive.writestr(name + ".npy", buffer.getvalue())
    with pytest.raises(WeightsFileError, match="layer 1 .Conv2d. weight is 1000000000, the model needs 4×1×3×3"):
        load_weights(path, exp)


@pytest.mark.parametrize("header, message", [
    (None, "no header"),
    (header_bytes(format="something/else"), "not a CNN-RNN Playground weights file"),
    (header_bytes(version=99), "version 99, written by a newer CNN-RNN Playground"),
    (np.frombuffer(b"{not json", dtype=np.uint8), "damaged header"),
])
def test_headers_are_checked(trained, tmp_path, header, message):
    exp, weights = trained
    path = tmp_path / "h.weights.npz"
    arrays = dict(weights) if header is None else {**weights, "__header__": header}
    np.savez(path, **arrays)
    with pytest.raises(WeightsFileError, match=message):
        load_weights(path, exp)


def test_non_finite_and_wrongly_typed_values_are_refused(trained, tmp_path):
    exp, weights = trained
    for change, message in ((np.full((10,), np.nan, np.float32), "holds NaN or infinite"),
                            (np.zeros((10,), np.int32), "holds int32 values, the model needs floating-point")):
        path = tmp_path / "v.weights.npz"
        np.savez(path, __header__=header_bytes(), **{**weights, "layers.3.bias": change})
        with pytest.raises(WeightsFileError, match=f"layer 4 .Linear. bias {message}"):
            load_weights(path, exp)


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(trained, tmp_path, monkeypatch):
    exp, weights = trained
    path = tmp_path / "w.weights.npz"
    save_weights(path, exp, weights)
    before = path.read_bytes()
    changed = {name: value + 1 for name, value in weights.items()}

    def disk_full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(WeightsFileError, match="cannot save weights to .*No space left on device"):
        save_weights(path, exp, changed)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["w.weights.npz"]
    np.testing.assert_array_equal(load_weights(path, exp)["layers.0.weight"], weights["layers.0.weight"])


def test_batch_norm_counter_keeps_its_integer_type(tmp_path):
    exp = experiment([{"type": "Conv2d", "out_channels": 2}, {"type": "BatchNorm2d"}, {"type": "GlobalAvgPool"},
                      {"type": "Linear"}])
    model = build_model(exp.model, datasets.describe(exp.dataset))
    weights = state_to_numpy(model)
    save_weights(tmp_path / "bn.weights.npz", exp, weights)
    loaded = load_weights(tmp_path / "bn.weights.npz", exp)
    assert loaded["layers.1.num_batches_tracked"].dtype == np.int64
