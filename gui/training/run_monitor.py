"""Shows a training run as it happens: feeds the runner's throttled batches
to the curves, the progress bar and the status bar, and turns divergence and
worker failures into messages. The runner already limits updates to ~25 a
second, so everything here is called at most once per GUI tick; the text
(progress bar, status bar) changes at most five times a second on top of
that: QProgressBar.setValue repaints synchronously, and text nobody can read
at 20 Hz is not worth the GIL time it takes from training."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QElapsedTimer, QObject
from PySide6.QtWidgets import QLabel, QMessageBox

from gui.training.curves import LossCurves
from gui.training.training_runner import IDLE, PAUSED, RUNNING, STARTING, STOPPING, TrainingRunner
from gui.widgets import MessageBanner

STATE_TEXT = {STARTING: "Loading data…", RUNNING: "Training", PAUSED: "Paused", STOPPING: "Stopping…"}
TEXT_INTERVAL_MS = 200
OUTCOME_TEXT = {"finished": "Finished", "stopped": "Stopped", "diverged": "Diverged", "failed": "Failed"}


class RunMonitor(QObject):
    def __init__(self, runner: TrainingRunner, curves: LossCurves, banner: MessageBanner,
                 state_label: QLabel, metric_label: QLabel, device_label: QLabel,
                 show_message: Callable[[str, str, QMessageBox.Icon], None]) -> None:
        super().__init__(runner)
        self.runner = runner
        self.curves = curves
        self.banner = banner
        self.state_label = state_label
        self.metric_label = metric_label
        self.device_label = device_label
        self.show_message = show_message
        self.training_panel: object | None = None
        # gui.training.device_fallback.DeviceFallback: "Train on CPU" after a GPU failure
        self.fallback: object | None = None
        self._text_clock = QElapsedTimer()
        runner.started.connect(self._on_started)
        runner.stepped.connect(self._on_stepped)
        runner.epoch_ended.connect(self._on_epoch_ended)
        runner.diverged.connect(self._on_diverged)
        runner.failed.connect(self._on_failed)
        runner.finished.connect(self._on_finished)
        runner.state_changed.connect(self._on_state_changed)

    def state_text(self) -> str:
        state = self.runner.state
        if state == IDLE:
            return OUTCOME_TEXT.get(self.runner.outcome, "Ready")
        return STATE_TEXT.get(state, state)

    def refresh(self) -> None:
        self.state_label.setText(self.state_text())
        if self.training_panel is not None and self.runner.is_active:
            self.training_panel.show_progress(self.runner.run_info, self.runner.last_step, self.runner.state)

    def clear(self) -> None:
        self.metric_label.setText("")
        self.refresh()

    def _on_state_changed(self, state: str) -> None:
        self._text_clock.invalidate()  # show the next step at once
        self._show_metrics()
        self.refresh()

    def _on_started(self, run: object) -> None:
        self.curves.reset(run.steps_per_epoch, run.metric, run.baseline, run.total_steps)
        self.device_label.setText(f"Device: {run.device}")
        self.metric_label.setText(f"{run.params:,} parameters, {run.n_train:,} training samples")
        self.refresh()

    def _on_stepped(self, batch: object) -> None:
        self.curves.append_steps(batch.steps, batch.losses)
        if self._text_clock.isValid() and self._text_clock.elapsed() < TEXT_INTERVAL_MS:
            return
        self._text_clock.start()
        self._show_metrics()
        if self.training_panel is not None:
            self.training_panel.show_progress(self.runner.run_info, batch.last, self.runner.state)

    def _on_epoch_ended(self, epoch: object) -> None:
        self.curves.add_epoch(epoch.step, epoch.val_loss, epoch.train_metric, epoch.val_metric)
        self._show_metrics()

    def _show_metrics(self) -> None:
        parts = []
        step, epoch = self.runner.last_step, self.runner.last_epoch
        if step is not None:
            parts.append(f"step {step.step:,} loss {step.loss:.4f}")
        if epoch is not None:
            if getattr(self.runner.run_info, "metric", "accuracy") == "accuracy":
                parts.append(f"val accuracy {epoch.val_metric:.1%}")
            else:
                parts.append(f"val MSE {epoch.val_metric:.4g}")
        self.metric_label.setText(" · ".join(parts))

    def _on_diverged(self, event: object) -> None:
        text = (f"Training diverged at step {event.step:,}: the loss became {event.loss}. "
                "Lower the learning rate (or turn on gradient clipping) and train again.")
        self.banner.show_message(text, "error")

    def _on_failed(self, message: str) -> None:
        from gui.training.device_fallback import TITLE, failure_text

        kind, steps = self.runner.failure_kind, self.runner.step_count
        if self.fallback is not None:  # the window's: it knows the experiment and can offer the CPU
            self.fallback.show_failure(message, kind, steps)
            return
        text = failure_text(message, kind, steps)
        self.banner.show_message(text, "error")
        self.show_message(TITLE, text, QMessageBox.Icon.Critical)

    def _on_finished(self, finished: object) -> None:
        outcome = OUTCOME_TEXT.get(self.runner.outcome, "Stopped")
        panel = self.training_panel
        if panel is not None:
            if self.runner.run_info is not None:
                panel.show_progress(self.runner.run_info, self.runner.last_step, IDLE)
                outcome = f"{outcome} · {panel.progress.text()}"
            panel.show_outcome(outcome)
        self.refresh()
