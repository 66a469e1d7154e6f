"""Export from the Sweep window: the plot (curves or heat maps, legend and
colour bars included) as a PNG or an SVG drawing, and the trial table as
CSV, a row per trial with plain numbers. Every file goes through the
project's atomic writers: a full disk says one line and leaves the old file.

The pictures are the plot's scene painted into a QImage or a QSvgGenerator,
as the rest of the app exports (gui/trained/export_actions.export_plot):
pyqtgraph 0.14's SVGExporter fails on the paths Qt 6 writes.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter

from gui.common.picture_bytes import png_bytes, svg_bytes, write_file

PNG_SCALE = 2.0  # pixels per screen pixel: sharp on a slide


def export_picture(view, path: str | Path, title: str) -> Path:
    """``view`` (a pg.GraphicsLayoutWidget) as ``path``: .svg is a drawing, anything else a PNG."""
    path = Path(path)
    scene = view.scene()
    source = view.ci.sceneBoundingRect()
    if path.suffix.lower() == ".svg":
        data = svg_bytes(lambda painter: scene.render(painter, QRectF(0, 0, source.width(), source.height()), source),
                         source.size().toSize(), title)
    else:
        if path.suffix.lower() != ".png":
            path = path.with_suffix(".png")
        image = QImage(max(1, round(source.width() * PNG_SCALE)), max(1, round(source.height() * PNG_SCALE)),
                       QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.white)
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            scene.render(painter, QRectF(0, 0, image.width(), image.height()), source)
        finally:
            painter.end()
        data = png_bytes(image)
    write_file(path, data)
    return path


def write_trials_csv(results, path: str | Path) -> Path:
    """One row per trial, in the sweep's order: experiment, the axis values
    (by path, as the sweep file names them), seed, metric, epochs, seconds, status."""
    from engine.experiment_file import write_atomic

    sweep = results.sweep
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["trial", "experiment", *(a.path for a in sweep.axes), "seed", results.metric, "epochs",
                     "seconds", "status"])
    for t in results.trials:
        number, seconds, epochs = results.number(t.index), results.seconds(t.index), results.epochs(t.index)
        writer.writerow([t.index, t.label, *(v if isinstance(v, str) else json.dumps(v) for v in t.values), t.seed,
                         "" if number is None else f"{number:.6g}", "" if epochs is None else epochs,
                         "" if seconds is None else f"{seconds:.4g}", results.status(t.index)])
    write_atomic(path, text.getvalue())
    return Path(path)
