"""The Settling view (claim C16): a real Hopfield run's probes settle to
their stored patterns with the energy falling; stepping, scrubbing, playing
and drawing move the picture; the capacity probe plots recall against K/N;
the Hebbian rule on digits ends in a spurious state and says so."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from engine import hopfield
from tests.gui.views.test_view_rnn import collect


@pytest.fixture(scope="module")
def digits_projection():
    return collect("hopfield_digits", snapshots=2)


@pytest.fixture(scope="module")
def digits_hebbian():
    return collect("hopfield_digits_hebbian", snapshots=2)


def open_settling(qtbot, run):
    from gui.views.settling_view import SettlingView

    view = SettlingView()
    qtbot.addWidget(view)
    view.resize(800, 560)
    view.show()
    view.set_experiment(run.experiment)
    view.set_run(run.started)
    view.show_snapshot(run.snapshots[-1])
    return view


def test_a_probe_settles_on_its_stored_pattern_with_the_energy_falling(qtbot, digits_projection):
    view = open_settling(qtbot, digits_projection)
    path = view.run_path
    assert path is not None and path.converged
    assert np.all(np.diff(path.energies) <= 1e-9)  # asynchronous updates never raise E
    assert len(view.patterns) == 20
    assert "recalled stored pattern 1" in view.caption.text()
    x, y = view.energy_line.getData()
    assert np.array_equal(y, path.energies)
    best = [line for line in view.overlap_lines if line.zValue() == 1][0]
    assert best.getData()[1][-1] == pytest.approx(1.0)
    assert view.state_image.image.shape == (16, 16)
    assert view.slider.maximum() == path.iterations and view.iteration == path.iterations


def test_step_back_scrub_and_play_walk_the_iterations(qtbot, digits_projection):
    view = open_settling(qtbot, digits_projection)
    last = view.run_path.iterations
    view.slider.setValue(0)
    assert view.iteration == 0 and "the input" in view.caption.text()
    assert np.array_equal(view.state_image.image.reshape(-1), view.run_path.states[0])
    assert not view.back_button.isEnabled() and view.step_button.isEnabled()
    view.step_button.click()
    assert view.iteration == 1 and view.energy_now.value() == 1
    view.back_button.click()
    assert view.iteration == 0
    view.play_button.click()
    qtbot.waitUntil(lambda: view.iteration == last and not view.play_button.isChecked(), timeout=10_000)


def test_another_probe_and_a_drawn_input_settle_again(qtbot, digits_projection):
    view = open_settling(qtbot, digits_projection)
    view.probe_picker.setCurrentIndex(2)
    view.probe_picker.activated.emit(2)
    assert "pattern 3" in view.probe_picker.currentText()
    assert "recalled stored pattern 3" in view.caption.text()
    view.slider.setValue(0)
    before = view.start.copy()
    pressed = type("Press", (), {"pos": lambda self: QPointF(3.5, 2.5),
                                 "buttons": lambda self: Qt.MouseButton.LeftButton, "accept": lambda self: None})()
    view._on_image_pressed(pressed)
    view._on_image_released(pressed)
    assert view.probe_picker.currentText() == "Drawn input"
    assert view.start[2 * 16 + 3] == 1.0 and (view.start != before).sum() <= 1
    assert view.run_path.states[0][2 * 16 + 3] == 1.0


def test_hebbian_digits_end_spurious_and_capacity_shows_the_classical_limit(qtbot, digits_hebbian):
    view = open_settling(qtbot, digits_hebbian)
    assert "spurious" in view.caption.text()
    view.capacity_button.click()
    qtbot.waitUntil(lambda: len(view.capacity_curves) == 2, timeout=60_000)
    assert view.capacity_plot.isVisible()
    loads, accuracy = view.capacity_curves["random, hebbian rule (classical)"]
    assert accuracy[loads <= 0.1].min() >= 0.9 and accuracy[loads >= 0.2].max() < 0.8
    digits = view.capacity_curves["digits, hebbian rule"][1]
    assert digits[1:].max() < 0.9  # correlated patterns: the Hebbian rule fails long before 0.138 N
    qtbot.waitUntil(lambda: view.capacity_button.isEnabled(), timeout=5_000)


def test_wrong_sized_weights_or_none_say_so(qtbot, digits_projection):
    from dataclasses import replace

    view = open_settling(qtbot, digits_projection)
    view.set_run(digits_projection.started)
    view.show_snapshot(replace(digits_projection.snapshots[-1], weights=None))
    assert "carries no weights" in view.caption.text()
    with pytest.raises(ValueError, match="units"):
        hopfield.settle(np.zeros((4, 4)), np.ones(5))


def test_the_view_applies_only_to_hopfield_models(qtbot, digits_projection):
    from engine.presets import load_preset
    from gui.views.settling_view import SettlingView
    from gui.views.view_fit import view_needs

    view = SettlingView()
    qtbot.addWidget(view)
    view.set_experiment(load_preset("digits_cnn"))
    assert not view.applies_to(None) and "no Hopfield" in view.not_applicable_text()
    needs = view_needs(digits_projection.experiment, digits_projection.started.info)
    assert needs["settling"] is None and needs["filters"] is not None and needs["trajectories"] is not None
    assert view_needs(load_preset("digits_cnn"), None)["settling"] is not None


def test_settling_describes_the_iteration_shown_in_numbers(qtbot, digits_projection):
    view = open_settling(qtbot, digits_projection)
    path = view.run_path
    text = view.describe()
    assert view.accessibleDescription() == text
    assert text.startswith(f"Settling: Iteration {path.iterations} of {path.iterations}: energy "
                           f"{path.energies[-1]:.1f} (it ends at {path.energies[-1]:.1f}); nearest stored pattern 1, "
                           "overlap 1.00; in the end the state recalled stored pattern 1."), text
    assert "20 patterns stored in 256 units (0.078 N)." in text
    view.show_iteration(0)  # the slider, Back or Play: outside a redraw, the description follows
    assert view.describe().startswith(f"Settling: The input (iteration 0 of {path.iterations}): energy "
                                      f"{path.energies[0]:.1f}")
    assert view.accessibleDescription() == view.describe()
