"""The command-line contract: --list-presets, --summary, --headless, exit
codes, and one readable line on stderr for invalid input."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main
from engine.presets import PRESETS_DIR

ROOT = Path(__file__).resolve().parents[2]


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path, layers, dataset="digits", name="e.json", **training):
    path = tmp_path / name
    path.write_text(json.dumps({
        "format": "cnn-rnn-playground/experiment", "version": 1, "name": "cli test", "description": "",
        "dataset": {"name": dataset}, "model": {"layers": layers}, "training": {"epochs": 1, **training},
    }))
    return str(path)


def test_list_presets_one_line_each():
    code, out, _ = run("--list-presets")
    assert code == 0
    lines = out.strip().splitlines()
    comparisons = sorted(PRESETS_DIR.glob("compare_*.json"))
    experiments = sorted(set(PRESETS_DIR.glob("*.json")) - set(comparisons))
    sweeps = sorted((PRESETS_DIR / "sweeps").glob("*.json"))
    lessons = sorted((PRESETS_DIR / "lessons").glob("*.json"))  # named so their course order is theirs
    files = experiments + comparisons + sweeps + lessons  # experiments, comparisons, sweeps, the course
    assert len(lines) == len(files) and len(experiments) >= 12 and len(comparisons) >= 5 and len(sweeps) >= 4
    assert lessons and all("lesson " in line for line in lines[-len(lessons):])
    for line, path in zip(lines, files, strict=True):
        folder = {**dict.fromkeys(sweeps, "sweeps/"), **dict.fromkeys(lessons, "lessons/")}.get(path, "")
        where = f"presets/{folder}{path.name}"
        assert line.startswith(path.stem) and where in line


def test_summary_shows_288_weights(tmp_path):
    path = write(tmp_path, [{"type": "Conv2d", "out_channels": 32, "kernel_size": 3, "bias": False},
                            {"type": "Flatten"}, {"type": "Linear"}])
    code, out, _ = run("--summary", path)
    assert code == 0
    conv_row = next(line for line in out.splitlines() if "Conv2d" in line)
    assert "32×6×6" in conv_row and conv_row.split()[-2] == "288"
    # After Flatten the dense layer sees every position; the conv sees 3.
    assert "receptive field: all of the input: layer 2 (Flatten) mixes every position (the convolutions before " \
           "it see 3 input positions along each axis)" in out


def test_summary_of_the_hybrid_says_its_output_sees_all_of_the_sequence():
    """The Conv1d → MaxPool1d → GRU hybrid: the convolutions see 8 steps, but
    the GRU after them reads all 64, so the output depends on all of them."""
    from engine.comparison_table import reach
    from engine.presets import PRESETS_DIR, load_preset

    code, out, _ = run("--summary", str(PRESETS_DIR / "hybrid_long_range.json"))
    assert code == 0
    assert out.splitlines()[-1] == ("receptive field: all of the input: layer 4 (GRU) mixes every position (the "
                                    "convolutions before it see 8 input positions along each axis)")
    assert reach(load_preset("hybrid_long_range")).describe() == "all 64 steps"
    code, out, _ = run("--summary", str(PRESETS_DIR / "long_range_cnn.json"))  # global pooling mixes nothing
    assert out.splitlines()[-1] == "receptive field: 9 input positions along each axis"


def test_summary_of_an_impossible_stack_exits_2_naming_the_layer(tmp_path):
    path = write(tmp_path, [{"type": "Conv2d"}, {"type": "Linear"}])
    code, _, err = run("--summary", path)
    assert code == 2
    assert err.count("\n") == 1 and "model.layers[1]" in err and "Flatten" in err


def test_invalid_file_exits_2_with_one_line(tmp_path):
    path = write(tmp_path, [{"type": "Conv2d", "kernel_size": -2}, {"type": "Flatten"}, {"type": "Linear"}])
    code, _, err = run("--headless", path)
    assert code == 2
    assert err.strip() == f"error: {path}: model.layers[0].kernel_size: must be a positive integer up to 31, got -2"


def test_headless_writes_metrics_and_summary(tmp_path):
    path = write(tmp_path, [{"type": "Conv2d", "out_channels": 8}, {"type": "ReLU"}, {"type": "Flatten"},
                            {"type": "Linear"}])
    metrics, summary = tmp_path / "m.csv", tmp_path / "s.json"
    code, out, err = run("--headless", path, "--epochs", "2", "--seed", "5", "--device", "cpu",
                         "--metrics-out", str(metrics), "--summary-json", str(summary))
    assert code == 0, err
    assert out.count("\nepoch ") == 2
    rows = list(csv.DictReader(metrics.open()))
    assert [r["epoch"] for r in rows] == ["1", "2"] and "val_accuracy" in rows[0]
    s = json.loads(summary.read_text())
    for key in ("preset", "epochs", "params", "seconds", "samples_per_second", "device"):
        assert key in s
    assert s["epochs"] == 2 and s["device"] == "cpu" and s["preset"] == "cli test"
    assert set(s["final"]) >= {"train_loss", "val_loss", "val_accuracy"}


def test_headless_divergence_exits_3(tmp_path):
    path = write(tmp_path, [{"type": "Flatten"}, {"type": "Linear", "out_features": 64}, {"type": "ReLU"},
                            {"type": "Linear"}], "sine", optimizer="sgd", learning_rate=10.0, momentum=0.99,
                 epochs=5)
    code, _, err = run("--headless", path)
    assert code == 3 and "diverged at step" in err


def test_missing_output_folder_is_refused_before_training(tmp_path):
    path = write(tmp_path, [{"type": "Flatten"}, {"type": "Linear"}])
    code, _, err = run("--headless", path, "--metrics-out", str(tmp_path / "nope" / "m.csv"))
    assert code == 2 and "folder does not exist" in err


@pytest.mark.parametrize("argv, words", [
    (["--headless", "missing.json"], "no such file"),
    (["--summary"], "need an experiment or comparison FILE"),
])
def test_subprocess_errors_are_one_line_without_traceback(argv, words):
    result = subprocess.run([sys.executable, "main.py", *argv], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and words in result.stderr
