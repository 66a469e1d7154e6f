"""Every control a learner can touch says what it is: a tooltip or a What's
This text (Shift+F1). Walks every visible widget of the real window, each
live view and the Runs dock brought to the front, the examples gallery, a
comparison window and the probe results; the allow-list below names the few
controls that are Qt's own parts or say everything on their face."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialogButtonBox,
    QHeaderView,
    QLineEdit,
    QScrollBar,
    QTabBar,
    QWhatsThis,
    QWidget,
)

from engine.comparison_file import load_comparison
from gui.shell.dock_layout import DOCKS, PANEL_DOCKS, VIEW_DOCKS

PRESETS = Path(__file__).resolve().parents[3] / "presets"
INTERACTIVE = (QAbstractButton, QComboBox, QAbstractSpinBox, QAbstractSlider, QLineEdit, QTabBar, QAbstractItemView)
# Qt's own parts of a compound control: the dock title bar's float and close
# icons, a spin box's text field (its spin box carries the text), a tab bar's
# scroll arrows. And "Close" in a dialog's button box says what it does.
QT_PARTS = {"qt_dockwidget_closebutton", "qt_dockwidget_floatbutton", "qt_spinbox_lineedit",
            "ScrollLeftButton", "ScrollRightButton"}
SELF_EXPLANATORY = {"Close"}


def explained(widget: QWidget) -> bool:
    if widget.toolTip() or widget.whatsThis():
        return True
    if isinstance(widget, QTabBar):  # the tabs of docked views: each tab its own tooltip
        return widget.count() > 0 and all(widget.tabToolTip(i) for i in range(widget.count()))
    if isinstance(widget, QHeaderView):  # the heading of a table: the table explains itself
        table = widget.parentWidget()
        return table is not None and bool(table.toolTip() or table.whatsThis())
    return False


def allowed(widget: QWidget) -> bool:
    if widget.objectName() in QT_PARTS or isinstance(widget, QScrollBar):
        return True
    return (isinstance(widget, QAbstractButton) and isinstance(widget.parentWidget(), QDialogButtonBox)
            and widget.text().replace("&", "") in SELF_EXPLANATORY)


def unexplained(root: QWidget) -> list[str]:
    missing = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not isinstance(widget, INTERACTIVE) or not widget.isVisible() or allowed(widget):
            continue
        if not explained(widget):
            text = widget.text() if hasattr(widget, "text") else ""
            parents = []
            parent = widget.parentWidget()
            while parent is not None and len(parents) < 3:
                parents.append(type(parent).__name__)
                parent = parent.parentWidget()
            missing.append(f"{type(widget).__name__} {text!r} in {' < '.join(parents)}")
    return missing


def bring_to_front(qtbot, window, name: str) -> None:
    dock = window.docks[name]
    dock.show()
    dock.raise_()
    qtbot.waitUntil(lambda: dock.widget().isVisible(), timeout=2_000)


def test_every_control_of_the_window_its_views_and_the_runs_dock_is_explained(window, qtbot):
    missing = unexplained(window)
    for name, _title in DOCKS:
        bring_to_front(qtbot, window, name)
        missing += [f"[{name}] {m}" for m in unexplained(window.docks[name])]
    assert not missing, "controls without a tooltip or What's This:\n" + "\n".join(sorted(set(missing)))


def test_every_panel_and_live_view_has_a_whats_this_for_learners(window):
    for name, title in PANEL_DOCKS + VIEW_DOCKS:
        widget = window.docks[name].widget()
        text = widget.whatsThis()
        assert len(text) > 100, f"the {title} panel has no What's This text"
    for name, _ in VIEW_DOCKS:
        view = window.views.views[name]
        assert view.title in view.whatsThis() and "Freeze" in view.whatsThis()
    assert len(window.curves.whatsThis()) > 100
    assert len(window.views.timeline.whatsThis()) > 100


def test_layer_fields_reuse_the_registrys_help_as_whats_this(window):
    from engine.layers import REGISTRY

    window.model_stack.view.setCurrentItem(window.model_stack.view.topLevelItem(0))
    form = window.layer_properties.form
    assert form is not None and form.params
    kind = REGISTRY[window.document.experiment.model.layers[0].type]
    for param in kind.params:
        assert param.help in form.editor(param.name).whatsThis()
        assert form.editor(param.name).toolTip() == param.help


def test_help_offers_whats_this_on_shift_f1(window, qtbot):
    action = window.window_actions.whats_this
    assert QKeySequence("Shift+F1") in action.shortcuts()
    help_menu = window.window_actions.help.associatedObjects()
    assert any(action in getattr(menu, "actions", lambda: [])() for menu in help_menu)
    action.trigger()
    assert QWhatsThis.inWhatsThisMode()
    QWhatsThis.leaveWhatsThisMode()
    assert not QWhatsThis.inWhatsThisMode()


def test_the_gallery_comparison_and_probe_windows_are_explained(window, qtbot):
    from gui.comparison.panel import ComparisonPanel
    from gui.shell.start_pages import show_gallery
    from gui.trained.model_test_panel import ModelTestPanel

    dialog = show_gallery(window)
    qtbot.waitUntil(lambda: dialog.isVisible(), timeout=2_000)
    missing = [f"[gallery] {m}" for m in unexplained(dialog)]
    qtbot.waitUntil(lambda: not dialog.gallery.loader.busy, timeout=20_000)
    dialog.close()
    comparison = ComparisonPanel(load_comparison(PRESETS / "compare_digits_cnn_gru.json"),
                                 str(PRESETS / "compare_digits_cnn_gru.json"))
    qtbot.addWidget(comparison)
    comparison.show()
    probe = ModelTestPanel(window)
    qtbot.addWidget(probe)
    probe.show()
    qtbot.waitUntil(lambda: comparison.isVisible() and probe.isVisible(), timeout=2_000)
    missing += [f"[comparison] {m}" for m in unexplained(comparison)]
    missing += [f"[probe results] {m}" for m in unexplained(probe)]
    QApplication.processEvents()
    assert not missing, "controls without a tooltip or What's This:\n" + "\n".join(sorted(set(missing)))


def test_every_explainer_window_is_explained(window, qtbot):
    """The Explain menu's windows are for learners first: every control says what it does."""
    from gui.explain.registry import EXPLAINERS

    for explainer in EXPLAINERS:
        widget = window.explain.show(explainer.key)
        qtbot.waitExposed(widget)
        assert unexplained(widget) == [], explainer.key
        assert widget.whatsThis() or any(child.whatsThis() for child in widget.findChildren(QWidget)), explainer.key
        widget.close()
