"""A full disk (here: a file-size limit, as `ulimit -f` sets) while writing
any file the app writes: one line saying which file and why, the old file
whole, nothing left beside it, and the process alive to say so. torch's zip
writer used to abort the whole process from C++ on a short write
("terminate called after throwing … inline_container.cc"), leaving a
.tmp file; exports now serialise into memory and go through the atomic
writer."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRESET = str(ROOT / "presets" / "digits_cnn.json")
OLD = "the old file\n"


def limited(limit: int, *args: str, code: str | None = None) -> subprocess.CompletedProcess:
    """``main.py ARGS`` (or ``python -c CODE``) with files capped at ``limit``
    bytes; its output goes to pipes, which the cap does not reach."""
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    command = [sys.executable, "-c", code] if code else [sys.executable, str(ROOT / "main.py"), *args]
    return subprocess.run(command, cwd=ROOT, preexec_fn=cap, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "QT_QPA_PLATFORM": "offscreen"})


def assert_clean_failure(result: subprocess.CompletedProcess, target: Path) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode in (1, 2), result.stderr[-2000:]  # not 134 (abort) nor a signal
    assert len(lines) == 1 and lines[0] == f"error: cannot write {target}: File too large", result.stderr[-2000:]
    assert target.read_text() == OLD  # the old file is whole
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]  # nothing beside it


@pytest.mark.parametrize("kind", ["source", "weights", "torchscript"])
def test_an_export_on_a_full_disk_fails_in_one_line_and_leaves_the_old_file(tmp_path, kind):
    target = tmp_path / f"model.{kind}"
    target.write_text(OLD)
    assert_clean_failure(limited(1024, "--export", kind, str(target), PRESET), target)


@pytest.mark.parametrize("option", ["--metrics-out", "--summary-json"])
def test_a_metrics_or_summary_file_on_a_full_disk(tmp_path, option):
    target = tmp_path / ("metrics.csv" if option == "--metrics-out" else "summary.json")
    target.write_text(OLD)
    result = limited(100, "--headless", str(ROOT / "presets" / "digits_mlp.json"), "--epochs", "1", option,
                     str(target))
    assert "epoch   1/1" in result.stdout  # the run itself went fine
    assert_clean_failure(result, target)


def test_saving_an_experiment_or_its_weights_on_a_full_disk(tmp_path):
    (tmp_path / "e").mkdir()
    (tmp_path / "w").mkdir()
    experiment, weights = tmp_path / "e" / "mine.json", tmp_path / "w" / "mine.weights.npz"
    experiment.write_text(OLD)
    weights.write_text(OLD)
    code = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from engine.errors import PlaygroundError
from engine.experiment_file import save_experiment
from engine.presets import load_preset
from engine.training import train
from engine.weights_file import save_weights
e = load_preset("digits_cnn").with_training(epochs=1)
state = [ev for ev in train(e, device="cpu")][-1].weights
for write in (lambda: save_experiment(e, {str(experiment)!r}), lambda: save_weights({str(weights)!r}, e, state)):
    try:
        write()
    except (OSError, PlaygroundError) as exc:  # WriteFailed, WeightsFileError
        print(exc, file=sys.stderr)
"""
    result = limited(1000, code=code)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert lines[0] == f"cannot write {experiment}: File too large"
    assert lines[1].startswith(f"cannot save weights to {weights}") and "File too large" in lines[1]
    for target in (experiment, weights):
        assert target.read_text() == OLD
        assert sorted(p.name for p in target.parent.iterdir()) == [target.name]
