"""The RNN views: hidden-state trajectories, hidden-state heat map, gates,
gradient through time and the text probe, fed by short real training runs
(and hand-built snapshots for the edge cases a run does not produce)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pytest

from tests.gui.conftest import FakeInspectionRunner


@dataclass
class Run:
    """What a view needs of a real run, collected once per preset."""

    experiment: object
    started: object
    snapshots: list


def collect(preset: str, snapshots: int = 4) -> Run:
    from engine.events import RunStarted, Snapshot
    from engine.presets import load_preset
    from engine.probes import ProbeSettings
    from engine.training import train

    experiment = load_preset(preset).with_training(epochs=1, device="cpu")
    # Probes at every step, so a few dozen steps give several snapshots.
    settings = ProbeSettings(min_interval=0.0, budget=1.0, gradient_interval=0.0, filters=False, feature_maps=False,
                             histograms=False)
    started, kept = None, []
    events = train(experiment, probes=settings)
    for event in events:
        if isinstance(event, RunStarted):
            started = event
        elif isinstance(event, Snapshot):
            kept.append(event)
            if len(kept) >= snapshots:
                break
    events.close()
    return Run(experiment, started, kept)


@pytest.fixture(scope="module")
def digits_gru():
    return collect("digits_gru_rows")


@pytest.fixture(scope="module")
def copy_lstm():
    return collect("copy_memory_lstm", snapshots=10)


def open_view(qtbot, cls, run: Run | None = None, *args):
    view = cls(*args)
    qtbot.addWidget(view)
    view.resize(640, 480)
    view.show()
    if run is not None:
        view.set_experiment(run.experiment)
        view.set_run(run.started)
    return view


def points(item) -> int:
    x, _ = item.getData()
    return 0 if x is None else len(x)


# --- hidden-state trajectories -----------------------------------------------------------
def test_trajectories_hold_their_range_live_and_fit_the_last_picture_when_the_run_ends(qtbot, digits_gru):
    from gui.views.trajectories import HiddenStateTrajectories

    view = open_view(qtbot, HiddenStateTrajectories, digits_gru)
    view.show_snapshot(digits_gru.snapshots[-1])
    points = view.projected.reshape(-1, 2)
    (x_low, x_high), (y_low, y_high) = view.plot.vb.viewRange()
    assert x_low <= points[:, 0].min() and points[:, 0].max() <= x_high
    assert y_low <= points[:, 1].min() and points[:, 1].max() <= y_high
    # As a run's earlier, wider spread left it: the data fills 45 % of it, so live it holds.
    loose = {axis: (float(p.min() - 0.6 * np.ptp(p)), float(p.max() + 0.6 * np.ptp(p)))
             for axis, p in (("x", points[:, 0]), ("y", points[:, 1]))}
    view.steady.ranges = dict(loose)
    view.plot.setRange(xRange=loose["x"], yRange=loose["y"], padding=0)
    view.show_snapshot(digits_gru.snapshots[-1])
    assert view.steady.ranges == loose
    view.run_ended()
    (x_low, x_high), _ = view.plot.vb.viewRange()
    assert x_low <= points[:, 0].min() and points[:, 0].max() <= x_high
    assert x_high - x_low < 1.9 * np.ptp(points[:, 0]) < loose["x"][1] - loose["x"][0]  # fitted to the last picture


def test_trajectories_draw_one_path_per_probe_sequence_coloured_by_class(qtbot, digits_gru):
    from gui.views.trajectories import BY_TIME, HiddenStateTrajectories

    view = open_view(qtbot, HiddenStateTrajectories, digits_gru)
    assert view.applies_to(digits_gru.started)
    view.show_snapshot(digits_gru.snapshots[-1])
    probes, steps = digits_gru.started.probe_inputs.shape[:2]
    assert view.path_count() == probes == 8
    assert view.projected.shape == (probes, steps, 2)
    # One line item per class, together holding every step of every path.
    assert sum(points(line) for line in view.class_lines) == probes * steps
    assert len(view.starts.data) == len(view.ends.data) == probes
    assert "% of variance" in view.plot.getAxis("bottom").labelText
    legend_names = [label.text for _, label in view.legend.items]
    assert "class 0" in legend_names and "first step" in legend_names

    view.set_colour_mode(BY_TIME)
    assert points(view.time_line) == probes * steps
    assert view.time_bar.isVisible()
    assert sum(points(line) for line in view.class_lines) == 0
    assert view.path_count() == probes


def test_trajectory_basis_keeps_its_sign_between_snapshots(qtbot, digits_gru):
    from engine.events import Snapshot
    from gui.views.trajectories import HiddenStateTrajectories

    view = open_view(qtbot, HiddenStateTrajectories, digits_gru)
    states = digits_gru.snapshots[-1].hidden_states[0]
    view.show_snapshot(Snapshot(10, 1, hidden_states={0: states}))
    before = view.projected.copy()
    nudged = states + np.random.default_rng(0).normal(0, 1e-3, states.shape).astype(np.float32)
    view.show_snapshot(Snapshot(11, 1, hidden_states={0: nudged}))
    assert np.allclose(view.projected, before, atol=0.05)  # no flipped axis


# --- hidden-state heat map ----------------------------------------------------------------
def test_heatmap_shows_units_by_time_with_the_input_rows_above(qtbot, digits_gru):
    from gui.views.hidden_heatmap import HiddenStateHeatmap

    view = open_view(qtbot, HiddenStateHeatmap, digits_gru)
    snapshot = digits_gru.snapshots[-1]
    view.show_snapshot(snapshot)
    assert view.image.shape == (64, 8)  # 64 units × 8 rows read
    assert view.heat_item.image.shape == (64, 8)
    assert view.heat_item.levels is not None and tuple(view.heat_item.levels) == (-1.0, 1.0)
    # Eight pixels per row: drawn as a features × time image, not eight lines.
    assert view.input_image.image.shape == (8, 8)
    view.picker.choose_probe(3)
    assert np.allclose(view.image, snapshot.hidden_states[0][3].T)
    assert "#3" in view.caption.text()


def test_heatmap_shows_characters_for_text_input(qtbot):
    from engine.datasets.base import DataInfo
    from engine.events import Snapshot
    from gui.views.hidden_heatmap import HiddenStateHeatmap

    vocab = " abeiknrv"
    ids = np.array([vocab.index(c) for c in "river bank"], dtype=np.int64)
    run = FakeRun(probe_inputs=ids[None], probe_targets=np.roll(ids, -1)[None], vocab=vocab,
                  info=DataInfo("tokens", (10,), "classification", True, len(vocab), len(vocab)))
    view = open_view(qtbot, HiddenStateHeatmap)
    view.set_run(run)
    view.show_snapshot(Snapshot(1, 1, hidden_states={1: np.zeros((1, 10, 16), np.float32)}))
    assert view.image.shape == (16, 10)
    ticks = view.input_plot.getAxis("bottom")._tickLevels[0]
    assert [label for _, label in ticks] == list("river␣bank")


# --- gates --------------------------------------------------------------------------------
def test_gates_of_a_gru_and_of_an_lstm(qtbot, digits_gru, copy_lstm):
    from gui.views.gates_view import GatesView

    view = open_view(qtbot, GatesView, digits_gru)
    assert view.applies_to(digits_gru.started)
    view.show_snapshot(digits_gru.snapshots[-1])
    assert view.gate_names == ["reset", "update", "new"]
    assert view.images["update"].shape == (64, 8)
    assert points(view._mean_lines["reset"]) == 8
    assert "update" in view.caption.text().lower()

    view.set_experiment(copy_lstm.experiment)
    view.set_run(copy_lstm.started)
    view.show_snapshot(copy_lstm.snapshots[-1])
    assert view.gate_names == ["input", "forget", "output", "cell", "cell_state"]
    assert view.images["forget"].shape == (64, 66)
    assert tuple(view._heat_items["forget"].levels) == (0.0, 1.0)  # sigmoid gates on a 0…1 scale
    assert "forget" in view.caption.text()


def test_gates_view_says_a_plain_rnn_has_no_gates(qtbot):
    from engine.events import Snapshot
    from engine.presets import load_preset
    from engine.spec import LayerSpec, ModelSpec
    from gui.views.gates_view import GatesView

    experiment = load_preset("sine_gru")
    rnn = LayerSpec("RNN", {**experiment.model.layers[0].params})
    experiment = replace(experiment, model=ModelSpec((rnn, *experiment.model.layers[1:])))
    view = open_view(qtbot, GatesView)
    view.set_experiment(experiment)
    assert not view.applies_to(None)
    assert "plain RNN" in view.not_applicable_text()
    view.set_run(FakeRun(probe_inputs=np.zeros((2, 5, 1)), probe_targets=np.zeros((2, 1))))
    view.show_snapshot(Snapshot(1, 1, hidden_states={0: np.zeros((2, 5, 4), np.float32)}))
    assert "no gates" in view.caption.text()
    assert view.export_data() == {}


# --- gradient through time ----------------------------------------------------------------
def test_gradient_through_time_on_a_log_axis_with_fading_history(qtbot, copy_lstm):
    from gui.views.gradient_time import FADING, GradientThroughTime

    view = open_view(qtbot, GradientThroughTime, copy_lstm)
    for snapshot in copy_lstm.snapshots:
        view.show_snapshot(snapshot)
    steps = copy_lstm.started.probe_inputs.shape[1]
    assert points(view.current_curve) == steps == 66
    assert view.plot.ctrl.logYCheck.isChecked()
    shown_older = sum(1 for curve in view.fading_curves if points(curve))
    assert shown_older == min(FADING, len(copy_lstm.snapshots) - 1)
    assert "of the one at the last step" in view.caption.text()
    assert "log" in view.plot.getAxis("left").labelText


def test_gradient_through_time_clips_zeros_and_says_so(qtbot):
    from engine.events import Snapshot
    from gui.views.gradient_time import FLOOR, GradientThroughTime

    view = open_view(qtbot, GradientThroughTime)
    view.set_run(FakeRun(probe_inputs=np.zeros((2, 4, 1)), probe_targets=np.zeros((2, 1))))
    view.show_snapshot(Snapshot(5, 1, grad_through_time={0: np.array([0.0, 1e-6, 1e-3, 1.0])}))
    assert f"drawn at {FLOOR:.1g}" in view.caption.text() and "no zero" in view.caption.text()
    assert "step 0 is 0 of" in view.caption.text()
    _, y = view.current_curve.getData()
    assert np.isfinite(y).all()


def test_a_vanished_gradient_is_drawn_as_it_is_not_on_a_floor(qtbot):
    """A vanilla RNN's 2e-16 was drawn at 1e-12, a flat floor the caption did
    not explain (issue #16, item 11): values are drawn as they are, and exact
    zeros below the smallest of them."""
    from engine.events import Snapshot
    from gui.views.gradient_time import GradientThroughTime

    view = open_view(qtbot, GradientThroughTime)
    view.set_run(FakeRun(probe_inputs=np.zeros((2, 5, 1)), probe_targets=np.zeros((2, 1))))
    norms = np.array([0.0, 2e-16, 3e-14, 1e-6, 1.0])
    view.show_snapshot(Snapshot(5, 1, grad_through_time={0: norms}))
    _, y = view.current_curve.getOriginalDataset()  # as given, before the log axis takes its log
    np.testing.assert_allclose(y[1:], norms[1:], rtol=1e-6)
    assert 0 < y[0] < 2e-16  # the zero: below every value shown
    assert "drawn at 2e-17" in view.caption.text()


# --- text probe ---------------------------------------------------------------------------
@dataclass
class FakeInspection:
    input: np.ndarray
    output: np.ndarray
    feature_maps: dict = field(default_factory=dict)
    hidden_states: dict = field(default_factory=dict)
    gates: dict = field(default_factory=dict)


@dataclass
class FakeRun:
    probe_inputs: np.ndarray
    probe_targets: np.ndarray
    task: str = "classification"
    info: object = None
    vocab: str | None = None


def text_run(vocab: str) -> FakeRun:
    from engine.datasets.base import DataInfo

    return FakeRun(probe_inputs=np.zeros((1, 8), np.int64), probe_targets=np.zeros((1, 8), np.int64), vocab=vocab,
                   info=DataInfo("tokens", (8,), "classification", True, len(vocab), len(vocab)))


def test_text_probe_shows_next_character_probabilities_and_hidden_state(qtbot):
    from gui.views.text_probe import TOP_K, TextProbe

    vocab = "\n !.abcdefghijklmnopqrstuvwxyz"
    inspector = FakeInspectionRunner()
    view = open_view(qtbot, TextProbe, None, inspector)
    view.set_run(text_run(vocab))
    assert view.applies_to(view.run)
    view.set_text("river ba")
    qtbot.waitUntil(lambda: len(inspector.requests) == 1)
    ids = inspector.requests[0]
    assert ids.dtype == np.int64 and "".join(vocab[i] for i in ids) == "river ba"
    probabilities = np.full((len(ids), len(vocab)), 0.1 / (len(vocab) - 1), np.float32)
    probabilities[-1, vocab.index("n")] = 0.9
    hidden = np.tanh(np.random.default_rng(0).normal(size=(len(ids), 24))).astype(np.float32)
    inspector.inspected.emit(FakeInspection(ids, probabilities, hidden_states={1: hidden}))
    assert view.top_characters[0] == "n" and len(view.top_characters) == TOP_K
    assert view.bars.opts["height"][0] == pytest.approx(0.9)
    assert view.hidden_image.shape == (24, 8)
    ticks = [label for _, label in view.heat_plot.getAxis("bottom")._tickLevels[0]]
    assert ticks == list("river␣ba")
    assert "“n”" in view.caption.text()
    assert set(view.export_data()) == {"next_character_probabilities", "hidden_units_by_character", "input_ids"}

    # An answer for an older text is ignored.
    inspector.inspected.emit(FakeInspection(ids[:3], probabilities[:3], hidden_states={1: hidden[:3]}))
    assert view.hidden_image.shape == (24, 8)

    # A long prefix is shortened in the caption with "…", not silently cut (issue #16, item 14).
    long = "the miller walked along the river bank to the mill"
    view.set_text(long)
    qtbot.waitUntil(lambda: len(inspector.requests) == 2)
    ids = inspector.requests[1]
    probabilities = np.full((len(ids), len(vocab)), 1 / len(vocab), np.float32)
    hidden = np.zeros((len(ids), 24), np.float32)
    inspector.inspected.emit(FakeInspection(ids, probabilities, hidden_states={1: hidden}))
    assert f"After “…{long[-30:]}”" in view.caption.text()


def test_text_probe_skips_characters_outside_the_vocabulary(qtbot):
    from gui.views.text_probe import TextProbe

    inspector = FakeInspectionRunner()
    view = open_view(qtbot, TextProbe, None, inspector)
    view.set_run(text_run(" abk"))
    view.set_text("bäk")
    qtbot.waitUntil(lambda: len(inspector.requests) == 1)
    assert inspector.requests[0].tolist() == [2, 3]
    assert "'ä'" in view.caption.text() and "skipped" in view.caption.text()


def test_text_probe_with_the_real_inspector(qtbot):
    pytest.importorskip("engine.inspect")
    from gui.trained.inspection_runner import InspectionRunner
    from gui.views.text_probe import TextProbe

    run = collect("text_lstm", snapshots=2)
    inspector = InspectionRunner()
    view = open_view(qtbot, TextProbe, run, inspector)
    inspector.set_run(run.experiment, run.started)
    inspector.set_weights(run.snapshots[-1].weights)
    try:
        view.set_text("the river bank")
        qtbot.waitUntil(lambda: view.inspection is not None, timeout=20_000)
        assert len(view.top_characters) == 15
        assert view.hidden_image.shape == (128, len("the river bank"))
    finally:
        inspector.shutdown()


def test_text_probe_compares_two_typed_prefixes_and_shows_the_context_the_model_uses(qtbot):
    """The comparison and the context curve are measured on the weights shown,
    off the GUI thread (the InspectionRunner's second worker)."""
    pytest.importorskip("engine.inspect")
    from engine.claims import CONTEXT_TOLERANCE
    from gui.trained.inspection_runner import InspectionRunner
    from gui.views.text_probe import TextProbe

    run = collect("text_lstm", snapshots=2)
    inspector = InspectionRunner()
    view = open_view(qtbot, TextProbe, run, inspector)
    inspector.set_run(run.experiment, run.started)
    inspector.set_weights(run.snapshots[-1].weights)
    try:
        view.set_text("the river bank", compare="he made a deposit at the bank")
        qtbot.waitUntil(lambda: view.report is not None and view.report.comparison is not None
                        and view.inspection is not None, timeout=30_000)
        comparison, curve = view.report.comparison, view.report.curve
        assert comparison.shared_tail == len(" bank") and 0 <= comparison.distance <= 1
        assert view.caption.text().endswith(view.comparison_sentence)
        assert view.comparison_sentence.startswith("The last 5 characters are the same")
        x, height = view.compare_bars.opts["x"], view.compare_bars.opts["height"]
        assert len(x) == len(view.top_characters) == 15 and (0 <= np.asarray(height)).all()
        lengths, distance = view.context_curve.getData()
        assert list(2 ** lengths) == pytest.approx(curve.lengths) and list(distance) == pytest.approx(curve.distance)
        assert curve.window == 64 and view.tolerance_line.value() == CONTEXT_TOLERANCE
        assert set(view.export_data()) >= {"context_lengths", "context_change_of_prediction"}
        view.compare_edit.setText("")  # one prefix: its bars alone again
        view.set_text("the river bank")
        qtbot.waitUntil(lambda: view.comparison_sentence == "", timeout=30_000)
        assert len(view.compare_bars.opts["x"]) == 0
    finally:
        inspector.shutdown()


# --- export -------------------------------------------------------------------------------
def test_every_rnn_view_exports_its_data(qtbot, tmp_path, copy_lstm):
    from gui.views.gates_view import GatesView
    from gui.views.gradient_time import GradientThroughTime
    from gui.views.hidden_heatmap import HiddenStateHeatmap
    from gui.views.trajectories import HiddenStateTrajectories

    for cls in (HiddenStateTrajectories, HiddenStateHeatmap, GatesView, GradientThroughTime):
        view = open_view(qtbot, cls, copy_lstm)
        assert view.export_data() == {}
        view.show_snapshot(copy_lstm.snapshots[-1])
        data = view.export_data()
        assert data and all(isinstance(a, np.ndarray) and a.size for a in data.values()), cls.__name__
        written = view.export_data_to(tmp_path / f"{cls.__name__}.npz")
        with np.load(written) as saved:
            assert set(saved.files) == set(data)
        assert view.export_image(tmp_path / f"{cls.__name__}.png").stat().st_size > 0


def test_a_snapshot_without_gradients_shows_the_latest_measured_one(qtbot):
    """The gradient probe runs in some snapshots only (it is the slow one):
    between them the view keeps the last measurement and says where it is from."""
    from engine.events import Snapshot
    from gui.views.gradient_time import GradientThroughTime

    view = open_view(qtbot, GradientThroughTime)
    view.set_run(FakeRun(probe_inputs=np.zeros((2, 4, 1)), probe_targets=np.zeros((2, 1))))
    measured = Snapshot(5, 1, grad_through_time={0: np.array([1e-4, 1e-3, 1e-2, 1.0])})
    later = Snapshot(9, 1)
    for snapshot in (measured, later):
        view.record_snapshot(snapshot)
    view.show_snapshot(later)
    assert points(view.current_curve) == 4
    assert view.caption.text().startswith("Step 5 (measured there; the views show step 9)")
    view.show_snapshot(measured)
    assert view.caption.text().startswith("Step 5:")


def test_gradient_curves_are_redrawn_only_when_a_new_measurement_comes(qtbot, monkeypatch):
    """Between measurements only the caption moves: refilling nine curves with
    the same norms cost every live frame of a row GRU ~2 ms."""
    from engine.events import Snapshot
    from gui.views.gradient_time import GradientThroughTime

    view = open_view(qtbot, GradientThroughTime)
    view.set_run(FakeRun(probe_inputs=np.zeros((2, 4, 1)), probe_targets=np.zeros((2, 1))))
    filled = []
    original = type(view.current_curve).setData
    monkeypatch.setattr(type(view.current_curve), "setData",
                        lambda item, *a, **k: (filled.append(item is view.current_curve), original(item, *a, **k)))
    first = Snapshot(5, 1, grad_through_time={0: np.array([1e-3, 1e-2, 0.1, 1.0])})
    view.record_snapshot(first)
    view.show_snapshot(first)
    assert filled.count(True) == 1
    for step in (6, 7):
        later = Snapshot(step, 1)
        view.record_snapshot(later)
        view.show_snapshot(later)
        assert view.caption.text().startswith(f"Step 5 (measured there; the views show step {step})")
    assert filled.count(True) == 1  # the same measurement: not drawn again
    second = Snapshot(8, 1, grad_through_time={0: np.array([1e-4, 1e-2, 0.2, 1.0])})
    view.record_snapshot(second)
    view.show_snapshot(second)
    assert filled.count(True) == 2 and view.shown_steps == [5, 8]
    assert np.allclose(view.current, [1e-4, 1e-2, 0.2, 1.0])


def test_log_axis_labels_at_most_eight_decades_however_wide_the_range():
    """Fourteen decades labelled one by one ran into each other on a short plot
    (the Receptive field explainer's RNN plot, issue #16 item 14)."""
    from gui.views.gradient_time import decade_ticks

    major, minor = decade_ticks(np.array([2e-16, 1e-9, 0.3]))
    positions = [p for p, _ in major]
    assert len(positions) <= 8 and positions[0] <= -16 + 3 and positions[-1] >= 0
    assert len(set(np.diff(positions))) == 1  # evenly spaced
    assert all(label for _, label in major) and not any(label for _, label in minor)
    assert [label for _, label in decade_ticks(np.array([1e-3, 0.5]))[0]] == ["0.001", "0.01", "0.1", "1"]
