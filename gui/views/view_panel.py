"""The frame every live view shares: a title bar with Freeze, Export image
and Export data, a one-line caption, and the view's own body below.

A view is fed by the ViewHub (gui/views/view_hub.py) with three calls —
``set_run`` when a run starts, ``show_snapshot`` for a probe snapshot
(live, or an older one chosen on the timeline) and ``show_predictions``
after each epoch — and draws only then, at most a few times a second, so
views never run at the training loop's rate. While frozen a view keeps its
picture and remembers only the latest data, which it draws on unfreezing.

Subclasses implement ``_draw_snapshot`` / ``_draw_predictions`` /
``_clear`` and ``export_data``, and put numbers into ``describe()``
(what the view shows, in words: gui/common/described.py) with
``describe_now`` — from the arrays the view already holds, never torch —
calling ``content_changed`` when what they show changes outside a redraw;
``applies_to`` says whether the view has anything to show for a model
(gates only for LSTM/GRU, filters only for conv layers…), so the hub can
say so instead of showing an empty plot.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QMenu, QToolButton, QVBoxLayout, QWidget

from gui.common import palette as pal
from gui.common.described import NO_RUN, Described, install_copy_as_text, plain, without_hints
from gui.common.picture_bytes import array_bytes, png_bytes, svg_bytes, write_file
from gui.common.style import subdued
from gui.views.view_caption import ViewCaption

SNAPSHOT, PREDICTIONS = frozenset({"snapshot"}), frozenset({"predictions"})
BOTH = SNAPSHOT | PREDICTIONS


# What every live view shares, for What's This (Shift+F1) after the view's own sentence.
VIEW_WHATS_THIS = ("It is drawn from snapshots taken while the network trains, so you can watch it change. "
                   "<i>Freeze</i> keeps the picture while training goes on; <i>Export</i> saves it, or the "
                   "numbers behind it; the timeline at the bottom of the window shows the network as it was "
                   "at an earlier step. Drag the tab out to see two views side by side.")


class ViewPanel(QWidget, Described):
    title = "View"
    help = ""  # a sentence for the tooltip: what the view shows and which claim it makes visible
    exported = Signal(str)  # the path written
    # The hub sets this False in the app: a view hidden behind another tab
    # then skips drawing and catches up when shown, so it costs nothing.
    draw_when_hidden = True

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(type(self).__name__)
        self.run = None  # engine.events.RunStarted of the run shown
        self.snapshot = None  # the Snapshot drawn (or waiting, while frozen)
        self.predictions = None  # the Predictions drawn (or waiting)
        self.draw_count = 0  # how many times new data was drawn; tests and benches read it
        self._dirty = False
        self._pending: frozenset = frozenset()  # parts with news not yet drawn
        self._drawing = False  # within _redraw: the description is updated once, at its end
        self.copy_text_action = None  # "Copy as text" in the context menus, once the plots are built
        self.setAccessibleName(f"{self.title} view")

        self.freeze_button = QToolButton()
        self.freeze_button.setText("Freeze")
        self.freeze_button.setCheckable(True)
        self.freeze_button.setToolTip("Keep this picture while training goes on; unfreeze to catch up")
        self.freeze_button.setWhatsThis("<b>Freeze</b><p>Keeps this picture still while training goes on, so you "
                                         "can look at it closely. Unfreeze and the view catches up with the "
                                         "newest snapshot.</p>")
        self.freeze_button.toggled.connect(self._on_freeze_toggled)
        # One Export button with a menu: two wide buttons pushed a 1280 px
        # window off the screen (a view's bar sets the width of the whole strip).
        self.export_button = QToolButton()
        self.export_button.setText("Export")
        self.export_button.setToolTip("Save this view's picture (PNG, SVG) or the numbers behind it (CSV, NumPy)")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        self.export_image_action = menu.addAction("Image (PNG or SVG)…", lambda: self.export_image_dialog())
        self.export_image_action.setToolTip("Save this view as a PNG or SVG picture")
        self.export_data_action = menu.addAction("Data (CSV or NumPy)…", lambda: self.export_data_dialog())
        self.export_data_action.setToolTip("Save the numbers behind this view as CSV or NumPy (.npy/.npz)")
        menu.setToolTipsVisible(True)
        self.export_button.setMenu(menu)
        self.caption = ViewCaption("Train a model to see this view.", self._on_caption_changed)
        self.caption.setWordWrap(True)
        subdued(self.caption)
        self.controls = QHBoxLayout()  # subclasses add their own pickers here
        self.controls.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addLayout(self.controls)
        bar.addStretch(1)
        for button in (self.freeze_button, self.export_button):
            bar.addWidget(button)
        # The picture Export image saves: the caption and the plots, not the buttons above them.
        self.picture = QWidget()
        picture = QVBoxLayout(self.picture)
        picture.setContentsMargins(0, 0, 0, 0)
        picture.addWidget(self.caption)
        self.body = QVBoxLayout()
        self.body.setContentsMargins(0, 0, 0, 0)
        picture.addLayout(self.body, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.picture, 1)
        if self.help:
            self.setToolTip(self.help)
            self.setWhatsThis(f"<b>{self.title}</b><p>{self.help}</p><p>{VIEW_WHATS_THIS}</p>")
        self.update_description()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(480, 360)

    # --- fed by the hub -----------------------------------------------------------
    @property
    def frozen(self) -> bool:
        return self.freeze_button.isChecked()

    def set_frozen(self, frozen: bool) -> None:
        self.freeze_button.setChecked(frozen)

    def set_run(self, run) -> None:
        """A new run started (or the view was reset with None): forget the old data."""
        self.run = run
        self.snapshot = self.predictions = None
        self._dirty = False
        self._pending = frozenset()
        self._clear()
        self.update_description()

    def show_snapshot(self, snapshot) -> None:
        self.snapshot = snapshot
        self._redraw(SNAPSHOT)

    def show_predictions(self, predictions) -> None:
        self.predictions = predictions
        self._redraw(PREDICTIONS)

    def record_snapshot(self, snapshot) -> None:
        """Every snapshot as it arrives, drawn or not (the hub skips drawing some
        to keep within its budget): views that plot history over time keep it here."""

    def applies_to(self, run) -> bool:
        """Whether this view has anything to show for ``run``'s model and data."""
        return True

    def not_applicable_text(self) -> str:
        return f"{self.title}: nothing to show for this model."

    # --- for subclasses ---------------------------------------------------------
    def _draw_snapshot(self, snapshot) -> None:
        """Draw a Snapshot (only called when not frozen)."""

    def _draw_predictions(self, predictions) -> None:
        """Draw a Predictions event (only called when not frozen)."""

    def _clear(self) -> None:
        """Empty the plots."""

    def export_data(self) -> dict[str, np.ndarray]:
        """The arrays behind the picture now shown, by name (empty: nothing yet)."""
        return {}

    def export_widget(self) -> QWidget:
        """The widget whose picture Export image saves: the caption and the
        plots, without the toolbar of pickers and buttons."""
        return self.picture

    # --- in words -------------------------------------------------------------------
    def describe(self) -> str:
        """What the view shows now, in a few plain sentences (for screen readers
        and Copy as text), from the arrays it holds: no torch work."""
        if self.run is None:
            return NO_RUN
        if not self.applies_to(self.run):
            return self.not_applicable_text()
        now = self.describe_now() or without_hints(plain(self.caption.drawn))
        frozen = " (frozen: training goes on)" if self.frozen else ""
        return f"{self.title}{frozen}: {now}" if now else f"{self.title}{frozen}: nothing drawn yet."

    def describe_now(self) -> str:
        """The view's own sentences about what it shows; "" (the default)
        describes it by its caption."""
        return ""

    def _on_caption_changed(self) -> None:
        # Pickers, sliders and players change the caption outside _redraw.
        self.content_changed()

    def content_changed(self) -> None:
        """What the view shows changed outside a hub's redraw (an inspection
        answered, a slider moved): bring the description up to date. Within
        _redraw it is updated once, at its end."""
        if not self._drawing:
            self.update_description()

    # --- drawing ------------------------------------------------------------------
    def _redraw(self, what: frozenset = BOTH) -> None:
        """Draw what is new — only the snapshot part when a snapshot came, only
        the predictions part after an epoch — or remember it for later."""
        self._pending |= what
        if self.frozen or (not self.draw_when_hidden and not self.on_screen()):
            self._dirty = True
            return
        self._dirty = False
        pending, self._pending = self._pending, frozenset()
        if self.run is None:
            return
        drew = False
        self._drawing = True
        try:
            if "snapshot" in pending and self.snapshot is not None and self._draws(SNAPSHOT):
                self._draw_snapshot(self.snapshot)
                drew = True
            if "predictions" in pending and self.predictions is not None and self._draws(PREDICTIONS):
                self._draw_predictions(self.predictions)
                drew = True
        finally:
            self._drawing = False
        self.draw_count += drew
        if drew:
            self.update_description()

    def _draws(self, part: frozenset) -> bool:
        """Whether this view draws that part at all (overrides the base's no-op)."""
        name = "_draw_snapshot" if part == SNAPSHOT else "_draw_predictions"
        return getattr(type(self), name) is not getattr(ViewPanel, name)

    def run_ended(self) -> None:
        """The run is over and its last frame drawn. Views whose live range held
        still (gui/views/steady_range.py) fit the final picture to its data."""

    def redraw(self) -> None:
        """Draw the current data again (after the user changed a picker)."""
        self._redraw(BOTH)

    def on_screen(self) -> bool:
        """Shown and not behind another tab (Qt keeps a tabbed dock that is not
        in front "visible" but moves it off screen: its visible region is empty)."""
        return self.isVisible() and not self.visibleRegion().isEmpty()

    @property
    def up_to_date(self) -> bool:
        """Whether the picture shows the latest data given (False while frozen or hidden with news)."""
        return not self._dirty

    def catch_up(self) -> None:
        """Draw what arrived while hidden (the window calls this when the view's tab comes to the front)."""
        if self._dirty and not self.frozen:
            self._redraw(frozenset())

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self.copy_text_action is None:  # the subclass has built its plots by now
            self.copy_text_action = install_copy_as_text(self)
        self._compact_pickers()
        self.catch_up()

    def _compact_pickers(self) -> None:
        """Pickers as wide as a short entry, their lists as wide as the longest:
        "Layer 1 · Conv2d · 16 filters 3×3" made the bar, and with it the
        window, wider than a small screen."""
        for combo in self.findChildren(QComboBox):
            if combo.sizeAdjustPolicy() != QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon:
                combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
                combo.setMinimumContentsLength(12)
            combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 24)

    def _on_freeze_toggled(self, frozen: bool) -> None:
        self.freeze_button.setText("Frozen" if frozen else "Freeze")
        self.update_description()
        if not frozen and self._dirty:
            self._redraw(frozenset())

    # --- export -------------------------------------------------------------------
    def export_image(self, path: str | Path) -> Path:
        """Save the view's picture; the suffix picks PNG (raster) or SVG (vector)."""
        path = Path(path)
        widget = self.export_widget()
        # Encoded in memory, written atomically (gui/common/picture_bytes.py).
        if path.suffix.lower() == ".svg":
            data = svg_bytes(lambda painter: widget.render(painter, QPoint()), widget.size(), self.title)
        else:
            if path.suffix.lower() != ".png":
                path = path.with_suffix(".png")
            data = png_bytes(widget.grab())
        write_file(path, data)
        self.exported.emit(str(path))
        return path

    def export_data_to(self, path: str | Path) -> Path:
        """Save ``export_data()``: .csv for one array of at most two dimensions,
        .npy for one array, .npz (one entry per name) otherwise."""
        path = Path(path)
        data = self.export_data()
        if not data:
            raise ValueError(f"{self.title}: no data yet — train first")
        try:
            path, encoded = array_bytes(path, data)
        except ValueError as exc:
            raise ValueError(f"{self.title}: {exc}") from None
        write_file(path, encoded)
        self.exported.emit(str(path))
        return path

    def default_file_stem(self) -> str:
        step = getattr(self.snapshot, "step", None)
        stem = self.title.lower().replace(" ", "_")
        return f"{stem}_step{step}" if step is not None else stem

    def export_image_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, f"Export {self.title} image", f"{self.default_file_stem()}.png",
                                              "PNG image (*.png);;SVG drawing (*.svg)")
        if path:
            self._report(lambda: self.export_image(path))

    def export_data_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, f"Export {self.title} data", f"{self.default_file_stem()}.npz",
                                              "NumPy archive (*.npz);;NumPy array (*.npy);;CSV table (*.csv)")
        if path:
            self._report(lambda: self.export_data_to(path))

    def _report(self, action) -> None:
        from PySide6.QtWidgets import QMessageBox

        try:
            written = action()
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, f"Export {self.title}", str(exc))
        else:
            self.caption.note(f"Saved {written}")


NICE_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_ceiling(value: float) -> float:
    """The least of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k at or above
    ``value`` (> 0): at most a third above it."""
    power = 10.0 ** np.floor(np.log10(value))
    return next(step * power for step in NICE_STEPS if step * power >= value * (1 - 1e-9))


def centred_levels(array: np.ndarray, shared: float | None = None) -> tuple[float, float]:
    """Symmetric colour levels around zero, for diverging colour maps. The top
    is rounded up to a nice number: live, the largest value moves a little at
    every snapshot, and exact levels gave the colour bar new ticks (and a
    repaint of its axis) at every frame; rounded, they hold for many frames."""
    top = shared if shared is not None else float(np.max(np.abs(array))) if array.size else 1.0
    top = nice_ceiling(top) if np.isfinite(top) and top > 0 else 1.0
    return -top, top


def diverging_colour_map():
    """Blue (negative) – white (zero) – red (positive), for weights and activations."""
    import pyqtgraph as pg

    return pg.ColorMap([0.0, 0.5, 1.0], list(pal.DIVERGING))


def tool_button(text: str, tip: str, slot) -> QToolButton:
    """A small toolbar button (◀, Play, ▶ …) that calls ``slot()`` when clicked."""
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.clicked.connect(lambda *_: slot())
    return button


def align_centre(label: QLabel) -> QLabel:
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label
