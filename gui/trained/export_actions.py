"""File ▸ Export: the model as PyTorch source, its weights (.pt), TorchScript
and ONNX (engine/export), the last run's metrics as CSV, and the loss and
accuracy plots as PNG or SVG.

The model exports use the window's trained weights when they fit the open
experiment (``weights_for``), else ask whether to export untrained ones.
They run on a superqt worker: tracing or exporting to ONNX is seconds of
torch work that must not freeze the window (DESIGN.md, Known pitfalls).
The window creates this before torch is loaded; nothing here imports it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QStatusBar, QWidget

from gui.common.task import Task

# kind → (menu text, dialog title, file filter)
MODEL_EXPORTS: dict[str, tuple[str, str, str]] = {
    "source": ("Model as PyTorch &Source…", "Export the model as PyTorch source", "Python source (*.py)"),
    "weights": ("Model &Weights (.pt)…", "Export the weights as a PyTorch state dict", "PyTorch state dict (*.pt)"),
    "torchscript": ("Model as &TorchScript…", "Export the model as TorchScript", "TorchScript (*.pt)"),
    "onnx": ("Model as &ONNX…", "Export the model as ONNX", "ONNX model (*.onnx)"),
}
SUFFIXES = {"source": ".py", "weights": ".pt", "torchscript": ".torchscript.pt", "onnx": ".onnx"}
PLOT_FILTER = "PNG image (*.png);;SVG drawing (*.svg)"


def export_plot(plot_item, path: str | Path, scale: float = 2.0) -> Path:
    """One plot of the curves as a picture: .svg is vector, anything else a PNG
    (``scale`` × its size on screen). The plot's scene is painted into a
    QSvgGenerator or a QImage, as the live views export theirs
    (gui/views/view_panel.py): pyqtgraph 0.14's SVGExporter fails on the
    paths Qt 6 writes ("not enough values to unpack")."""
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QImage, QPainter

    from gui.common.picture_bytes import png_bytes, svg_bytes, write_file

    path = Path(path)
    source = plot_item.sceneBoundingRect()
    scene = plot_item.scene()
    if path.suffix.lower() == ".svg":
        data = svg_bytes(lambda painter: scene.render(painter, QRectF(0, 0, source.width(), source.height()), source),
                         source.size().toSize(), plot_item.titleLabel.text or "plot")
    else:
        if path.suffix.lower() != ".png":
            path = path.with_suffix(".png")
        image = QImage(max(1, round(source.width() * scale)), max(1, round(source.height() * scale)),
                       QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.white)
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            scene.render(painter, QRectF(0, 0, image.width(), image.height()), source)
        finally:
            painter.end()
        data = png_bytes(image)
    write_file(path, data)  # in memory first, then atomically: a full disk says one line
    return path


class ExportActions(QObject):
    exported = Signal(str)  # the path written
    failed = Signal(str)  # one readable line
    busy_changed = Signal(bool)

    def __init__(self, window: QWidget, *, document: Callable[[], object | None], ready: object, runner: object,
                 weights_for: Callable[[object], dict | None], curves: object,
                 run_history: Callable[[], object | None], show_message: Callable[[str, str], None],
                 status: Callable[[], QStatusBar]) -> None:
        """``window`` owns the dialogs; ``document`` gives the open document (None
        until the engine has loaded, when ``ready`` fires), ``weights_for`` the
        trained weights that fit an experiment, ``run_history`` the runs (for the
        metrics), ``status`` the status bar the progress is shown in."""
        super().__init__(window)
        self.window = window
        self.document = document
        self.runner = runner
        self.weights_for = weights_for
        self.curves = curves
        self.run_history = run_history
        self.show_message = show_message
        self.status = status
        self.task = Task(self)
        self.task.busy_changed.connect(self.busy_changed)
        self.menu = QMenu("E&xport", window)
        self.menu.setToolTipsVisible(True)  # a disabled ONNX item says what to install
        self.model_actions: dict[str, QAction] = {}
        for kind, (text, _, _) in MODEL_EXPORTS.items():
            action = QAction(text, window)
            action.triggered.connect(lambda _=False, k=kind: self.export_model(k))
            self.model_actions[kind] = action
            self.menu.addAction(action)
        self.model_actions["source"].setStatusTip("A standalone .py file with an nn.Module class for this model")
        self.model_actions["weights"].setStatusTip("The trained weights as a state dict the exported source loads")
        self.model_actions["torchscript"].setStatusTip("The model traced to TorchScript: runs with torch.jit.load")
        self.menu.addSeparator()
        self.metrics_action = QAction("&Metrics CSV…", window)
        self.metrics_action.setStatusTip("The last run's per-epoch metrics, in the columns of --metrics-out")
        self.metrics_action.triggered.connect(lambda: self.export_metrics())
        self.loss_plot_action = QAction("&Loss Plot…", window)
        self.loss_plot_action.setStatusTip("The loss curves as a PNG or SVG picture")
        self.loss_plot_action.triggered.connect(lambda: self.export_plot("loss"))
        self.metric_plot_action = QAction("&Accuracy Plot…", window)
        self.metric_plot_action.setStatusTip("The accuracy (or error) curves as a PNG or SVG picture")
        self.metric_plot_action.triggered.connect(lambda: self.export_plot("metric"))
        self.menu.addActions([self.metrics_action, self.loss_plot_action, self.metric_plot_action])
        self.menu.aboutToShow.connect(self.refresh)
        # Keep the items' state current (a disabled action ignores trigger()): the document
        # exists once the engine has loaded; runs bring metrics.
        ready.connect(self._on_ready)
        runner.state_changed.connect(self.refresh)
        runner.epoch_ended.connect(self.refresh)
        self.refresh()

    # --- state ------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.task.busy

    def refresh(self, *_args) -> None:
        document = self.document()
        analysis = document.analysis() if document is not None else None
        problem = ("PyTorch is still loading…" if analysis is None
                   else None if analysis.ok else f"The model cannot be built: {analysis.problem}")
        for action in self.model_actions.values():
            action.setEnabled(problem is None and not self.busy)
            action.setToolTip(problem or action.statusTip())
        onnx = self.model_actions["onnx"]
        reason = self._onnx_reason() if document is not None else None
        if reason:
            onnx.setEnabled(False)
            onnx.setToolTip(reason)
            onnx.setStatusTip(reason)
        elif problem is None:
            onnx.setStatusTip("The model in the ONNX format (opset 18), for other runtimes")
            onnx.setToolTip(onnx.statusTip())
        record = self._last_run()
        self.metrics_action.setEnabled(record is not None)
        self.metrics_action.setToolTip("" if record is not None else "Train first: no run has finished an epoch")
        metric = getattr(self.curves, "metric_name", "accuracy")
        self.metric_plot_action.setText("&Accuracy Plot…" if metric == "accuracy" else "&Error (MSE) Plot…")

    def _on_ready(self) -> None:
        self.document().changed.connect(self.refresh)
        self.refresh()

    @staticmethod
    def _onnx_reason() -> str | None:
        from engine.export import onnx_unavailable_reason

        return onnx_unavailable_reason()

    def _last_run(self):
        history = self.run_history()
        records = [r for r in getattr(history, "records", []) if r.epochs]
        return records[-1] if records else None

    # --- commands ---------------------------------------------------------------------
    def export_model(self, kind: str) -> bool:
        """Ask where, then write the model on a worker; False when nothing starts."""
        window = self.window
        document = self.document()
        self.refresh()
        if document is None or self.busy or not self.model_actions[kind].isEnabled():
            return False
        experiment = document.experiment
        weights = self.weights_for(experiment)
        if weights is None and kind != "source":
            answer = QMessageBox.question(
                window, "Export untrained weights?",
                "The window holds no trained weights for this model and data set (train it, or open an "
                "experiment saved with its weights). Export it with freshly initialised, untrained weights?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return False
        _, title, file_filter = MODEL_EXPORTS[kind]
        path, _ = QFileDialog.getSaveFileName(window, title, str(self._default_path(kind)), file_filter)
        if not path:
            return False
        return self._start(kind, experiment, path, weights)

    def export_metrics(self, path: str | None = None) -> bool:
        record = self._last_run()
        if record is None:
            return False
        if path is None:
            default = self._default_path(".csv", suffix_only=True)
            path, _ = QFileDialog.getSaveFileName(self.window, "Export the last run's metrics", str(default),
                                                  "CSV table (*.csv)")
        if not path:
            return False
        try:
            self.run_history().export_metrics(record, path)
        except OSError as exc:
            return self._fail(f"Cannot write {path}: {exc.strerror or exc}")
        return self._done(path, f"the metrics of {record.name}")

    def export_plot(self, which: str, path: str | None = None) -> bool:
        curves = self.curves
        plot = curves.loss_plot if which == "loss" else curves.metric_plot
        name = "loss" if which == "loss" else curves.metric_name
        if path is None:
            default = self._default_path(f"_{name}.png", suffix_only=True)
            path, _ = QFileDialog.getSaveFileName(self.window, f"Export the {name} plot", str(default), PLOT_FILTER)
        if not path:
            return False
        try:
            written = export_plot(plot, path)
        except OSError as exc:
            return self._fail(f"Cannot write {path}: {exc.strerror or exc}")
        return self._done(str(written), f"the {name} plot")

    def shutdown(self, timeout_ms: int = 30_000) -> None:
        """Wait for a running export (the window is closing)."""
        self.task.shutdown(timeout_ms)

    # --- internals ----------------------------------------------------------------------
    def _start(self, kind: str, experiment, path: str, weights) -> bool:
        from engine.export import export_model

        self.task.start(export_model, kind, experiment, path, weights,
                        on_returned=lambda result: self._done(str(result.path), result.note),
                        on_errored=self._on_errored, on_finished=self.refresh)
        self.status().showMessage(f"Exporting {Path(path).name}…")
        self.refresh()
        return True

    def _on_errored(self, exc: BaseException) -> None:
        from engine.errors import describe_error

        self._fail(describe_error(exc))

    def _done(self, path: str, note: str) -> bool:
        self.status().showMessage(f"Exported {Path(path).name}: {note}", 8000)
        self.exported.emit(path)
        return True

    def _fail(self, text: str) -> bool:
        self.status().clearMessage()
        self.failed.emit(text)
        self.show_message("Export failed", text)
        return False

    def _default_path(self, kind_or_suffix: str, suffix_only: bool = False) -> Path:
        """Beside the open experiment, named after it: ``digits_cnn.py``, ``digits_cnn_loss.png``."""
        document = self.document()
        doc_path = Path(document.path) if document is not None and document.path else None
        if doc_path is not None:
            folder, stem = doc_path.parent, doc_path.name.removesuffix(".json")
        else:  # a built-in preset or a new experiment: its name, in the home folder
            folder = Path.home()
            name = document.experiment.name if document is not None else ""
            stem = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower() or "model"
        suffix = kind_or_suffix if suffix_only else SUFFIXES[kind_or_suffix]
        return folder / f"{stem}{suffix}"

    def install(self, file_menu: QMenu, before: QAction | None) -> None:
        """File ▸ Export, above ``before`` (the separator before Quit)."""
        if before is None:
            file_menu.addMenu(self.menu)
        else:
            file_menu.insertMenu(before, self.menu)
