"""A dock's title bar by keyboard: Qt gives its Float and Close buttons no
focus, so they were for the mouse only. Tab now reaches them and Space
presses them; View ▸ Float or Dock Panel (Ctrl+Shift+F) floats the panel
holding the focus and docks it again. On a bare window with the app's docks
(no engine needed)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QMainWindow

from gui.shell.dock_layout import DOCKS, FLOAT_KEYS, DockLayout, title_buttons

TAB = Qt.FocusPolicy.TabFocus


@pytest.fixture
def window(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    window.setCentralWidget(QLineEdit())
    window.layout_ = DockLayout(window)
    window.resize(1200, 800)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    return window


def test_every_docks_float_and_close_buttons_take_the_focus_from_tab(window):
    docks = window.layout_.docks
    assert set(docks) == {name for name, _ in DOCKS}
    for name, dock in docks.items():
        buttons = title_buttons(dock)
        assert [b.objectName() for b in buttons] == ["qt_dockwidget_floatbutton", "qt_dockwidget_closebutton"], name
        for button in buttons:
            assert button.focusPolicy() & TAB == TAB, (name, button.objectName())
            assert button.accessibleName() in ("Float", "Close") and button.toolTip()
            assert dock.windowTitle() in button.accessibleDescription()


def test_tab_reaches_the_close_button_and_space_closes_the_panel(qtbot, window):
    dock = window.layout_.docks["layers"]
    float_button, close_button = title_buttons(dock)
    content = QLineEdit()
    window.layout_.set_widget("layers", content)
    float_button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(float_button.hasFocus)
    # Tab order: Float, Close, then the panel's own controls.
    assert float_button.nextInFocusChain() is close_button
    unfocused = close_button.grab().toImage()
    qtbot.keyClick(float_button, Qt.Key.Key_Tab)
    qtbot.waitUntil(close_button.hasFocus)
    assert close_button.grab().toImage() != unfocused  # the style draws its focus frame: one sees where Tab is
    assert dock.isVisible()
    qtbot.keyClick(close_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not dock.isVisible())
    assert not dock.toggleViewAction().isChecked()  # View ▸ Layers brings it back
    dock.toggleViewAction().trigger()
    assert dock.isVisible()


def test_space_on_the_float_button_floats_the_panel(qtbot, window):
    dock = window.layout_.docks["training"]
    float_button, _ = title_buttons(dock)
    dock.raise_()
    float_button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(float_button.hasFocus)
    qtbot.keyClick(float_button, Qt.Key.Key_Space)
    qtbot.waitUntil(dock.isFloating)


def test_float_or_dock_panel_acts_on_the_panel_with_the_focus(qtbot, window):
    layout = window.layout_
    assert layout.float_action.shortcut().toString() == FLOAT_KEYS
    assert layout.float_action in window.actions()
    content = QLineEdit()
    layout.set_widget("data", content)
    dock = layout.docks["data"]
    dock.raise_()
    content.setFocus()
    qtbot.waitUntil(content.hasFocus)
    assert layout.focused_dock() is dock
    layout.float_action.trigger()
    assert dock.isFloating() and dock.isVisible()
    qtbot.waitUntil(content.hasFocus)  # the focus stays where it was, now in the floating panel
    layout.float_action.trigger()
    assert not dock.isFloating()
    qtbot.waitUntil(content.hasFocus)

    # With the focus outside every panel, nothing moves and the status bar says why.
    window.centralWidget().setFocus()
    qtbot.waitUntil(window.centralWidget().hasFocus)
    assert layout.focused_dock() is None
    layout.float_action.trigger()
    assert not any(d.isFloating() for d in layout.docks.values())
    assert "put the keyboard focus in a panel" in window.statusBar().currentMessage()
    assert QApplication.focusWidget() is window.centralWidget()
