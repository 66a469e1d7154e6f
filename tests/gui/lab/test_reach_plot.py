"""The lab's shared "How far back" plot (claim C8): each column's gradient
reach, a CNN's receptive field and the data set's dependency, on one axis of
steps back from the output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.events import Snapshot
from engine.experiment_file import load_experiment
from engine.explain.reach import conv_reach, gradient_reach
from engine.presets import PRESETS_DIR
from engine.probes import ProbeSettings
from engine.training import train
from gui.lab.reach_plot import EMPTY, ReachColumn, SharedReachPlot

ROOT = Path(__file__).resolve().parents[3]
BLUE, ORANGE, GREEN = (31, 119, 180), (255, 127, 14), (44, 160, 44)


def experiment(name: str):
    return load_experiment(PRESETS_DIR / f"{name}.json")


def measured(exp) -> tuple[int, np.ndarray]:
    """(step, norms) of the first recurrent layer from the last snapshot that measured them."""
    probes = ProbeSettings(min_interval=0.0, budget=1.0, gradient_interval=0.0, spread=0)
    snapshots = [e for e in train(exp.with_training(device="cpu"), probes=probes, epochs=1)
                 if isinstance(e, Snapshot) and e.grad_through_time]
    last = snapshots[-1]
    return last.step, np.asarray(last.grad_through_time[min(last.grad_through_time)], np.float64)


@pytest.fixture(scope="module")
def long_range_gru_norms():
    exp = experiment("long_range_gru")
    return measured(exp.with_dataset(exp.dataset.with_options(n_samples=256)))


@pytest.fixture(scope="module")
def digits_gru_norms():
    return measured(experiment("digits_gru_rows"))


@pytest.fixture
def plot(qtbot):
    widget = SharedReachPlot()
    qtbot.addWidget(widget)
    widget.resize(900, 400)
    widget.show()
    return widget


def decaying(steps: int, rate: float) -> np.ndarray:
    """Norms that fall by ``rate`` per step back from the last one: rate**k at k steps back."""
    return rate ** np.arange(steps, dtype=np.float64)[::-1]


def test_decaying_gradient_is_marked_where_it_falls_below_the_threshold(plot):
    # 0.5**k < 1e-3 first at k = 10 (0.5**9 ≈ 2.0e-3, 0.5**10 ≈ 9.8e-4).
    plot.set_columns([ReachColumn("GRU", ORANGE, experiment("long_range_gru"), 3.0 * decaying(64, 0.5), 40)])
    assert gradient_reach(3.0 * decaying(64, 0.5)).steps_back == 10
    assert plot.reach_lines["gru"].value() == 10
    x, _ = plot.markers["gru"].getData()
    assert list(x) == [10]
    data = plot.export_data()
    assert data["gru_reaches_steps_back"].tolist() == [10]
    np.testing.assert_allclose(data["gru_relative_gradient"], 0.5 ** np.arange(64))  # relative: 1 at the last step
    assert data["gru_steps_back"].tolist() == list(range(64))
    assert plot.threshold_line.isVisible() and plot.threshold_line.value() == pytest.approx(-3.0)
    assert "GRU's gradient reaches 10 steps back" in plot.caption.text()
    assert "GRU reaches 10 steps back (step 40)" in plot.legend.text()
    assert plot.plot.getAxis("bottom").labelText.startswith("steps back from the output")
    assert plot.plot.getAxis("left").labelText == "gradient, relative to the last step"

    # A slow decay never falls below: no marker, a note that it reaches the whole sequence.
    plot.set_columns([ReachColumn("GRU", ORANGE, experiment("long_range_gru"), decaying(64, 0.99), None)])
    assert plot.reach_lines == {} and plot.markers == {}
    assert "gru_reaches_steps_back" not in plot.export_data()
    assert "GRU reaches all 64 steps" in plot.legend.text()
    assert "GRU's gradient reaches all 64 steps" in plot.caption.text()


def test_long_range_cnn_band_and_gru_gradient_beside_the_dependency(plot, long_range_gru_norms):
    cnn, gru = experiment("long_range_cnn"), experiment("long_range_gru")
    step, norms = long_range_gru_norms
    assert norms.shape == (64,)
    plot.set_columns([ReachColumn("CNN", BLUE, cnn), ReachColumn("GRU", ORANGE, gru, norms, step)])
    reach = conv_reach(cnn)
    assert reach.field == 9
    first, last = plot.bands["cnn"].getRegion()
    assert (first, last) == (0, reach.field - 1)
    assert plot.export_data()["cnn_conv_band"].tolist() == [0, 8]
    # The label depends on the first key, at least `distance` steps before the second: one green line,
    # though both columns train on the data set.
    distance = cnn.dataset.options["distance"]
    assert reach.dependency.span - 1 == distance == 12
    assert list(plot.dependency_lines) == [distance]
    assert plot.dependency_lines[distance].value() == distance
    assert plot.export_data()["dependency_steps_back"].tolist() == [12]
    # The GRU's real gradient, drawn relative to its last step, marked where it vanishes.
    expected = gradient_reach(norms)
    data = plot.export_data()
    np.testing.assert_allclose(data["gru_relative_gradient"], norms[::-1] / expected.reference)
    if expected.steps_back is None:
        assert "gru" not in plot.reach_lines
    else:
        assert plot.reach_lines["gru"].value() == expected.steps_back
    assert plot.unit == "step"
    caption = plot.caption.text()
    assert "CNN sees 9" in caption and "the label depends on step 12 back" in caption
    assert "GRU's gradient reaches" in caption
    assert "CNN sees 9 steps, then GlobalMaxPool pools over all steps" in plot.legend.text()
    assert plot.notes.text() == ""


def test_hybrid_gradient_is_drawn_in_input_steps(plot):
    hybrid = experiment("hybrid_long_range")  # Conv1d, MaxPool1d(4): its GRU reads 16 of the 64 steps
    reach = conv_reach(hybrid)
    assert reach.out_size == (16,) and reach.field == 8
    plot.set_columns([ReachColumn("CNN+GRU", GREEN, hybrid, decaying(16, 0.5), 7)])
    assert plot.reach_lines["cnn_gru"].value() == 40  # 10 GRU steps back = 40 input steps
    assert plot.export_data()["cnn_gru_steps_back"].tolist() == list(range(0, 64, 4))
    assert plot.bands["cnn_gru"].getRegion() == (0, 7)
    assert "its GRU reads one step in 4" in plot.legend.text()
    assert "CNN+GRU's convolutions see 8 steps, then its GRU reads them in order" in plot.legend.text()


def test_digits_cnn_and_gru_reading_rows_share_the_image_rows(plot, digits_gru_norms):
    cnn, gru = experiment("digits_cnn"), experiment("digits_gru_rows")
    step, norms = digits_gru_norms
    assert norms.shape == (8,)  # one step per row of the 8×8 digit
    plot.set_columns([ReachColumn("CNN", BLUE, cnn), ReachColumn("GRU", ORANGE, gru, norms, step)])
    reach = conv_reach(cnn)
    assert reach.image and reach.size == (8, 8) and reach.field == 10
    assert plot.unit == "row"
    assert plot.plot.getAxis("bottom").labelText.startswith("rows back")
    assert plot.bands["cnn"].getRegion() == (0, 7)  # the field's height, within the 8 rows
    data = plot.export_data()
    assert data["cnn_conv_field"].tolist() == [10]
    assert data["gru_steps_back"].tolist() == list(range(8))
    assert plot.dependency_lines == {}  # digits: no known dependency
    assert "CNN sees 10 rows" in plot.legend.text() and "then Flatten mixes all" in plot.legend.text()
    assert "rows" in plot.caption.text()


def test_an_mlp_column_has_no_time_axis(plot):
    plot.set_columns([ReachColumn("CNN", BLUE, experiment("digits_cnn")),
                      ReachColumn("MLP", GREEN, experiment("digits_mlp"))])
    assert plot.notes.text() == "MLP: no time axis (sees every input at once)"
    assert set(plot.bands) == {"cnn"} and plot.curves == {}
    assert not any(key.startswith("mlp") for key in plot.export_data())
    assert "MLP" not in plot.caption.text()


def test_empty_until_a_column_has_something(plot):
    assert plot.caption.text() == EMPTY
    assert plot.empty_text.isVisible()
    assert plot.export_data() == {}
    plot.set_columns([ReachColumn("GRU", ORANGE, experiment("long_range_gru")),
                      ReachColumn("MLP", GREEN, experiment("digits_mlp"))])
    assert plot.caption.text() == EMPTY and plot.empty_text.isVisible()
    assert plot.legend.text() == ""
    assert plot.notes.text() == ("GRU: gradient not measured yet · "
                                 "MLP: no time axis (sees every input at once)")
    assert plot.export_data() == {}
    plot.set_columns([ReachColumn("GRU", ORANGE, experiment("long_range_gru"), decaying(64, 0.5), 1)])
    assert plot.caption.text() != EMPTY and not plot.empty_text.isVisible()
    plot.set_columns([])
    assert plot.caption.text() == EMPTY and plot.curves == {} and plot.reach_lines == {}


def test_export_data_keys(plot):
    plot.set_columns([ReachColumn("CNN", BLUE, experiment("long_range_cnn")),
                      ReachColumn("GRU", ORANGE, experiment("long_range_gru"), decaying(64, 0.5), 3),
                      ReachColumn("GRU", GREEN, experiment("long_range_gru"), decaying(64, 0.99), 3)])
    data = plot.export_data()
    assert set(data) == {"cnn_conv_band", "cnn_conv_field",
                         "gru_steps_back", "gru_relative_gradient", "gru_reaches_steps_back",
                         "gru_2_steps_back", "gru_2_relative_gradient",
                         "dependency_steps_back"}
    assert all(isinstance(v, np.ndarray) for v in data.values())


def test_importing_the_plot_loads_no_torch():
    code = "import sys, gui.lab.reach_plot; sys.exit(1 if 'torch' in sys.modules else 0)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stdout + result.stderr
