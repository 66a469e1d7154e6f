"""The lab's shared input: pick a validation sample, edit it, see it.

The samples are the first column's validation samples in their plain form
(engine.lab_input); the edits are engine.lab_input.Edits. Every change emits
``changed`` once, and the lab feeds the edited sample to every column.
Keyboard: [ and ] step through the samples; the arrow buttons shift.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.common.style import subdued

PICTURE_SIZE = 120


class InputStrip(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from engine.lab_input import Edits

        self.edits = Edits()
        self.pool_x: np.ndarray | None = None  # (N, …) plain samples
        self.pool_y: np.ndarray | None = None
        self.info = None  # DataInfo of the plain data
        self.vocab: str | None = None  # text data: the characters, index = token id
        self.typed: np.ndarray | None = None  # token ids the user typed, instead of the picked sample
        self.index = 0

        self.picture = pg.GraphicsLayoutWidget()
        self.picture.setBackground("w")
        self.picture.setFixedSize(PICTURE_SIZE + 40, PICTURE_SIZE)
        self.plot = self.picture.addPlot()
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setMouseEnabled(False, False)
        self.plot.invertY(True)
        self.plot.setAspectLocked(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)

        self.sample = QSpinBox()
        self.sample.setPrefix("sample ")
        self.sample.setToolTip("Which validation sample every column is shown ([ and ] step through them)")
        self.sample.setMinimum(1)
        self.sample.valueChanged.connect(self._on_sample)
        previous, following = QToolButton(), QToolButton()
        previous.setText("◀")
        following.setText("▶")
        previous.setToolTip("Previous sample ([)")
        following.setToolTip("Next sample (])")
        previous.setShortcut(QKeySequence("["))
        following.setShortcut(QKeySequence("]"))
        previous.clicked.connect(lambda: self.sample.setValue(self.sample.value() - 1))
        following.clicked.connect(lambda: self.sample.setValue(self.sample.value() + 1))
        self.truth = QLabel("")
        self.described = QLabel("")
        subdued(self.described)

        self.shift_buttons: dict[str, QToolButton] = {}
        shifts = QGridLayout()
        shifts.setSpacing(1)
        for key, text, tip, row, col in (("up", "↑", "Shift the input up one pixel", 0, 1),
                                         ("left", "←", "Shift the input one pixel left (a sequence: one step "
                                                       "earlier)", 1, 0),
                                         ("right", "→", "Shift the input one pixel right (a sequence: one step "
                                                        "later)", 1, 2),
                                         ("down", "↓", "Shift the input down one pixel", 2, 1)):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.setObjectName(f"shift_{key}")
            button.clicked.connect(lambda _=False, k=key: self.shift(k))
            self.shift_buttons[key] = button
            shifts.addWidget(button, row, col)
        self.permute_box = QCheckBox("Permute pixels")
        self.permute_box.setToolTip("Scramble the pixel positions (a sequence: the step order) with one fixed "
                                    "permutation: a CNN loses its local patterns, a dense net does not care "
                                    "(claim C10)")
        self.permute_box.toggled.connect(lambda on: self._set(permute=on))
        self.occlude_box = QCheckBox("Blank a part")
        self.occlude_box.setToolTip("Blank a square of the image (a span of the sequence) where the slider says")
        self.occlude_box.toggled.connect(lambda on: self._set(occlude=on))
        self.occlude_slider = QSlider(Qt.Orientation.Horizontal)
        self.occlude_slider.setRange(0, 100)
        self.occlude_slider.setValue(50)
        self.occlude_slider.setToolTip("Where the blanked part sits, from the left (the first step) to the right")
        self.occlude_slider.valueChanged.connect(lambda v: self._set(occlude_at=v / 100))
        self.length_box = QSpinBox()
        self.length_box.setPrefix("length ")
        self.length_box.setRange(1, 4096)
        self.length_box.setToolTip("Feed this many steps (shorter: cut; longer: padded with zeros). A recurrent "
                                   "model takes any length; a CNN with Flatten only its own (claim C11)")
        self.length_box.valueChanged.connect(self._on_length)
        self.text_edit = QLineEdit()
        self.text_edit.setObjectName("shared_text")
        self.text_edit.setPlaceholderText("type text for every column")
        self.text_edit.setToolTip("Text models: type the input yourself; every column reads it at once (the "
                                  "answer is each next character it predicts)")
        self.text_edit.textEdited.connect(self._on_typed)
        self.text_edit.hide()
        self.reset_button = QPushButton("As sampled")
        self.reset_button.setToolTip("Undo every edit of the shared input")
        self.reset_button.clicked.connect(self.reset_edits)

        picking = QHBoxLayout()
        for widget in (previous, self.sample, following):
            picking.addWidget(widget)
        picking.addStretch(1)
        editing = QHBoxLayout()
        editing.addLayout(shifts)
        for widget in (self.permute_box, self.occlude_box, self.occlude_slider, self.length_box, self.reset_button):
            editing.addWidget(widget)
        editing.addStretch(1)
        side = QVBoxLayout()
        title = QLabel("<b>Shared input</b> — every column sees this sample")
        side.addWidget(title)
        side.addLayout(picking)
        side.addWidget(self.truth)
        side.addLayout(editing)
        side.addWidget(self.text_edit)
        side.addWidget(self.described)
        side.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.picture)
        layout.addLayout(side, 1)
        self._set_enabled(False)
        self.truth.setText("The samples load with the data set…")

    # --- the pool -----------------------------------------------------------------
    def set_pool(self, x: np.ndarray, y: np.ndarray, info, vocab: str | None = None) -> None:
        self.pool_x, self.pool_y, self.info = np.asarray(x), np.asarray(y), info
        self.vocab = vocab if getattr(info, "input_kind", "") == "tokens" else None
        self.typed = None
        self.text_edit.setVisible(self.vocab is not None)
        self.sample.blockSignals(True)
        self.sample.setRange(1, max(1, len(x)))
        self.sample.setValue(1)
        self.sample.blockSignals(False)
        self.index = 0
        image = self.is_image
        self.plot.setAspectLocked(image)  # a sequence (features × steps) fills the box, an image keeps its shape
        self.shift_buttons["up"].setVisible(image)
        self.shift_buttons["down"].setVisible(image)
        self.permute_box.setText("Permute pixels" if image else "Shuffle steps")
        self.length_box.setVisible(not image)
        if not image and len(x):
            self.length_box.blockSignals(True)
            self.length_box.setValue(len(x[0]))
            self.length_box.blockSignals(False)
        self._set_enabled(True)
        from gui.views.sample_image import ink_colour_map, photo_colour_map

        self.image.setColorMap(ink_colour_map() if getattr(info, "ink", True) else photo_colour_map())
        self._update()

    def set_failure(self, message: str) -> None:
        self.truth.setText(f"No shared samples: {message}")

    @property
    def is_image(self) -> bool:
        return self.pool_x is not None and self.pool_x.ndim == 4

    def current(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The edited sample and its (edited) target, in the plain form."""
        from engine.lab_input import apply_edits, edit_target

        if self.pool_x is None or not len(self.pool_x):
            return None
        if self.typed is not None:
            return apply_edits(self.typed, self.edits), edit_target(self._typed_target(), self.edits)
        return (apply_edits(self.pool_x[self.index], self.edits),
                edit_target(self.pool_y[self.index], self.edits))

    # --- typed text -------------------------------------------------------------------
    def type_text(self, text: str) -> None:
        """What typing in the text field does (tests call it)."""
        self.text_edit.setText(text)
        self._on_typed(text)

    def _on_typed(self, text: str) -> None:
        if self.vocab is None:
            return
        unknown = sorted({ch for ch in text if ch not in self.vocab})
        if unknown or not text:
            self.typed = None
            shown = ", ".join(f"“{ch}”" for ch in unknown[:5])
            self.truth.setText(f"Not in the vocabulary: {shown} — the columns keep the last input" if unknown
                               else "Type at least one character")
            return
        self.typed = np.array([self.vocab.index(ch) for ch in text], np.int64)
        self._update()

    def _typed_target(self) -> np.ndarray:
        """The next character at every step, where the data set's targets are that
        (a character model); -100 (not scored) for the last step."""
        ids = self.typed
        sample_x, sample_y = self.pool_x[0], self.pool_y[0]
        if sample_y.shape == sample_x.shape and np.array_equal(sample_y[:-1], sample_x[1:]):
            return np.concatenate([ids[1:], [-100]]).astype(np.int64)
        return np.full(ids.shape, -100, np.int64)

    # --- edits ----------------------------------------------------------------------
    def shift(self, direction: str, by: int = 1) -> None:
        dx = {"left": -by, "right": by}.get(direction, 0)
        dy = {"up": -by, "down": by}.get(direction, 0)
        self._set(shift_x=self.edits.shift_x + dx, shift_y=self.edits.shift_y + dy)

    def set_edits(self, edits) -> None:
        self.edits = edits
        for box, on in ((self.permute_box, edits.permute), (self.occlude_box, edits.occlude)):
            box.blockSignals(True)
            box.setChecked(on)
            box.blockSignals(False)
        self._update()

    def reset_edits(self) -> None:
        from engine.lab_input import Edits

        if self.pool_x is not None and not self.is_image and len(self.pool_x):
            self.length_box.blockSignals(True)
            self.length_box.setValue(len(self.pool_x[0]))
            self.length_box.blockSignals(False)
        self.set_edits(Edits())

    def _set(self, **changes) -> None:
        from dataclasses import replace

        self.edits = replace(self.edits, **changes)
        self._update()

    def _on_length(self, value: int) -> None:
        natural = len(self.pool_x[self.index]) if self.pool_x is not None and len(self.pool_x) else None
        self._set(length=None if value == natural else value)

    def _on_sample(self, value: int) -> None:
        self.index = max(0, value - 1)
        self.typed = None  # a picked sample replaces what was typed
        self._update()

    def _set_enabled(self, on: bool) -> None:
        for widget in (self.sample, self.permute_box, self.occlude_box, self.occlude_slider, self.length_box,
                       self.reset_button, *self.shift_buttons.values()):
            widget.setEnabled(on)

    def _update(self) -> None:
        found = self.current()
        if found is None:
            return
        x, y = found
        shown = x[-1] if x.ndim == 4 else x  # a video clip: its last frame, until the strip can play clips
        picture = shown[0] if shown.ndim == 3 else (shown.T if shown.ndim == 2 else shown[None].astype(np.float32))
        self.image.setImage(np.asarray(picture, np.float32), autoLevels=False, levels=(0.0, max(1.0, float(x.max()))))
        self.plot.autoRange()
        target = self._typed_target() if self.typed is not None else self.pool_y[self.index]
        self.truth.setText(f"True answer: {self._target_text(target)}")
        if self.vocab is not None and self.typed is None:  # the picked sample, as text, ready to edit
            self.text_edit.setText("".join(self.vocab[int(i)] for i in self.pool_x[self.index]))
        self.described.setText(f"Edits: {self.edits.describe(self.is_image)}")
        self.changed.emit()

    def _target_text(self, y: np.ndarray) -> str:
        names = tuple(getattr(self.info, "class_names", ()) or ())
        y = np.asarray(y)
        if y.ndim == 0:
            k = int(y) if np.issubdtype(y.dtype, np.integer) else None
            return names[k] if k is not None and k < len(names) else f"{float(y):.3g}"
        scored = y[y != -100] if np.issubdtype(y.dtype, np.integer) else y
        shown = " ".join(names[int(k)] if int(k) < len(names) else str(int(k)) for k in scored[:12]) \
            if np.issubdtype(y.dtype, np.integer) else ", ".join(f"{v:.3g}" for v in scored.reshape(-1)[:4])
        return f"{shown}{' …' if scored.size > 12 else ''} ({scored.size} scored steps)"
