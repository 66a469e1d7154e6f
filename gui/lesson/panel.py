"""The lesson panel, docked beside the window (Help ▸ Lessons): which lesson,
the step's text, the prediction to answer before the run (and, once the run
has measured it, what it showed and why), what completes the step, Back /
Skip / Next, the predictions so far, and an exercise's goal with Export
Result. The app stays fully live: the panel only reads the driver."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from engine.lesson_file import Done, Lesson
from gui.common.palette import ERROR, GREEN
from gui.common.settings import app_settings
from gui.lesson.driver import LessonDriver

LEARNER_KEY = "lessons/learner"


def what_completes(done: Done) -> str:
    """The step's action, as an instruction."""
    a = done.action
    if a == "read":
        return "Read, then press Next."
    if a == "train":
        n = done.get("min_epochs")
        return "Press Train (F5) and let the run finish" + (f" ({n} epochs or more)." if n else ".")
    if a == "metric":
        bound = (f"at least {done.get('at_least'):g}" if done.get("at_least") is not None
                 else f"at most {done.get('at_most'):g}")
        return f"Train a model whose final {done.get('metric').replace('_', ' ')} is {bound}."
    if a == "edit_model":
        if done.get("contains"):
            return f"Change the model so that it has a {done.get('contains')} layer."
        if done.get("lacks"):
            return f"Change the model so that it has no {done.get('lacks')} layer."
        return "Change the model (add, remove or edit a layer)."
    if a == "edit":
        want = f" to {done.get('equals')}" if "equals" in done.options else ""
        return f"Change {done.get('path')}{want}."
    if a == "open_view":
        return f"Bring the {done.get('view').replace('_', ' ')} view to the front (View ▸ Live Views)."
    if a == "timeline":
        return "Drag the timeline at the bottom back in time."
    if a == "test":
        return f"Run Train ▸ Test the Trained Model ▸ {done.get('test').replace('_', ' ')}."
    if a == "explain":
        return f"Open Explain ▸ {done.get('explainer')}."
    return ""


class PredictionBox(QGroupBox):
    """The question, the answers to choose from (or a number), Lock In, and the reveal."""

    locked_in = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Your prediction", parent)
        self.setAccessibleName("Prediction")
        self.question = QLabel()
        self.question.setWordWrap(True)
        self.choices = QVBoxLayout()
        self.group = QButtonGroup(self)
        self.number = QDoubleSpinBox()
        self.number.setAccessibleName("Your guess")
        self.lock_button = QPushButton("&Lock In My Answer")
        self.lock_button.setToolTip("Answer before the run: the run will then say whether you were right")
        self.lock_button.clicked.connect(self._lock)
        self.reveal = QLabel()
        self.reveal.setWordWrap(True)
        self.reveal.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.addWidget(self.question)
        layout.addLayout(self.choices)
        layout.addWidget(self.number)
        layout.addWidget(self.lock_button)
        layout.addWidget(self.reveal)
        self._kind = ""
        self._shown: tuple | None = None  # (prediction, answered) whose answers are built

    def show_prediction(self, prediction, given: Any, outcome) -> None:
        self.question.setText(prediction.question)
        answered = given is not None
        # The panel refreshes on every change of the lesson (a run ending, an
        # edit): rebuilding the choices then would drop the answer being picked.
        if self._shown is None or self._shown[0] is not prediction or self._shown[1] != answered:
            self._shown = (prediction, answered)  # the object itself: an id can be reused
            self._build_answers(prediction, given)
        self.lock_button.setVisible(not answered)
        if not answered:
            self.reveal.setText("")
        elif outcome is None:
            self.reveal.setText(f"You said <b>{_shown(given)}</b>. The run will tell.")
        else:
            mark = (f"<span style='color:{GREEN}'>✓ Right.</span>" if outcome.correct
                    else f"<span style='color:{ERROR}'>✗ Not this time.</span>")
            self.reveal.setText(f"{mark} You said <b>{_shown(given)}</b>; the run measured {outcome.measured}, "
                                f"so: <b>{_shown(outcome.right)}</b>.<br>{prediction.why}")

    def _build_answers(self, prediction, given: Any) -> None:
        for button in list(self.group.buttons()):
            self.group.removeButton(button)
            self.choices.removeWidget(button)
            button.hide()  # at once: deleteLater waits for the event loop
            button.deleteLater()
        answered = given is not None
        if prediction.choices:
            self._kind = "choice"
            for i, text in enumerate(prediction.choices):
                button = QRadioButton(text)
                button.setChecked(given == text)
                button.setEnabled(not answered)
                self.group.addButton(button, i)
                self.choices.addWidget(button)
            self.number.hide()
        else:
            self._kind = "number"
            spec = prediction.number or {}
            self.number.setRange(float(spec.get("min", 0)), float(spec.get("max", 1e9)))
            self.number.setDecimals(int(spec.get("decimals", 2)))
            self.number.setSuffix(f" {spec['unit']}" if spec.get("unit") else "")
            if answered:
                self.number.setValue(float(given))
            self.number.setEnabled(not answered)
            self.number.show()

    def choose(self, value: Any) -> None:
        """Pick an answer as a click or a typed number would (tests, keyboard)."""
        if self._kind == "choice":
            for button in self.group.buttons():
                button.setChecked(button.text() == value)
        else:
            self.number.setValue(float(value))

    def _lock(self) -> None:
        if self._kind == "choice":
            checked: QAbstractButton | None = self.group.checkedButton()
            if checked is None:
                self.reveal.setText("Choose an answer first.")
                return
            self.locked_in.emit(checked.text())
        else:
            self.locked_in.emit(self.number.value())


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return str(value)


class LessonPanel(QWidget):
    """Shows ``driver``; ``lessons`` are the built-in course, in its order."""

    def __init__(self, driver: LessonDriver, lessons: list[Lesson], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.driver = driver
        self.lessons = lessons
        self.setObjectName("lesson_panel")
        self.picker = QComboBox()
        self.picker.setAccessibleName("Lesson")
        self.picker.setToolTip("The built-in course, one lesson per claim, in order")
        for lesson in lessons:
            claim = f" ({lesson.claim})" if lesson.claim else ""
            self.picker.addItem(f"{lesson.order}. {lesson.title}{claim}", str(lesson.source))
        self.picker.activated.connect(lambda i: self.open_lesson(self.picker.itemData(i)))
        # Not as wide as the longest title: the dock is a narrow column, and the panel scrolls, never clips.
        self.picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.picker.setMinimumContentsLength(18)
        self.open_button = QPushButton("Open…")
        self.open_button.setToolTip("Open a lesson file (a teacher's own; README, \"Lesson file\")")
        self.open_button.clicked.connect(self._choose_file)
        self.restart_button = QPushButton("Restart")
        self.restart_button.setToolTip("Start this lesson again from its first step, forgetting the answers")
        self.restart_button.clicked.connect(driver.restart)
        top = QHBoxLayout()
        top.addWidget(self.picker, 1)
        top.addWidget(self.open_button)
        top.addWidget(self.restart_button)
        self.title = QLabel()
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.counter = QLabel()
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(8)
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(False)
        self.text.setAccessibleName("Step text")
        self.prediction = PredictionBox()
        self.prediction.locked_in.connect(driver.answer)
        self.todo = QLabel()
        self.todo.setWordWrap(True)
        self.todo.setAccessibleName("To go on")
        self.back_button = QPushButton("&Back")
        self.back_button.clicked.connect(driver.back)
        self.skip_button = QPushButton("S&kip")
        self.skip_button.setToolTip("Go on without doing this step")
        self.skip_button.clicked.connect(lambda: driver.next(skip=True))
        self.next_button = QPushButton("&Next")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(lambda: driver.next())
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.skip_button)
        buttons.addWidget(self.next_button)
        self.outcomes = QListWidget()
        self.outcomes.setAccessibleName("Your predictions so far")
        self.outcomes.setMaximumHeight(110)
        self.outcomes.setWordWrap(True)
        self.goal_box = QGroupBox("Goal")
        self.goal_text = QLabel()
        self.goal_text.setWordWrap(True)
        self.export_button = QPushButton("&Export Result…")
        self.export_button.setToolTip("Save your attempt (experiment, runs, predictions, the goal's check) "
                                      "as a small file for your teacher")
        self.export_button.clicked.connect(self._export_dialog)
        goal_layout = QVBoxLayout(self.goal_box)
        goal_layout.addWidget(self.goal_text)
        goal_layout.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.title)
        layout.addWidget(self.counter)
        layout.addWidget(self.bar)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.prediction)
        layout.addWidget(self.todo)
        layout.addLayout(buttons)
        layout.addWidget(QLabel("Your predictions:"))
        layout.addWidget(self.outcomes)
        layout.addWidget(self.goal_box)
        self._shown_reveal: tuple[int, bool] | None = None
        driver.changed.connect(self.refresh)
        self.refresh()

    def open_lesson(self, path: str, resume: bool = True) -> bool:
        from engine.errors import PlaygroundError
        from engine.lesson_file import load_lesson

        try:
            lesson = load_lesson(path)
        except PlaygroundError as exc:
            self.todo.setText(f"<span style='color:{ERROR}'>{exc}</span>")
            return False
        index = self.picker.findData(str(lesson.source))
        if index >= 0:
            self.picker.setCurrentIndex(index)
        self.driver.start(lesson, str(lesson.source), resume=resume)
        return True

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open Lesson", "", "Lessons (*.json)")
        if path:
            self.open_lesson(path)

    # --- showing ------------------------------------------------------------------
    def refresh(self) -> None:
        d = self.driver
        lesson, step = d.lesson, d.step
        running = lesson is not None
        for widget in (self.back_button, self.skip_button, self.next_button, self.restart_button):
            widget.setEnabled(running)
        if not running:
            self.title.setText("No lesson open")
            self.counter.setText("Choose a lesson above: each leads you through one claim about CNNs and "
                                 "RNNs, on networks you train yourself.")
            self.text.setMarkdown("")
            self.prediction.hide()
            self.todo.setText("")
            self.goal_box.hide()
            self.outcomes.clear()
            return
        n, i = len(lesson.steps), d.index
        self.title.setText(f"{lesson.title} — {step.title}")
        done = d.is_done()
        self.counter.setText(f"Step {i + 1} of {n}" + (" · done" if done else ""))
        self.bar.setRange(0, n)
        self.bar.setValue(len(d.progress.done))
        self.text.setMarkdown(step.text)
        if step.predict is not None:
            self.prediction.show()
            outcome = d.outcome(i)
            self.prediction.show_prediction(step.predict, d.progress.answers.get(i), outcome)
            shown = (i, outcome is not None)
            if shown != self._shown_reveal:
                self._shown_reveal = shown
                # the question, or the answer just revealed
                self._bring_into_view(self.prediction.reveal if outcome is not None else self.prediction)
        else:
            self.prediction.hide()
        if done:
            self.todo.setText("✓ Done: press Next." if i < n - 1 else "✓ Done: press Done to finish the lesson.")
        elif not d.answered(i):
            self.todo.setText("First lock in your answer above — before the run: a guess after it is no guess.")
        else:
            self.todo.setText("To go on: " + what_completes(step.done))
        self.back_button.setEnabled(i > 0)
        self.next_button.setEnabled(done)
        self.next_button.setText("&Done" if i == n - 1 else "&Next")
        self.skip_button.setEnabled(not done)
        self._fill_outcomes()
        if lesson.goal is not None:
            from engine.lesson_measure import check_goal

            check = check_goal(lesson.goal, d.progress.values)
            self.goal_box.show()
            state = "met ✓" if check.met else "not met yet"
            self.goal_text.setText(f"{lesson.goal.text}<br><b>{state}</b>: " + "; ".join(check.lines))
        else:
            self.goal_box.hide()

    def _bring_into_view(self, widget: QWidget) -> None:
        """Scroll the dock (the panel sits in a scroll area) so ``widget`` shows, once laid out."""
        viewport = self.parentWidget()
        area = viewport.parentWidget() if viewport is not None else None
        if isinstance(area, QScrollArea):
            QTimer.singleShot(0, self, lambda: area.ensureWidgetVisible(widget, 0, 0))

    def _fill_outcomes(self) -> None:
        self.outcomes.clear()
        for index, given, outcome in self.driver.outcomes():
            prediction = self.driver.lesson.steps[index].predict
            if outcome is None:
                text = f"{prediction.question} You said {_shown(given)}: the run will tell."
            else:
                mark = "✓" if outcome.correct else "✗"
                text = f"{mark} {prediction.question} You said {_shown(given)}; measured: {_shown(outcome.right)}."
            self.outcomes.addItem(text)

    # --- an exercise's result -------------------------------------------------------
    def export_result(self, path: str, learner: str = "") -> None:
        """Write the attempt (raises OSError / WriteFailed; the dialog says why)."""
        from engine.lesson_results import result_document, write_result

        d = self.driver
        answers = []
        for index, given, outcome in d.outcomes():
            prediction = d.lesson.steps[index].predict
            answers.append({"step": index, "question": prediction.question, "answer": given,
                            "measured": None if outcome is None else outcome.right,
                            "correct": None if outcome is None else outcome.correct})
        doc = result_document(d.lesson, d.ctx.document.experiment, d.progress.values, answers, learner)
        json.dumps(doc)  # fails here, not halfway through the write
        write_result(path, doc)

    def _export_dialog(self) -> None:
        d = self.driver
        if d.lesson is None:
            return
        settings = app_settings()
        learner, ok = QInputDialog.getText(self, "Export Result", "Your name (as your teacher should see it):",
                                           text=settings.value(LEARNER_KEY, "", type=str))
        if not ok:
            return
        settings.setValue(LEARNER_KEY, learner)
        stem = f"{d.lesson.key}-{learner or 'result'}".replace(" ", "_").replace(os.sep, "_")
        path, _ = QFileDialog.getSaveFileName(self, "Export Result", str(Path.home() / f"{stem}.json"),
                                              "Lesson results (*.json)")
        if not path:
            return
        try:
            self.export_result(path, learner)
        except (OSError, ValueError) as exc:
            self.todo.setText(f"<span style='color:{ERROR}'>The result could not be saved: {exc}</span>")
            return
        d.ctx.status(f"Saved your result to {path}")
