"""Tiny sweeps run for real once per test session (training processes, 1 epoch,
small data), so the Sweep window is tested on results the engine wrote."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

SWEEP = "cnn-rnn-playground/sweep"
EXPERIMENT = "cnn-rnn-playground/experiment"
COMPARISON = "cnn-rnn-playground/comparison"


def conv(name: str, layers: int, length: int = 64) -> dict:
    convs = [l for _ in range(layers) for l in ({"type": "Conv1d", "out_channels": 4, "kernel_size": 3,
                                                "padding": 1}, {"type": "ReLU"})]
    return {"format": EXPERIMENT, "version": 1, "name": name,
            "dataset": {"name": "long_range", "options": {"n_samples": 300, "length": length, "distance": 2}},
            "model": {"layers": [*convs, {"type": "GlobalMaxPool"}, {"type": "Linear"}]},
            "training": {"epochs": 1}}


def digits(name: str, hidden: int | None = None, epochs: int = 1) -> dict:
    middle = [{"type": "Linear", "out_features": hidden}, {"type": "ReLU"}] if hidden else []
    return {"format": EXPERIMENT, "version": 1, "name": name, "dataset": {"name": "digits"},
            "model": {"layers": [{"type": "Flatten"}, *middle, {"type": "Linear"}]},
            "training": {"epochs": epochs}}


def comparison(*experiments: tuple[str, dict]) -> dict:
    return {"format": COMPARISON, "version": 1, "name": "base",
            "experiments": [{"label": label, "experiment": exp} for label, exp in experiments]}


def write_sweep(folder: Path, name: str, base: dict, axes: list, seeds: int = 1, **more) -> Path:
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"format": SWEEP, "version": 1, "name": name, "description": f"The {name} sweep.",
                                "base": base, "axes": axes, "seeds": seeds, **more}), encoding="utf-8")
    return path


def run(path: Path) -> Path:
    from engine.sweep_file import load_sweep
    from engine.sweep_run import results_folder_for, run_sweep

    sweep = load_sweep(path)
    folder = results_folder_for(path)
    outcome = run_sweep(sweep, folder, jobs=2)
    assert not outcome.failed and len(outcome.results) == sweep.trial_count
    return folder


@pytest.fixture(scope="session")
def finished(tmp_path_factory) -> dict[str, Path]:
    """A finished one-axis sweep (two CNNs with receptive fields 3 and 5 over
    the distance 2, 4, 12: each gets a mark; 2 seeds) and a finished two-axis
    one (two digits models over learning rate × batch size, 1 seed)."""
    folder = tmp_path_factory.mktemp("sweeps")
    curve = write_sweep(folder, "reach", comparison(("CNN-3", conv("cnn3", 1)), ("CNN-5", conv("cnn5", 2))),
                        [{"path": "dataset.options.distance", "values": [2, 4, 12]}], seeds=2)
    grid = write_sweep(folder, "grid", comparison(("Linear", digits("lin")), ("MLP", digits("mlp", 16))),
                       [{"path": "training.learning_rate", "values": [0.01, 0.1]},
                        {"path": "training.batch_size", "values": [16, 64]}])
    run(curve)
    run(grid)
    return {"curve": curve, "grid": grid, "folder": folder}


def copy_sweep(path: Path, to: Path) -> Path:
    """The sweep file and its results folder, copied (a test may delete results)."""
    from engine.sweep_run import results_folder_for

    target = to / path.name
    shutil.copy(path, target)
    shutil.copytree(results_folder_for(path), results_folder_for(target))
    return target
