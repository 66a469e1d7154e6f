"""What each convolution and pooling layer makes of one input (claim C4:
early layers respond to strokes and edges, later ones to their combinations;
claim C5: pooling shrinks the maps).

The chosen input (a probe sample, or the user's drawing) is drawn first;
then one labelled block per conv/pool layer, its channels tiled into ONE
ImageItem. Hovering a map pixel outlines, on the input, the region that can
affect it (its receptive field); clicking a map enlarges that channel.
Sequences draw channels × time, time on x.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QComboBox, QGraphicsRectItem, QLabel

from engine import receptive_field as rf
from gui.common import palette as pal
from gui.common.described import shape_text, value_range, without_hints
from gui.views.sample_image import Tiling, ink_colour_map, photo_colour_map, picture_levels, sample_picture, tile
from gui.views.view_panel import BOTH, ViewPanel, centred_levels, diverging_colour_map

DRAWN = -1  # input picker's data for the drawn input
HIGHLIGHT_PEN = pg.mkPen(pal.HIGHLIGHT, width=1)


MIN_BLOCK_WIDTH = 190  # px: a block's title ("Layer 5 · MaxPool2d · 32×2×2") must not be cut


class FeatureMaps(ViewPanel):
    title = "Feature maps"
    help = ("The activation maps of each convolution and pooling layer for one input: hover a map to see "
            "which input pixels it can see (its receptive field), click it to enlarge (claims C4, C5).")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.layers: tuple = ()  # the experiment's layer specs
        self.inspection = None  # the latest drawn input's Inspection
        self.input_picker = QComboBox()
        self.input_picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.input_picker.setToolTip("Which input's feature maps to show")
        self.input_picker.currentIndexChanged.connect(lambda _=0: self.redraw())
        self.controls.addWidget(QLabel("Input"))
        self.controls.addWidget(self.input_picker)

        self.canvas = pg.GraphicsLayoutWidget()
        self.input_plot = self._image_plot(self.canvas.addPlot(0, 0), "input")
        self.input_image = pg.ImageItem(axisOrder="row-major")
        self.input_image.setColorMap(ink_colour_map())
        self.input_plot.addItem(self.input_image)
        self.highlight = QGraphicsRectItem()
        self.highlight.setPen(HIGHLIGHT_PEN)
        self.highlight.setZValue(10)
        self.highlight.hide()
        self.input_plot.addItem(self.highlight)
        self.enlarged_plot = self._image_plot(self.canvas.addPlot(1, 0), "click a map to enlarge it")
        self.enlarged_image = pg.ImageItem(axisOrder="row-major")
        self.enlarged_plot.addItem(self.enlarged_image)
        self.enlarged_bar = pg.ColorBarItem(colorMap=diverging_colour_map(), label="activation",
                                            interactive=False, values=(-1.0, 1.0))
        self.enlarged_bar.setImageItem(self.enlarged_image, insert_in=self.enlarged_plot)
        self.enlarged_bar.axis.enableAutoSIPrefix(False)
        self.blocks_layout = self.canvas.addLayout(0, 1, rowspan=2)
        self.blocks_bar = pg.ColorBarItem(colorMap=diverging_colour_map(), interactive=False, values=(-1.0, 1.0),
                                          label="activation ÷ layer max |a|")
        self.canvas.addItem(self.blocks_bar, 0, 2, rowspan=2)
        # Many maps squeezed the bar's column until its tick labels were cut off.
        self.blocks_bar.setMinimumWidth(self.blocks_bar.preferredWidth() + 24)
        self.canvas.ci.layout.setColumnStretchFactor(1, 3)
        self.body.addWidget(self.canvas)

        self.blocks: list[tuple[int, pg.PlotItem, pg.ImageItem]] = []  # (layer, plot, image)
        self._block_key: tuple = ()
        self._block_columns = 2
        self._tilings: dict[int, Tiling | None] = {}  # None: a sequence block (channels × time)
        self.shown_maps: dict[int, np.ndarray] = {}  # layer → (C, H, W) / (T, C) as drawn
        self.shown_input: np.ndarray | None = None
        self.enlarged: tuple[int, int] | None = None  # (layer, channel)
        self.canvas.scene().sigMouseMoved.connect(self._on_hovered)
        self.canvas.scene().sigMouseClicked.connect(self._on_clicked)

    # --- public ------------------------------------------------------------------
    def set_experiment(self, experiment) -> None:
        self.layers = tuple(experiment.model.layers) if experiment is not None else ()

    def applies_to(self, run) -> bool:
        if self.layers:
            return any(rf.has_window(layer.type) for layer in self.layers)
        return True

    def not_applicable_text(self) -> str:
        return "Feature maps: this model has no convolution or pooling layers."

    def show_inspection(self, inspection, select: bool = True) -> None:
        """The model on the user's drawing. ``select``: switch to "drawn input"
        (the user is drawing); otherwise (new weights judged the same drawing)
        the picker stays where the user left it."""
        self.inspection = inspection
        if self.input_picker.findData(DRAWN) < 0:
            self.input_picker.addItem("drawn input", DRAWN)
        if select:
            self.input_picker.blockSignals(True)
            self.input_picker.setCurrentIndex(self.input_picker.findData(DRAWN))
            self.input_picker.blockSignals(False)
        if self.input_picker.currentData() == DRAWN:
            self._redraw()

    def block_count(self) -> int:
        return len(self.blocks)

    def block_layers(self) -> list[int]:
        return [layer for layer, _, _ in self.blocks]

    def block_title(self, layer: int) -> str:
        maps = self.shown_maps[layer]
        kind = self.layers[layer].type if layer < len(self.layers) else "layer"
        return f"Layer {layer + 1} · {kind} · {'×'.join(str(s) for s in maps.shape)}"

    def select_input(self, index: int) -> None:
        """Show probe sample ``index`` (or DRAWN)."""
        self.input_picker.setCurrentIndex(self.input_picker.findData(index))

    def enlarge(self, layer: int, channel: int) -> None:
        self.enlarged = (layer, channel)
        self._draw_enlarged()

    def receptive_box(self, layer: int, row: int, col: int) -> tuple[int, int, int, int] | None:
        """(first row, last row, first col, last col) of the input that map pixel
        (row, col) of ``layer`` sees, clipped to the input; None if unknown."""
        windows = rf.layer_windows(self.layers, layer) if self.layers else None
        if windows is None or self.shown_input is None:
            return None
        height, width = self.shown_input.shape
        r0, r1, c0, c1 = rf.receptive_box(row, col, windows)
        return (*rf.clip_interval(r0, r1, height), *rf.clip_interval(c0, c1, width))

    def describe_now(self) -> str:
        if self.shown_input is None or not self.shown_maps:
            return ""
        layers = "; ".join(f"layer {k + 1}: {shape_text(v.shape)}, {value_range(v, 'activations')}"
                           for k, v in self.shown_maps.items())
        return f"{without_hints(self.caption.drawn)} Maps by layer — {layers}."

    def export_data(self) -> dict[str, np.ndarray]:
        if self.shown_input is None:
            return {}
        return {"input": self.shown_input, **{f"layer_{k}": v for k, v in self.shown_maps.items()}}

    # --- drawing -----------------------------------------------------------------
    def set_run(self, run) -> None:
        super().set_run(run)
        self.inspection = None
        self._fill_inputs()

    def _clear(self) -> None:
        self.shown_maps, self.shown_input, self.enlarged = {}, None, None
        self._set_blocks(())
        self.input_image.clear()
        self.enlarged_image.clear()
        self.highlight.hide()

    def _redraw(self, what: frozenset = BOTH) -> None:
        super()._redraw(what)
        # A drawing can be shown before any snapshot (the base draws only snapshots).
        if not self.frozen and self.run is not None and self.snapshot is None and self.inspection is not None:
            self._draw_snapshot(None)

    def _draw_snapshot(self, snapshot) -> None:
        chosen = self.input_picker.currentData()
        photo = False  # a drawing is ink; the data's images may be photographs
        if chosen == DRAWN and self.inspection is not None:
            x, maps = self.inspection.input, dict(self.inspection.feature_maps)
            where = "your drawing"
        elif snapshot is not None and self.run is not None and chosen is not None:
            x = self.run.probe_inputs[chosen]
            maps = {k: v[chosen] for k, v in snapshot.feature_maps.items()}
            where = self.input_picker.currentText()
            photo = not getattr(getattr(self.run, "info", None), "ink", True)
        else:
            return
        if np.ndim(x) == 4:  # a clip (T, C, H, W): its last frame, and each per-frame layer's maps of it
            last = len(x) - 1
            x = x[last]
            maps = {k: v[last] if np.ndim(v) == 4 else v for k, v in maps.items()}
            where = f"{where}, frame {last + 1} of {last + 1} (the Clip view plays them all)"
        wanted = [k for k in sorted(maps) if not self.layers or
                  (k < len(self.layers) and rf.has_window(self.layers[k].type))]
        self.shown_maps = {k: np.asarray(maps[k], np.float32) for k in wanted}
        self.shown_input = sample_picture(x)
        self.input_image.setColorMap(photo_colour_map() if photo else ink_colour_map())
        self.input_image.setImage(self.shown_input, levels=picture_levels(self.shown_input), autoLevels=False)
        self.input_plot.setTitle(f"input · {where}", size="9pt")
        self._set_blocks(tuple((k, self.shown_maps[k].shape) for k in wanted))
        for layer, _plot, image in self.blocks:
            picture = self._block_picture(layer)
            top = centred_levels(picture[np.isfinite(picture)])[1]
            image.setImage(picture / top, levels=(-1.0, 1.0), autoLevels=False)
        if self.enlarged is None and self.blocks:
            self.enlarged = (self.blocks[0][0], 0)
        self._draw_enlarged()
        step = f"Step {snapshot.step} · " if snapshot is not None and chosen != DRAWN else ""
        self.caption.setText(f"{step}{where} · {len(self.blocks)} conv/pool layers; hover a map to outline "
                             "what it sees on the input, click it to enlarge."
                             if self.blocks else "This model has no convolution or pooling layers to show.")

    def _block_picture(self, layer: int) -> np.ndarray:
        maps = self.shown_maps[layer]
        if maps.ndim == 2:  # (T, C) → channels × time
            self._tilings[layer] = None
            return np.ascontiguousarray(maps.T)
        picture, self._tilings[layer] = tile(maps)
        return picture

    def _draw_enlarged(self) -> None:
        if self.enlarged is None or self.enlarged[0] not in self.shown_maps:
            self.enlarged_image.clear()
            return
        layer, channel = self.enlarged
        maps = self.shown_maps[layer]
        picture = maps[:, channel][None, :] if maps.ndim == 2 else maps[min(channel, len(maps) - 1)]
        levels = centred_levels(picture)
        self.enlarged_image.setImage(np.ascontiguousarray(picture), levels=levels, autoLevels=False)
        self.enlarged_bar.setLevels(levels)
        self.enlarged_plot.setTitle(f"layer {layer + 1} · channel {channel}", size="9pt")

    def _wanted_columns(self, count: int) -> int:
        """Blocks in one row when the view is wide and low (a bottom dock) and they
        fit with their titles (~190 px each beside the input column), else in
        more rows; two columns in a tall view."""
        wide = self.canvas.width() > 2.5 * max(self.canvas.height(), 1)
        fit = max(1, int(self.canvas.width() * 0.75) // MIN_BLOCK_WIDTH)
        return max(1, min(count, fit) if wide else min(count, 2))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if self._block_key and self._wanted_columns(len(self._block_key)) != self._block_columns:
            self._block_key = ()  # rebuild the blocks in the new arrangement
            self.redraw()

    def _set_blocks(self, key: tuple) -> None:
        """(Re)build the block plots only when the layers or their shapes change."""
        if key == self._block_key:
            return
        self._block_key = key
        self.blocks_layout.clear()
        self.blocks, self._tilings = [], {}
        images = []
        columns = self._block_columns = self._wanted_columns(len(key))
        for n, (layer, _shape) in enumerate(key):
            # Two lines ("Layer 4 · Conv2d" over "32×14×14"): on one line three
            # titles made the layout wider than the dock and cut off the colour bar.
            title = "<br>".join(self.block_title(layer).rsplit(" · ", 1))
            plot = self._image_plot(self.blocks_layout.addPlot(n // columns, n % columns), title)
            plot.layout.setRowFixedHeight(0, 36)
            plot.titleLabel.setMaximumHeight(36)
            image = pg.ImageItem(axisOrder="row-major")
            plot.addItem(image)
            self.blocks.append((layer, plot, image))
            images.append(image)
        self.blocks_bar.setImageItem(images)

    @staticmethod
    def _image_plot(plot: pg.PlotItem, title: str) -> pg.PlotItem:
        plot.setTitle(title, size="9pt")
        plot.invertY(True)
        plot.setAspectLocked(True)
        plot.hideButtons()
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(False, False)
        for side in ("left", "bottom"):
            plot.hideAxis(side)
        return plot

    # --- inputs ------------------------------------------------------------------
    def _fill_inputs(self) -> None:
        self.input_picker.blockSignals(True)
        self.input_picker.clear()
        run = self.run
        if run is not None:
            names = getattr(getattr(run, "info", None), "class_names", ()) or ()
            for p, target in enumerate(np.asarray(run.probe_targets)):
                label = f"sample {p}"
                if np.ndim(target) == 0 and np.issubdtype(np.asarray(target).dtype, np.integer):
                    label += f" · class {names[int(target)] if int(target) < len(names) else int(target)}"
                self.input_picker.addItem(label, p)
        self.input_picker.blockSignals(False)

    # --- mouse -------------------------------------------------------------------
    def _hit(self, pos) -> tuple[int, int, int, int] | None:
        """(layer, channel, row, col) of the map pixel under scene position ``pos``."""
        for layer, _plot, image in self.blocks:
            if image.image is None or not image.sceneBoundingRect().contains(pos):
                continue
            point = image.mapFromScene(pos)
            tiling = self._tilings.get(layer)
            if tiling is None:  # sequence block: row = channel, column = time step
                channel, t = int(point.y()), int(point.x())
                return (layer, channel, 0, t) if 0 <= channel < image.image.shape[0] else None
            found = tiling.locate(point.y(), point.x())
            return None if found is None else (layer, *found)
        if self.enlarged is not None and self.enlarged_image.image is not None \
                and self.enlarged_image.sceneBoundingRect().contains(pos):
            point = self.enlarged_image.mapFromScene(pos)
            return (*self.enlarged, int(point.y()), int(point.x()))
        return None

    def _on_hovered(self, pos) -> None:
        hit = self._hit(pos)
        if hit is None:
            self.highlight.hide()
            return
        layer, channel, row, col = hit
        self.show_receptive_field(layer, row, col)
        maps = self.shown_maps[layer]
        value = maps[col, channel] if maps.ndim == 2 else maps[channel, row, col]
        where = f"step {col}" if maps.ndim == 2 else f"row {row}, column {col}"
        self.caption.note(f"Layer {layer + 1} · channel {channel} · {where} · activation {value:+.3f}")

    def show_receptive_field(self, layer: int, row: int, col: int) -> None:
        """Outline on the input what map pixel (row, col) of ``layer`` sees
        (for sequences, ``col`` is the time step)."""
        sequence = self.shown_maps.get(layer, np.empty((0, 0, 0))).ndim == 2
        box = self.receptive_box(layer, 0 if sequence else row, col)
        if box is None or self.shown_input is None:
            self.highlight.hide()
            return
        r0, r1, c0, c1 = box
        if sequence:  # the input is features × time: the field spans all features
            r0, r1 = 0, self.shown_input.shape[0] - 1
        self.highlight.setRect(QRectF(c0, r0, c1 - c0 + 1, r1 - r0 + 1))
        self.highlight.show()

    def _on_clicked(self, event) -> None:
        hit = self._hit(event.scenePos())
        if hit is not None:
            self.enlarge(hit[0], hit[1])
