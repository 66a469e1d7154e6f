"""Fuzzing weights files (issue #8; README "Weights file").

A real weights file (a small CNN with a BatchNorm, so an integer buffer is
among the arrays) is damaged the ways a file is: bytes cut or changed, the
header replaced by random or deeply nested JSON, invalid UTF-8 or another
type of array, an array replaced by one of another type or shape (object
arrays among them), by a forged ``.npy`` header that claims a gigantic
shape, or by garbage; entries dropped or added; the archive rewritten with
another compression, or its flags saying "encrypted" or naming an unknown
compression method. For any of them ``load_weights`` and ``read_header``
give weights that fit the model exactly, or a WeightsFileError in one line
naming the file — never another exception, a crash, a hang or a huge
allocation.

Example counts: ``examples(300)`` in CI, 10× under ``HYPOTHESIS_PROFILE=full``
(tests/conftest.py, tests/helpers/fuzzing.py). Every example has 5 seconds.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import PlaygroundError
from engine.experiment_file import parse_experiment
from engine.weights_file import HEADER, expected_state, load_weights, read_header, save_weights
from tests.helpers.fuzz_documents import json_values
from tests.helpers.fuzzing import assert_clear, examples, note, within

LIMIT_S = 5.0


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    """The experiment, its weights file's entries (name → bytes) and the folder."""
    from engine.shapes import build_model
    from engine.weights_file import state_to_numpy

    exp = parse_experiment({
        "format": "cnn-rnn-playground/experiment", "version": 1, "name": "w", "description": "",
        "dataset": {"name": "digits"}, "training": {"epochs": 1},
        "model": {"layers": [{"type": "Conv2d", "out_channels": 3}, {"type": "BatchNorm2d"}, {"type": "ReLU"},
                             {"type": "GlobalAvgPool"}, {"type": "Linear"}]}})
    from engine import datasets

    folder = tmp_path_factory.mktemp("fuzz-weights")
    model = build_model(exp.model, datasets.describe(exp.dataset))
    save_weights(folder / "good.weights.npz", exp, state_to_numpy(model))
    with zipfile.ZipFile(folder / "good.weights.npz") as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    return exp, entries, folder


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def forged_npy(descr: str, shape: tuple[int, ...], data: bytes, version: tuple[int, int] = (1, 0)) -> bytes:
    """A ``.npy`` whose header says anything (numpy's writer would refuse some of it)."""
    text = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode("latin-1")
    text += b" " * ((64 - (10 + len(text) + 1) % 64) % 64) + b"\n"
    size = struct.pack("<H", len(text)) if version[0] == 1 else struct.pack("<I", len(text))
    return b"\x93NUMPY" + bytes(version) + size + text + data


DTYPES = ["<f4", "<f8", "<f2", ">f4", "<i8", "|u1", "<c8", "|b1", "<U3", "|V4", "|O"]
shapes = st.lists(st.integers(0, 5), max_size=4).map(tuple)


@st.composite
def arrays(draw: st.DrawFn, shape: tuple[int, ...] | None) -> bytes:
    kind = draw(st.sampled_from(["right", "retyped", "reshaped", "objects", "forged", "garbage", "nan"]))
    shape = shape if shape is not None else draw(shapes)
    if kind == "right":
        return npy(np.zeros(shape, np.float32))
    if kind == "retyped":
        return npy(np.zeros(shape, draw(st.sampled_from(DTYPES[:-1]))))
    if kind == "reshaped":
        return npy(np.zeros(draw(shapes), np.float32))
    if kind == "objects":  # a pickled payload must never be unpickled
        return npy(np.array([None, {"a": 1}], dtype=object))
    if kind == "nan":
        return npy(np.full(shape, draw(st.sampled_from([np.nan, np.inf, -np.inf])), np.float32))
    if kind == "forged":
        claimed = draw(st.sampled_from([shape, (10**9,), (2**31, 2**31), (-1,), ()]))
        return forged_npy(draw(st.sampled_from(DTYPES)), claimed, draw(st.binary(max_size=64)),
                          draw(st.sampled_from([(1, 0), (2, 0), (3, 0), (9, 9)])))
    return draw(st.sampled_from([b"", b"\x93NUMPY", b"\x93NUMPY\x01\x00\xff\xff"])) + draw(st.binary(max_size=64))


@st.composite
def headers(draw: st.DrawFn, good: bytes) -> bytes:
    doc = json.loads(np.load(io.BytesIO(good)).tobytes())
    kind = draw(st.sampled_from(["field", "json", "deep", "not_utf8", "not_bytes", "big_version"]))
    if kind == "field":
        doc[draw(st.sampled_from(sorted(doc)))] = draw(json_values)
        text = json.dumps(doc).encode("utf-8", "surrogatepass")
    elif kind == "json":
        text = json.dumps(draw(json_values)).encode("utf-8", "surrogatepass")
    elif kind == "deep":  # past Python's recursion limit
        depth = draw(st.sampled_from([500, 5000, 100_000]))
        text = b"[" * depth + b"]" * depth
    elif kind == "not_utf8":
        text = b"\xff\xfe" + draw(st.binary(max_size=20))
    elif kind == "big_version":
        doc["version"] = 10 ** draw(st.sampled_from([1, 30, 4000]))
        text = json.dumps(doc).encode()
    else:
        return npy(np.zeros(3, draw(st.sampled_from(["<f4", "<i8", "<U3"]))))
    return npy(np.frombuffer(text, np.uint8))


@st.composite
def damaged_files(draw: st.DrawFn, entries: dict[str, bytes], shapes_of: dict[str, tuple[int, ...]]) -> bytes:
    good_header, entries = entries[f"{HEADER}.npy"], dict(entries)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["array", "array", "header", "drop", "add"]))
        name = draw(st.sampled_from(sorted(entries))) if entries else f"{HEADER}.npy"
        if op == "array":
            entries[name] = draw(arrays(shapes_of.get(name[: -len(".npy")])))
        elif op == "header":
            entries[f"{HEADER}.npy"] = draw(headers(good_header))
        elif op == "drop":
            entries.pop(name, None)
        else:
            new = draw(st.sampled_from(["extra.npy", "notes.txt", "dir/", "layers.0.weight", "a/b.npy"]))
            entries[new] = draw(arrays(None))
    compression = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2,
                                        zipfile.ZIP_LZMA]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return draw(damaged_archive(buffer.getvalue()))


@st.composite
def damaged_archive(draw: st.DrawFn, data: bytes) -> bytes:
    """The archive's bytes, sometimes cut, changed, or with lying flags."""
    kind = draw(st.sampled_from(["none"] * 4 + ["cut", "changed", "encrypted", "method"]))
    if kind == "cut":
        return data[: draw(st.integers(4, len(data)))]
    raw = bytearray(data)
    if kind == "changed":
        for _ in range(draw(st.integers(1, 6))):
            raw[draw(st.integers(4, len(raw) - 1))] = draw(st.integers(0, 255))
    elif kind in ("encrypted", "method"):  # in every local and central header
        for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            start = raw.find(signature)
            while start != -1:
                if kind == "encrypted":
                    raw[start + flags_at] |= 1
                else:
                    raw[start + flags_at + 2: start + flags_at + 4] = struct.pack("<H", draw(
                        st.sampled_from([99, 1, 6, 9, 97])))
                start = raw.find(signature, start + 4)
    return bytes(raw)


@settings(max_examples=examples(300))
@given(data=st.data())
def test_damaged_weights_files_fit_the_model_or_are_refused_in_one_line(original, data):
    exp, entries, folder = original
    expected = expected_state(exp)
    path = folder / "fuzzed.weights.npz"
    path.write_bytes(data.draw(damaged_files(entries, {n: s for n, (s, _) in expected.items()})))
    with within(LIMIT_S):
        try:
            header = read_header(path)
        except PlaygroundError as exc:
            assert_clear(exc, str(path))
        else:
            assert isinstance(header, dict)
        try:
            weights = load_weights(path, exp)
        except PlaygroundError as exc:
            assert_clear(exc, str(path))
            note(f"refused: {str(exc)[len(str(path)) + 15:][:40]}")
            return
    note("loaded")
    assert {n: (w.shape, w.dtype.kind == "f") for n, w in weights.items()} == expected
    assert all(np.isfinite(w).all() for w in weights.values() if w.dtype.kind == "f")



def test_a_layer_name_of_ten_thousand_characters_in_the_header_is_quoted_short(original):
    """Found by the full fuzz run: the header's layer list was quoted whole."""
    experiment, entries, folder = original
    header = json.loads(np.load(io.BytesIO(entries[HEADER + ".npy"])).tobytes().decode("utf-8"))
    header["layers"] = ["x" * 10_000]
    path = folder / "long-name.weights.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            if name not in (HEADER + ".npy", "layers.0.weight.npy"):  # one array missing: the layers are compared
                archive.writestr(name, data)
        archive.writestr(HEADER + ".npy", npy(np.frombuffer(json.dumps(header).encode("utf-8"), np.uint8)))
    with pytest.raises(PlaygroundError) as info:
        load_weights(path, experiment)
    assert_clear(info.value, str(path))
    assert "saved from a different model" in str(info.value) and len(str(info.value)) < 300
