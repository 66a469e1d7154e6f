"""Which live views the window has, built in one place.

The dock names here match gui/dock_layout.VIEW_DOCKS. Views that run the
model on the user's own input (drawing canvas, text probe) share the
window's InspectionRunner; the canvas also drives the feature-map view, so maps
update as the user draws.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow


def build_views(inspector) -> dict[str, object]:
    from gui.views.confusion_matrix import ConfusionMatrix
    from gui.views.drawing_canvas import DrawingCanvas
    from gui.views.feature_maps import FeatureMaps
    from gui.views.filter_grid import FilterGrid
    from gui.views.gates_view import GatesView
    from gui.views.gradient_time import GradientThroughTime
    from gui.views.hidden_heatmap import HiddenStateHeatmap
    from gui.views.predictions_view import PredictionsView
    from gui.views.text_probe import TextProbe
    from gui.views.trajectories import HiddenStateTrajectories
    from gui.views.weight_histograms import WeightHistograms

    feature_maps = FeatureMaps()
    drawing = DrawingCanvas(inspector)
    drawing.connect_feature_maps(feature_maps)
    return {
        "filters": FilterGrid(),
        "feature_maps": feature_maps,
        "drawing": drawing,
        "trajectories": HiddenStateTrajectories(),
        "hidden_heatmap": HiddenStateHeatmap(),
        "gates": GatesView(),
        "gradient_time": GradientThroughTime(),
        "text_probe": TextProbe(inspector),
        "predictions": PredictionsView(),
        "confusion": ConfusionMatrix(),
        "histograms": WeightHistograms(),
    }


def live_view_actions(window: QMainWindow, docks: dict[str, QDockWidget],
                      view_docks: tuple[tuple[str, str], ...], shown=lambda name: None) -> list[QAction]:
    """View ▸ Live views: show and bring forward a view (Ctrl+1 … Ctrl+9 for
    the first nine); ``shown(name)`` is told, so a view the model cannot use
    stays open once asked for."""
    actions = []
    for number, (name, title) in enumerate(view_docks, start=1):
        action = QAction(title, window)
        action.setObjectName(f"show_{name}_view")
        if number <= 9:
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
        action.setStatusTip(f"Show the {title} view")
        dock = docks[name]
        action.triggered.connect(lambda _=False, d=dock, n=name: (shown(n), d.show(), d.raise_()))
        actions.append(action)
    return actions
