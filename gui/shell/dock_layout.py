"""The main window's docks: created once (with a placeholder until the
engine has loaded), arranged in the default layout (palette left, model and
its properties beside it, data and training right, curves in the centre),
and saved to / restored from QSettings so the layout survives a restart.

Each dock's title-bar buttons (Float, Close) take the focus from Tab, which
Qt does not give them; and View ▸ Float or Dock Panel (Ctrl+Shift+F) floats
or docks the panel holding the keyboard focus, as closing one already has
its View menu entry."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QByteArray, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractButton, QApplication, QDockWidget, QLabel, QMainWindow, QToolBar, QWidget

from gui.common.settings import app_settings
from gui.common.style import keyboard_reachable, subdued

AUTO_HIDDEN_KEY = "window/auto_hidden_views"
STATE_VERSION = 5  # bump when dock names change: old saved states are then ignored
PANEL_DOCKS = (("layers", "Layers"), ("model", "Model"), ("properties", "Layer properties"),
               ("data", "Data set"), ("training", "Training"), ("runs", "Runs"))
# The live views, tabbed together along the bottom of the window; each can be
# dragged out to float or sit beside another, and View ▸ Reset layout brings them back.
VIEW_DOCKS = (("filters", "Filters"), ("feature_maps", "Feature maps"), ("drawing", "Draw"),
              ("trajectories", "Trajectories"), ("hidden_heatmap", "Hidden states"), ("gates", "Gates"),
              ("gradient_time", "Gradient through time"), ("text_probe", "Text probe"),
              ("predictions", "Predictions"), ("confusion", "Confusion matrix"), ("histograms", "Histograms"),
              ("settling", "Settling"), ("tree", "Tree"), ("generate", "Generate"),
              ("decoder", "Encoder–decoder"), ("clip", "Clip"))
DOCKS = PANEL_DOCKS + VIEW_DOCKS
# Qt's own names for a dock's title-bar buttons (QDockWidgetTitleButton), with what each does.
TITLE_BUTTONS = (("qt_dockwidget_floatbutton", "Float", "Float this panel as a window of its own, or dock it "
                  "again (Space or Enter when focused; Ctrl+Shift+F from inside the panel)"),
                 ("qt_dockwidget_closebutton", "Close", "Close this panel (the View menu brings it back)"))
FLOAT_KEYS = "Ctrl+Shift+F"


def title_buttons(dock: QDockWidget) -> list[QAbstractButton]:
    """The dock's own Float and Close buttons, as Qt made them (none under a custom title bar)."""
    found = (dock.findChild(QAbstractButton, name, Qt.FindChildOption.FindDirectChildrenOnly)
             for name, _, _ in TITLE_BUTTONS)
    return [button for button in found if button is not None]


def keyboard_title_bar(dock: QDockWidget) -> None:
    """Tab reaches the dock's Float and Close buttons, and Space presses them:
    Qt makes them for the mouse only (no focus). Their tooltips say what they do."""
    tips = {name: (text, tip) for name, text, tip in TITLE_BUTTONS}
    for button in title_buttons(dock):
        text, tip = tips[button.objectName()]
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        button.setToolTip(tip)
        if not button.accessibleName():
            button.setAccessibleName(text)
        button.setAccessibleDescription(f"{text} the {dock.windowTitle()} panel")


def dock_of(widget: QWidget | None) -> QDockWidget | None:
    """The dock ``widget`` sits in (itself, when it is one), or None."""
    while widget is not None and not isinstance(widget, QDockWidget):
        widget = widget.parentWidget()
    return widget


class DockLayout(QObject):
    def __init__(self, window: QMainWindow, training_actions: Sequence[QAction] = ()) -> None:
        super().__init__(window)
        self.window = window
        # Train / Pause / Step / Stop / Reset in a toolbar of their own: in the
        # Training dock they hid whenever the Data set tab was in front.
        self.training_bar = QToolBar("Training controls", window)
        self.training_bar.setObjectName("training_toolbar")
        self.training_bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.training_bar.setWhatsThis("<b>Training controls</b><p>Train (F5) runs the optimiser over the data for "
                                       "the set number of epochs; Pause (Space), Step (F10, one batch) and Stop let "
                                       "you watch closely; Reset forgets the run. The bar shows the epoch, step, "
                                       "speed and time left, or why Train is unavailable.</p>")
        self.training_bar.addActions(list(training_actions))
        keyboard_reachable(self.training_bar)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.training_bar)
        self.docks: dict[str, QDockWidget] = {}
        for name, title in DOCKS:
            dock = QDockWidget(title, window)
            dock.setObjectName(f"{name}_dock")  # saveState/restoreState find docks by name
            placeholder = QLabel("Loading PyTorch…")
            placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
            dock.setWidget(subdued(placeholder))
            keyboard_title_bar(dock)
            self.docks[name] = dock
            dock.dockLocationChanged.connect(lambda *_: QTimer.singleShot(0, self.tidy_tab_bars))
        # View ▸ Float or Dock Panel: the panel with the keyboard focus, floated or docked again.
        self.float_action = QAction("&Float or Dock Panel", window)
        self.float_action.setObjectName("float_focused_panel")
        self.float_action.setShortcut(QKeySequence(FLOAT_KEYS))
        self.float_action.setStatusTip("Float the panel with the keyboard focus as a window of its own, or dock it "
                                       "again")
        self.float_action.setToolTip(f"{self.float_action.statusTip()} ({FLOAT_KEYS})")
        self.float_action.triggered.connect(lambda *_: self.toggle_floating())
        window.addAction(self.float_action)  # the shortcut works with the menus hidden
        self.view_actions: dict[str, QAction] = {}  # View ▸ Live views, by dock name (set_view_actions)
        self._needs: dict[str, str | None] = {}  # what each view needs, as last fitted
        # Views hidden because the model cannot use them (not by the user): they
        # come back when it can. Kept across restarts, as saveState keeps them hidden.
        self._auto_hidden: set[str] = set()
        self.arrange()
        # After arrange, which empties it: read before, the views hidden at the last close were
        # forgotten, and the saved layout kept them hidden even once the model could use them.
        self._auto_hidden = set(app_settings().value(AUTO_HIDDEN_KEY, [], type=list) or [])

    def set_view_actions(self, actions: Sequence[QAction]) -> None:
        """View ▸ Live views' actions (object names "show_<dock>_view"), whose texts the fit marks."""
        names = {f"show_{name}_view": name for name, _ in VIEW_DOCKS}
        self.view_actions = {names[a.objectName()]: a for a in actions if a.objectName() in names}

    def fit_views(self, needs: dict[str, str | None]) -> None:
        """Hide the views that cannot apply (``needs[name]`` says what they are
        for) and bring back the ones this fit hid once they apply again. Only
        what changed since the last fit moves, so a view the user opened from
        View ▸ Live views stays open while the model keeps its kind."""
        titles = dict(VIEW_DOCKS)
        hidden_before = set(self._auto_hidden)
        front_hidden = False  # the tab in front went: bring the first view left forward
        for name, need in needs.items():
            action = self.view_actions.get(name)
            if action is not None:
                action.setText(titles[name] + (f"  ({need})" if need else ""))
                action.setToolTip(f"Show the {titles[name]} view" + (f": it is {need}" if need else ""))
            if name in self._needs and self._needs[name] == need:
                continue
            dock = self.docks[name]
            if need and dock.toggleViewAction().isChecked() and not dock.isFloating():
                front_hidden |= not dock.visibleRegion().isEmpty()
                dock.hide()
                self._auto_hidden.add(name)
            elif not need and name in self._auto_hidden:
                dock.show()
                self._auto_hidden.discard(name)
        self._needs = dict(needs)
        if front_hidden:
            first = next((self.docks[n] for n, _ in VIEW_DOCKS if not needs.get(n) and not self.docks[n].isHidden()),
                         None)
            if first is not None:
                first.raise_()
        if self._auto_hidden != hidden_before:  # not a settings write for every edit of the model
            app_settings().setValue(AUTO_HIDDEN_KEY, sorted(self._auto_hidden))
            QTimer.singleShot(0, self.tidy_tab_bars)

    def view_shown_by_user(self, name: str) -> None:
        """View ▸ Live views opened ``name``: it stays until the model changes kind."""
        self._auto_hidden.discard(name)
        app_settings().setValue(AUTO_HIDDEN_KEY, sorted(self._auto_hidden))

    def focused_dock(self) -> QDockWidget | None:
        """The dock holding the keyboard focus (a floating one too), or None."""
        dock = dock_of(QApplication.focusWidget())
        # any of this window's docks: the lesson's is made later, outside this layout
        return dock if dock is not None and dock.parent() is self.window else None

    def toggle_floating(self, dock: QDockWidget | None = None) -> bool:
        """Float ``dock`` (the focused one by default) or dock it again; the
        focus stays where it was inside it. False when no panel has the focus."""
        dock = dock or self.focused_dock()
        if dock is None or not dock.features() & QDockWidget.DockWidgetFeature.DockWidgetFloatable:
            self.window.statusBar().showMessage("Float or Dock Panel: put the keyboard focus in a panel first "
                                                "(Tab moves it)", 5000)
            return False
        focus = QApplication.focusWidget()
        dock.setFloating(not dock.isFloating())
        dock.show()
        dock.raise_()
        if dock.isFloating():
            dock.activateWindow()
        else:
            self.window.activateWindow()
        if focus is not None and dock.isAncestorOf(focus):
            focus.setFocus(Qt.FocusReason.ShortcutFocusReason)
        return True

    def set_widget(self, name: str, widget: QWidget) -> None:
        old = self.docks[name].widget()
        self.docks[name].setWidget(widget)
        if old is not None:
            old.deleteLater()

    def arrange(self) -> None:
        """The default layout (also View ▸ Reset layout)."""
        window, docks = self.window, self.docks
        for dock in docks.values():
            dock.setFloating(False)
        # The model builder keeps the whole height on the left; the views' strip
        # runs under the curves and the data/training column.
        window.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        window.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, docks["layers"])
        window.splitDockWidget(docks["layers"], docks["model"], Qt.Orientation.Horizontal)
        window.splitDockWidget(docks["model"], docks["properties"], Qt.Orientation.Vertical)
        # Data set and Training (its settings) share a column as tabs; the
        # buttons and progress are in the Training toolbar above.
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, docks["data"])
        window.tabifyDockWidget(docks["data"], docks["training"])
        first = docks[VIEW_DOCKS[0][0]]
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, first)
        for name, _ in VIEW_DOCKS[1:]:
            window.tabifyDockWidget(first, docks[name])
        # The runs table is wide (ten columns): it belongs in the wide strip, last.
        window.tabifyDockWidget(first, docks["runs"])
        for dock in docks.values():
            dock.show()
        if window.toolBarArea(self.training_bar) != Qt.ToolBarArea.TopToolBarArea:
            window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.training_bar)
        self.training_bar.show()
        self._auto_hidden.clear()
        if self._needs:  # Reset layout: every view back, then the ones that cannot apply out again
            needs, self._needs = self._needs, {}
            self.fit_views(needs)
        next((docks[n] for n, _ in VIEW_DOCKS if not docks[n].isHidden()), first).raise_()
        docks["training"].raise_()
        # Sizes for the 1500×940 default, scaled down on a smaller screen (the
        # views' strip kept 450 px of a 800 px laptop screen and left the curves 80).
        width = max(0.6, min(1.0, window.width() / 1500))
        height = max(0.6, min(1.0, window.height() / 940))
        window.resizeDocks([first], [int(450 * height * height)], Qt.Orientation.Vertical)
        window.resizeDocks([docks["layers"], docks["model"], docks["data"]],
                           [int(150 * width), int(420 * max(width, 0.92)), int(380 * width)],
                           Qt.Orientation.Horizontal)
        window.resizeDocks([docks["model"], docks["properties"]], [500, 380], Qt.Orientation.Vertical)
        QTimer.singleShot(0, self.tidy_tab_bars)

    def tidy_tab_bars(self) -> None:
        """Full tab titles with scroll arrows, not "Fi…", "D…" elided into
        nothing: Qt creates a dock area's tab bar lazily, so this runs after
        every layout change."""
        from PySide6.QtWidgets import QTabBar

        for bar in self.window.findChildren(QTabBar):
            bar.setElideMode(Qt.TextElideMode.ElideNone)
            bar.setUsesScrollButtons(True)

    def restore(self) -> None:
        settings = app_settings()
        geometry = settings.value("window/geometry", type=QByteArray)
        state = settings.value("window/state", type=QByteArray)
        if geometry:
            self.window.restoreGeometry(geometry)
        if state:
            self.window.restoreState(state, STATE_VERSION)
        QTimer.singleShot(0, self.tidy_tab_bars)

    def save(self) -> None:
        settings = app_settings()
        settings.setValue("window/geometry", self.window.saveGeometry())
        settings.setValue("window/state", self.window.saveState(STATE_VERSION))
        settings.sync()
