"""The trajectory view's projection holds still between snapshots: refits are
aligned with the last basis (orthogonal Procrustes), or one basis is fixed
for the run, and the caption says which. Fed hand-built states whose
principal directions are known exactly."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from engine.events import Snapshot
from gui.views.trajectories import ALIGNED, FIXED, HiddenStateTrajectories, aligned, pca_basis

P, T, H = 4, 6, 5
E = np.eye(H)


def unit_columns(n: int = P * T, seed: int = 0) -> np.ndarray:
    """(n, 2): two columns of mean 0, variance 1, uncorrelated — exactly."""
    x = np.random.default_rng(seed).normal(size=(n, 2))
    q, _ = np.linalg.qr(x - x.mean(axis=0))
    return q * np.sqrt(n)


Z = unit_columns()


def states(scales: tuple[float, float], axes: tuple[np.ndarray, np.ndarray] = (E[0], E[1]),
           offset: float = 0.5) -> np.ndarray:
    """(P, T, H) states of variance scales² along ``axes``, nothing elsewhere."""
    flat = offset + np.outer(Z[:, 0] * scales[0], axes[0]) + np.outer(Z[:, 1] * scales[1], axes[1])
    return flat.reshape(P, T, H)


@dataclass
class FakeRun:
    probe_targets: np.ndarray
    task: str = "classification"
    info: object = None


def open_view(qtbot) -> HiddenStateTrajectories:
    view = HiddenStateTrajectories()
    qtbot.addWidget(view)
    view.resize(640, 480)
    view.show()
    view.set_run(FakeRun(probe_targets=np.array([0, 1, 0, 1])))
    return view


def show(view: HiddenStateTrajectories, step: int, layers: dict[int, np.ndarray]) -> None:
    view.show_snapshot(Snapshot(step, 1, hidden_states={i: s.astype(np.float32) for i, s in layers.items()}))


# --- the basis ----------------------------------------------------------------------------
def test_swapped_top_directions_do_not_swap_the_axes():
    """Variances 5, 4 along e0, e1, then 4, 5: a plain refit swaps PC 1 and PC 2,
    the aligned one keeps e0 across and e1 up, and the labels follow the axes."""
    first, second = states((np.sqrt(5), 2)), states((2, np.sqrt(5)))
    mean, before, shares = pca_basis(first.reshape(-1, H))
    np.testing.assert_allclose(np.abs(before), E[:2], atol=1e-9)
    np.testing.assert_allclose(shares, [5 / 9, 4 / 9], atol=1e-9)

    _, refit, refit_shares = pca_basis(second.reshape(-1, H))
    np.testing.assert_allclose(np.abs(refit), E[[1, 0]], atol=1e-9)  # what jumped: the axes swapped
    np.testing.assert_allclose(refit_shares, [5 / 9, 4 / 9], atol=1e-9)

    _, after, after_shares = pca_basis(second.reshape(-1, H), previous=before)
    np.testing.assert_allclose(after, before, atol=1e-9)
    np.testing.assert_allclose(after_shares, [4 / 9, 5 / 9], atol=1e-9)  # the share of each axis drawn
    # The points move only as much as the states did (about 0.24 per unit), not by whole axes.
    drawn_before = (first - mean) @ before.T
    drawn_after = (second - second.reshape(-1, H).mean(axis=0)) @ after.T
    np.testing.assert_allclose(drawn_after - drawn_before, (second - first) @ before.T, atol=1e-9)
    assert np.abs(drawn_after - drawn_before).max() < 0.25 * np.abs(Z).max() * 1.01
    assert np.abs((second - second.mean(axis=(0, 1))) @ refit.T - drawn_before).max() > 1.0


def test_a_tilted_and_turned_plane_is_aligned_to_the_last_one():
    """The plane turns 20° out of (e0, e1) towards e2 and its eigenvectors come in
    another order: the aligned basis is e0 and the tilted e1, the closest
    orthonormal pair in the new plane, and no other turn of it is closer."""
    tilt = np.radians(20)
    f = np.cos(tilt) * E[1] + np.sin(tilt) * E[2]
    previous = pca_basis(states((np.sqrt(5), 2)).reshape(-1, H))[1]
    previous = previous * np.sign(np.diag(previous[:, :2]))[:, None]  # exactly e0, e1
    _, new, shares = pca_basis(states((2, np.sqrt(5)), axes=(E[0], f)).reshape(-1, H), previous=previous)
    np.testing.assert_allclose(new, [E[0], f], atol=1e-9)
    np.testing.assert_allclose(new @ previous.T, [[1, 0], [0, np.cos(tilt)]], atol=1e-9)
    np.testing.assert_allclose(shares, [4 / 9, 5 / 9], atol=1e-9)

    # Procrustes directly, on a plane given by a turned and mirrored pair: the best of every turn and mirror.
    turn = np.radians(130)
    raw = np.array([[np.cos(turn), np.sin(turn)], [np.sin(turn), -np.cos(turn)]]) @ np.array([E[0], f])
    best = aligned(raw, previous)
    np.testing.assert_allclose(best, [E[0], f], atol=1e-9)
    np.testing.assert_allclose(best @ best.T, np.eye(2), atol=1e-9)
    errors = []
    for angle in np.radians(np.arange(0, 360, 1.0)):
        c, s = np.cos(angle), np.sin(angle)
        for r in (np.array([[c, -s], [s, c]]), np.array([[c, s], [s, -c]])):
            errors.append(np.linalg.norm(r @ raw - previous))
    assert np.linalg.norm(best - previous) <= min(errors) + 1e-9
    assert np.linalg.norm(best - previous) == pytest.approx(np.sqrt(2 - 2 * np.cos(tilt)), abs=1e-9)


def test_a_one_unit_layer_keeps_its_sign():
    x = np.linspace(-1, 1, 10)[:, None]
    _, first, shares = pca_basis(x)
    _, second, _ = pca_basis(x, previous=-first)
    np.testing.assert_allclose(second, -first)
    assert not second[1].any() and shares.tolist() == pytest.approx([1.0, 0.0])


# --- the view -----------------------------------------------------------------------------
def test_the_view_aligns_between_snapshots_and_says_so(qtbot):
    view = open_view(qtbot)
    assert view.projection_mode() == ALIGNED
    show(view, 10, {0: states((np.sqrt(5), 2))})
    before = view.projected.copy()
    show(view, 20, {0: states((2, np.sqrt(5)))})
    assert np.abs(view.projected - before).max() < 0.25 * np.abs(Z).max() * 1.01
    assert view.caption.text().endswith("; PCA aligned between snapshots.")
    assert view.plot.getAxis("bottom").labelText == "PC 1 (44% of variance)"
    assert view.plot.getAxis("left").labelText == "PC 2 (56% of variance)"


def test_a_fixed_basis_stays_for_the_rest_of_the_run(qtbot, tmp_path):
    view = open_view(qtbot)
    first = states((np.sqrt(5), 2))
    show(view, 10, {0: first})
    show(view, 120, {0: states((np.sqrt(5), 2), offset=0.7)})
    view.set_projection_mode(FIXED)
    mean, components = view.bases[0].mean.copy(), view.bases[0].components.copy()
    assert view.caption.text().endswith("; PCA fixed at step 120.")

    tilted = states((2, np.sqrt(5)), axes=(E[0], (E[1] + E[2]) / np.sqrt(2)), offset=1.5)
    for step, later in ((130, states((2, np.sqrt(5)))), (140, tilted)):
        show(view, step, {0: later})
        assert np.array_equal(view.bases[0].components, components) and np.array_equal(view.bases[0].mean, mean)
        np.testing.assert_allclose(view.projected, (later - mean) @ components.T, atol=1e-5)
        assert view.caption.text() == (f"Step {step}: 4 probe sequences of 6 steps, 5 units; "
                                       "○ first step, □ last step; PCA fixed at step 120.")
    # The labels give the share of these states along the fixed axes: 4/9, and half of 5/9.
    assert view.plot.getAxis("bottom").labelText == "PC 1 (44% of variance)"
    assert view.plot.getAxis("left").labelText == "PC 2 (28% of variance)"
    data = view.export_data()
    np.testing.assert_allclose(data["mean"], mean, atol=1e-6)
    np.testing.assert_allclose(data["components"], components, atol=1e-6)
    np.testing.assert_allclose(data["explained_variance"], [4 / 9, 5 / 18], atol=1e-6)
    assert data["basis_fitted_at_step"].tolist() == [120]
    with np.load(view.export_data_to(tmp_path / "trajectories.npz")) as saved:
        assert {"mean", "components", "projected"} <= set(saved.files)

    view.set_projection_mode(ALIGNED)  # refits on the states shown, starting from the fixed axes
    assert view.bases[0].step == 140 and view.caption.text().endswith("; PCA aligned between snapshots.")
    signs = np.sign(np.diag(components[:, :2]))[:, None]  # the fixed axes' signs, kept
    np.testing.assert_allclose(view.bases[0].components, signs * [E[0], (E[1] + E[2]) / np.sqrt(2)], atol=1e-6)


def test_fixed_before_any_snapshot_takes_the_first_with_states(qtbot):
    view = open_view(qtbot)
    view.set_projection_mode(FIXED)
    view.show_snapshot(Snapshot(5, 1))
    assert view.path_count() == 0 and view.export_data() == {}
    show(view, 7, {0: states((np.sqrt(5), 2))})
    components = view.bases[0].components.copy()
    show(view, 9, {0: states((2, np.sqrt(5)))})
    assert np.array_equal(view.bases[0].components, components)
    assert view.caption.text().endswith("; PCA fixed at step 7.")


def test_each_layer_keeps_its_own_basis(qtbot):
    view = open_view(qtbot)
    layers = {0: states((np.sqrt(5), 2)), 2: states((np.sqrt(5), 2), axes=(E[3], E[4]))}
    show(view, 10, layers)
    view.picker.choose_layer(2)
    np.testing.assert_allclose(np.abs(view.bases[2].components), E[[3, 4]], atol=1e-6)
    np.testing.assert_allclose(np.abs(view.bases[0].components), E[[0, 1]], atol=1e-6)
    layer_two = view.bases[2].components.copy()
    show(view, 20, {0: states((2, np.sqrt(5))), 2: states((2, np.sqrt(5)), axes=(E[3], E[4]))})
    np.testing.assert_allclose(view.bases[2].components, layer_two, atol=1e-6)  # aligned with its own last
    assert view.bases[0].step == 10  # layer 0 not drawn since: refitted when next shown
    view.picker.choose_layer(0)
    assert view.bases[0].step == 20
    np.testing.assert_allclose(np.abs(view.bases[0].components), E[[0, 1]], atol=1e-6)  # not swapped


def test_a_new_run_forgets_the_basis(qtbot):
    view = open_view(qtbot)
    show(view, 10, {0: states((np.sqrt(5), 2))})
    view.set_projection_mode(FIXED)
    assert view.fixed_at == {0: 10}
    view.set_run(FakeRun(probe_targets=np.array([1, 0, 1, 0])))
    assert view.bases == {} and view.fixed_at == {} and view.export_data() == {}
    assert view.projection_mode() == FIXED  # the user's choice stays; its basis comes from the new run
    swapped = states((2, np.sqrt(5)))
    show(view, 3, {0: swapped})
    assert view.caption.text().endswith("; PCA fixed at step 3.")
    # Fitted afresh: PC 1 is the new run's widest direction (e1), not aligned with the old run's e0.
    fresh = pca_basis(swapped.astype(np.float32).reshape(-1, H))[1]
    np.testing.assert_allclose(view.bases[0].components, fresh, atol=1e-6)
    np.testing.assert_allclose(np.abs(view.bases[0].components), E[[1, 0]], atol=1e-6)
    assert view.plot.getAxis("bottom").labelText == "PC 1 (56% of variance)"
