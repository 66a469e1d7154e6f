"""Every main control is reachable with Tab and shows where the focus is.

Qt gives a toolbar's buttons no focus: Train, Pause… were reachable by
mouse and shortcut only, until gui/common/style.keyboard_reachable. And
Fusion's focus frame on a tool button is a faint line: FocusOutlineStyle
draws one a person can see."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from gui.common.style import FocusOutlineStyle
from tests.gui.conftest import open_window

TAB = Qt.FocusPolicy.TabFocus


def focus_chain(window: QWidget) -> list[QWidget]:
    chain, widget = [], window.nextInFocusChain()
    while widget is not window and len(chain) < 20_000:
        chain.append(widget)
        widget = widget.nextInFocusChain()
    return chain


def tab_reachable(widget: QWidget, chain: list[QWidget]) -> bool:
    """``widget`` or a part of it (a composite editor's spin box) takes the focus from Tab."""
    return any((w is widget or widget.isAncestorOf(w)) and (w.focusPolicy() & TAB) == TAB for w in chain)


def key_controls(window) -> dict[str, QWidget]:
    return {"Train button": window.dock_layout.training_bar.widgetForAction(window.train_action),
            "model stack": window.model_stack.view,
            "data set picker": window.dataset_panel.combo,
            "learning-rate editor": window.training_panel.form.editor("learning_rate"),
            "layer palette": window.layer_palette,
            "Duplicate layer button": window.model_stack.toolbar.widgetForAction(window.window_actions.duplicate_layer)}


def tab_until(qtbot, window, wanted: QWidget, presses: int = 400) -> bool:
    for _ in range(presses):
        focus = QApplication.focusWidget()
        if focus is not None and (focus is wanted or wanted.isAncestorOf(focus)):
            return True
        window.focusNextChild()
    return False


def test_the_key_controls_are_in_the_focus_chain_and_tab_reaches_them(qtbot):
    window = open_window(qtbot)
    chain = focus_chain(window)
    controls = key_controls(window)
    missing = [name for name, widget in controls.items() if not tab_reachable(widget, chain)]
    assert missing == []
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow())
    window.docks["training"].raise_()  # tabbed behind the data set: a person brings it forward first
    qtbot.waitUntil(lambda: controls["learning-rate editor"].isVisible())
    for name in ("Train button", "model stack", "learning-rate editor"):
        assert tab_until(qtbot, window, controls[name]), f"Tab never reached the {name}"
    window.docks["data"].raise_()
    qtbot.waitUntil(lambda: controls["data set picker"].isVisible())
    assert tab_until(qtbot, window, controls["data set picker"])


def test_the_live_views_controls_take_the_focus(qtbot):
    window = open_window(qtbot)
    chain = focus_chain(window)
    for name, view in window.views.views.items():
        assert tab_reachable(view.freeze_button, chain), name
        assert tab_reachable(view.export_button, chain), name


def test_the_focus_frame_is_drawn_plainly_where_tab_puts_it(qtbot):
    """The same button with and without the keyboard focus looks different."""
    from PySide6.QtGui import QAction
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QLineEdit, QMainWindow, QToolBar

    from gui.common.style import keyboard_reachable

    assert isinstance(QApplication.instance().style(), FocusOutlineStyle)  # as create_application sets it
    window = QMainWindow()
    qtbot.addWidget(window)
    bar = QToolBar()
    window.addToolBar(bar)
    action = QAction("Train", window)
    bar.addAction(action)
    keyboard_reachable(bar)
    button = bar.widgetForAction(action)
    other = QLineEdit()
    window.setCentralWidget(other)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    other.setFocus()
    qtbot.waitUntil(other.hasFocus)
    before = button.grab().toImage()
    for _ in range(4):
        if button.hasFocus():
            break
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert button.hasFocus()
    assert button.grab().toImage() != before
