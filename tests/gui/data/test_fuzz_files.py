"""Fuzzing experiment and comparison files (issue #8, "prove it cannot be broken").

For any file, loading gives an Experiment or a Comparison, or one of the
app's own errors in one line naming the file and where in it the problem is
— never another exception, a crash or a hang. A file that loads must also
do what the app's own loading paths do with it (``--summary`` in
engine/cli.py, the window's analysis in gui/document/document.py): save → load gives
an equal Experiment/Comparison; its data set is described or refused with a
one-line error; its model's shapes are inferred, and it either builds on the
meta device or says why with a ShapeError; and ``--summary FILE`` exits 0 or
2 with one line on stderr.

The documents (tests/helpers/fuzz_documents.py) are the built-in presets and
documents built from the registries, mutated structurally, written as JSON
that may be damaged; plus random JSON values and random bytes.

Example counts: the default profile ("ci", derandomized; tests/conftest.py)
runs 1,000 examples of each mutation fuzzer; the full run has 10× as many
and fresh random examples each time::

    HYPOTHESIS_PROFILE=full QT_QPA_PLATFORM=offscreen .venv/bin/pytest tests/gui/data/test_fuzz_files.py

Every example must finish within 5 seconds (``fuzzing.within``).
"""

from __future__ import annotations

import io
import json
import shutil

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import datasets
from engine.cli import main
from engine.comparison_file import is_comparison_file, load_comparison, save_comparison
from engine.errors import PlaygroundError, ShapeError, SpecError
from engine.experiment_file import load_experiment, save_experiment
from engine.shapes import build_model, infer
from engine.spec import Experiment
from tests.helpers.fuzz_documents import (
    COMPARISONS,
    EXPERIMENTS,
    PRESETS,
    comparison_documents,
    experiment_documents,
    json_values,
    serialised,
)
from tests.helpers.fuzzing import assert_clear, examples, note, within

LIMIT_S = 5.0


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A folder with copies of the presets (comparisons refer to them) and a
    little data of the user's own beside them; the shape inference warmed up
    (its first call imports parts of torch, seconds, outside any time limit)."""
    from PySide6.QtGui import QColor, QImage

    from gui.data.image_reader import register_image_reader

    root = tmp_path_factory.mktemp("fuzz-files")
    for path in PRESETS.glob("*.json"):
        shutil.copy(path, root / path.name)
    (root / "data.csv").write_text("label,a,b,c\nx,1,2,3\ny,3,2,1\nx,1,2,4\ny,4,2,1\nx,1,3,3\n", encoding="utf-8")
    (root / "corpus.txt").write_text("the bank of the river, the bank in the town. " * 20, encoding="utf-8")
    register_image_reader()
    for k, name in enumerate(("cats", "dogs", "empty")):
        (root / "images" / name).mkdir(parents=True)
        for i in range(3 if name != "empty" else 0):
            image = QImage(6 + k, 5, QImage.Format.Format_RGB32)
            image.fill(QColor(40 * i, 200 * k, 90))
            assert image.save(str(root / "images" / name / f"{i}.png"))
    exp = load_experiment(root / "digits_cnn.json")
    infer(exp.model, datasets.describe(exp.dataset))
    yield root
    from engine.datasets import image_folder

    image_folder.set_image_reader(None)
    datasets.clear_cache()


# ------------------------------------------------------------------ checks

def check_model(exp: Experiment) -> None:
    """The window's analysis: describe the data set, then the shapes. Building
    on the meta device infers them (every layer built and run on meta) and
    raises the stack's ShapeError, or gives the model."""
    try:
        info = datasets.describe(exp.dataset)
    except PlaygroundError as exc:
        assert_clear(exc)
        note(f"loaded; data set refused ({type(exc).__name__})")
        return
    try:
        with torch.device("meta"):
            build_model(exp.model, info)
    except ShapeError as exc:
        assert_clear(exc, "model.layers[")
        note("loaded; model refused (ShapeError)")
    else:
        note("loaded; model builds")


def _where(exc: SpecError) -> str:
    """The first part of the field path, for the statistics (--hypothesis-show-statistics)."""
    return exc.path.split(".")[0].split("[")[0] or "the whole file"


def check_summary_command(path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--summary", str(path)], out, err)
    assert code in (0, 2), f"--summary exited {code}: {err.getvalue()}"
    if code == 2:
        assert len(err.getvalue().splitlines()) == 1 and err.getvalue().startswith("error: "), err.getvalue()


def check_experiment_file(path) -> None:
    try:
        exp = load_experiment(path)
    except SpecError as exc:
        assert_clear(exc, str(path))
        note(f"refused at {_where(exc)}")
    else:
        again = path.with_name("saved.json")
        save_experiment(exp, again)
        assert load_experiment(again) == exp, "save → load changed the experiment"
        check_model(exp)
    check_summary_command(path)


def check_comparison_file(path) -> None:
    assert isinstance(is_comparison_file(path), bool)
    try:
        comparison = load_comparison(path)
    except SpecError as exc:
        assert_clear(exc, str(path))
        note(f"comparison refused at {_where(exc)}")
    else:
        again = path.with_name("saved-comparison.json")
        save_comparison(comparison, again)
        assert load_comparison(again) == comparison, "save → load changed the comparison"
        note("comparison loaded")
    # --summary describes every experiment's data set and infers its shapes
    # (check_model's work: not done twice), then the comparison's own table.
    check_summary_command(path)


# ------------------------------------------------------------------ fuzzers

@settings(max_examples=examples(1000))
@given(data=st.data())
def test_mutated_experiment_files_load_or_say_what_is_wrong(workspace, data):
    doc = data.draw(experiment_documents, label="document")
    path = workspace / "fuzzed.json"
    path.write_bytes(data.draw(serialised(doc), label="bytes"))
    with within(LIMIT_S):
        check_experiment_file(path)


@settings(max_examples=examples(1000))
@given(data=st.data())
def test_mutated_comparison_files_load_or_say_what_is_wrong(workspace, data):
    doc = data.draw(comparison_documents, label="document")
    path = workspace / "fuzzed-comparison.json"
    path.write_bytes(data.draw(serialised(doc), label="bytes"))
    with within(LIMIT_S):
        check_comparison_file(path)


@settings(max_examples=examples(200))
@given(value=json_values)
def test_random_json_is_refused_in_one_line(workspace, value):
    path = workspace / "random.json"
    path.write_text(json.dumps(value), encoding="utf-8", errors="surrogatepass")
    with within(LIMIT_S):
        for load in (load_experiment, load_comparison):
            with pytest.raises(SpecError) as caught:
                load(path)
            assert_clear(caught.value, str(path))
        check_summary_command(path)


PRESET_BYTES = [p.read_bytes() for p in sorted(PRESETS.glob("*.json"))]


@st.composite
def damaged_bytes(draw: st.DrawFn) -> bytes:
    """Random bytes, invalid UTF-8, or a real preset cut short or with bytes changed."""
    kind = draw(st.sampled_from(["random", "utf8", "cut", "changed"]))
    if kind == "random":
        return draw(st.binary(max_size=400))
    if kind == "utf8":
        return draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x00"])) \
            + draw(st.binary(max_size=20))
    data = bytearray(draw(st.sampled_from(PRESET_BYTES)))
    if kind == "cut":
        return bytes(data[: draw(st.integers(0, len(data) - 1))])
    for _ in range(draw(st.integers(1, 5))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


@settings(max_examples=examples(300))
@given(data=damaged_bytes())
def test_random_and_damaged_bytes_are_refused_in_one_line(workspace, data):
    path = workspace / "bytes.json"
    path.write_bytes(data)
    with within(LIMIT_S):
        check_experiment_file(path)
        check_comparison_file(path)


def test_every_preset_passes_the_fuzzers_checks(workspace):
    """The starting points themselves load, round-trip, build and summarise."""
    for name in EXPERIMENTS:
        check_experiment_file(workspace / name)
        check_model(load_experiment(workspace / name))
    for name in COMPARISONS:
        check_comparison_file(workspace / name)
        assert main(["--summary", str(workspace / name)], io.StringIO(), io.StringIO()) == 0, name


# ------------------------------------------------------------------ what the fuzzers found
# Each of these crashed, hung or printed a broken message before it was fixed.

def _preset(name: str = "digits_cnn.json") -> dict:
    return json.loads((PRESETS / name).read_text(encoding="utf-8"))


def _refusal(tmp_path, doc: dict | str) -> str:
    path = tmp_path / "e.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8", errors="surrogatepass")
    with within(LIMIT_S), pytest.raises(SpecError) as caught:
        load_experiment(path)
    assert_clear(caught.value, str(path))
    return str(caught.value)


def test_a_learning_rate_written_as_a_400_digit_integer_is_refused_with_its_path(tmp_path):
    doc = _preset()
    doc["training"]["learning_rate"] = 10**400  # was OverflowError: int too large to convert to float
    assert "training.learning_rate: must be a number from 1e-06 to 10, got an integer of about 401 digits" \
        in _refusal(tmp_path, doc)


def test_nan_in_a_file_is_refused_naming_its_field(tmp_path):
    doc = _preset()
    doc["model"]["layers"][0]["kernel_size"] = float("nan")  # json.dumps writes NaN
    assert "model.layers[0].kernel_size: NaN is not allowed" in _refusal(tmp_path, doc)


def test_a_name_with_a_lone_surrogate_is_refused_on_load_not_when_saving(tmp_path):
    doc = _preset()
    doc["name"] = "digits \ud800"  # loaded, then saving raised UnicodeEncodeError
    assert "name: holds an invalid character (\\ud800, a lone surrogate) at position 7" in _refusal(tmp_path, doc)
    doc = _preset("text_lstm.json")
    doc["dataset"]["options"]["path"] = "corpus\udfff.txt"
    assert "dataset.options.path: holds an invalid character" in _refusal(tmp_path, doc)


def test_keys_and_values_with_line_breaks_or_thousands_of_characters_are_shown_on_one_short_line(tmp_path):
    doc = _preset()
    doc["model"]["layers"][0]["kernel\nsize"] = 3
    assert "model.layers[0].kernel\\nsize: unknown setting" in _refusal(tmp_path, doc)
    doc = _preset()
    doc["x" * 10_000] = 1
    assert f"{'x' * 37}...: unknown key" in _refusal(tmp_path, doc)
    doc = _preset()
    doc["version"] = 10**4000  # the message held all 4,001 digits
    assert "version: file is version an integer of about 4,001 digits" in _refusal(tmp_path, doc)
    deep = "[" * 500 + "]" * 500
    text = json.dumps(_preset()).replace('"digits"', deep, 1)  # the data set's name: the message held all of it
    assert f"dataset.name: unknown data set {'[' * 37}... (known: digits" in _refusal(tmp_path, text)


def test_a_device_or_pipe_given_as_a_document_is_refused_without_reading_it(tmp_path):
    import os

    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)  # opening it would block until a writer came
    for path in ("/dev/zero", fifo):  # /dev/zero: read_bytes() never ended (size 0, endless)
        with within(LIMIT_S):
            for load in (load_experiment, load_comparison):
                with pytest.raises(SpecError, match="is not a plain file"):
                    load(path)
            assert is_comparison_file(path) is False
            check_summary_command(path)


def test_a_comparison_entry_naming_a_device_or_an_impossible_file_is_refused_with_its_entry(tmp_path):
    doc = json.loads((PRESETS / "compare_hybrid.json").read_text(encoding="utf-8"))
    shutil.copy(PRESETS / "long_range_gru.json", tmp_path)
    path = tmp_path / "c.json"
    for ref, message in (("/dev/zero", '"/dev/zero": is not a plain file'),
                         ("a\x00b.json", '"a\\x00b.json" is not a usable file name')):  # was ValueError
        doc["experiments"][0]["path"] = ref
        path.write_text(json.dumps(doc), encoding="utf-8")
        with within(LIMIT_S), pytest.raises(SpecError) as caught:
            load_comparison(path)
        assert_clear(caught.value, "experiments[0].path")
        assert message in str(caught.value)


def test_a_thousand_step_sequence_through_eight_bidirectional_lstm_layers_is_summarised_at_once():
    """Shape inference ran a fused LSTM step by step on the meta device: 2 ms a
    step and layer, a minute for this stack, on every edit in the window."""
    from engine.datasets.base import DataInfo
    from engine.spec import LayerSpec, ModelSpec

    lstm = {"hidden_size": 2048, "num_layers": 8, "bidirectional": True, "dropout": 0.0, "forget_bias": 0.0}
    model = ModelSpec((LayerSpec("LSTM", {**lstm, "output": "all"}), LayerSpec("LSTM", {**lstm, "output": "last"}),
                       LayerSpec("Linear", {"out_features": None, "bias": True})))
    info = DataInfo("sequence", (1000, 3), "classification", False, 5)
    with within(LIMIT_S):
        summary = infer(model, info)
    assert summary.ok and [row.shape for row in summary.rows] == [(1000, 4096), (4096,), (5,)]
