"""A preview of the current data set: image thumbnails with their labels,
sequence plots with their targets, or text windows with the next characters.

Generating a data set can take a while (and the first digits load imports
scikit-learn), so samples are prepared on a superqt worker; requests are
debounced and only the latest is shown. Plot items are created once and fed
with ``setData`` / ``setImage``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from engine.spec import DatasetSpec
from gui.common import palette as pal
from gui.common.style import subdued
from gui.common.task import Task

N_IMAGES, IMAGE_COLUMNS, N_SEQUENCES, MAX_LINES = 16, 8, 4, 3
N_CLIPS = 6
DEBOUNCE_MS = 250
LINE_COLOURS = (pal.BLUE, pal.GREEN, pal.PURPLE)
HEATMAP = pg.ColorMap([0.0, 1.0], [(255, 255, 255), pal.BLUE])  # white → blue: zeros stay quiet


@dataclass(frozen=True)
class PreviewSamples:
    kind: str  # "image" | "sequence" | "tokens"
    x: np.ndarray
    targets: list[str]  # one caption per sample
    target_curves: np.ndarray | None = None  # per-step regression targets (N, T)
    ink: bool = True  # images: ink on paper, or photographs (engine DataInfo.ink)
    note: str = ""  # the status line, where the kind's own would mislead


def prepare_samples(spec: DatasetSpec, seed: int) -> PreviewSamples:
    """Runs on the worker: load (cached by the engine) and pick a few samples."""
    from engine import datasets

    bundle = datasets.load(spec, seed)
    info = bundle.info
    n = N_IMAGES if info.input_kind == "image" else N_CLIPS if info.input_kind == "video" else N_SEQUENCES
    x = bundle.x_train[:n].numpy().copy()
    y = bundle.y_train[:n].numpy().copy()
    names = info.class_names

    def label(value: object) -> str:
        if info.task == "classification":
            return names[int(value)] if 0 <= int(value) < len(names) else str(int(value))
        return f"{float(value):.3g}"

    curves = None
    if info.per_step and info.task == "classification":
        targets = ["target: " + " ".join(label(v) for v in row if v != -100)[:60] for row in y]
    elif info.per_step:
        curves = y[..., 0]
        targets = ["target: next value at every step (dashed)"] * len(y)
    else:
        targets = [label(np.ravel(v)[0]) for v in y]
    if info.input_kind == "video":  # each clip as a filmstrip, first frame to last
        strips = np.concatenate(list(np.moveaxis(x, 1, 0)), axis=-1)  # (N, C, H, T·W)
        return PreviewSamples("image", strips.astype(np.float32), targets, None, info.ink,
                              f"Training clips, {x.shape[1]} frames each left to right, and their labels")
    if info.input_kind == "tokens" and not bundle.vocab:  # not characters: ids that name themselves
        from engine.sequence_text import render_input

        text = [render_input(row, info.token_texts) for row in x]
        return PreviewSamples("tokens", np.array(text, dtype=object), targets,
                              note="Training inputs and their targets")
    if info.input_kind == "tokens":
        vocab = bundle.vocab or ""
        text = ["".join(vocab[int(i)] if 0 <= int(i) < len(vocab) else "?" for i in row) for row in x]
        nxt = ["".join(vocab[int(i)] if 0 <= int(i) < len(vocab) else "?" for i in row) for row in y]
        return PreviewSamples("tokens", np.array(text, dtype=object), nxt)
    return PreviewSamples(info.input_kind, x.astype(np.float32), targets, curves, info.ink)


def tile_images(images: np.ndarray, columns: int, label_rows: int, ink: bool = True) -> np.ndarray:
    """(N, C, H, W) → one row-major image, dark ink on white (``ink``; a
    photograph's light pixels stay light), a gap for labels."""
    n, _, h, w = images.shape
    first = images.mean(axis=1)
    low, high = float(first.min()), float(first.max())
    norm = (first - low) / (high - low if high > low else 1.0)
    norm = 1.0 - norm if ink else norm
    rows = -(-n // columns)
    cell_h, cell_w = h + label_rows, w + 1
    out = np.ones((rows * cell_h, columns * cell_w), np.float32)
    for i in range(n):
        r, c = divmod(i, columns)
        out[r * cell_h:r * cell_h + h, c * cell_w:c * cell_w + w] = norm[i]
    return out


class DatasetPreview(QWidget):
    shown = Signal()  # a preview was drawn (tests wait on it)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.task = Task(self)
        self._pending: tuple[DatasetSpec, int] | None = None
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._start_pending)
        self.samples: PreviewSamples | None = None
        self.status = QLabel("No preview yet.")
        subdued(self.status)
        self._page_height = 150
        self.pages = QStackedWidget()
        self._build_image_page()
        self.sequence_widget: pg.GraphicsLayoutWidget | None = None  # built when first shown (0.1 s of plots)
        self.text_view = QPlainTextEdit()
        self.text_view.setReadOnly(True)
        self.text_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.pages.addWidget(self.text_view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status)
        layout.addWidget(self.pages, 1)
        self.setMinimumSize(240, 150)

    # --- public ---------------------------------------------------------------
    def request(self, spec: DatasetSpec, seed: int, immediately: bool = False) -> None:
        self._pending = (spec, seed)
        self.status.setText("Loading preview…")
        self._debounce.start(0 if immediately else DEBOUNCE_MS)

    @property
    def busy(self) -> bool:
        return self.task.busy or self._debounce.isActive()

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Drop pending requests and wait for a running worker to finish."""
        self._pending = None
        self._debounce.stop()
        self.task.shutdown(timeout_ms)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.shutdown()
        super().closeEvent(event)

    # --- worker -----------------------------------------------------------------
    def _start_pending(self) -> None:
        if self.task.busy or self._pending is None:
            return  # the running worker starts the pending request when done
        spec, seed = self._pending
        self._pending = None
        self.task.start(prepare_samples, spec, seed, on_returned=self._on_returned, on_errored=self._on_errored,
                        on_finished=self._on_worker_finished)

    def _on_worker_finished(self) -> None:
        if self._pending is not None and not self._debounce.isActive():
            self._start_pending()

    def _on_errored(self, exc: BaseException) -> None:
        if self._pending is None:
            self.status.setText(f"No preview: {exc}")

    def _on_returned(self, samples: PreviewSamples) -> None:
        if self._pending is not None:
            return  # outdated: a newer request is waiting
        self.samples = samples
        if samples.kind == "image":
            self._show_images(samples)
        elif samples.kind == "sequence":
            self._show_sequences(samples)
        else:
            self._show_text(samples)
        self.shown.emit()

    # --- pages ------------------------------------------------------------------
    def _build_image_page(self) -> None:
        self.image_widget = pg.GraphicsLayoutWidget()
        self.image_widget.setBackground("w")
        self.image_box = self.image_widget.addViewBox(lockAspect=True, invertY=True, enableMouse=False)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.image_box.addItem(self.image_item)
        self.image_labels = []
        for _ in range(N_IMAGES):
            text = pg.TextItem(color=pal.TEXT, anchor=(0.5, 0.0))
            self.image_box.addItem(text, ignoreBounds=True)  # fit the view to the image alone
            self.image_labels.append(text)
        self.pages.addWidget(self.image_widget)

    def _build_sequence_page(self) -> None:
        self.sequence_widget = pg.GraphicsLayoutWidget()
        self.sequence_widget.setBackground("w")
        self.sequence_plots, self.sequence_lines, self.sequence_targets, self.sequence_maps = [], [], [], []
        for i in range(N_SEQUENCES):
            plot = self.sequence_widget.addPlot(row=i, col=0)
            plot.setMouseEnabled(False, False)
            plot.hideButtons()
            plot.getAxis("left").setWidth(28)
            heatmap = pg.ImageItem(axisOrder="row-major")
            plot.addItem(heatmap)
            lines = [plot.plot(pen=pg.mkPen(c, width=1)) for c in LINE_COLOURS]
            target = plot.plot(pen=pg.mkPen(pal.ORANGE, width=1, style=Qt.PenStyle.DashLine))
            self.sequence_plots.append(plot)
            self.sequence_lines.append(lines)
            self.sequence_targets.append(target)
            self.sequence_maps.append(heatmap)
        self.sequence_plots[-1].setLabel("bottom", "time step")
        self.pages.addWidget(self.sequence_widget)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        # Graphics views ask for ~500 px; in the data panel's scroll area that
        # pushed the thumbnails below the fold. Ask for what the page needs.
        # (The status line does not wrap, so no height-for-width overrides this.)
        return QSize(300, self._page_height + self.status.sizeHint().height() + 6)

    def _show_page(self, page: QWidget, min_height: int) -> None:
        """Only the shown page may size the preview: a QStackedWidget otherwise
        takes the largest minimum of all pages (four plots' worth, even for
        two rows of thumbnails), which pushed the thumbnails below the fold."""
        for i in range(self.pages.count()):
            other = self.pages.widget(i)
            policy = QSizePolicy.Policy.Preferred if other is page else QSizePolicy.Policy.Ignored
            other.setSizePolicy(policy, policy)
            other.setMinimumHeight(min_height if other is page else 0)
        self.pages.setCurrentWidget(page)
        self._page_height = min_height
        self.updateGeometry()

    def _show_images(self, samples: PreviewSamples) -> None:
        x = samples.x
        h, w = x.shape[2], x.shape[3]
        label_rows = max(3, h // 2)
        columns = max(1, min(IMAGE_COLUMNS, IMAGE_COLUMNS * h // w))  # wide filmstrips: fewer a row
        self.image_item.setImage(tile_images(x, columns, label_rows, samples.ink), levels=(0.0, 1.0))
        for i, text in enumerate(self.image_labels):
            if i < len(x):
                r, c = divmod(i, columns)
                text.setText(samples.targets[i])
                text.setPos(c * (w + 1) + w / 2, r * (h + label_rows) + h)
                text.show()
            else:
                text.hide()
        # Keep fitting when the dock is resized later (a one-off autoRange would not).
        self.image_box.enableAutoRange(enable=True)
        self.status.setText(samples.note or "Training samples and their labels")
        self._show_page(self.image_widget, 120)

    def _show_sequences(self, samples: PreviewSamples) -> None:
        if self.sequence_widget is None:  # not at start-up, where Train waited for it
            self._build_sequence_page()
        for i, plot in enumerate(self.sequence_plots):
            lines, target, heatmap = self.sequence_lines[i], self.sequence_targets[i], self.sequence_maps[i]
            plot.setVisible(i < len(samples.x))
            if i >= len(samples.x):
                continue
            seq = samples.x[i]  # (T, F)
            steps = np.arange(len(seq))
            as_lines = seq.shape[1] <= MAX_LINES
            for f, line in enumerate(lines):
                line.setData(steps, seq[:, f]) if as_lines and f < seq.shape[1] else line.setData([], [])
            heatmap.setVisible(not as_lines)
            if not as_lines:
                # Many features (one-hot symbols): a features × time heat map reads better.
                heatmap.setImage(seq.T, levels=(float(seq.min()), float(seq.max()) or 1.0))
                heatmap.setColorMap(HEATMAP)
            if samples.target_curves is not None:
                target.setData(steps, samples.target_curves[i])
            else:
                target.setData([], [])
            plot.setTitle(f"<span style='color:{pal.TEXT}'>{samples.targets[i]}</span>", size="9pt")
            plot.autoRange()
        self.status.setText("Training sequences over time, with their targets")
        self._show_page(self.sequence_widget, 70 * N_SEQUENCES)

    def _show_text(self, samples: PreviewSamples) -> None:
        blocks = []
        for text, nxt in zip(samples.x, samples.targets, strict=True):
            blocks.append(f"input:  {text!r}\ntarget: {nxt!r}")
        self.text_view.setPlainText("\n\n".join(blocks))
        self.status.setText(samples.note or "Text windows; each step’s target is the next character")
        self._show_page(self.text_view, 160)
