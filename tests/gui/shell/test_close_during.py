"""Closing the real app in the middle of something — training, a save, an
image-folder import, a download — in a subprocess (tests/helpers/close_driver.py
drives it): exit code 0, nothing on stderr that says a thread was destroyed
running or a traceback, no training process left behind, and nothing lost:
the files saved are whole and load, the experiment file is untouched where
nothing was saved, no temporary or partial file anywhere, no autosave left
after a clean close.

The four apps run at once (a module fixture starts them all), which on two
cores takes about as long as the slowest alone."""

from __future__ import annotations

import gzip
import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[3]
DRIVER = ROOT / "tests" / "helpers" / "close_driver.py"
SCENARIOS = ("training", "save", "import", "download")
BAD_SIGNS = ("QThread: Destroyed", "Traceback", "Error calling Python override", "Fatal Python error", "Aborted")


def make_workdir(root: Path) -> dict:
    """mine.json (the default experiment) with a weights file beside it, an image folder
    of 80 PNGs, and the four MNIST files to serve (60 KiB of them are random: they stream
    in several chunks)."""
    from PySide6.QtGui import QColor, QImage

    from engine.experiment_file import save_experiment
    from engine.weights_file import expected_state, save_weights, weights_path_for
    from gui.builder.templates import default_experiment

    root.mkdir(parents=True)
    experiment = default_experiment()
    save_experiment(experiment, root / "mine.json")
    rng = np.random.default_rng(0)
    weights = {name: rng.standard_normal(shape).astype(np.float32)
               for name, (shape, _) in expected_state(experiment).items()}
    save_weights(weights_path_for(root / "mine.json"), experiment, weights)
    for name, grey in (("dark", 30), ("light", 220)):
        (root / "images" / name).mkdir(parents=True)
        for i in range(40):
            image = QImage(12, 12, QImage.Format.Format_RGB32)
            image.fill(QColor(grey, grey, grey))
            assert image.save(str(root / "images" / name / f"{i}.png"))
    (root / "server").mkdir()
    for name, shape in (("train-images-idx3-ubyte.gz", (300, 28, 28)), ("train-labels-idx1-ubyte.gz", (300,)),
                        ("t10k-images-idx3-ubyte.gz", (50, 28, 28)), ("t10k-labels-idx1-ubyte.gz", (50,))):
        values = rng.integers(0, 256, shape, dtype=np.uint8)
        header = struct.pack(">BBBB", 0, 0, 8, len(shape)) + struct.pack(f">{len(shape)}I", *shape)
        (root / "server" / name).write_bytes(gzip.compress(header + values.tobytes()))
    return {"experiment": experiment, "weights": weights, "bytes": (root / "mine.json").read_bytes()}


@pytest.fixture(scope="module")
def closed_apps(tmp_path_factory, qapp):
    """Every scenario's app started at once; each entry: (workdir, what it started from, result)."""
    base = tmp_path_factory.mktemp("close-during")
    started = {}
    for scenario in SCENARIOS:
        workdir = base / scenario
        before = make_workdir(workdir)
        env = {"QT_QPA_PLATFORM": "offscreen", "HOME": str(workdir), "XDG_CONFIG_HOME": str(workdir / "config"),
               "XDG_DATA_HOME": str(workdir / "data"), "CNN_RNN_PLAYGROUND_DATA_DIR": str(workdir / "downloads"),
               "PATH": "/usr/bin:/bin"}
        process = subprocess.Popen([sys.executable, str(DRIVER), scenario, str(workdir)], cwd=ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started[scenario] = (workdir, before, process)
    results = {}
    try:
        for scenario, (workdir, before, process) in started.items():
            out, err = process.communicate(timeout=180)
            results[scenario] = (workdir, before, process.returncode, err)
    finally:
        for _, _, process in started.values():
            if process.poll() is None:
                process.kill()
    return results


def alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie nobody reaps does not count)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status


def check_clean_exit(closed_apps, scenario: str) -> tuple[Path, dict, dict]:
    workdir, before, code, err = closed_apps[scenario]
    shown = "\n".join(line for line in err.splitlines() if "propagateSizeHints" not in line)
    assert code == 0, shown[-3000:]
    for sign in BAD_SIGNS:
        assert sign not in err, shown[-3000:]
    report = json.loads((workdir / "report.json").read_text())
    assert report["events"][-1] == "exit 0" and "close" in " ".join(report["events"])
    assert not [pid for pid in report.get("children", []) if alive(pid)]  # no training process outlives the app
    leftovers = [p for p in workdir.rglob("*") if p.name.endswith((".tmp", ".part", ".lock"))]
    assert leftovers == []  # no temporary file, partial download or stale lock
    assert list((workdir / "data").rglob("*.json")) == []  # a clean close leaves no autosave
    return workdir, before, report


def test_closing_during_training_saves_what_was_asked_and_ends_the_training_process(closed_apps):
    from engine.experiment_file import load_experiment

    workdir, before, report = check_clean_exit(closed_apps, "training")
    events = report["events"]
    assert events.index("stepped") < events.index("close") < events.index("asked: Unsaved changes")
    assert report["children"]  # it was training in a child process when the close came
    assert load_experiment(workdir / "mine.json") == before["experiment"].with_training(epochs=3)


def test_closing_during_a_save_leaves_both_files_whole(closed_apps):
    from engine.experiment_file import load_experiment
    from engine.weights_file import load_weights, weights_path_for

    workdir, before, report = check_clean_exit(closed_apps, "save")
    # The save is synchronous: the close requested while it wrote waited for it to finish.
    assert report["events"][:3] == ["close requested", "saved", "save returned"]
    saved = load_experiment(workdir / "mine.json")
    assert saved == before["experiment"].with_training(epochs=3)
    weights = load_weights(weights_path_for(workdir / "mine.json"), saved)
    assert weights.keys() == before["weights"].keys()
    assert all(np.array_equal(weights[name], value) for name, value in before["weights"].items())


def test_closing_during_an_image_import_stops_the_reading_and_changes_nothing(closed_apps):
    workdir, before, report = check_clean_exit(closed_apps, "import")
    events = report["events"]
    assert events.index("held") < events.index("close") < events.index("worker finished")  # the close waited
    assert (workdir / "mine.json").read_bytes() == before["bytes"]


def test_closing_during_a_download_leaves_no_partial_file(closed_apps):
    workdir, before, report = check_clean_exit(closed_apps, "download")
    events = report["events"]
    assert events.index("stalled") < events.index("close")  # mid-file, the server silent
    assert events.index("close") < events.index("worker finished")  # the close cancelled it and waited
    folder = workdir / "downloads" / "mnist"
    assert folder.is_dir() and list(folder.iterdir()) == []  # neither the part file nor a half file
    assert (workdir / "mine.json").read_bytes() == before["bytes"]
