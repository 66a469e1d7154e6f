"""One key, one action, whatever the platform's standard key lists say.

The offscreen platform's Delete is just Del; X11's is Del and Ctrl+D, which
Duplicate layer holds too: neither fired ("Ambiguous shortcut overload").
Here the X11 lists are put in place on any platform; tests/gui/shell/
test_real_display.py checks the real thing on Xvfb."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMainWindow

from gui.shell import window_actions as wa

X11 = {QKeySequence.StandardKey.Delete: ["Del", "Ctrl+D"], QKeySequence.StandardKey.Undo: ["Ctrl+Z", "F14"],
       QKeySequence.StandardKey.Quit: ["Ctrl+Q"], QKeySequence.StandardKey.Redo: ["Ctrl+Shift+Z"]}


def test_platform_keys_give_way_to_keys_the_app_gives(qtbot, monkeypatch):
    real = QKeySequence.keyBindings

    def x11(standard):
        return [QKeySequence(k) for k in X11[standard]] if standard in X11 else real(standard)

    monkeypatch.setattr(wa.QKeySequence, "keyBindings", staticmethod(x11))
    window = QMainWindow()
    qtbot.addWidget(window)
    actions = wa.WindowActions(window)
    holders: dict[str, list[str]] = {}
    for action in window.actions():
        for key in action.shortcuts():
            holders.setdefault(key.toString(), []).append(action.text())
    assert {k: v for k, v in holders.items() if len(v) > 1} == {}
    assert [k.toString() for k in actions.delete_layer.shortcuts()] == ["Del"]
    assert [k.toString() for k in actions.duplicate_layer.shortcuts()] == ["Ctrl+D"]
    assert "F14" in [k.toString() for k in actions.undo.shortcuts()]  # a platform extra nobody else holds stays
