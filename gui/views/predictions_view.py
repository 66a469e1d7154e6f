"""What the model predicts on the first validation samples, after each epoch.

Four pictures, by the kind of data: a strip of thumbnails with predicted
and true labels (one class per sample), the target and predicted symbols
of a few sequences step by step (a class per step: text, copy memory), a
scatter of predicted against true values with the y = x line (one value
per sample), or predicted and target curves over time (a value per step).
Mistakes are red; "Mistakes only" and the page buttons browse the set.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontDatabase, QFontMetricsF
from PySide6.QtWidgets import QCheckBox, QLabel, QStackedWidget, QTextEdit, QToolButton, QWidget

from gui.common import palette as pal
from gui.views import prediction_format as fmt
from gui.views.sample_thumbnails import SampleThumbnails
from gui.views.view_panel import ViewPanel

CURVES = 4  # thumbnails and step-by-step blocks: as many a page as fit the view's size
CURVE_COLOURS = (pal.BLUE, pal.ORANGE, pal.GREEN, pal.PURPLE)


class PredictionsView(ViewPanel):
    title = "Predictions"
    help = ("The model's predictions on the first validation samples after each epoch: predicted and true "
            "labels with mistakes in red, or predicted against true values for regression.")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page = 0
        self.shown_indices = np.zeros(0, np.int64)  # sample-set indices on screen
        self._drawn_key: tuple | None = None
        self.mistakes_only = QCheckBox("Mistakes only")
        self.mistakes_only.setToolTip("Browse only the samples the model gets wrong")
        self.mistakes_only.toggled.connect(lambda: self._go_to_page(0))
        self.previous_button, self.next_button = QToolButton(), QToolButton()
        self.previous_button.setText("◀")
        self.next_button.setText("▶")
        self.previous_button.setToolTip("Previous page of samples")
        self.next_button.setToolTip("Next page of samples")
        self.previous_button.clicked.connect(lambda: self._go_to_page(self.page - 1))
        self.next_button.clicked.connect(self.next_page)
        self.page_label = QLabel("")
        for widget in (self.mistakes_only, self.previous_button, self.page_label, self.next_button):
            self.controls.addWidget(widget)

        self.pages = QStackedWidget()
        self.thumbnails = SampleThumbnails()
        self.thumbnails.capacity_changed.connect(self._on_capacity_changed)
        self.steps_text = QTextEdit()
        self.steps_text.setReadOnly(True)
        self.steps_text.setLineWrapMode(QTextEdit.LineWrapMode.NoWrap)  # keeps true and pred aligned
        self.steps_text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(120)
        self._resize_timer.timeout.connect(lambda: self._on_capacity_changed(0))
        self._build_scatter()
        self._build_curves()
        for page in (self.thumbnails, self.steps_text, self.scatter_plot, self.curve_plot):
            self.pages.addWidget(page)
        self.body.addWidget(self.pages)
        self._clear()

    def _build_scatter(self) -> None:
        self.scatter_plot = pg.PlotWidget(background="w")
        self.scatter_plot.setLabel("bottom", "true value")
        self.scatter_plot.setLabel("left", "predicted value")
        self.scatter_plot.showGrid(x=True, y=True, alpha=0.2)
        for side in ("bottom", "left"):
            self.scatter_plot.getAxis(side).enableAutoSIPrefix(False)
        legend = self.scatter_plot.addLegend(offset=(8, 8), brush=pg.mkBrush(255, 255, 255, 200))
        self.identity_line = pg.PlotDataItem(pen=pg.mkPen(pal.LABEL, width=1, style=Qt.PenStyle.DashLine))
        self.scatter = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(pal.with_alpha(pal.BLUE, 140)))
        self.scatter_plot.addItem(self.identity_line)
        self.scatter_plot.addItem(self.scatter)
        legend.addItem(self.scatter, "validation samples")
        legend.addItem(self.identity_line, "y = x (perfect)")

    def _build_curves(self) -> None:
        self.curve_plot = pg.PlotWidget(background="w")
        self.curve_plot.setLabel("bottom", "time step")
        self.curve_plot.setLabel("left", "value")
        self.curve_plot.showGrid(x=True, y=True, alpha=0.2)
        self.curve_plot.getAxis("left").enableAutoSIPrefix(False)
        self.curve_legend = self.curve_plot.addLegend(offset=(8, 8), brush=pg.mkBrush(255, 255, 255, 200))
        self.predicted_curves, self.target_curves = [], []
        for colour in CURVE_COLOURS:
            predicted = self.curve_plot.plot(pen=pg.mkPen(colour, width=1))
            target = self.curve_plot.plot(pen=pg.mkPen(colour, width=1, style=Qt.PenStyle.DashLine))
            self.curve_legend.addItem(predicted, "predicted")
            self.predicted_curves.append(predicted)
            self.target_curves.append(target)
        self.target_key = pg.PlotDataItem(pen=pg.mkPen(pal.LABEL, width=1, style=Qt.PenStyle.DashLine))
        self.curve_legend.addItem(self.target_key, "target (dashed)")

    # --- public, for the buttons and tests --------------------------------------------
    @property
    def mode(self) -> str | None:
        return fmt.display_mode(self.run) if self._has_samples() else None

    def next_page(self) -> None:
        self._go_to_page(self.page + 1)

    def page_count(self) -> int:
        return max(1, -(-len(self._candidates()) // self.page_size()))

    def page_size(self) -> int:
        """Samples on a page: for thumbnails, as many as fit the view's size."""
        if self.mode == "strip":
            names = fmt.class_names(self.run, int(np.max(self.run.sample_targets, initial=0)) + 1)
            longest = max(names, key=len, default="0")
            kind = fmt.input_kind(self.run)
            widest = f"{longest} ✗ 100% ({longest})" + ("\nMMMMMMMMMM" if kind == "tokens" else "")
            return self.thumbnails.capacity(self.run.sample_inputs, kind, [widest])
        if self.mode == "steps":
            columns, rows = self._steps_grid()
            return columns * rows
        if self.mode == "outputs":
            if fmt.input_kind(self.run) == "image":
                _, targets, _ = fmt.output_texts(self.run, self.run.sample_targets, self.run.sample_targets)
                longest = max(targets, key=len, default="?")
                return self.thumbnails.capacity(self.run.sample_inputs, "image", [f"{longest} ✗\n({longest})"])
            metrics = QFontMetricsF(self.steps_text.font())
            return max(1, int((self.steps_text.viewport().height() - 2 * metrics.lineSpacing())
                              // metrics.lineSpacing()))
        return {"curves": CURVES}.get(self.mode, 1 << 30)

    def _steps_grid(self) -> tuple[int, int]:
        """Columns × rows of per-sample blocks (header, true, pred) that fit the text box
        without scrolling: short sequences (copy memory's 3 scored steps) sit side by side."""
        targets = self.run.sample_targets
        mask = fmt.scored(targets)
        steps = int(mask.sum(axis=1).max(initial=1)) if mask.mean() < 0.5 else targets.shape[1]
        metrics = QFontMetricsF(self.steps_text.font())
        block_chars = max(len("#000  00 of 00 scored steps right"), 6 + steps)
        width = self.steps_text.viewport().width() - 8
        height = self.steps_text.viewport().height() - 2 * metrics.lineSpacing()  # less the note line
        columns = max(1, int(width // (block_chars * metrics.horizontalAdvance("M") + 24)))
        rows = max(1, int(height // (4 * metrics.lineSpacing() + 2)))
        return columns, rows

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if self.mode == "steps":
            self._resize_timer.start()  # debounced: a dragged splitter sends dozens of resizes

    # --- drawing ----------------------------------------------------------------------
    def _has_samples(self) -> bool:
        return self.run is not None and getattr(self.run, "sample_inputs", None) is not None

    def _candidates(self) -> np.ndarray:
        if self.predictions is None or not self._has_samples():
            return np.zeros(0, np.int64)
        targets = self.run.sample_targets
        if self.run.task == "classification" and self.mistakes_only.isChecked():
            return np.nonzero(fmt.sample_mistakes(self.predictions.predicted, targets))[0]
        return np.arange(len(targets))

    def _on_capacity_changed(self, _capacity: int) -> None:
        """Resized: another number of samples fits; keep the first one shown on screen."""
        if self.mode not in ("strip", "steps", "outputs") or not len(self.shown_indices) or \
                self.page_size() == len(self.shown_indices):
            return
        candidates = self._candidates()
        first = int(np.searchsorted(candidates, self.shown_indices[0]))
        self._go_to_page(first // self.page_size())

    def _go_to_page(self, page: int) -> None:
        self.page = page
        self._drawn_key = None
        self.redraw()

    def _clear(self) -> None:
        self.page, self._drawn_key = 0, None
        self.shown_indices = np.zeros(0, np.int64)
        self.thumbnails.clear_samples()
        self.steps_text.clear()
        self.scatter.setData([], [])
        self.identity_line.setData([], [])
        for curve in (*self.predicted_curves, *self.target_curves):
            curve.setData([], [])
        self.page_label.setText("")
        mode = self.mode
        classification = mode in ("strip", "steps", "outputs")
        self.mistakes_only.setVisible(classification)
        for widget in (self.previous_button, self.page_label, self.next_button):
            widget.setVisible(mode != "scatter")
        if mode == "outputs":  # pictures with their captions, or rows of strings
            mode = "strip" if fmt.input_kind(self.run) == "image" else "steps"
        if mode is not None:
            self.pages.setCurrentIndex(("strip", "steps", "scatter", "curves").index(mode))

    def _draw_predictions(self, predictions) -> None:
        if not self._has_samples():
            self.caption.setText("This run carries no validation samples to show.")
            return
        # The hub redraws on every snapshot; predictions only change once an epoch.
        key = (id(predictions), self.page, self.mistakes_only.isChecked())
        if key == self._drawn_key:
            return
        candidates = self._candidates()
        self.page = min(max(self.page, 0), self.page_count() - 1)
        size = self.page_size()
        self.shown_indices = candidates[self.page * size:(self.page + 1) * size]
        self._drawn_key = (id(predictions), self.page, self.mistakes_only.isChecked())
        self.previous_button.setEnabled(self.page > 0)
        self.next_button.setEnabled(self.page < self.page_count() - 1)
        self.page_label.setText(f"page {self.page + 1} of {self.page_count()}")
        getattr(self, f"_draw_{self.mode}")(predictions)

    def _score_text(self, predictions) -> str:
        run, n = self.run, len(self.run.sample_targets)
        when = f"epoch {predictions.epoch}, step {predictions.step}"
        if self.mode == "outputs":
            _, _, exact = fmt.output_texts(run, predictions.predicted, run.sample_targets)
            steps = fmt.accuracy(predictions.predicted, run.sample_targets)
            return (f"Exactly right: {exact.mean():.1%} of {n} validation samples ({int((~exact).sum())} wrong, red); "
                    f"{steps:.1%} of output steps right · {when}")
        if run.task == "classification":
            wrong = int(fmt.sample_mistakes(predictions.predicted, run.sample_targets).sum())
            unit = "of scored steps" if self.mode == "steps" else ""
            score = fmt.accuracy(predictions.predicted, run.sample_targets)
            return f"Accuracy on {n} validation samples: {score:.1%} {unit} ({wrong} with mistakes, red) · {when}"
        baseline = f" (predicting the mean: {run.baseline:.4g})" if run.baseline is not None else ""
        return f"MSE on {n} validation samples: {fmt.mse(predictions.predicted, run.sample_targets):.4g}" \
               f"{baseline} · {when}"

    def _draw_strip(self, predictions) -> None:
        run, indices = self.run, self.shown_indices
        names = fmt.class_names(run, int(max(predictions.predicted.max(initial=0), run.sample_targets.max()) + 1))
        kind = fmt.input_kind(run)
        confidence = predictions.confidence
        captions, details = [], []
        for i in indices:
            p, t = names[int(predictions.predicted[i])], names[int(run.sample_targets[i])]
            c = None if confidence is None else float(confidence[i])
            text = self._strip_caption(p, t, c, fmt.token_text(run, run.sample_inputs[i][-10:])
                                       if kind == "tokens" else None)
            captions.append(text)
            details.append(f"sample #{i}: predicted {p}" + (f" ({c:.0%} sure)" if c is not None else "")
                           + f", true {t}")
        mistakes = predictions.predicted[indices] != run.sample_targets[indices]
        self.thumbnails.ink = getattr(run.info, "ink", True)
        self.thumbnails.show_samples(run.sample_inputs, kind, indices, captions, mistakes, details)
        self.caption.setText(self._score_text(predictions) + ". Captions: predicted ✓/✗ confidence (true); "
                             "hover for details")

    def _draw_outputs(self, predictions) -> None:
        """Each sample's input, the output the model wrote and, where wrong, the target."""
        import html

        run, indices = self.run, self.shown_indices
        written, targets, exact = fmt.output_texts(run, predictions.predicted, run.sample_targets)
        if fmt.input_kind(run) == "image":  # captions under the pictures
            captions = [f"{written[i]} ✓" if exact[i] else f"{written[i]} ✗\n({targets[i]})" for i in indices]
            details = [f"sample #{i}: wrote “{written[i]}”, true “{targets[i]}”" for i in indices]
            self.thumbnails.ink = getattr(run.info, "ink", True)
            self.thumbnails.show_samples(run.sample_inputs, "image", indices, captions, ~exact[indices], details)
            self.caption.setText(self._score_text(predictions) + ". Under each picture: the caption written ✓/✗ "
                                 "(true)")
            return
        from engine.sequence_text import render_input

        texts = run.info.token_texts
        rows = []
        for i in indices:
            colour = fmt.RIGHT_HTML if exact[i] else fmt.WRONG_HTML
            mark = "✓" if exact[i] else f"✗ (true: {html.escape(targets[i])})"
            rows.append(f"<tr><td style='color:{pal.LABEL}; padding-right:12px'>#{int(i)}</td>"
                        f"<td style='padding-right:12px'>{html.escape(render_input(run.sample_inputs[i], texts))}</td>"
                        f"<td style='padding-right:12px'>→</td><td style='color:{colour}'>"
                        f"{html.escape(written[i])} {mark}</td></tr>")
        self.steps_text.setHtml(f"<p style='color:{pal.LABEL}'>input → the output written (red: not exactly "
                                f"right)</p><table cellspacing=0>{''.join(rows)}</table>")
        self.caption.setText(self._score_text(predictions))

    @staticmethod
    def _strip_caption(predicted: str, true: str, confidence: float | None, text: str | None) -> str:
        """Short enough for a thumbnail's width: "9 ✓ 67%" or "8 ✗ 43% (3)"."""
        sure = f" {confidence:.0%}" if confidence is not None else ""
        line = f"{predicted} ✓{sure}" if predicted == true else f"{predicted} ✗{sure} ({true})"
        return line if text is None else f"{text}\n{line}"

    def _draw_steps(self, predictions) -> None:
        run = self.run
        targets = run.sample_targets
        names = fmt.class_names(run, int(max(predictions.predicted.max(initial=0), targets.max()) + 1),
                                characters=True)
        # Copy memory scores 3 of 66 steps: show only those, or the rows are mostly noise.
        scored_only = fmt.scored(targets).mean() < 0.5
        blocks = [fmt.step_rows_html(int(i), targets[i], predictions.predicted[i], names, scored_only)
                  for i in self.shown_indices]
        columns = self._steps_grid()[0]
        rows = ["".join(f"<td style='padding-right:24px; padding-bottom:8px'>{block}</td>"
                        for block in blocks[k:k + columns]) for k in range(0, len(blocks), columns)]
        note = "scored steps only; " if scored_only else ""
        self.steps_text.setHtml(f"<p style='color:{pal.LABEL}'>{note}red: wrong steps</p><table cellspacing=0>"
                                + "".join(f"<tr>{row}</tr>" for row in rows) + "</table>")
        self.caption.setText(self._score_text(predictions))

    def _draw_scatter(self, predictions) -> None:
        true = np.asarray(self.run.sample_targets, np.float32).ravel()
        predicted = np.asarray(predictions.predicted, np.float32).ravel()
        self.shown_indices = np.arange(len(self.run.sample_targets))
        self.scatter.setData(true, predicted)
        both = np.concatenate([true, predicted])
        low, high = (float(both.min()), float(both.max())) if both.size else (0.0, 1.0)
        self.identity_line.setData([low, high], [low, high])
        self.caption.setText(self._score_text(predictions))

    def _draw_curves(self, predictions) -> None:
        targets = np.asarray(self.run.sample_targets, np.float32)
        predicted = np.asarray(predictions.predicted, np.float32)
        steps = np.arange(targets.shape[1])
        for k, (line, target) in enumerate(zip(self.predicted_curves, self.target_curves, strict=True)):
            if k < len(self.shown_indices):
                i = self.shown_indices[k]
                line.setData(steps, predicted[i, :, 0])  # the first target feature
                target.setData(steps, targets[i, :, 0])
                self.curve_legend.getLabel(line).setText(f"#{i} predicted")
            else:
                line.setData([], [])
                target.setData([], [])
                self.curve_legend.getLabel(line).setText("")
        self.caption.setText(self._score_text(predictions))

    # --- in words ---------------------------------------------------------------------
    def describe_now(self) -> str:
        """"12 of 16 shown right (…); most confused: 3 read as 8 (4 times)", from the
        predictions held: no model runs."""
        predictions = self.predictions
        if predictions is None or not self._has_samples() or self.mode is None:
            return ""
        run, mode = self.run, self.mode
        targets, predicted = np.asarray(run.sample_targets), np.asarray(predictions.predicted)
        n, when = len(targets), f"after epoch {predictions.epoch}"
        if mode in ("scatter", "curves"):
            what = f"{n} validation samples" if mode == "scatter" else \
                f"{n} validation sequences of {targets.shape[1]} steps"
            baseline = f" (predicting the mean scores {run.baseline:.3g})" if run.baseline is not None else ""
            spread = (f"; predictions from {float(predicted.min()):.3g} to {float(predicted.max()):.3g}, true values "
                      f"from {float(targets.min()):.3g} to {float(targets.max()):.3g}") if predicted.size else ""
            return f"MSE {fmt.mse(predicted, targets):.3g} on {what}{baseline} {when}{spread}."
        shown = self.shown_indices[self.shown_indices < n]
        if mode == "outputs":
            _, _, exact = fmt.output_texts(run, predicted, targets)
            right = exact
        else:
            right = ~fmt.sample_mistakes(predicted, targets)
        unit = "samples exactly right" if mode == "outputs" else \
            "samples with every scored step right" if mode == "steps" else "samples right"
        text = f"{int(right.sum())} of {n} validation {unit} ({fmt.accuracy(predicted, targets):.1%} "
        text += ("of scored steps" if mode in ("steps", "outputs") else "accuracy") + f") {when}"
        if len(shown) and len(shown) < n:
            chosen = " of the mistakes" if self.mistakes_only.isChecked() else ""
            text += (f"; {int(right[shown].sum())} of {len(shown)} shown right (page {self.page + 1} of "
                     f"{self.page_count()}{chosen})")
        confused = fmt.most_confused(targets, predicted)
        if confused is not None:
            true, guess, count = confused
            names = fmt.class_names(run, int(max(predicted.max(initial=0), targets.max(initial=0))) + 1,
                                    characters=mode == "steps")
            quote = (lambda name: f"“{name}”") if mode != "strip" else (lambda name: name)
            text += (f"; most confused: {quote(names[true])} read as {quote(names[guess])} ({count} "
                     f"time{'s' if count != 1 else ''})")
        return text + "."

    # --- export -----------------------------------------------------------------------
    def export_data(self) -> dict[str, np.ndarray]:
        if self.predictions is None or not self._has_samples():
            return {}
        targets, predicted = self.run.sample_targets, self.predictions.predicted
        if self.mode == "strip":
            confidence = self.predictions.confidence
            confidence = np.full(len(targets), np.nan) if confidence is None else confidence
            table = np.column_stack([np.arange(len(targets)), targets, predicted, confidence])
            return {"index_true_predicted_confidence": table.astype(np.float64)}
        if self.mode == "scatter":
            return {"true_predicted": np.column_stack([targets.reshape(len(targets), -1),
                                                      predicted.reshape(len(predicted), -1)])}
        data = {"target": targets, "predicted": predicted}
        if self.predictions.confidence is not None:
            data["confidence"] = self.predictions.confidence
        return data
