"""Convolution and pooling step by step (claims C1 and C5).

A kernel slides over a small input grid one output position at a time: the
window is outlined on the input, its element-wise products with the kernel
are shown, and their sum lands in the output cell. Max and average pooling
go the same way. The numbers come from engine/explain/convolution.py; the
grids from gui/explain/convolution_sources.py (built-in cases, the current
model's first convolution, a real validation sample).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.explain import convolution as cv
from gui.common.task import Task
from gui.explain import convolution_sources as src
from gui.explain.convolution_drawing import draw
from gui.explain.grid_widget import NumberGrid
from gui.explain.registry import ExplainContext

PRESETS = ("C1 worked example", "C5 max pool", "edge detector on a digit", "a trained filter of this model",
           "a real sample")
TRAINED, SAMPLE = 3, 4
MODE_TITLES = {cv.CONVOLUTION: "Convolution", cv.MAX_POOL: "Max pooling", cv.AVG_POOL: "Average pooling"}


def _help(widget: QWidget, tip: str, more: str = "") -> QWidget:
    widget.setToolTip(tip)
    widget.setWhatsThis(f"{tip} {more}".strip())
    return widget


class ConvolutionExplainer(QWidget):
    def __init__(self, context: ExplainContext) -> None:
        super().__init__()
        self.context = context
        self.case = src.C1_CASE
        self.grid, self.kernel = src.C1_CASE.grid.copy(), src.C1_CASE.kernel.copy()
        self.bias, self.note = 0.0, src.C1_CASE.note
        self.steps: list[cv.WindowStep] = []
        self.problem = ""  # why there is no output, when there is none
        self.position = 0
        self.selected: tuple[str, int, int] | None = None  # ("input" | "kernel", row, column)
        self.task = Task(self)  # loads a validation sample
        self._sample_index = 0
        self._updating = False
        self.resize(1400, 720)
        self._build()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._on_tick)
        self._on_speed(self.speed.value())
        document = context.document
        if document is not None:
            document.changed.connect(self.refresh_sources)
        context.weights.changed.connect(self.refresh_sources)
        context.views.shown.connect(self.refresh_sources)
        self.refresh_sources()
        self.choose_preset(TRAINED if self.presets.model().item(TRAINED).isEnabled() else 0)

    # --- building ---------------------------------------------------------------------
    def _build(self) -> None:
        self.presets = QComboBox()
        self.presets.addItems(PRESETS)
        _help(self.presets, "Load a ready-made case: input grid, kernel and settings.",
              "A trained filter replaces only the kernel (and uses that layer's stride and padding); "
              "a real sample replaces only the input.")
        self.presets.activated.connect(self.choose_preset)
        self.pick = _help(QSpinBox(), "Which filter of the layer, or which validation sample, to show.")
        self.pick.setRange(1, 1)
        self.pick.valueChanged.connect(lambda _: self.choose_preset(self.presets.currentIndex()))
        self.mode = QComboBox()
        for mode, title in MODE_TITLES.items():
            self.mode.addItem(title, mode)
        _help(self.mode, "Convolution: weighted sum of the window. Max pooling: its largest value. "
              "Average pooling: its mean.", "Pooling has no weights; it shrinks the map (claim C5).")
        self.size = _help(QSpinBox(), "Kernel (or pooling window) size, k×k cells.")
        self.size.setRange(1, 7)
        self.stride = _help(QSpinBox(), "How many cells the window moves between output positions.",
                            "Stride 2 roughly halves the output size. Pooling in torch defaults to stride = window.")
        self.stride.setRange(1, 4)
        self.padding = _help(QSpinBox(), "Rings of zeros added around the input before sliding.",
                             "Padding (k−1)/2 at stride 1 keeps the output the size of the input ('same').")
        self.padding.setRange(0, 3)
        for box in (self.mode, self.size, self.stride, self.padding):
            signal = box.currentIndexChanged if isinstance(box, QComboBox) else box.valueChanged
            signal.connect(self._on_settings_changed)
        self.cell_label = QLabel("Click a cell to edit it")
        self.value = _help(QDoubleSpinBox(), "The value of the selected input or kernel cell.",
                           "Click a cell to select it; clicking it again cycles 0 → 1 → −1.")
        self.value.setRange(-99.0, 99.0)
        self.value.setDecimals(2)
        self.value.setSingleStep(0.5)
        self.value.setEnabled(False)
        self.value.valueChanged.connect(self._on_value_edited)
        settings = QHBoxLayout()
        for label, widget in (("Example", self.presets), ("#", self.pick), ("Mode", self.mode),
                              ("Size", self.size), ("Stride", self.stride), ("Padding", self.padding)):
            settings.addWidget(QLabel(label))
            settings.addWidget(widget)
        settings.addStretch(1)
        settings.addWidget(self.cell_label)
        settings.addWidget(self.value)

        self.input_view = NumberGrid("Input", "input value")
        self.kernel_view = NumberGrid("Kernel", "weight")
        self.products_view = NumberGrid("Window × kernel", "product")
        self.output_view = NumberGrid("Output", "output value")
        _help(self.input_view, "The input grid; the orange square is the window of the current step.",
              "Click a cell to select and edit it. Dashed grey: the input itself; outside it is padding.")
        _help(self.kernel_view, "The kernel's weights, the same at every position (weight sharing).",
              "Click a weight to select and edit it.")
        _help(self.products_view, "This step's window multiplied by the kernel cell by cell (pooling: the window).")
        _help(self.output_view, "Each step's sum lands in one output cell (orange); empty cells come later.")
        self.input_view.cell_clicked.connect(lambda r, c: self._on_cell_clicked("input", r, c))
        self.kernel_view.cell_clicked.connect(lambda r, c: self._on_cell_clicked("kernel", r, c))
        grids = QGridLayout()
        for column, view in enumerate((self.input_view, self.kernel_view, self.products_view, self.output_view)):
            grids.addWidget(view, 0, column)
            grids.setColumnStretch(column, (5, 3, 3, 4)[column])  # the input holds the most cells

        self.equation = _help(QLabel(), "The arithmetic of this step: each input times its weight, all added up.")
        self.equation.setWordWrap(True)
        self.equation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.equation.font()
        font.setPointSize(font.pointSize() + 2)
        self.equation.setFont(font)
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)

        self.back = _help(QPushButton("◀ Back"), "Previous output position (←).")
        self.play = _help(QPushButton("Play"), "Slide the window automatically (Space).")
        self.play.setCheckable(True)
        self.forward = _help(QPushButton("Forward ▶"), "Next output position (→).")
        self.speed = _help(QSlider(Qt.Orientation.Horizontal), "Animation speed: steps per second (1–10).")
        self.speed.setRange(1, 10)
        self.speed.setValue(3)
        self.speed.setMaximumWidth(160)
        self.speed.valueChanged.connect(self._on_speed)
        self.where = QLabel()
        self.back.clicked.connect(lambda: self.step_by(-1))
        self.forward.clicked.connect(lambda: self.step_by(1))
        self.play.toggled.connect(self._on_play_toggled)
        nav = QHBoxLayout()
        for widget in (self.back, self.play, self.forward, QLabel("Speed"), self.speed, self.where):
            nav.addWidget(widget)
        nav.addStretch(1)
        for key, slot in ((Qt.Key.Key_Left, lambda: self.step_by(-1)), (Qt.Key.Key_Right, lambda: self.step_by(1)),
                          (Qt.Key.Key_Space, self.play.toggle)):
            action = QAction(self)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)

        layout = QVBoxLayout(self)
        layout.addLayout(settings)
        layout.addLayout(grids, 1)
        layout.addWidget(self.equation)
        layout.addWidget(self.explanation)
        layout.addLayout(nav)
        self.setWhatsThis("Convolution and pooling step by step: the orange window slides over the input; "
                          "at each position the products of window and kernel are added up into one output cell.")

    # --- cases ------------------------------------------------------------------------
    def refresh_sources(self, *_args) -> None:
        """Enable "a trained filter" only when the current model has one; say why not in its tooltip."""
        found = src.trained_filters(self.context)
        item = self.presets.model().item(TRAINED)
        item.setEnabled(not isinstance(found, str))
        item.setToolTip(found if isinstance(found, str) else f"Kernels from {found[2]}.")

    def choose_preset(self, index: int) -> None:
        if self._updating:
            return
        self.play.setChecked(False)
        if index == TRAINED:
            found = src.trained_filters(self.context)
            if isinstance(found, str):
                self.note = found
                self._show()
                return
            self._use_trained(*found)
        elif index == SAMPLE:
            self._load_sample()
        else:
            self._use_case((src.C1_CASE, src.C5_CASE, src.EDGE_CASE)[index])
        self._set_pick(index)

    def _use_case(self, case: src.Case) -> None:
        self.grid, self.kernel, self.bias, self.note = case.grid.copy(), case.kernel.copy(), case.bias, case.note
        self._set_controls(case.mode, len(case.kernel), case.stride, case.padding)
        self._recompute(reset=True)

    def _use_trained(self, kernels: np.ndarray, biases: np.ndarray | None, origin: str) -> None:
        _, params = src.first_conv(self.context.document.experiment)
        f = min(self.pick.value(), len(kernels)) - 1 if self.presets.currentIndex() == TRAINED else 0
        self.kernel = kernels[f, 0].copy()
        self.bias = float(biases[f]) if biases is not None else 0.0
        channels = "" if kernels.shape[1] == 1 else f" (input channel 1 of {kernels.shape[1]})"
        self.note = (f"Filter {f + 1} of {len(kernels)} from {origin}{channels}, with that layer's stride "
                     f"{params['stride']} and padding {params['padding']}; its bias {cv.number(self.bias)} is "
                     "added after the sum.")
        if min(self.grid.shape) < 5:  # C1's patch or C5's grid: too small to show a learned filter at work
            self.grid = src.DIGIT_ZERO.copy()
        self._set_controls(cv.CONVOLUTION, len(self.kernel), params["stride"], params["padding"])
        self._recompute(reset=True)

    def _load_sample(self) -> None:
        if self.task.busy:
            return
        experiment = self.context.document.experiment if self.context.document is not None else None
        spec, seed = src.sample_spec(experiment), experiment.training.seed if experiment is not None else 0
        self.note = "Loading a validation sample…"
        self.explanation.setText(self.note)
        self.task.start(src.load_sample, spec, seed, self.pick.value() - 1, on_returned=self._on_sample,
                        on_errored=lambda exc: self._on_sample((self.grid, f"No sample: {exc}")))

    def _on_sample(self, result: tuple[np.ndarray, str]) -> None:
        self.grid, self.note = result[0].copy(), result[1]
        self._recompute(reset=True)

    @property
    def loading(self) -> bool:
        return self.task.busy

    def _set_pick(self, index: int) -> None:
        """The "#" box numbers filters (trained) or samples (real sample); hidden otherwise."""
        self._updating = True
        self.presets.setCurrentIndex(index)
        found = src.trained_filters(self.context) if index == TRAINED else None
        self.pick.setVisible(index in (TRAINED, SAMPLE))
        self.pick.setMaximum(len(found[0]) if isinstance(found, tuple) else 999)
        self._updating = False

    def _set_controls(self, mode: str, size: int, stride: int, padding: int) -> None:
        self._updating = True
        self.mode.setCurrentIndex(list(MODE_TITLES).index(mode))
        self.size.setValue(size)
        self.stride.setValue(stride)
        self.padding.setValue(padding)
        self._updating = False

    # --- stepping ---------------------------------------------------------------------
    def step_by(self, delta: int) -> None:
        if self.steps:
            self.position = int(np.clip(self.position + delta, 0, len(self.steps) - 1))
            self._show()

    def _on_tick(self) -> None:
        if self.position >= len(self.steps) - 1:
            self.play.setChecked(False)
        else:
            self.step_by(1)

    def _on_play_toggled(self, on: bool) -> None:
        self.play.setText("Pause" if on else "Play")
        if on and self.position >= len(self.steps) - 1:
            self.position = 0  # start again from the top-left
            self._show()
        if on:
            self.timer.start()
        else:
            self.timer.stop()

    def _on_speed(self, steps_per_second: int) -> None:
        self.timer.setInterval(int(1000 / steps_per_second))

    # --- editing ----------------------------------------------------------------------
    def _on_settings_changed(self, *_args) -> None:
        if self._updating:
            return
        size = self.size.value()
        if self.mode.currentData() == cv.CONVOLUTION and size != len(self.kernel):
            kernel = np.zeros((size, size))
            keep = min(size, len(self.kernel))
            kernel[:keep, :keep] = self.kernel[:keep, :keep]
            self.kernel = kernel
        self._recompute(reset=True)

    def _on_cell_clicked(self, grid: str, row: int, col: int) -> None:
        if grid == "input":
            row, col = row - self.padding.value(), col - self.padding.value()
            if not (0 <= row < self.grid.shape[0] and 0 <= col < self.grid.shape[1]):
                self.cell_label.setText("Padding is always zero")
                return
        elif self.mode.currentData() != cv.CONVOLUTION:
            return  # pooling has no weights to edit
        target = self.grid if grid == "input" else self.kernel
        if self.selected == (grid, row, col):  # a second click cycles 0 → 1 → −1 → 0
            target[row, col] = {0.0: 1.0, 1.0: -1.0}.get(float(target[row, col]), 0.0)
        self.selected = (grid, row, col)
        self.set_cell(grid, row, col, float(target[row, col]))

    def set_cell(self, grid: str, row: int, col: int, value: float) -> None:
        """Set one input or kernel cell (as the spin box does) and recompute, keeping the position."""
        self.selected = (grid, row, col)
        (self.grid if grid == "input" else self.kernel)[row, col] = value
        self._updating = True
        self.value.setEnabled(True)
        self.value.setValue(value)
        self._updating = False
        self.cell_label.setText(f"{grid.capitalize()} row {row + 1}, column {col + 1}")
        self._recompute(reset=False)

    def _on_value_edited(self, value: float) -> None:
        if not self._updating and self.selected is not None:
            self.set_cell(*self.selected, value)

    # --- computing and drawing --------------------------------------------------------
    def _recompute(self, reset: bool) -> None:
        mode = self.mode.currentData()
        size = len(self.kernel) if mode == cv.CONVOLUTION else self.size.value()
        try:
            self.steps = cv.steps_for(mode, self.grid, self.kernel if mode == cv.CONVOLUTION else size,
                                      self.stride.value(), self.padding.value(), self.bias)
            self.problem = ""
        except cv.ExplainError as exc:
            self.steps, self.problem = [], str(exc)
        self.position = 0 if reset else min(self.position, max(len(self.steps) - 1, 0))
        self._show()

    def _show(self) -> None:
        draw(self)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.play.setChecked(False)
        self.task.shutdown(10_000)
        super().closeEvent(event)

