"""Which live views the window has, built in one place.

The dock names here match gui/dock_layout.VIEW_DOCKS. Views that run the
model on the user's own input (drawing canvas, text probe) share the
window's InspectionRunner; the canvas also drives the feature-map view, so maps
update as the user draws.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow


def view_builders(inspector) -> list[tuple[tuple[str, ...], Callable[[], dict[str, object]]]]:
    """The views in groups, each built by one call: (names, build). The window
    builds one group per turn of the event loop (building all eleven views'
    28 plots at once took half a second), the ones on screen first. The
    drawing canvas drives the feature maps, so the two are one group."""

    def drawing_and_maps() -> dict[str, object]:
        from gui.views.drawing_canvas import DrawingCanvas
        from gui.views.feature_maps import FeatureMaps

        feature_maps = FeatureMaps()
        drawing = DrawingCanvas(inspector)
        drawing.connect_feature_maps(feature_maps)
        return {"feature_maps": feature_maps, "drawing": drawing}

    def one(name: str, module: str, cls: str, *args) -> tuple[tuple[str, ...], Callable[[], dict[str, object]]]:
        def build() -> dict[str, object]:
            import importlib

            return {name: getattr(importlib.import_module(f"gui.views.{module}"), cls)(*args)}

        return (name,), build

    return [
        one("filters", "filter_grid", "FilterGrid"),
        (("feature_maps", "drawing"), drawing_and_maps),
        one("trajectories", "trajectories", "HiddenStateTrajectories"),
        one("hidden_heatmap", "hidden_heatmap", "HiddenStateHeatmap"),
        one("gates", "gates_view", "GatesView"),
        one("gradient_time", "gradient_time", "GradientThroughTime"),
        one("text_probe", "text_probe", "TextProbe", inspector),
        one("predictions", "predictions_view", "PredictionsView"),
        one("confusion", "confusion_matrix", "ConfusionMatrix"),
        one("histograms", "weight_histograms", "WeightHistograms"),
        one("settling", "settling_view", "SettlingView"),
        one("tree", "tree_view", "TreeView"),
        one("generate", "generate_view", "GenerateView", inspector),
        one("decoder", "decoder_view", "DecoderView"),
        one("clip", "clip_view", "ClipView"),
    ]


def build_views(inspector) -> dict[str, object]:
    """Every view at once, in the docks' order (gui/dock_layout.VIEW_DOCKS)."""
    views: dict[str, object] = {}
    for _names, build in view_builders(inspector):
        views.update(build())
    return views


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
