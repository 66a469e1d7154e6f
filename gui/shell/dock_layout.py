"""The main window's docks: created once (with a placeholder until the
engine has loaded), arranged in the default layout (palette left, model and
its properties beside it, data and training right, curves in the centre),
and saved to / restored from QSettings so the layout survives a restart."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QObject, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QWidget

from gui.common.settings import app_settings
from gui.common.style import subdued

STATE_VERSION = 2  # bump when dock names change: old saved states are then ignored
PANEL_DOCKS = (("layers", "Layers"), ("model", "Model"), ("properties", "Layer properties"),
               ("data", "Data set"), ("training", "Training"), ("runs", "Runs"))
# The live views, tabbed together along the bottom of the window; each can be
# dragged out to float or sit beside another, and View ▸ Reset layout brings them back.
VIEW_DOCKS = (("filters", "Filters"), ("feature_maps", "Feature maps"), ("drawing", "Draw"),
              ("trajectories", "Trajectories"), ("hidden_heatmap", "Hidden states"), ("gates", "Gates"),
              ("gradient_time", "Gradient through time"), ("text_probe", "Text probe"),
              ("predictions", "Predictions"), ("confusion", "Confusion matrix"), ("histograms", "Histograms"))
DOCKS = PANEL_DOCKS + VIEW_DOCKS


class DockLayout(QObject):
    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.docks: dict[str, QDockWidget] = {}
        for name, title in DOCKS:
            dock = QDockWidget(title, window)
            dock.setObjectName(f"{name}_dock")  # saveState/restoreState find docks by name
            placeholder = QLabel("Loading PyTorch…")
            placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
            dock.setWidget(subdued(placeholder))
            self.docks[name] = dock
            dock.dockLocationChanged.connect(lambda *_: QTimer.singleShot(0, self.tidy_tab_bars))
        self.arrange()

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
        # Data set and Training share a column as tabs: the data set is chosen
        # once, the training panel (buttons, progress) is what stays in front.
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
        first.raise_()
        docks["training"].raise_()
        window.resizeDocks([first], [450], Qt.Orientation.Vertical)
        window.resizeDocks([docks["layers"], docks["model"], docks["data"]], [150, 420, 380],
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
