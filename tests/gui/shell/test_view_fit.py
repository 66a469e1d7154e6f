"""The window at its default size, as a new user sees it (issue #16, item 9):
Train and the progress are visible whichever right-hand tab is in front; the
views a model cannot use are out of the strip but still listed in View ▸
Live views; the Data set panel's Import button is not clipped."""

from __future__ import annotations

import pytest

from engine.presets import load_preset, preset_path
from gui.views.view_fit import view_needs

RNN_ONLY = ("trajectories", "hidden_heatmap", "gates", "gradient_time")


def shown(window, name: str) -> bool:
    return window.docks[name].toggleViewAction().isChecked()


def open_preset(window, key: str) -> None:
    assert window.files.open_path(str(preset_path(key)))


def test_train_and_progress_stay_visible_with_the_data_set_tab_in_front(qtbot, window):
    window.docks["data"].raise_()
    qtbot.wait(50)
    assert window.docks["data"].widget().isVisible()
    bar = window.dock_layout.training_bar
    assert bar.isVisible()
    train_button = bar.widgetForAction(window.train_action)
    assert train_button is not None and train_button.isVisible() and train_button.isEnabled()
    assert window.training_panel.progress.isVisible()
    assert window.training_panel.progress.format() == "Not started"


def test_a_cnn_hides_the_rnn_views_an_rnn_brings_them_back(qtbot, window):
    actions = window.dock_layout.view_actions
    for name in RNN_ONLY + ("text_probe",):
        assert not shown(window, name), name
        assert "(for " in actions[name].text()  # still listed, with what it is for
    for name in ("filters", "feature_maps", "drawing", "predictions", "confusion", "histograms"):
        assert shown(window, name), name
        assert "(" not in actions[name].text()
    open_preset(window, "digits_gru_rows")
    for name in RNN_ONLY:
        assert shown(window, name), name
    assert not shown(window, "filters") and not shown(window, "feature_maps")
    assert shown(window, "predictions") and shown(window, "confusion")


def test_a_hidden_view_opens_from_the_menu_and_stays_while_the_model_keeps_its_kind(qtbot, window):
    action = window.dock_layout.view_actions["trajectories"]
    action.trigger()
    assert shown(window, "trajectories")
    window.document.set(window.document.experiment.with_training(epochs=3), "Change epochs")
    assert shown(window, "trajectories")  # an edit that changes no view's fit leaves it open


def test_reset_layout_keeps_unusable_views_out(qtbot, window):
    window.window_actions.reset_layout.trigger()
    assert not shown(window, "gates") and shown(window, "filters")
    assert window.dock_layout.training_bar.isVisible()


@pytest.mark.parametrize("key, hidden", [
    ("digits_cnn", {"trajectories", "hidden_heatmap", "gates", "gradient_time", "text_probe", "generate"}),
    ("copy_memory_rnn", {"filters", "feature_maps", "drawing", "gates", "text_probe", "generate"}),
    ("text_lstm", {"filters", "feature_maps", "drawing"}),
    ("sine_gru", {"filters", "feature_maps", "drawing", "text_probe", "confusion", "generate"}),
    ("hybrid_long_range", {"drawing", "text_probe", "generate"}),
])
def test_what_each_kind_of_model_can_use(key, hidden):
    from engine import datasets

    experiment = load_preset(key)
    needs = view_needs(experiment, datasets.describe(experiment.dataset))
    assert {name for name, need in needs.items() if need} == hidden | {"settling", "tree", "decoder", "clip"}


@pytest.mark.parametrize("key, shown_too", [("hopfield_digits", "settling"), ("expressions_tree", "tree")])
def test_a_hopfield_net_and_a_tree_net_get_their_own_view(key, shown_too):
    from engine import datasets

    experiment = load_preset(key)
    needs = view_needs(experiment, datasets.describe(experiment.dataset))
    assert needs[shown_too] is None and needs["settling" if shown_too == "tree" else "tree"] is not None
    assert needs["trajectories"] is not None and needs["filters"] is not None


def test_the_data_set_panel_fits_its_dock_at_the_default_size(qtbot, window):
    from PySide6.QtWidgets import QScrollArea

    window.docks["data"].raise_()
    qtbot.wait(50)
    scroll = window.dataset_panel.findChild(QScrollArea)
    assert scroll.widget().minimumSizeHint().width() <= scroll.viewport().width()
    button = window.dataset_panel.import_button
    right = button.mapTo(scroll.viewport(), button.rect().topRight()).x()
    assert right <= scroll.viewport().width()


def test_the_window_fits_a_1280_by_800_screen(qtbot, window, monkeypatch):
    """At 1280×800 the 1500×940 window ran off the screen, and its views' bar
    (three pickers and two wide Export buttons) kept it wider than 1280 px."""
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QGuiApplication

    from gui.shell import main_window

    class Screen:
        def __init__(self, width, height):
            self.room = QRect(0, 0, width, height)

        def availableGeometry(self):  # noqa: N802 - Qt's name
            return self.room

    class Window:
        def __init__(self, width, height):
            self.room = Screen(width, height)

        def screen(self):
            return self.room

    monkeypatch.setattr(QGuiApplication, "platformName", staticmethod(lambda: "xcb"))
    small = main_window.default_size(Window(1280, 770))  # 800 less a panel
    assert small.width() <= 1280 - 16 and small.height() <= 770 - 48
    big = main_window.default_size(Window(2560, 1400))
    assert (big.width(), big.height()) == (1500, 940)
    hint = window.minimumSizeHint()
    assert hint.width() <= small.width() and hint.height() <= small.height(), hint


def test_a_view_hidden_when_the_app_closed_comes_back_at_the_next_start_when_it_applies(qtbot):
    """The complaint: trained a tree net, closed, opened a Hopfield net the
    next day — its Settling view was nowhere, not even after training (the
    saved layout hid it again after the fit had brought it back)."""
    from tests.gui.conftest import open_window

    first = open_window(qtbot, str(preset_path("expressions_tree")))
    assert not shown(first, "settling") and shown(first, "tree")
    first.close()
    again = open_window(qtbot, str(preset_path("hopfield_digits")))
    assert shown(again, "settling") and not shown(again, "tree")
    again.close()
    third = open_window(qtbot, str(preset_path("expressions_tree")))
    assert shown(third, "tree") and not shown(third, "settling")
