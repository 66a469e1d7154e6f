"""A lesson running over the live window: each step shown opens its file,
outlines its controls, locks what the teacher locked and hides what it
hides; the window's own signals (a run ended, a test ran, an edit, a view
brought forward, the timeline scrubbed, an explainer opened) complete it;
what a step records is kept and every prediction whose values exist is
judged against them. No widgets of its own (gui/lesson/panel.py shows it)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from engine import lesson_targets as targets
from engine.lesson_file import Lesson, Step
from engine.lesson_measure import Outcome, filter_fields, judge, model_fields, run_fields, test_fields
from gui.lesson.context import LessonContext
from gui.lesson.highlights import Highlights
from gui.lesson.progress import Progress, load_progress, save_progress

LOCKED_TIP = "Locked by the lesson"


class LessonDriver(QObject):
    changed = Signal()  # the step, its state, or an outcome changed
    finished = Signal()  # the last step's Next (Done)

    def __init__(self, context: LessonContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = context
        self.lesson: Lesson | None = None
        self.path = ""
        self.progress = Progress()
        self.highlights = Highlights(context.overlay_parent)
        self._locked: list[tuple[QWidget, bool, str]] = []  # widget, was enabled, its tooltip
        self._guarded: dict[str, Any] = {}  # setting path → the value it is locked at
        self._hidden: list[str] = []  # views this step hid
        self._start_model = None  # the model when the step was shown (edit_model)
        self._start_setting: Any = None  # the setting's value when the step was shown (edit)
        self._opening = False  # the lesson's own open: no guard, no completion
        self._restoring = False
        context.run_ended.connect(self._on_run_ended)
        context.tests_done.connect(self._on_tests_done)
        context.timeline_scrubbed.connect(lambda *_: self._complete_if("timeline"))
        for name, dock in context.view_docks.items():
            dock.visibilityChanged.connect(lambda visible, n=name: visible and QTimer.singleShot(
                0, self, lambda: self._check_view(n)))
        for key, action in context.explainer_actions.items():
            action.triggered.connect(lambda _=False, k=key: self._complete_if("explain", explainer=k))
        # One Document for the window's life (Open and New replace its experiment, not it).
        self._document = context.document
        self._own_document = False  # the document in the window is one this lesson opened
        self._replaced_by_open = False
        self._document.replaced.connect(self._on_document_replaced)
        self._document.changed.connect(self._on_document_changed)

    # --- the lesson ---------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.lesson is not None

    @property
    def index(self) -> int:
        return self.progress.index

    @property
    def step(self) -> Step | None:
        return self.lesson.steps[self.progress.index] if self.lesson is not None else None

    def start(self, lesson: Lesson, path: str, resume: bool = True) -> None:
        self.stop()
        self.lesson, self.path = lesson, path
        self.progress = load_progress(path, len(lesson.steps)) if resume else Progress()
        self.show_step(self.progress.index)

    def stop(self) -> None:
        """Leave the lesson (its progress stays in the settings): outlines, locks and hidden views go."""
        self._leave_step()
        self.lesson = None
        self._own_document = False  # back later, the document may be the user's again: ask then
        self.changed.emit()

    def restart(self) -> None:
        if self.lesson is not None:
            self.start(self.lesson, self.path, resume=False)

    def show_step(self, index: int) -> None:
        assert self.lesson is not None
        self._leave_step()
        self.progress.index = max(0, min(len(self.lesson.steps) - 1, index))
        step = self.step
        if step.open is not None and self.progress.index not in self.progress.done:
            self._opening = True
            try:
                # The experiment an earlier step opened, changed as the lesson asked: moving on
                # replaces it without the unsaved-changes question. Anything else is asked about.
                self._replaced_by_open = False
                self.ctx.open_file(step.open, not self._own_document, step.experiment)
                # a comparison or sweep opens a window of its own and leaves the document as it was
                self._own_document = self._own_document or self._replaced_by_open
            finally:
                self._opening = False
        for name in step.hide:
            dock = self.ctx.view_docks.get(name)
            if dock is not None and not dock.isHidden():
                dock.hide()
                self._hidden.append(name)
        for name in (*self.lesson.locked, *step.lock):
            self._lock(name)
        for name in step.highlight:
            if name in targets.VIEWS and name in self.ctx.view_docks:
                dock = self.ctx.view_docks[name]
                dock.show()
                dock.raise_()
        self.highlights.show([lambda n=name: self.ctx.widget_for(n) for name in step.highlight])
        experiment = self._document.experiment if self._document is not None else None
        self._start_model = experiment.model if experiment is not None else None
        if step.done.action == "edit" and experiment is not None:
            self._start_setting = _setting(experiment, step.done.get("path"))
        if step.done.action == "read" and self.answered(self.progress.index):
            self._mark_done()
        elif step.done.action == "open_view":
            QTimer.singleShot(0, self, lambda: self._check_view(step.done.get("view")))
        self._save()
        self.changed.emit()

    def _leave_step(self) -> None:
        self.highlights.clear()
        for widget, enabled, tip in self._locked:
            try:
                widget.setEnabled(enabled)
                widget.setToolTip(tip)
            except RuntimeError:  # deleted meanwhile (a panel rebuilt)
                pass
        self._locked, self._guarded = [], {}
        for name in self._hidden:
            dock = self.ctx.view_docks.get(name)
            if dock is not None:
                dock.show()
        self._hidden = []

    def _lock(self, name: str) -> None:
        for widget in self.ctx.lock_widgets(name):
            self._locked.append((widget, widget.isEnabled(), widget.toolTip()))
            widget.setEnabled(False)
            widget.setToolTip(f"{LOCKED_TIP}: {widget.toolTip()}" if widget.toolTip() else LOCKED_TIP)
        path = targets.CONTROLS.get(name)
        if path is not None and self._document is not None:
            self._guarded[path] = _setting(self._document.experiment, path)

    # --- moving -------------------------------------------------------------------
    def is_done(self, index: int | None = None) -> bool:
        return (self.progress.index if index is None else index) in self.progress.done

    def answered(self, index: int) -> bool:
        assert self.lesson is not None
        return self.lesson.steps[index].predict is None or index in self.progress.answers

    def next(self, skip: bool = False) -> None:
        """Next (once the step is done) or Skip; Done on the last step ends the lesson."""
        if self.lesson is None or (not skip and not self.is_done()):
            return
        step = self.step
        if step.record is not None and step.done.action == "read" and self._document is not None:
            self._record(step.record, model_fields(self._document.experiment))
        if self.progress.index == len(self.lesson.steps) - 1:
            self._save()
            self.finished.emit()
            self.stop()
            return
        self.show_step(self.progress.index + 1)

    def back(self) -> None:
        if self.lesson is not None and self.progress.index > 0:
            self.show_step(self.progress.index - 1)

    def answer(self, value: Any) -> None:
        """Lock in the learner's answer to this step's prediction (before the run)."""
        if self.step is None or self.step.predict is None or self.progress.index in self.progress.answers:
            return
        self.progress.answers[self.progress.index] = value
        if self.step.done.action == "read":
            self._mark_done()
        self._save()
        self.changed.emit()

    # --- outcomes -----------------------------------------------------------------
    def outcome(self, index: int) -> Outcome | None:
        """The prediction of step ``index`` judged against what was measured; None until both exist."""
        if self.lesson is None or index not in self.progress.answers:
            return None
        prediction = self.lesson.steps[index].predict
        return judge(prediction, self.progress.answers[index], self.progress.values) if prediction else None

    def outcomes(self) -> list[tuple[int, Any, Outcome | None]]:
        """(step, answer given, outcome or None) for every prediction answered so far."""
        if self.lesson is None:
            return []
        return [(i, self.progress.answers[i], self.outcome(i)) for i, _ in self.lesson.predictions
                if i in self.progress.answers]

    # --- what completes a step ----------------------------------------------------
    def _ready(self) -> bool:
        """A step completes only once its prediction is locked in: a guess after the run is no guess."""
        return self.lesson is not None and self.answered(self.progress.index) and not self.is_done()

    def _mark_done(self) -> None:
        self.progress.done.add(self.progress.index)
        self._save()
        self.changed.emit()

    def _complete_if(self, action: str, **options: Any) -> None:
        if not self._ready() or self.step.done.action != action:
            return
        if any(self.step.done.get(k) not in (None, v) for k, v in options.items()):
            return
        self._mark_done()

    def _on_run_ended(self, record) -> None:
        if not self._ready() or self.step.done.action not in ("train", "metric"):
            return
        done = self.step.done
        # A step that asks for a few epochs ("Stop after 2") takes a stopped run that got that far.
        stopped_far_enough = (record.outcome == "stopped" and done.action == "train" and "min_epochs" in done.options
                              and len(record.epochs) >= done.get("min_epochs"))
        if not record.summary or (record.outcome != "finished" and not stopped_far_enough):
            if record.outcome in ("diverged", "failed"):
                self.ctx.status(f"The run {record.outcome}: this step needs a run that finishes. "
                                f"{record.message}".strip())
            elif record.outcome == "stopped" and done.action == "train":
                self.ctx.status("The run was stopped before the epochs this step asks for: train again")
            return
        fields = run_fields(record.summary)
        if done.action == "train" and fields["epochs"] < done.get("min_epochs", 1):
            return
        if self.step.record is not None or done.get("metric") in targets.FILTER_FIELDS:
            # The run has ended: building its model once here (torch, the GUI thread) slows no
            # training. From the weights it was given, else from its seed's fresh initialisation.
            fields.update(filter_fields(record.experiment, record.weights, getattr(record, "initial_weights", None)))
        if done.action == "metric":
            value = fields.get(done.get("metric"))
            if value is None or ("at_least" in done.options and value < done.get("at_least")) or (
                    "at_most" in done.options and value > done.get("at_most")):
                self.ctx.status(f"{done.get('metric')} {value if value is None else f'{value:.3f}'}: not yet "
                                "what this step asks for; change something and train again")
                if self.step.record is not None:
                    self._record(self.step.record, fields)
                return
        if self.step.record is not None:
            self._record(self.step.record, fields)
        self._mark_done()

    def _on_tests_done(self, results) -> None:
        if not self._ready() or self.step.done.action != "test":
            return
        wanted = self.step.done.get("test")
        if not any(r.action == wanted for r in results):
            return
        if self.step.record is not None:
            self._record(self.step.record, test_fields(results))
        self._mark_done()

    def _check_view(self, name: str | None) -> None:
        dock = self.ctx.view_docks.get(name or "")
        if dock is not None and dock.isVisible() and not dock.visibleRegion().isEmpty():
            self._complete_if("open_view", view=name)

    def _on_document_replaced(self, *_args) -> None:
        if self._opening:
            self._replaced_by_open = True
        else:  # New, Open, Revert by the learner: theirs now
            self._own_document = False

    def _on_document_changed(self, experiment) -> None:
        if self._opening or self._restoring or self.lesson is None:
            return
        if any(_setting(experiment, p) != v for p, v in self._guarded.items()):
            self._enforce_locks(experiment)
            return
        if not self._ready():
            return
        done = self.step.done
        if done.action == "edit_model" and experiment.model != self._start_model:
            types = {layer.type for layer in experiment.model.layers}
            if done.get("contains") is not None and done.get("contains") not in types:
                return
            if done.get("lacks") is not None and done.get("lacks") in types:
                return
            if self.step.record is not None:
                self._record(self.step.record, model_fields(experiment))
            self._mark_done()
        elif done.action == "edit":
            value = _setting(experiment, done.get("path"))
            if value != self._start_setting and ("equals" not in done.options or value == done.get("equals")):
                if self.step.record is not None:
                    self._record(self.step.record, model_fields(experiment))
                self._mark_done()

    def _enforce_locks(self, experiment) -> None:
        """An edit of a locked part, however it came (a shortcut, Undo, a template, Open): put it back."""
        from engine.errors import PlaygroundError
        from engine.setting_paths import with_settings

        changed = [(p, v) for p, v in self._guarded.items() if _setting(experiment, p) != v]
        if not changed:
            return
        try:
            restored = with_settings(experiment, changed)
        except PlaygroundError:
            return
        names = ", ".join(p for p, _ in changed)
        self.ctx.status(f"{names}: locked by the lesson; put back")

        def put_back() -> None:
            self._restoring = True
            try:
                self._document.set(restored, f"Put back {names} (locked by the lesson)")
            finally:
                self._restoring = False
        QTimer.singleShot(0, self, put_back)

    def _record(self, name: str, fields: dict[str, Any]) -> None:
        self.progress.values[name] = {k: v for k, v in fields.items() if v is None or isinstance(v, int | float)}
        self._save()
        self.changed.emit()

    def _save(self) -> None:
        if self.lesson is not None:
            save_progress(self.path, self.progress)


def _setting(experiment, path: str | None) -> Any:
    from engine.errors import PlaygroundError
    from engine.setting_paths import get_setting

    if not path:
        return None
    try:
        return get_setting(experiment, path)
    except (PlaygroundError, KeyError, IndexError, TypeError):
        return None
